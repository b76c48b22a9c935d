/*
 * zeek.h: readers and writers for Zeek's log formats (shared/spec/zeek.md section 1): the
 * TSV ("ASCII") writer's header and rows, and JSON lines (per-file and the streaming form
 * with _path/_write_ts). Pure functions over (buf, len): no I/O, no logging.
 *
 * A record is a wd_jv object with one member per column, named by the column's dotted
 * name (`id.orig_h`) exactly as Zeek's JSON writer names it, and valued as Zeek's JSON
 * writer would write it: bool -> true/false, int/count/port -> integer, time/interval/
 * double -> number (the TSV literal kept as `raw`, so microseconds survive), sets and
 * vectors -> arrays, everything else (addr, subnet, enum, string, func, unknown types)
 * -> string. An unset field (`-`) is absent, as with json_include_unset_fields=F. So the
 * TSV and JSON forms of one log give the same record.
 *
 * String decoding has two modes. WD_ZEEK_JSON_TEXT (the default, used for events)
 * follows Zeek's JSON HEX escape policy: \xHH escapes are decoded, but control bytes
 * other than \b \f \n \r \t and bytes of invalid UTF-8 become the literal text `\xHH`
 * (what the JSON writer emits). WD_ZEEK_BYTES decodes every escape to its byte; the TSV
 * writer re-emits such records byte for byte (conformance tests).
 *
 * Invariants: records borrow from the input line and the header (names), so both must
 * outlive them; nodes come from the caller's arena. A header is owned by one reader.
 */
#ifndef WD_ZEEK_H
#define WD_ZEEK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ward.h"

struct wd_arena;
struct wd_buf;
struct wd_jv;

/* Zeek types a column can have (the element type for set[T]/vector[T]). Types Zeek does
 * not define (`int64`, typos) are WD_ZT_UNKNOWN and read as strings. */
enum wd_zeek_type {
    WD_ZT_UNKNOWN,
    WD_ZT_STRING,
    WD_ZT_ENUM,
    WD_ZT_FUNC,
    WD_ZT_ADDR,
    WD_ZT_SUBNET,
    WD_ZT_BOOL,
    WD_ZT_INT,
    WD_ZT_COUNT,
    WD_ZT_PORT,
    WD_ZT_DOUBLE,
    WD_ZT_TIME,
    WD_ZT_INTERVAL,
};

enum wd_zeek_kind { WD_ZK_SCALAR, WD_ZK_SET, WD_ZK_VECTOR };

struct wd_zeek_col {
    struct wd_str name; /* dotted field name (points into wd_zeek_hdr.text) */
    struct wd_str type; /* type name as written (`set[string]`) */
    uint8_t t;          /* enum wd_zeek_type of the value or element */
    uint8_t kind;       /* enum wd_zeek_kind */
};

#define WD_ZEEK_MAX_COLS 1024
#define WD_ZEEK_MARK_MAX 32 /* longest separator / marker / prefix accepted */

/* Which meta lines a header has seen, in the order they came (for re-emission). */
enum wd_zeek_meta {
    WD_ZM_SEPARATOR,
    WD_ZM_SET_SEPARATOR,
    WD_ZM_EMPTY,
    WD_ZM_UNSET,
    WD_ZM_PATH,
    WD_ZM_OPEN,
    WD_ZM_FIELDS,
    WD_ZM_TYPES,
    WD_ZM_CLOSE,
    WD_ZM__COUNT
};

struct wd_zeek_mark {
    char p[WD_ZEEK_MARK_MAX];
    uint8_t len;
};

