/*
 * gen.h: the seeded, deterministic event generator behind `ward gen`: Zeek logs (conn, dns,
 * http, ssl, ssh, x509 and a consistent blend of them), sshd/sudo syslog with brute-force
 * bursts, and CloudTrail records, rendered as Zeek TSV, Zeek JSON, raw syslog lines,
 * CloudTrail JSON or MozDef-form events, optionally wrapped for Elasticsearch _bulk.
 *
 * Invariants:
 * - Output depends only on the options: the same options give byte-identical output on
 *   every run and machine (own PRNG, integer arithmetic only, no clock unless the start
 *   time is "now"). Changing the seed changes the output.
 * - Timestamps of successive events never decrease.
 * - wd_gen_next() appends exactly one event per call until `count` events were produced.
 * - A generator is not thread-safe; use one per thread.
 */
#ifndef WD_GEN_H
#define WD_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wd_buf;
struct wd_gen;

/* What to generate. */
enum wd_gen_kind {
    WD_GEN_ZEEK_CONN,
    WD_GEN_ZEEK_DNS,
    WD_GEN_ZEEK_HTTP,
    WD_GEN_ZEEK_SSL,
    WD_GEN_ZEEK_SSH,
    WD_GEN_ZEEK_X509,
    WD_GEN_ZEEK_MIX, /* sessions spanning conn/dns/http/ssl/ssh/x509 with shared uids */
    WD_GEN_SYSLOG,   /* sshd and sudo lines with periodic brute-force bursts */
    WD_GEN_CLOUDTRAIL,
    WD_GEN_MIX, /* zeek-mix, syslog and cloudtrail interleaved */
};

/* How to render it. WD_GEN_FMT_DEFAULT picks the kind's default (see wd_gen_fmt_default). */
enum wd_gen_fmt {
    WD_GEN_FMT_DEFAULT,
    WD_GEN_FMT_TSV,     /* zeek: Zeek ASCII writer, header lines and #close */
    WD_GEN_FMT_JSON,    /* zeek: JSON streaming form; cloudtrail: one record per line */
    WD_GEN_FMT_MOZDEF,  /* every kind: one MozDef event per line */
    WD_GEN_FMT_RFC3164, /* syslog: BSD syslog lines */
    WD_GEN_FMT_RFC5424, /* syslog: RFC 5424 lines */
    WD_GEN_FMT_NATIVE,  /* mix: each source in its own raw form (Zeek JSON, 3164, CloudTrail) */
};

/* Options. Zero-initialise, set kind, then call wd_gen_opts_init() for the defaults. */
struct wd_gen_opts {
    enum wd_gen_kind kind;
    enum wd_gen_fmt fmt;
    uint64_t count;    /* events to produce; 0 = unlimited */
    uint64_t seed;     /* PRNG seed */
    int64_t start_us;  /* timestamp of the first event, microseconds since the epoch */
    double rate_eps;   /* events per second of simulated time, 0.001 .. 1e9 */
    bool bulk;         /* precede each JSON line by an Elasticsearch bulk action line */
    const char *index; /* bulk index name (borrowed; must outlive the generator) */
    bool split;        /* TSV: never emit headers from wd_gen_next (caller writes one file
                          per log with wd_gen_header/wd_gen_footer) */
};

/* Fills every option but kind with its default: fmt DEFAULT, count 1000, seed 1,
 * start 2026-01-01T00:00:00Z, rate 1000, no bulk, index "events", no split. */
void wd_gen_opts_init(struct wd_gen_opts *o);

/* Returns a new generator, or NULL when the options are invalid (unknown kind, a format
 * the kind does not support, rate out of range, bulk with a non-JSON format). The caller
 * frees it with wd_gen_free(). `o` is copied; o->index is borrowed. */
struct wd_gen *wd_gen_new(const struct wd_gen_opts *o);

/* Frees the generator; accepts NULL. */
void wd_gen_free(struct wd_gen *g);

/*
 * Appends the next event to `out`: one line ending in '\n' (two lines with bulk: the
 * action line and the event). In TSV form without `split`, the header lines of a log are
 * prepended before its first record (and, for zeek-mix, a "#close" line and a new header
 * whenever the log changes). Returns the number of bytes appended; 0 once `count` events
 * were produced or on error (wd_gen_err() tells which). Not thread-safe.
 */
size_t wd_gen_next(struct wd_gen *g, struct wd_buf *out);

/* Appends what ends the stream: the "#close" line of the open TSV section (TSV without
 * split); nothing otherwise. Returns WD_OK or a wd_buf error. */
int wd_gen_finish(struct wd_gen *g, struct wd_buf *out);

/* TSV only (no-op otherwise): appends the 8 header lines of log `path` ("conn", "dns", ...)
 * or its "#close" line. Returns WD_OK, WD_ENOENT for an unknown log, or a wd_buf error. */
int wd_gen_header(struct wd_gen *g, const char *path, struct wd_buf *out);
int wd_gen_footer(struct wd_gen *g, const char *path, struct wd_buf *out);

/* Log name of the event last returned by wd_gen_next(): "conn", "dns", "http", "ssl",
 * "ssh", "x509", "syslog" or "cloudtrail"; "" before the first event. Static string. */
const char *wd_gen_path(const struct wd_gen *g);

/* Timestamp (microseconds since the epoch) of the event last returned, 0 before any. */
int64_t wd_gen_ts(const struct wd_gen *g);

/* Events produced so far. */
uint64_t wd_gen_produced(const struct wd_gen *g);

/* WD_OK, or the error that made wd_gen_next() return 0 early (e.g. WD_ELIMIT when `out`
 * is capped). */
int wd_gen_err(const struct wd_gen *g);

/* Name <-> enum helpers. Parsers return WD_OK or WD_EINVAL. */
int wd_gen_kind_parse(const char *s, enum wd_gen_kind *out);
int wd_gen_fmt_parse(const char *s, enum wd_gen_fmt *out);
const char *wd_gen_kind_name(enum wd_gen_kind k);
const char *wd_gen_fmt_name(enum wd_gen_fmt f);
/* The format used when none is given: json (zeek kinds, cloudtrail), rfc3164 (syslog),
 * mozdef (mix). */
enum wd_gen_fmt wd_gen_fmt_default(enum wd_gen_kind k);
/* Whether kind k can be rendered as f. */
bool wd_gen_fmt_ok(enum wd_gen_kind k, enum wd_gen_fmt f);

/*
 * Parses a start time: "now" (wall clock), an ISO 8601 date-time
 * ("2026-01-01T00:00:00Z", fractions, "+hh:mm" offsets, a space instead of 'T', or a bare
 * date) or "@<epoch seconds>". OUT *us: microseconds since the epoch.
 * Returns WD_OK or WD_EINVAL.
 */
int wd_gen_parse_time(const char *s, int64_t *us);

/* `ward gen` command line (argv[0] is "gen"). Writes to stdout, or with --outdir one file
 * per log. Returns the process exit status (0 ok, 1 I/O error, 2 usage error). */
int wd_gen_main(int argc, char **argv);

#endif
