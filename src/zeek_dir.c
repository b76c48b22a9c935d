/*
 * zeek_dir.c: the zeek.dir input (see zeek_dir.h). Not written yet: refuses to start.
 */
#include "zeek_dir.h"

#include "log.h"
#include "ward.h"

int wd_zeek_dir_start(struct wd_server *s, struct wd_zeek_dir **out)
{
    WD_UNUSED(s);
    *out = NULL;
    wd_log(WD_LOG_ERROR, "zeek", "zeek.dir is not supported by this build yet");
    return 1;
}

void wd_zeek_dir_stop(struct wd_zeek_dir *d)
{
    WD_UNUSED(d);
}

void wd_zeek_dir_render_prom(struct wd_zeek_dir *d, struct wd_buf *out)
{
    WD_UNUSED(d);
    WD_UNUSED(out);
}
