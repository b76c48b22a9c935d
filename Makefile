# ward: one non-recursive GNU Makefile. Variants are variables:
#   make SAN=address,undefined check   sanitizer build (in build-san/)
#   make CC=clang                      another compiler
#   make WERROR=0                      for packagers
# Targets: all (./ward), check, run, bench, lint, fuzz, deps, docs, clean.
#   make bench BENCH_STORE=0           ingest benchmark only (no store/search peers)
#   make bench BENCH_STORE_EVENTS=N    store benchmark size (default 10000000)

PKGS      := libmicrohttpd simdjson libzstd yaml-0.1 zlib gnutls libhs libpcre2-8 libargon2 sqlite3 \
             luajit libmaxminddb librabbitmq
DEB_PKGS  := build-essential pkg-config python3 libmicrohttpd-dev libsimdjson-dev libzstd-dev \
             libyaml-dev zlib1g-dev libgnutls28-dev libhyperscan-dev libpcre2-dev \
             libargon2-dev libsqlite3-dev libluajit2-5.1-dev libmaxminddb-dev librabbitmq-dev
# The browser tests (tests/integration/test_console_browser.py) also need these; the
# test installs them itself when missing (apt-get as root, npm for playwright-core).
BROWSER_DEB := chromium
NODE_DEB  := nodejs npm
BENCH_DEB := rsyslog curl openssl clickhouse-server clickhouse-client
# tests/integration/test_amqp.py and tools/bench-amqp.sh start their own broker.
AMQP_DEB  := rabbitmq-server

CC      ?= cc
CXX     ?= g++
SAN     ?=
WERROR  ?= 1
BUILD   := build$(if $(SAN),-san)

WARN    := -Wall -Wextra -Wshadow -Wpointer-arith -Wformat=2 -Wvla -Wundef -Wimplicit-fallthrough
CWARN   := $(WARN) -Wstrict-prototypes -Wmissing-prototypes -Wwrite-strings
ifeq ($(WERROR),1)
WARN    += -Werror
CWARN   += -Werror
endif
OPT     := -O2 -g -fno-omit-frame-pointer -fstack-protector-strong -fPIE
ifeq ($(SAN),)
OPT     += -D_FORTIFY_SOURCE=2
else
OPT     += -fsanitize=$(SAN) -fno-sanitize-recover=all -DWD_SAN
endif
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS_ALL   := -std=c17 -D_GNU_SOURCE $(OPT) $(CWARN) $(PKG_CFLAGS) -Isrc -MMD -MP $(CFLAGS)
CXXFLAGS_ALL := -std=c++17 -D_GNU_SOURCE $(OPT) $(WARN) $(PKG_CFLAGS) -Isrc -MMD -MP $(CXXFLAGS)
LDFLAGS_ALL  := $(if $(SAN),-fsanitize=$(SAN)) -pie -Wl,-z,relro,-z,now $(LDFLAGS)
LIBS         := $(PKG_LIBS) -lpthread -lm -lstdc++

