/*
 * cli_amqp.c: `ward amqp publish|consume|declare`, small RabbitMQ tools for operators
 * (checking what a queue holds, feeding the AMQP input by hand) and for the tests and
 * benchmarks: publish sends each line of a file as one persistent message with
 * publisher confirms; consume prints message bodies one per line and acknowledges them;
 * declare creates a durable exchange and queue (and binding) and prints the queue depth.
 */
#include <errno.h>
#include <getopt.h>

#include "amqp_srv.h"
#include "amqp_int.h"
#include "mem.h"

struct opts {
    const char *url, *exchange, *type, *queue, *key;
    long count, timeout_ms, window;
};

static void usage(FILE *f)
{
    fprintf(f, "usage: ward amqp publish [--url URL] [--exchange X] [--routing-key K] FILE|-\n"
               "       ward amqp consume [--url URL] --queue Q [--count N] [--timeout-ms MS]\n"
               "       ward amqp declare [--url URL] --exchange X [--type direct|topic|fanout]\n"
               "                         [--queue Q [--routing-key K]]\n"
               "\n"
               "publish: every non-empty line of FILE is one persistent message, with publisher\n"
               "  confirms (windows of --window messages, default 1000); prints the count and\n"
               "  rate to stderr. Defaults: exchange eventtask, routing key eventtask.\n"
               "consume: prints each body on one line, acknowledges it, and stops after --count\n"
               "  messages or when none arrived for --timeout-ms (default 2000).\n"
               "declare: declares the durable exchange (default type direct) and, with --queue,\n"
               "  a durable queue bound with --routing-key; prints 'QUEUE MESSAGES'.\n"
               "URL defaults to $WARD_AMQP_URL, else amqp://guest:guest@127.0.0.1:5672/.\n");
}

static amqp_connection_state_t open_url(const struct opts *o)
{
    struct wd_amqp_url u;
    char err[512];
    if (wd_amqp_url_parse(o->url, strlen(o->url), &u, err, sizeof(err))) {
        fprintf(stderr, "ward: %s\n", err);
        return NULL;
    }
    amqp_connection_state_t c = wd_amqp_connect(&u, 5000, err, sizeof(err));
    if (!c)
        fprintf(stderr, "ward: %s\n", err);
    return c;
}

static int do_publish(const struct opts *o, const char *file)
{
    char *text = NULL;
    size_t len = 0;
    if (wd_read_file(file, (size_t)4 << 30, &text, &len)) {
        fprintf(stderr, "ward: cannot read %s: %s\n", file, strerror(errno));
        return 1;
    }
    amqp_connection_state_t c = open_url(o);
    if (!c) {
        free(text);
        return 1;
    }
    char err[512];
    amqp_confirm_select(c, 1);
    int rc = wd_amqp_check(amqp_get_rpc_reply(c), "confirm.select", err, sizeof(err));
    uint64_t tag = 0, confirmed = 0;
    int64_t t0 = wd_mono_ns();
    for (char *p = text, *e; rc == WD_OK && p < text + len; p = e + 1) {
        e = memchr(p, '\n', (size_t)(text + len - p));
        if (!e)
            e = text + len;
        size_t l = (size_t)(e - p);
        if (l && p[l - 1] == '\r')
            l--;
        if (l) {
            rc = wd_amqp_publish(c, o->exchange, o->key, p, l);
            tag++;
        }
        if (rc == WD_OK && (tag - confirmed >= (uint64_t)o->window || e == text + len)) {
            rc = wd_amqp_wait_confirms(c, confirmed, tag, 30000, err, sizeof(err));
            if (rc == WD_OK)
                confirmed = tag;
        }
        if (e == text + len)
            break;
    }
    if (rc == WD_OK && confirmed < tag) {
        rc = wd_amqp_wait_confirms(c, confirmed, tag, 30000, err, sizeof(err));
        if (rc == WD_OK)
            confirmed = tag;
    }
    double s = (double)(wd_mono_ns() - t0) / 1e9;
    if (rc)
        fprintf(stderr, "ward: %s\n", rc == WD_EIO && !err[0] ? "publish failed" : err);
    fprintf(stderr, "published %llu confirmed %llu in %.3f s (%.0f messages/s)\n",
            (unsigned long long)tag, (unsigned long long)confirmed, s,
            s > 0 ? (double)confirmed / s : 0.0);
    wd_amqp_disconnect(c);
    free(text);
    return rc ? 1 : 0;
}

