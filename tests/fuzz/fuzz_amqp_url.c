/*
 * fuzz_amqp_url.c: fuzz target for the amqp.url parser (src/amqp_url.c). On success
 * every field must be NUL-terminated within its buffer, the port in 1..65535, the host
 * non-empty, and the error buffer untouched; on failure the only code is WD_EINVAL and
 * the error starts with "amqp url: ".
 */
#include "fuzz.h"

#include "amqp_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wd_amqp_url u;
    char err[256] = "";
    int rc = wd_amqp_url_parse((const char *)data, size, &u, err, sizeof(err));
    if (rc == WD_OK) {
        if (memchr(u.host, 0, sizeof(u.host)) == NULL ||
            memchr(u.user, 0, sizeof(u.user)) == NULL ||
            memchr(u.pass, 0, sizeof(u.pass)) == NULL ||
            memchr(u.vhost, 0, sizeof(u.vhost)) == NULL)
            abort();
        if (u.port < 1 || u.port > 65535 || !u.host[0] || err[0])
            abort();
    } else if (rc != WD_EINVAL || strncmp(err, "amqp url: ", 10) != 0) {
        abort();
    }
    return 0;
}
