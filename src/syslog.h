/*
 * syslog.h: syslog message parser (RFC 5424, RFC 3164 and the real-world deviations listed in
 * spec/interop.md section 3.4) and TCP stream framing (RFC 6587, octet counting or LF trailer,
 * detected per frame).
 *
 * Everything here is a pure function over (buf, len): no allocation, no I/O, no logging, no
 * global state, so every function is thread-safe and fuzzable. Parsed fields are struct wd_str
 * views into the caller's buffer (borrowed: valid as long as that buffer is) and are never
 * NUL-terminated. Absent fields are empty views (len 0, p never NULL).
 *
 * Time zones are NOT applied here: the parser returns the broken-down timestamp exactly as sent
 * (struct wd_syslog_time) and the caller converts it to an epoch with the zone and year rules it
 * is configured with (BSD timestamps carry neither).
 */
#ifndef WD_SYSLOG_H
#define WD_SYSLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ward.h"

enum wd_syslog_format {
    WD_SYSLOG_3164 = 1, /* BSD syslog, or anything that is not a well-formed 5424 header */
    WD_SYSLOG_5424 = 2, /* "<PRI>VERSION SP TIMESTAMP SP ..." */
};

/*
 * Deviation flags (bits of wd_syslog_msg.flags). None of them is an error: they record what
 * the parser had to tolerate, for counters and for the operator.
 */
enum wd_syslog_flag {
    /* no "<PRI>": pri = -1, treated as user.notice */
    WD_SYSLOG_F_MISSING_PRI = 1 << 0,
    /* "<...>" that is not a valid PRI (> 191, not digits, > 3 digits, unclosed): handled as
     * MISSING_PRI (also set) and the whole text is msg */
    WD_SYSLOG_F_BAD_PRI = 1 << 1,
    /* PRI with leading zeros ("<013>"): accepted */
    WD_SYSLOG_F_PRI_ZEROS = 1 << 2,
    /* 3164: no HOSTNAME in the header */
    WD_SYSLOG_F_MISSING_HOST = 1 << 3,
    /* 3164: no recognisable timestamp */
    WD_SYSLOG_F_MISSING_TIME = 1 << 4,
    /* 5424: TIMESTAMP field present but invalid (ts.has_time false) */
    WD_SYSLOG_F_BAD_TIME = 1 << 5,
    /* 3164 header with an RFC 3339 / ISO 8601 timestamp */
    WD_SYSLOG_F_ISO_TIME = 1 << 6,
    /* 3164 header with a 10-digit Unix timestamp (returned as UTC) */
    WD_SYSLOG_F_EPOCH_TIME = 1 << 7,
    /* BSD timestamp carried a year */
    WD_SYSLOG_F_YEAR = 1 << 8,
    /* zone abbreviation seen but not mapped (ts.zone_name holds it) */
    WD_SYSLOG_F_ZONE_IGNORED = 1 << 9,
    /* more than 6 fraction digits: the extra ones were dropped */
    WD_SYSLOG_F_FRAC_TRUNC = 1 << 10,
    /* Cisco IOS/ASA syntax: counters, clock marker, "timestamp:" or %FAC-SEV-MNEMONIC */
    WD_SYSLOG_F_CISCO = 1 << 11,
    /* Cisco '*' or '.' marker: the device clock is not (or no longer) NTP-synchronised */
    WD_SYSLOG_F_CISCO_UNSYNC = 1 << 12,
    /* 5424 VERSION other than 1 (parsed with the version 1 grammar) */
    WD_SYSLOG_F_BAD_VERSION = 1 << 13,
    /* 5424 header field over its RFC length or not printable US-ASCII: kept as sent */
    WD_SYSLOG_F_BAD_FIELD = 1 << 14,
    /* 5424 header ended before STRUCTURED-DATA, or the SD field is neither "-" nor "[":
     * the rest is msg */
    WD_SYSLOG_F_MISSING_SD = 1 << 15,
    /* 5424 SD starts with "[" but is malformed: sd is empty and msg starts at the "[" */
    WD_SYSLOG_F_BAD_SD = 1 << 16,
    /* a UTF-8 BOM was stripped (at the start of the input or of msg) */
    WD_SYSLOG_F_BOM = 1 << 17,
    /* trailing LF/CR/NUL bytes were stripped */
    WD_SYSLOG_F_TRAILER = 1 << 18,
};

