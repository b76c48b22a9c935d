/*
 * bulk.h: framing of bulk ingest bodies, shared by MozDef's /_bulk and Elasticsearch's
 * /_bulk: a JSON array of events, NDJSON with or without Elasticsearch action lines, or
 * one JSON object (MozDef lost it; ward keeps it as one event). A pure function over the
 * body: every value becomes an item delivered in order to a callback; a bad line becomes
 * an item with an error and the line number, never failing the rest of the body.
 */
#ifndef WD_BULK_H
#define WD_BULK_H

#include <stddef.h>
#include <stdint.h>

#include "ward.h"

struct wd_arena;
struct wd_jv;

enum wd_bulk_action { WD_BULK_INDEX, WD_BULK_CREATE, WD_BULK_UPDATE, WD_BULK_DELETE };

struct wd_bulk_item {
    int action;             /* enum wd_bulk_action; bare events (no action line) are INDEX */
    struct wd_str index;    /* _index of the action line; empty when none */
    struct wd_str id;       /* _id of the action line; empty when none */
    struct wd_jv *doc;      /* the decoded source; NULL when status is set */
    size_t line;            /* 1-based line of the source (array: 1-based element index) */
    int status;             /* 0 = ok so far; else the HTTP status of the item error */
    int reason;             /* enum wd_reject when status is set */
    const char *error_type; /* Elasticsearch error type when status is set */
    char msg[160];          /* error reason text when status is set */
};

/* Receives each item in body order; a non-zero return stops the walk with that code. */
typedef int (*wd_bulk_cb)(void *ctx, struct wd_bulk_item *it);

struct wd_bulk_opts {
    uint32_t max_depth; /* JSON nesting limit */
    size_t max_line;    /* longest line in bytes */
    /* The callback keeps nothing of an item's doc, nor of what it allocates in the arena,
     * past its return (it->index and it->id stay valid): the arena memory of each event
     * line is then given back after its callback (wd_arena_rewind), so the next line's
     * tree is built in memory that is still in the cache. */
    bool reuse_docs;
};

/*
 * Walks body[0..len) (readable bytes from body: see wd_json_parse) and calls cb for every
 * item. Decoded trees live in `a`. Returns WD_OK, or the callback's code.
 */
int wd_bulk_parse(const char *body, size_t len, size_t readable, const struct wd_bulk_opts *o,
                  struct wd_arena *a, wd_bulk_cb cb, void *ctx);

const char *wd_bulk_action_name(int action);

/*
 * The events in a body estimated without decoding it (a request refused before its
 * decode, see wd_ingest_lagging): its non-blank lines that do not start like an action
 * line ({"index", {"create", {"update", {"delete"); at least 1 for a non-empty body.
 */
uint64_t wd_bulk_estimate_events(const char *body, size_t len);

#endif
