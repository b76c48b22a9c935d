/*
 * action.c: the webhook queue and its sender thread. Callers append jobs under a mutex;
 * the one sender picks the due job with the earliest (due time, sequence), posts it
 * without the lock, then removes it (delivered / given up) or reschedules it with an
 * exponential backoff. A job stays in the queue while it is being delivered, so the
 * capacity bounds all memory held for alerts. Give-ups go to the dead-letter file as one
 * NDJSON line each (written with a single write() under its own mutex).
 *
 * Invariants: only the sender removes jobs, so the index of the job it works on stays
 * valid while the lock is released; every accepted job ends in exactly one of
 * delivered / failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "action_int.h"
#include "json.h"
#include "jv.h"
#include "log.h"
#include "mem.h"
#include "wd_time.h"

struct job {
    char *url;
    char *alert; /* the caller's alert JSON (copied) */
    size_t alert_len;
    char *body; /* the request body, built on the first attempt (NULL until then) */
    size_t body_len;
    int format;
    uint32_t attempts;
    uint64_t seq;   /* enqueue order, breaks ties of due_ms */
    int64_t due_ms; /* monotonic time of the next attempt */
    uint64_t tag;   /* reported to o.done when the delivery ends (0 = not) */
};

struct wd_actions {
    struct wd_actions_opts o; /* defaults applied; strings owned */
    pthread_t thread;
    pthread_mutex_t mu; /* jobs, n, seq, stopping, deadline_ms */
    pthread_cond_t cv;  /* signalled on enqueue and stop (CLOCK_MONOTONIC) */
    struct job **jobs;  /* [o.queue_cap] */
    uint32_t n;
    uint64_t seq;
    bool stopping;
    int64_t deadline_ms; /* when stopping: the end of the flush */
    pthread_mutex_t dl_mu;
    int dl_fd; /* dead-letter file, -1 = none */
    gnutls_certificate_credentials_t cred;
    struct wd_action_stats st; /* relaxed atomics */
};

static struct wd_ratelimit action_rl = WD_RATELIMIT_INIT(10);

static int64_t mono_ms(void)
{
    return wd_mono_ns() / 1000000;
}

static void bump(uint64_t *c, int64_t d)
{
    __atomic_add_fetch(c, (uint64_t)d, __ATOMIC_RELAXED);
}

static void job_free(struct job *j)
{
    if (!j)
        return;
    free(j->url);
    free(j->alert);
    free(j->body);
    free(j);
}

/* One NDJSON line: time, url, error, attempts, format and the alert (raw when it is JSON). */
static void dead_letter(struct wd_actions *a, const struct job *j, const char *error)
{
    char iso[WD_TIME_ISO_MAX];
    struct wd_buf b;
    wd_log_rl(&action_rl, WD_LOG_WARN, "action", "webhook given up attempts=%u error=%s",
              j->attempts, error);
    if (a->dl_fd < 0)
        return;
    wd_buf_init(&b, 0);
    wd_time_iso(wd_now_us(), iso);
    int rc = wd_buf_printf(&b, "{\"time\":\"%s\",\"url\":", iso);
    if (rc == WD_OK)
        rc = wd_jv_write_str(j->url, strlen(j->url), &b);
    if (rc == WD_OK)
        rc = wd_buf_append(&b, ",\"error\":", 9);
    if (rc == WD_OK)
        rc = wd_jv_write_str(error, strlen(error), &b);
    if (rc == WD_OK)
        rc = wd_buf_printf(&b, ",\"attempts\":%u,\"format\":\"%s\",\"payload\":", j->attempts,
                           j->format == WD_ACTION_SLACK ? "slack" : "json");
    if (rc == WD_OK && wd_json_validate(j->alert, j->alert_len, 0, NULL) == WD_OK)
        rc = wd_buf_append(&b, j->alert, j->alert_len);
    else if (rc == WD_OK)
        rc = wd_jv_write_str(j->alert, j->alert_len, &b);
    if (rc == WD_OK)
        rc = wd_buf_append(&b, "}\n", 2);
    if (rc == WD_OK) {
        pthread_mutex_lock(&a->dl_mu);
        ssize_t w = write(a->dl_fd, b.p, b.len);
        pthread_mutex_unlock(&a->dl_mu);
        if (w != (ssize_t)b.len)
            wd_log_rl(&action_rl, WD_LOG_ERROR, "action", "dead-letter write failed");
    }
    wd_buf_fini(&b);
}

