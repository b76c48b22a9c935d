/*
 * amqp_srv.h: RabbitMQ inside `ward serve` (docs/amqp.md). An input thread consumes JSON
 * events from a durable queue and acknowledges them only after wd_ingest_commit()
 * returned WD_OK; an output thread publishes alerts to a topic exchange with publisher
 * confirms, from a bounded disk-backed retry queue (DATA/amqp/alerts.q) so a broker
 * outage never blocks ingest or detection. Both reconnect with a bounded exponential
 * backoff. Also `ward amqp publish|consume|declare` (cli_amqp.c).
 */
#ifndef WD_AMQP_SRV_H
#define WD_AMQP_SRV_H

#include <stddef.h>
#include <stdint.h>

struct wd_server;
struct wd_amqp;
struct wd_buf;

/* Starts the configured threads (none when amqp.input.enabled and amqp.output.alerts
 * are both false: *out stays NULL). Returns non-zero with a message in err. */
int wd_amqp_start(struct wd_server *s, struct wd_amqp **out, char *err, size_t err_len);
/* Stops the threads (the input commits and acks its last batch first). NULL is fine. */
void wd_amqp_stop(struct wd_amqp *a);

/*
 * Hands over `count` alerts that are durable in the WAL: `payload` is a WAL payload
 * (count x (u32 len, JSON)), the first alert has event id first_seq. They are appended
 * (fsync'd) to the retry queue and published by the output thread. Never blocks on the
 * broker. NULL a or output off: no-op.
 */
void wd_amqp_alerts(struct wd_amqp *a, const char *payload, size_t len, uint32_t count,
                    uint64_t first_seq);

/* /metrics lines and the ",\"amqp\":{...}" member of /api/v1/health. NULL: nothing. */
void wd_amqp_render_prom(struct wd_amqp *a, struct wd_buf *out);
void wd_amqp_render_health(struct wd_amqp *a, struct wd_buf *out);

/* `ward amqp ...` */
int wd_amqp_main(int argc, char **argv);

#endif