SRC_C    := $(sort $(wildcard src/*.c))
SRC_CXX  := $(sort $(wildcard src/*.cc))
LIB_OBJ  := $(patsubst src/%.c,$(BUILD)/src/%.o,$(filter-out src/main.c,$(SRC_C))) \
            $(patsubst src/%.cc,$(BUILD)/src/%.o,$(SRC_CXX))
# The console (web/) is embedded: tools/embed.c turns it into a C file of byte arrays.
WEB_SRC  := $(sort $(wildcard web/*.html web/*.js web/*.css web/*.svg))
LIB_OBJ  += $(BUILD)/gen/web_assets.o
MAIN_OBJ := $(BUILD)/src/main.o
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_REPLAY := $(patsubst tests/fuzz/%.c,$(BUILD)/tests/replay_%,$(FUZZ_SRC))
BENCH_SRC := $(sort $(wildcard tests/bench/*.c))
BENCH_BIN := $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))
FLAGS_STAMP := $(BUILD)/.flags

.SECONDARY:
.PHONY: all check run bench lint fuzz deps docs clean check-deps FORCE
all: $(BUILD)/ward $(if $(SAN),,ward)

# A stamp holding the flags: changing them rebuilds everything.
$(FLAGS_STAMP): FORCE
	@mkdir -p $(@D)
	@echo '$(CC) $(CXX) $(CFLAGS_ALL) $(CXXFLAGS_ALL) $(LDFLAGS_ALL)' | cmp -s - $@ || \
	  echo '$(CC) $(CXX) $(CFLAGS_ALL) $(CXXFLAGS_ALL) $(LDFLAGS_ALL)' > $@

check-deps:
	@pkg-config --exists $(PKGS) || { echo "missing libraries: run 'make deps' (as root) first"; \
	  pkg-config --print-errors --exists $(PKGS); exit 1; }

$(BUILD)/src/%.o: src/%.c $(FLAGS_STAMP) Makefile | check-deps
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

$(BUILD)/src/%.o: src/%.cc $(FLAGS_STAMP) Makefile | check-deps
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS_ALL) -c $< -o $@

$(BUILD)/tools/embed: tools/embed.c
	@mkdir -p $(@D)
	$(CC) -std=c17 -O2 -o $@ $< -lz

$(BUILD)/gen/web_assets.c: $(BUILD)/tools/embed $(WEB_SRC)
	@mkdir -p $(@D)
	$(BUILD)/tools/embed $@ web $(WEB_SRC)

$(BUILD)/gen/web_assets.o: $(BUILD)/gen/web_assets.c src/web_assets.h
	$(CC) -std=c17 -O2 -Isrc -c $< -o $@

$(BUILD)/libward.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/ward: $(MAIN_OBJ) $(BUILD)/libward.a
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS)

ward: $(BUILD)/ward
	cp $< $@

$(BUILD)/tests/%.o: tests/unit/%.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -Itests/unit -c $< -o $@

$(BUILD)/tests/test_%: $(BUILD)/tests/test_%.o $(BUILD)/libward.a
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS)

$(BUILD)/tests/fuzz_%.o: tests/fuzz/fuzz_%.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -Itests/fuzz -c $< -o $@

$(BUILD)/tests/replay.o: tests/fuzz/replay.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -Itests/fuzz -c $< -o $@

$(BUILD)/tests/replay_fuzz_%: $(BUILD)/tests/fuzz_%.o $(BUILD)/tests/replay.o $(BUILD)/libward.a
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS)

$(BUILD)/bench/%: tests/bench/%.c $(BUILD)/libward.a $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $< $(BUILD)/libward.a $(LIBS)

check: $(BUILD)/ward $(UNIT_BIN) $(FUZZ_REPLAY) $(if $(SAN),,ward)
	@WARD_BIN=$(CURDIR)/$(BUILD)/ward BUILD=$(BUILD) SAN=$(SAN) tools/run-tests.sh

# libFuzzer builds (clang), one binary per target in build-fuzz/.
FUZZ_CFLAGS := -std=c17 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -DWD_SAN \
               $(PKG_CFLAGS) -Isrc -Itests/fuzz
fuzz:
	@mkdir -p build-fuzz
	$(MAKE) BUILD=build-fuzz-lib CC=clang CXX=clang++ SAN=address,undefined \
	  CFLAGS=-fsanitize=fuzzer-no-link CXXFLAGS=-fsanitize=fuzzer-no-link build-fuzz-lib/libward.a
	for f in $(FUZZ_SRC); do n=$$(basename $$f .c); \
	  clang $(FUZZ_CFLAGS) -fsanitize-link-c++-runtime -o build-fuzz/$$n $$f \
	    build-fuzz-lib/libward.a $(LIBS) || exit 1; done
	@echo "run e.g.: build-fuzz/fuzz_json tests/fuzz/corpus/json"

run:
	@tools/deps.sh $(DEB_PKGS)
	@$(MAKE) --no-print-directory all
	tools/run-demo.sh ./ward

bench: all $(BENCH_BIN)
	BUILD=$(BUILD) tools/run-bench.sh

# Debian's nodejs/npm only when no node is installed (a NodeSource nodejs ships its own npm
# and conflicts with Debian's npm package).
deps:
	@BENCH_DEB="$(BENCH_DEB) $(AMQP_DEB) $(BROWSER_DEB) $$(command -v npm >/dev/null 2>&1 || echo $(NODE_DEB))" \
	  tools/deps.sh $(DEB_PKGS)
	@cd tests/browser && npm install --no-audit --no-fund

docs: ward
	./ward config --markdown > docs/config.md

lint:
	clang-format --dry-run --Werror src/*.c src/*.h src/*.cc tests/unit/*.c tests/fuzz/*.c
	bear --output $(BUILD)/compile_commands.json -- $(MAKE) -B $(BUILD)/libward.a
	clang-tidy -p $(BUILD) --quiet $(SRC_C)
	cppcheck --enable=warning,portability,performance --std=c11 --inline-suppr \
	  --error-exitcode=1 -q -Isrc $(SRC_C)

clean:
	rm -rf build build-san build-fuzz build-fuzz-lib ward

-include $(wildcard $(BUILD)/src/*.d $(BUILD)/tests/*.d)