enum { R_DELIVERED, R_RETRY, R_GIVE_UP };

/* One delivery attempt, without the lock. OUT: err. */
static int attempt(struct wd_actions *a, struct job *j, int timeout_ms, char *err, size_t elen)
{
    struct wd_action_url u;
    int status = 0;
    j->attempts++;
    if (!j->body) {
        struct wd_buf b;
        wd_buf_init(&b, 0);
        if (j->format == WD_ACTION_SLACK) {
            int rc = wd_action_slack_body(j->alert, j->alert_len, &b);
            if (rc != WD_OK) {
                wd_buf_fini(&b);
                (void)snprintf(err, elen, "slack body: %s", wd_strerror(rc));
                return rc == WD_EPARSE ? R_GIVE_UP : R_RETRY;
            }
            j->body = wd_buf_detach(&b, &j->body_len);
        } else {
            j->body = j->alert; /* shared: freed once through alert */
            j->body_len = j->alert_len;
        }
    }
    if (wd_action_url_parse(j->url, &u) != WD_OK) {
        (void)snprintf(err, elen, "bad url");
        return R_GIVE_UP;
    }
    int out =
        wd_action_http_post(&u, a->cred, j->body, j->body_len, timeout_ms, &status, err, elen);
    if (out == WD_ACTION_PERMANENT)
        return R_GIVE_UP;
    if (out == WD_ACTION_TRANSIENT)
        return R_RETRY;
    if (status >= 200 && status < 300)
        return R_DELIVERED;
    (void)snprintf(err, elen, "HTTP %d", status);
    return status >= 500 || status == 429 ? R_RETRY : R_GIVE_UP;
}

static int64_t backoff_ms(const struct wd_actions *a, uint32_t attempts)
{
    int64_t d = a->o.backoff_ms;
    for (uint32_t i = 1; i < attempts && d < a->o.backoff_max_ms; i++)
        d *= 2;
    return d < a->o.backoff_max_ms ? d : a->o.backoff_max_ms;
}

/* Index of the job to work on next (earliest due, then oldest), or -1. */
static int pick(const struct wd_actions *a)
{
    int best = -1;
    for (uint32_t i = 0; i < a->n; i++) {
        const struct job *j = a->jobs[i], *b = best >= 0 ? a->jobs[best] : NULL;
        if (!b || j->due_ms < b->due_ms || (j->due_ms == b->due_ms && j->seq < b->seq))
            best = (int)i;
    }
    return best;
}

static void wait_until(struct wd_actions *a, int64_t when_ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t left = when_ms - mono_ms();
    if (left <= 0)
        return;
    ts.tv_sec += left / 1000;
    ts.tv_nsec += (left % 1000) * 1000000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    pthread_cond_timedwait(&a->cv, &a->mu, &ts);
}

/* Removes jobs[i] (the sender's job) from the queue; called with the lock held. */
static struct job *take(struct wd_actions *a, int i)
{
    struct job *j = a->jobs[i];
    a->jobs[i] = a->jobs[--a->n];
    bump(&a->st.pending, -1);
    return j;
}