static int do_consume(const struct opts *o)
{
    amqp_connection_state_t c = open_url(o);
    if (!c)
        return 1;
    char err[512];
    amqp_basic_qos(c, 1, 0, 500, 0);
    amqp_basic_consume(c, 1, amqp_cstring_bytes(o->queue), amqp_empty_bytes, 0, 0, 0,
                       amqp_empty_table);
    int rc = wd_amqp_check(amqp_get_rpc_reply(c), "basic.consume", err, sizeof(err));
    long n = 0;
    while (rc == WD_OK && (o->count <= 0 || n < o->count)) {
        amqp_envelope_t env;
        struct timeval tv = {o->timeout_ms / 1000, (o->timeout_ms % 1000) * 1000};
        amqp_maybe_release_buffers(c);
        amqp_rpc_reply_t r = amqp_consume_message(c, &env, &tv, 0);
        if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
            r.library_error == AMQP_STATUS_TIMEOUT)
            break;
        if ((rc = wd_amqp_check(r, "consume", err, sizeof(err))) != WD_OK)
            break;
        fwrite(env.message.body.bytes, 1, env.message.body.len, stdout);
        fputc('\n', stdout);
        if (amqp_basic_ack(c, 1, env.delivery_tag, 0) != AMQP_STATUS_OK) {
            snprintf(err, sizeof(err), "basic.ack failed");
            rc = WD_EIO;
        }
        amqp_destroy_envelope(&env);
        n++;
    }
    fflush(stdout);
    if (rc)
        fprintf(stderr, "ward: %s\n", err);
    wd_amqp_disconnect(c);
    return rc ? 1 : 0;
}

static int do_declare(const struct opts *o)
{
    amqp_connection_state_t c = open_url(o);
    if (!c)
        return 1;
    char err[512];
    uint32_t msgs = 0;
    int rc = o->exchange[0] ? wd_amqp_declare_exchange(c, o->exchange, o->type, err, sizeof(err))
                            : WD_OK;
    if (rc == WD_OK && o->queue[0])
        rc = wd_amqp_declare_queue(c, o->queue, o->exchange, o->key, &msgs, err, sizeof(err));
    if (rc)
        fprintf(stderr, "ward: %s\n", err);
    else if (o->queue[0])
        printf("%s %u\n", o->queue, msgs);
    wd_amqp_disconnect(c);
    return rc ? 1 : 0;
}

int wd_amqp_main(int argc, char **argv)
{
    static const struct option lo[] = {
        {"url", required_argument, NULL, 'u'},
        {"exchange", required_argument, NULL, 'x'},
        {"type", required_argument, NULL, 't'},
        {"queue", required_argument, NULL, 'q'},
        {"routing-key", required_argument, NULL, 'k'},
        {"count", required_argument, NULL, 'n'},
        {"timeout-ms", required_argument, NULL, 'T'},
        {"window", required_argument, NULL, 'w'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *env = getenv("WARD_AMQP_URL");
    struct opts o = {env && *env ? env : "amqp://guest:guest@127.0.0.1:5672/",
                     NULL,
                     "direct",
                     "",
                     NULL,
                     0,
                     2000,
                     1000};
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    int c;
    optind = 2;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 'u':
            o.url = optarg;
            break;
        case 'x':
            o.exchange = optarg;
            break;
        case 't':
            o.type = optarg;
            break;
        case 'q':
            o.queue = optarg;
            break;
        case 'k':
            o.key = optarg;
            break;
        case 'n':
            o.count = atol(optarg);
            break;
        case 'T':
            o.timeout_ms = atol(optarg);
            break;
        case 'w':
            o.window = atol(optarg) > 0 ? atol(optarg) : 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (!strcmp(sub, "publish") && optind + 1 == argc) {
        if (!o.exchange)
            o.exchange = "eventtask";
        if (!o.key)
            o.key = "eventtask";
        return do_publish(&o, argv[optind]);
    }
    if (!strcmp(sub, "consume") && optind == argc && o.queue[0])
        return do_consume(&o);
    if (!strcmp(sub, "declare") && optind == argc && o.exchange) {
        if (!o.key)
            o.key = o.queue;
        return do_declare(&o);
    }
    usage(stderr);
    return 2;
}