/*
 * A timestamp exactly as the header gave it. Fields are 0 when has_time is false.
 * Ranges are checked (month 1..12, day valid for the month, hour 0..23, min 0..59, sec 0..60)
 * so the caller can convert without re-validating.
 */
struct wd_syslog_time {
    int year;                /* 4-digit year; 0 = the header had none (BSD): caller supplies */
    int month;               /* 1..12 */
    int day;                 /* 1..31 */
    int hour;                /* 0..23 */
    int min;                 /* 0..59 */
    int sec;                 /* 0..60 (60 = a leap second, kept as sent) */
    int usec;                /* microseconds 0..999999 (fraction digits past 6 are dropped) */
    int zone_off_s;          /* seconds east of UTC; meaningful only when has_zone */
    bool has_zone;           /* Z, UTC, GMT, UT or a numeric offset was present */
    bool has_time;           /* a timestamp was recognised */
    struct wd_str zone_name; /* unmapped zone abbreviation ("CEST"), else empty */
};

/* One parsed message. Views borrow the input buffer given to wd_syslog_parse(). */
struct wd_syslog_msg {
    int pri;        /* 0..191, or -1 when absent or invalid (facility/severity say user.notice) */
    int facility;   /* pri / 8, or 1 (user) when pri is -1 */
    int severity;   /* pri % 8, or 5 (notice) when pri is -1 */
    int format;     /* enum wd_syslog_format */
    int version;    /* 5424 VERSION as sent (normally 1); 0 for 3164 */
    uint32_t flags; /* enum wd_syslog_flag bits: deviations */
    struct wd_syslog_time ts;
    struct wd_str hostname;      /* HOSTNAME (5424 "-" gives empty) */
    struct wd_str appname;       /* 3164 TAG (without "[PID]:") / 5424 APP-NAME */
    struct wd_str procid;        /* 3164 PID inside "[...]" / 5424 PROCID */
    struct wd_str msgid;         /* 5424 MSGID; Cisco "%FAC-SEV-MNEMONIC" without the "%" */
    struct wd_str sd;            /* 5424 STRUCTURED-DATA raw text ("[...][...]"), else empty */
    struct wd_str msg;           /* MSG/CONTENT, leading UTF-8 BOM stripped; may be empty */
    struct wd_str cisco_counter; /* Cisco message counter ("237" in "<189>237: ..."), or empty */
    struct wd_str cisco_seq;     /* Cisco sequence number (the second counter), or empty */
};

/*
 * Parses one syslog message (no framing: exactly one message in p[0..len)). Trailing LF, CR
 * and NUL bytes and a leading UTF-8 BOM are ignored. The format (5424 or 3164) is detected
 * from the bytes after PRI. The parser is lenient: any non-empty input yields a message (at
 * worst everything is msg) and deviations are reported in m->flags.
 * OUT m: filled on WD_OK (views into p). OUT err (may be NULL): on error, code/offset/message.
 * Returns WD_OK, WD_EPARSE when nothing is left after trimming (err->off = 0), or WD_EINVAL for
 * a NULL m.
 */
int wd_syslog_parse(const char *p, size_t len, struct wd_syslog_msg *m, struct wd_perr *err);

/* Name of a facility 0..23 ("kern" .. "local7") or severity 0..7 ("emerg" .. "debug");
 * static strings; NULL when out of range. */
const char *wd_syslog_facility_name(int fac);
const char *wd_syslog_severity_name(int sev);

/*
 * Structured-data iterator over a raw SD text such as wd_syslog_msg.sd. Each wd_syslog_sd_next()
 * call yields one (SD-ID, PARAM-NAME, PARAM-VALUE) triple; an element without parameters yields
 * once with an empty name and value. Values are raw (still escaped): see wd_syslog_sd_unescape().
 * Leniency: unescaped "]" inside a quoted value is accepted, several spaces between params are
 * accepted, name lengths are not enforced, duplicate SD-IDs are returned as they come.
 * Iteration stops (WD_ENOENT) at the end or at the first byte, between elements, that is not "[".
 */
struct wd_syslog_sd_iter {
    const char *p;    /* borrowed SD text */
    size_t len;       /* bytes in p */
    size_t pos;       /* next byte to read */
    struct wd_str id; /* SD-ID of the element being read */
    bool in_elem;     /* between params of element `id` (else between elements) */
    size_t err_off;   /* after WD_EPARSE: offset in p of the offending byte */
};