static void *sender(void *arg)
{
    wd_thread_name("action");
    struct wd_actions *a = arg;
    char err[512];
    pthread_mutex_lock(&a->mu);
    for (;;) {
        int64_t now = mono_ms();
        if (a->stopping && (a->n == 0 || now >= a->deadline_ms))
            break;
        int i = pick(a);
        if (i < 0) {
            pthread_cond_wait(&a->cv, &a->mu);
            continue;
        }
        struct job *j = a->jobs[i];
        if (j->due_ms > now) {
            wait_until(a, a->stopping && a->deadline_ms < j->due_ms ? a->deadline_ms : j->due_ms);
            continue;
        }
        int64_t timeout = a->o.timeout_ms;
        if (a->stopping && a->deadline_ms - now < timeout)
            timeout = a->deadline_ms - now;
        pthread_mutex_unlock(&a->mu);
        int r = attempt(a, j, (int)timeout, err, sizeof(err));
        pthread_mutex_lock(&a->mu);
        if (r == R_RETRY && j->attempts <= a->o.max_retries) {
            j->due_ms = mono_ms() + backoff_ms(a, j->attempts);
            bump(&a->st.retried, 1);
            continue;
        }
        take(a, i);
        pthread_mutex_unlock(&a->mu);
        if (r == R_DELIVERED) {
            bump(&a->st.delivered, 1);
        } else {
            dead_letter(a, j, err);
            bump(&a->st.failed, 1);
        }
        if (j->tag && a->o.done)
            a->o.done(a->o.done_arg, j->tag, r == R_DELIVERED, err);
        if (j->body == j->alert)
            j->body = NULL;
        job_free(j);
        pthread_mutex_lock(&a->mu);
    }
    while (a->n) { /* the flush time is over */
        struct job *j = take(a, (int)a->n - 1);
        dead_letter(a, j, "shutdown: not delivered within flush_ms");
        bump(&a->st.failed, 1);
        if (j->tag && a->o.done)
            a->o.done(a->o.done_arg, j->tag, false, "shutdown: not delivered within flush_ms");
        if (j->body == j->alert)
            j->body = NULL;
        job_free(j);
    }
    pthread_mutex_unlock(&a->mu);
    return NULL;
}