struct wd_zeek_hdr {
    struct wd_zeek_mark prefix;  /* meta prefix, "#" by default */
    struct wd_zeek_mark sep;     /* field separator, TAB by default */
    struct wd_zeek_mark set_sep; /* ",", inside sets and vectors */
    struct wd_zeek_mark empty;   /* "(empty)" */
    struct wd_zeek_mark unset;   /* "-" */
    char path[128];              /* #path: the log name ("conn"); "" when none */
    char open[64], close[64];    /* text after "#open"/"#close", its separator included */
    struct wd_zeek_col *cols;    /* ncols columns (owned) */
    uint32_t ncols;
    uint32_t ntypes;             /* columns that got a type from #types */
    char *text;                  /* owned copy of the #fields value (names point into it) */
    char *types_text;            /* owned copy of the #types value (types point into it) */
    uint8_t order[WD_ZM__COUNT]; /* meta lines in input order */
    uint8_t nmeta;
    bool plain;      /* tsv=T form: one plain line of names, no meta lines */
    bool ascii_only; /* writer option: enable_utf_8=F (escape every non-ASCII byte) */
};

/* Record decoding flags (see the top of this file). */
#define WD_ZEEK_JSON_TEXT 0u
#define WD_ZEEK_BYTES     1u

/* Fills *e (may be NULL) with code, offset and a constant message; returns code. */
int wd_zeek_fail(struct wd_perr *e, int code, size_t off, const char *msg);

/* Fills `h` with Zeek's defaults (no columns yet). */
void wd_zeek_hdr_init(struct wd_zeek_hdr *h);
/* Frees the columns; `h` may be re-initialised. NULL is fine. */
void wd_zeek_hdr_fini(struct wd_zeek_hdr *h);

/* True when p[0..len) is a meta line of this header (starts with its prefix). */
bool wd_zeek_is_meta(const struct wd_zeek_hdr *h, const char *p, size_t len);

/*
 * Reads the first line of a TSV log: `<prefix>separator <escaped separator>`. Sets the
 * prefix and separator (and restarts the header). Returns WD_OK, or WD_EPARSE when the
 * line is not such a line (err->msg says why).
 */
int wd_zeek_hdr_first(struct wd_zeek_hdr *h, const char *p, size_t len, struct wd_perr *err);

/*
 * Reads one more meta line (it must start with the prefix): #set_separator, #empty_field,
 * #unset_field, #path, #open, #close, #fields, #types; other meta lines are ignored.
 * #fields replaces the columns (a new header in the same stream). Values are unescaped
 * (\xHH). Returns WD_OK, WD_EPARSE (malformed; err set) or WD_ELIMIT (too many columns
 * or a marker longer than WD_ZEEK_MARK_MAX).
 */
int wd_zeek_hdr_line(struct wd_zeek_hdr *h, const char *p, size_t len, struct wd_perr *err);

/* Sets the columns from one plain TAB-separated line of names (the writer's tsv=T form);
 * every column reads as a string. Returns WD_OK, WD_EPARSE or WD_ELIMIT. */
int wd_zeek_hdr_plain(struct wd_zeek_hdr *h, const char *p, size_t len, struct wd_perr *err);

/* Maps a Zeek type name (`count`, `set[addr]`) to its type and kind. Unknown names give
 * WD_ZT_UNKNOWN (read as strings). */
void wd_zeek_type_parse(const char *p, size_t len, uint8_t *t, uint8_t *kind);

/*
 * Parses one data line into a new record (see the top of this file). The header must
 * have columns. flags: WD_ZEEK_JSON_TEXT or WD_ZEEK_BYTES. Values that are not valid for
 * their type (a masked `XXXXXXXXXX.XXXXXX` time) are kept as strings and counted in
 * *bad_values (may be NULL).
 * Returns WD_OK, WD_EPARSE when the column count differs from the header (err->off is the
 * offset of the first missing or extra field), WD_ENOMEM when the arena is exhausted.
 */
int wd_zeek_tsv_row(const struct wd_zeek_hdr *h, const char *p, size_t len, unsigned flags,
                    struct wd_arena *a, struct wd_jv **out, uint32_t *bad_values,
                    struct wd_perr *err);

/* Writes the header's meta lines as Zeek wrote them, in input order, each ending with
 * '\n' (#close is not written: see wd_zeek_tsv_emit_close). */