/* Starts iterating over `sd` (borrowed; must outlive the iterator). */
void wd_syslog_sd_iter_init(struct wd_syslog_sd_iter *it, struct wd_str sd);

/*
 * OUT sd_id, name, value_raw: views into the SD text. Returns WD_OK for each triple,
 * WD_ENOENT at the end, WD_EPARSE on malformed SD (it->err_off tells where; iteration then
 * stays failed).
 */
int wd_syslog_sd_next(struct wd_syslog_sd_iter *it, struct wd_str *sd_id, struct wd_str *name,
                      struct wd_str *value_raw);

/*
 * Removes the RFC 5424 escapes \" \\ \] from a raw PARAM-VALUE; any other backslash is kept
 * literally. OUT out: at least raw.len bytes (not NUL-terminated). Returns the bytes written
 * (<= raw.len).
 */
size_t wd_syslog_sd_unescape(struct wd_str raw, char *out);

/*
 * TCP framing (RFC 6587), detected per frame: a frame whose first byte is a digit and whose
 * digits are followed by SP is octet-counted "MSG-LEN SP MSG"; anything else (including digits
 * followed by another byte, e.g. a PRI-less ISO timestamp) is one line ended by LF or NUL, with
 * one CR before the LF stripped. LF, CR and NUL bytes before a frame (empty lines, the stray LF
 * after an octet-counted frame, CRLF/NUL trailers) are skipped.
 *
 * IN buf/len: the bytes received and not yet consumed. max_msg: the longest message (> 0).
 * A receive buffer of at least max_msg + 32 bytes always lets a call make progress (an
 * octet-counted header is at most 11 bytes, a line needs max_msg + 2 bytes to be judged, and
 * up to 21 leading digits are read before deciding between the two framings).
 * OUT msg: view into buf. OUT consumed: bytes the caller drops from the front of its buffer.
 * OUT err (may be NULL): code, offset of the frame start in buf, constant text.
 * Returns:
 *   WD_OK      msg is one message; drop *consumed bytes.
 *   WD_EAGAIN  no complete frame yet: read more. *consumed counts only skippable separator
 *              bytes at the front (usually 0); dropping them is optional.
 *   WD_ELIMIT  the frame is longer than max_msg. msg holds its first max_msg bytes (truncated,
 *              still worth parsing and flagging). For an octet-counted frame *consumed is the
 *              full frame size and MAY EXCEED len: the caller must also discard the next
 *              (*consumed - len) bytes it receives. For a line, *consumed reaches past the next
 *              LF/NUL when it is in buf; otherwise *consumed == len and the caller must discard
 *              bytes up to and including the next LF/NUL (wd_syslog_framer_next does both).
 *   WD_EPARSE  invalid MSG-LEN (leading zero, or more than 10 digits) before SP; *consumed
 *              covers the bad length and its SP. The stream is probably not syslog: closing
 *              the connection is the safe reaction.
 *   WD_EINVAL  max_msg == 0.
 */
int wd_syslog_frame_next(const char *buf, size_t len, size_t max_msg, struct wd_str *msg,
                         size_t *consumed, struct wd_perr *err);

/*
 * Stateful wrapper for one TCP connection that performs the discards WD_ELIMIT asks for, so
 * *consumed never exceeds len. Same return codes as wd_syslog_frame_next(), except that
 * WD_EAGAIN may come with *consumed > 0 (bytes of an over-long frame being discarded, or
 * separators) which the caller must drop. Init with wd_syslog_framer_init(); no _fini needed.
 */
struct wd_syslog_framer {
    uint64_t skip_bytes; /* bytes of an over-long octet-counted frame still to discard */
    bool skip_line;      /* discarding the rest of an over-long line through the next LF/NUL */
};

void wd_syslog_framer_init(struct wd_syslog_framer *f);
int wd_syslog_framer_next(struct wd_syslog_framer *f, const char *buf, size_t len, size_t max_msg,
                          struct wd_str *msg, size_t *consumed, struct wd_perr *err);

/* UDP datagrams: returns p[0..len) without trailing LF, CR and NUL bytes (a view). */
struct wd_str wd_syslog_dgram_trim(const char *p, size_t len);

#endif
