#!/bin/sh
# run-tests.sh: runs every unit test binary, replays every fuzz corpus, runs every
# end-to-end test, and ends with one line "N passed, N failed". Each test prints
# "PASS name", "FAIL name: why" or "SKIP name: why"; a binary that dies without saying
# FAIL counts as one failure. Environment: BUILD (build dir), WARD_BIN (the binary).
BUILD=${BUILD:-build}
out=$(mktemp)
trap 'rm -f "$out"' EXIT INT TERM

run() { # name, command...
    name=$1; shift
    "$@" > "$out.one" 2>"$out.err"
    rc=$?
    cat "$out.one"
    cat "$out.one" >> "$out"
    if [ $rc -ne 0 ] && ! grep -q '^FAIL' "$out.one"; then
        echo "FAIL $name: exited with status $rc"
        echo "FAIL $name: exited with status $rc" >> "$out"
        tail -n 20 "$out.err"
    elif [ $rc -ne 0 ]; then
        tail -n 20 "$out.err"
    fi
    rm -f "$out.one" "$out.err"
}

for t in "$BUILD"/tests/test_*; do
    case "$t" in *.o|*.d) continue ;; esac
    [ -x "$t" ] && run "$(basename "$t")" "$t"
done
for r in "$BUILD"/tests/replay_fuzz_*; do
    case "$r" in *.o|*.d) continue ;; esac
    [ -x "$r" ] || continue
    target=${r##*/replay_fuzz_}
    files=$(find "tests/fuzz/corpus/$target" -type f 2>/dev/null | sort)
    if [ -z "$files" ]; then
        echo "FAIL fuzz_$target: empty corpus tests/fuzz/corpus/$target" | tee -a "$out"
        continue
    fi
    # shellcheck disable=SC2086
    run "fuzz_$target" env WD_FUZZ_TARGET="fuzz_$target" "$r" $files
done
for p in tests/integration/test_*.py; do
    [ -f "$p" ] && run "$(basename "$p" .py)" env WARD_BIN="$WARD_BIN" python3 "$p"
done

pass=$(grep -c '^PASS' "$out")
fail=$(grep -c '^FAIL' "$out")
skip=$(grep -c '^SKIP' "$out")
[ "$skip" -gt 0 ] && echo "($skip skipped, reasons above)"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