int wd_zeek_tsv_emit_hdr(const struct wd_zeek_hdr *h, struct wd_buf *out);
int wd_zeek_tsv_emit_close(const struct wd_zeek_hdr *h, struct wd_buf *out);
/* Writes a record as one TSV line (with '\n') with Zeek's rendering and escaping rules:
 * absent member -> unset marker, empty string or container -> empty marker, times with 6
 * decimals, doubles as Zeek prints them. The record is read as WD_ZEEK_BYTES decoded. */
int wd_zeek_tsv_emit_row(const struct wd_zeek_hdr *h, const struct wd_jv *rec, struct wd_buf *out);

/* Formats a Zeek double for TSV (at most 6 decimals, trailing zeros trimmed, ".0" on
 * integral values, inf/-inf/nan) into out (>= 400 bytes); returns the length. */
size_t wd_zeek_fmt_double(double d, char *out);

/*
 * Parses one JSON log line into a record (it must be an object). Strings follow the
 * input exactly; numbers keep their literal. Returns WD_OK, WD_EPARSE (not JSON or not
 * an object; err set) or the wd_json_parse codes.
 */
int wd_zeek_json_row(const char *p, size_t len, size_t readable, struct wd_arena *a,
                     struct wd_jv **out, struct wd_perr *err);

/* Writes a record as Zeek's JSON writer does (compact, members in order, \b \f \n \r \t
 * escapes, other control bytes as \u00XX, U+F0000..U+F00FF as \udb80\udcXX surrogate
 * pairs for the PUA policy, other UTF-8 literal), then '\n'. */
int wd_zeek_json_emit(const struct wd_jv *rec, struct wd_buf *out);

/* Formats of a Zeek log, recognised from its first line. */
enum wd_zeek_fmt { WD_ZF_NONE, WD_ZF_TSV, WD_ZF_JSON };

/* Recognises the format from the first line of a log (TSV: `<prefix>separator `, JSON: an
 * object). WD_ZF_NONE: not a Zeek log. */
int wd_zeek_detect(const char *p, size_t len);

/*
 * Parses a Zeek time literal (decimal seconds, optional sign and fraction, as both
 * writers print it) to microseconds, exactly (no double rounding). Returns false when
 * p[0..len) is not such a literal or is out of range.
 */
bool wd_zeek_time_us(const char *p, size_t len, int64_t *us);

/* The log name of a file name: "conn.log" -> conn, "conn.00:00:00-01:00:00.log.gz" ->
 * conn, "dns.json.gz" -> dns, ".../current/http.log" -> http. Writes at most cap-1 bytes
 * and a NUL; returns the length (0 when none). */
size_t wd_zeek_log_of_file(const char *name, char *out, size_t cap);

/*
 * A reader of one Zeek log stream (a file, a request body): recognises the format from
 * the first line, keeps the TSV header, and turns each data line into a record with
 * times in canonical form (wd_zeek_canon_times) and strings decoded as JSON text.
 */
struct wd_zeek_reader {
    struct wd_zeek_hdr hdr;
    int fmt;             /* enum wd_zeek_fmt; WD_ZF_NONE until the first line */
    char log[64];        /* log name: #path, else the hint given at init */
    uint64_t lines;      /* lines fed */
    uint32_t bad_values; /* TSV values kept as strings because they did not parse */
    bool closed;         /* #close seen */
};

/* log_hint: the log name to use when the stream names none (NULL: ""). */
void wd_zeek_reader_init(struct wd_zeek_reader *r, const char *log_hint);
void wd_zeek_reader_fini(struct wd_zeek_reader *r);

/*
 * Feeds one line (without its newline). readable: bytes readable from p (>= len; padding
 * lets JSON parse in place). OUT: *rec the record (NULL for meta and blank lines), *log
 * its log name (JSON `_path`, else the reader's). Returns WD_OK; WD_EINVAL when the first
 * line shows the stream is not a Zeek log (err->msg says why; the caller refuses the
 * whole stream); WD_EPARSE for a bad line (err->off inside the line); WD_ENOMEM.
 */
int wd_zeek_reader_line(struct wd_zeek_reader *r, const char *p, size_t len, size_t readable,
                        struct wd_arena *a, struct wd_jv **rec, struct wd_str *log,
                        struct wd_perr *err);

#endif
