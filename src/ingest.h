/*
 * ingest.h: the input-independent part of the pipeline. An input decodes its wire format
 * into wd_jv trees, adds them to a batch (normalize + serialize), then commits the batch
 * to the write-ahead log, which gives each event its sequence number (event id). Only
 * after wd_ingest_commit() returns WD_OK may the input acknowledge the batch.
 *
 * A batch is owned by one thread at a time; it is reused across requests (its arena
 * and buffers are reset, not freed) so the steady state does not call malloc per event.
 */
#ifndef WD_INGEST_H
#define WD_INGEST_H

#include <stdbool.h>
#include <stdint.h>

#include "mem.h"
#include "ward.h"

struct wd_server;
struct wd_jv;

/* Where an event came from. Only /custom/<app> changes normalization (a.3): the other
 * endpoints MozDef's loginput named did not survive key mapping. */
struct wd_ingest_meta {
    const char *custom_app; /* <app> of /custom/<app>: skip key mapping; NULL otherwise */
    struct wd_str dataset;  /* Elasticsearch _index, kept as `dataset`; empty = none */
};

struct wd_ingest_batch {
    struct wd_arena arena; /* decoded trees of the batch */
    struct wd_buf payload; /* WAL payload: count x (u32 len, JSON) */
    struct wd_buf scratch; /* one event's text during normalization */
    uint32_t count;        /* events in payload */
    uint32_t norm_errors;  /* events kept with a note in `errors` */
};

void wd_ingest_batch_init(struct wd_ingest_batch *b);
void wd_ingest_batch_reset(struct wd_ingest_batch *b);
void wd_ingest_batch_fini(struct wd_ingest_batch *b);

/*
 * Normalizes one decoded event and appends it to the batch. Returns WD_OK, or
 * WD_EINVAL when the value is not an event (not an object), with a message in why.
 * A normalization problem inside an event never rejects it (it is noted in `errors`).
 * v (in b's arena) is consumed: normalization may take its nodes over, so the caller does
 * not use it afterwards.
 */
int wd_ingest_add(struct wd_server *s, struct wd_ingest_batch *b, struct wd_jv *v,
                  const struct wd_ingest_meta *meta, char *why, size_t why_len);

/*
 * Appends an event that is already normalized (the Zeek path, zeek_norm.h): serializes
 * it into the batch. Returns WD_OK, or WD_ELIMIT / WD_ENOMEM with a message in why.
 */
int wd_ingest_add_event(struct wd_ingest_batch *b, const struct wd_jv *ev, char *why,
                        size_t why_len);

/*
 * Makes the batch durable: WD_OK with *first_seq the id of its first event,
 * WD_EAGAIN when the WAL queue is full (unless wait), WD_EIO when the log failed.
 * Counts accepted events for `input` (enum wd_input). An empty batch is a no-op.
 */
int wd_ingest_commit(struct wd_server *s, struct wd_ingest_batch *b, int input, bool wait,
                     uint64_t *first_seq);

/* Whether the store or the detection engine is more than ingest.max_lag_events behind
 * the log: inputs that answer the sender (HTTP) refuse a request before decoding it. */
bool wd_ingest_lagging(struct wd_server *s);

/* Counts `n` rejected events for (input, reason) in the server's metrics. */
void wd_ingest_reject(struct wd_server *s, int input, int reason, uint64_t n);

#endif