static int open_parts(struct wd_actions *a)
{
    char eb[128];
    if (a->o.dead_letter_path) {
        a->dl_fd = open(a->o.dead_letter_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        if (a->dl_fd < 0) {
            wd_log(WD_LOG_ERROR, "action", "cannot open dead-letter file %s: %s",
                   a->o.dead_letter_path, strerror_r(errno, eb, sizeof(eb)));
            return WD_EIO;
        }
    }
    if (gnutls_certificate_allocate_credentials(&a->cred) < 0) {
        a->cred = NULL;
        return WD_ENOMEM;
    }
    if (gnutls_certificate_set_x509_system_trust(a->cred) < 0)
        wd_log(WD_LOG_WARN, "action", "no system CA store: https webhooks need ca_file");
    if (a->o.ca_file &&
        gnutls_certificate_set_x509_trust_file(a->cred, a->o.ca_file, GNUTLS_X509_FMT_PEM) <= 0) {
        wd_log(WD_LOG_ERROR, "action", "cannot load CA file %s", a->o.ca_file);
        return WD_EIO;
    }
    return WD_OK;
}

static void release(struct wd_actions *a)
{
    if (a->dl_fd >= 0)
        close(a->dl_fd);
    if (a->cred)
        gnutls_certificate_free_credentials(a->cred);
    free((void *)a->o.dead_letter_path);
    free((void *)a->o.ca_file);
    free(a->jobs);
    pthread_mutex_destroy(&a->mu);
    pthread_mutex_destroy(&a->dl_mu);
    pthread_cond_destroy(&a->cv);
    free(a);
}

static void apply_defaults(struct wd_actions_opts *o)
{
    o->queue_cap = o->queue_cap ? o->queue_cap : 1024;
    o->max_retries = o->max_retries == WD_ACTION_NO_RETRY ? 0 : o->max_retries ? o->max_retries : 5;
    o->backoff_ms = o->backoff_ms ? o->backoff_ms : 500;
    o->backoff_max_ms = o->backoff_max_ms ? o->backoff_max_ms : 30000;
    o->timeout_ms = o->timeout_ms ? o->timeout_ms : 5000;
    o->flush_ms = o->flush_ms ? o->flush_ms : 5000;
    o->max_alert_bytes = o->max_alert_bytes ? o->max_alert_bytes : (size_t)1024 * 1024;
}

int wd_actions_new(const struct wd_actions_opts *o, struct wd_actions **out)
{
    struct wd_actions *a = calloc(1, sizeof(*a));
    pthread_condattr_t ca;
    *out = NULL;
    if (!a)
        return WD_ENOMEM;
    if (o)
        a->o = *o;
    apply_defaults(&a->o);
    a->o.dead_letter_path = o && o->dead_letter_path ? strdup(o->dead_letter_path) : NULL;
    a->o.ca_file = o && o->ca_file ? strdup(o->ca_file) : NULL;
    a->dl_fd = -1;
    pthread_mutex_init(&a->mu, NULL);
    pthread_mutex_init(&a->dl_mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&a->cv, &ca);
    pthread_condattr_destroy(&ca);
    a->jobs = calloc(a->o.queue_cap, sizeof(struct job *)); /* NOLINT(bugprone-sizeof-expression) */
    int rc = !a->jobs || (o && o->dead_letter_path && !a->o.dead_letter_path) ||
                     (o && o->ca_file && !a->o.ca_file)
                 ? WD_ENOMEM
                 : open_parts(a);
    if (rc == WD_OK && pthread_create(&a->thread, NULL, sender, a) != 0) {
        wd_log(WD_LOG_ERROR, "action", "cannot start the webhook sender thread");
        rc = WD_EIO;
    }
    if (rc != WD_OK) {
        release(a);
        return rc;
    }
    *out = a;
    return WD_OK;
}

/* A refused alert: counted as dropped and dead-lettered. */
static void refuse(struct wd_actions *a, const char *url, const char *alert, size_t len, int format,
                   const char *why)
{
    struct job j = {.url = (char *)url, .alert = (char *)alert, .alert_len = len, .format = format};
    bump(&a->st.dropped, 1);
    dead_letter(a, &j, why);
}

int wd_actions_webhook(struct wd_actions *a, const char *url, const char *alert_json, size_t len,
                       int format)
{
    return wd_actions_webhook_tagged(a, url, alert_json, len, format, 0);
}

int wd_actions_webhook_tagged(struct wd_actions *a, const char *url, const char *alert_json,
                              size_t len, int format, uint64_t tag)
{
    struct wd_action_url u;
    if ((format != WD_ACTION_JSON && format != WD_ACTION_SLACK) ||
        wd_action_url_parse(url, &u) != WD_OK)
        return WD_EINVAL;
    if (len > a->o.max_alert_bytes) {
        refuse(a, url, alert_json, len, format, "alert larger than max_alert_bytes");
        return WD_ELIMIT;
    }
    struct job *j = calloc(1, sizeof(*j));
    if (j) {
        j->url = strdup(url);
        j->alert = malloc(len + 1);
    }
    if (!j || !j->url || !j->alert) {
        job_free(j);
        return WD_ENOMEM;
    }
    memcpy(j->alert, alert_json, len);
    j->alert[len] = '\0';
    j->alert_len = len;
    j->format = format;
    j->tag = tag;
    pthread_mutex_lock(&a->mu);
    if (a->n == a->o.queue_cap || a->stopping) {
        bool stopping = a->stopping;
        pthread_mutex_unlock(&a->mu);
        refuse(a, url, alert_json, len, format, stopping ? "shutting down" : "queue full");
        job_free(j);
        return WD_EAGAIN;
    }
    j->seq = a->seq++;
    j->due_ms = mono_ms();
    a->jobs[a->n++] = j;
    bump(&a->st.queued, 1);
    bump(&a->st.pending, 1);
    pthread_cond_signal(&a->cv);
    pthread_mutex_unlock(&a->mu);
    return WD_OK;
}

void wd_actions_stats(const struct wd_actions *a, struct wd_action_stats *st)
{
    st->queued = __atomic_load_n(&a->st.queued, __ATOMIC_RELAXED);
    st->delivered = __atomic_load_n(&a->st.delivered, __ATOMIC_RELAXED);
    st->retried = __atomic_load_n(&a->st.retried, __ATOMIC_RELAXED);
    st->failed = __atomic_load_n(&a->st.failed, __ATOMIC_RELAXED);
    st->dropped = __atomic_load_n(&a->st.dropped, __ATOMIC_RELAXED);
    st->pending = __atomic_load_n(&a->st.pending, __ATOMIC_RELAXED);
}

void wd_actions_free(struct wd_actions *a)
{
    if (!a)
        return;
    pthread_mutex_lock(&a->mu);
    a->stopping = true;
    a->deadline_ms = mono_ms() + a->o.flush_ms;
    pthread_cond_signal(&a->cv);
    pthread_mutex_unlock(&a->mu);
    pthread_join(a->thread, NULL);
    release(a);
}
