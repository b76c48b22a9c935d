/*
 * gen_cloud.c: AWS CloudTrail management events for two accounts: engineers through SSO
 * roles and IAM users, CI roles, AWS services acting on their own, console sign-ins, a
 * steady trickle of sensitive calls (trail changes, IAM user and key creation, public
 * buckets, open security groups, key deletion, secret reads) and periodic
 * credential-stuffing bursts against the console that sometimes succeed and continue
 * with a privilege-escalation sequence from the attacker's address.
 *
 * Rendered as CloudTrail records (one JSON object per line, the fields and order AWS
 * writes) or as the event MozDef's CloudTrail worker makes of a record (source
 * "cloudtrail", summary "<ip> performed <eventName> in <eventSource>", record keys
 * lower-cased under details, details.eventVerb / eventReadOnly).
 *
 * A record keeps only small choices and a seed; ids, ARNs and parameters are derived from
 * them while rendering, so the queue entry stays small.
 */
#include "gen_int.h"

#define ACCT_PROD "111122223333"
#define ACCT_DEV  "444455556666"

enum { AT_IAMUSER, AT_ROLE, AT_ROOT, AT_SERVICE, AT_UNKNOWN };

struct actor {
    uint8_t type;
    const char *name;    /* IAM user, role name, or service principal */
    const char *session; /* role session name */
    const char *acct;
};

static const struct actor actors[] = {
    {AT_ROLE, "AWSReservedSSO_AdministratorAccess_5d1c3a9f0b7e2c44", "alice@example.com",
     ACCT_PROD},
    {AT_ROLE, "AWSReservedSSO_PowerUserAccess_8e2f6b1d4c9a7e31", "bob@example.com", ACCT_PROD},
    {AT_ROLE, "AWSReservedSSO_ReadOnlyAccess_3a7c9e1f5b2d8046", "carol@example.com", ACCT_PROD},
    {AT_ROLE, "AWSReservedSSO_PowerUserAccess_8e2f6b1d4c9a7e31", "dave@example.com", ACCT_DEV},
    {AT_ROLE, "github-actions-deploy", "GitHubActions", ACCT_PROD},
    {AT_ROLE, "terraform-ci", "terraform-run-7781", ACCT_DEV},
    {AT_ROLE, "eks-node-group-role", "i-0a1b2c3d4e5f60718", ACCT_PROD},
    {AT_IAMUSER, "ci-deploy", NULL, ACCT_PROD},
    {AT_IAMUSER, "backup-agent", NULL, ACCT_PROD},
    {AT_IAMUSER, "erin", NULL, ACCT_DEV},
    {AT_IAMUSER, "frank", NULL, ACCT_PROD},
    {AT_SERVICE, "ec2.amazonaws.com", NULL, ACCT_PROD},
    {AT_SERVICE, "cloudformation.amazonaws.com", NULL, ACCT_PROD},
    {AT_SERVICE, "lambda.amazonaws.com", NULL, ACCT_DEV},
    {AT_ROOT, "root", NULL, ACCT_PROD},
    {AT_UNKNOWN, "HIDDEN_DUE_TO_SECURITY_REASONS", NULL, ACCT_PROD},
};
enum {
    A_HUMAN_END = 4,
    A_CI_END = 7,
    A_USER_END = 11,
    A_SVC_END = 14,
    A_ROOT = 14,
    A_UNKNOWN = 15
};

enum {
    P_NONE,
    P_INSTANCES,
    P_ASSUME,
    P_BUCKET,
    P_BUCKET_POLICY,
    P_BUCKET_ACL,
    P_USER,
    P_ATTACH,
    P_TRAIL,
    P_SG,
    P_KEY,
    P_SECRET,
    P_PARAM,
    P_LOGS,
    P_KMS,
    P_STACK,
    P_LISTING,
    P_FLOWLOGS,
    P_DETECTOR
};

struct api {
    const char *svc; /* eventSource prefix */
    const char *name;
    uint16_t weight;
    uint8_t params;
    uint8_t sensitive;
    uint8_t global; /* IAM, STS global endpoint, sign-in: us-east-1 */
};

static const struct api apis[] = {
    {"ec2", "DescribeInstances", 160, P_INSTANCES, 0, 0},
    {"ec2", "DescribeSecurityGroups", 60, P_LISTING, 0, 0},
    {"ec2", "DescribeVolumes", 40, P_LISTING, 0, 0},
    {"sts", "AssumeRole", 140, P_ASSUME, 0, 1},
    {"sts", "GetCallerIdentity", 90, P_NONE, 0, 1},
    {"s3", "ListBuckets", 50, P_NONE, 0, 0},
    {"s3", "GetBucketAcl", 40, P_BUCKET, 0, 0},
    {"s3", "GetBucketPolicy", 25, P_BUCKET, 0, 0},
    {"iam", "ListUsers", 20, P_NONE, 0, 1},
    {"iam", "GetUser", 20, P_USER, 0, 1},
    {"iam", "ListRoles", 20, P_NONE, 0, 1},
    {"logs", "CreateLogStream", 80, P_LOGS, 0, 0},
    {"logs", "DescribeLogGroups", 30, P_NONE, 0, 0},
    {"lambda", "ListFunctions20150331", 20, P_NONE, 0, 0},
    {"ssm", "GetParameter", 50, P_PARAM, 0, 0},
    {"kms", "Decrypt", 120, P_KMS, 0, 0},
    {"cloudformation", "DescribeStacks", 30, P_STACK, 0, 0},
    {"rds", "DescribeDBInstances", 20, P_NONE, 0, 0},
    {"monitoring", "GetMetricData", 40, P_NONE, 0, 0},
    {"signin", "ConsoleLogin", 25, P_NONE, 0, 1},
    /* sensitive */
    {"cloudtrail", "StopLogging", 2, P_TRAIL, 1, 0},
    {"cloudtrail", "DeleteTrail", 1, P_TRAIL, 1, 0},
    {"cloudtrail", "UpdateTrail", 2, P_TRAIL, 1, 0},
    {"iam", "CreateUser", 3, P_USER, 1, 1},
    {"iam", "CreateAccessKey", 4, P_USER, 1, 1},
    {"iam", "AttachUserPolicy", 3, P_ATTACH, 1, 1},
    {"iam", "CreateLoginProfile", 2, P_USER, 1, 1},
    {"iam", "DeactivateMFADevice", 1, P_USER, 1, 1},
    {"s3", "PutBucketPolicy", 3, P_BUCKET_POLICY, 1, 0},
    {"s3", "PutBucketAcl", 2, P_BUCKET_ACL, 1, 0},
    {"s3", "DeleteBucketPublicAccessBlock", 1, P_BUCKET, 1, 0},
    {"ec2", "AuthorizeSecurityGroupIngress", 4, P_SG, 1, 0},
    {"ec2", "DeleteFlowLogs", 1, P_FLOWLOGS, 1, 0},
    {"kms", "ScheduleKeyDeletion", 1, P_KEY, 1, 0},
    {"secretsmanager", "GetSecretValue", 6, P_SECRET, 1, 0},
    {"guardduty", "DeleteDetector", 1, P_DETECTOR, 1, 0},
    {"sts", "GetSessionToken", 3, P_NONE, 1, 1},
};
enum {
    API_ASSUME = 3,
    API_CALLER = 4,
    API_LISTBUCKETS = 5,
    API_LOGIN = 19,
    API_STOPLOG = 20,
    API_CREATEUSER = 23,
    API_CREATEKEY = 24,
    API_ATTACH = 25,
    API_PUTPOLICY = 28,
    API_SECRET = 34
};

static const char *const regions[] = {"us-east-1", "us-west-2", "eu-west-1", "eu-central-1"};
static const uint16_t region_w[] = {50, 25, 15, 10};

static const char *const agents[] = {
    "aws-cli/2.22.8 md/awscrt#0.22.0 ua/2.0 os/linux#6.8.0-49-generic md/arch#x86_64 "
    "lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe "
    "md/distrib#ubuntu.24 md/prompt#off md/command#ec2.describe-instances",
    "Boto3/1.35.76 md/Botocore#1.35.76 ua/2.0 os/linux#6.1.0-28-cloud-amd64 md/arch#x86_64 "
    "lang/python#3.11.2 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.35.76",
    "aws-sdk-go-v2/1.32.6 ua/2.1 os/linux lang/go#1.23.4 md/GOOS#linux md/GOARCH#amd64 "
    "api/sts#1.33.2",
    "APN/1.0 HashiCorp/1.0 Terraform/1.10.1 (+https://www.terraform.io) "
    "terraform-provider-aws/5.80.0 (+https://registry.terraform.io/providers/hashicorp/aws) "
    "aws-sdk-go-v2/1.32.6 ua/2.1 os/linux lang/go#1.23.2 md/GOOS#linux md/GOARCH#amd64",
    "console.amazonaws.com",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    "AWS Internal",
    "python-requests/2.31.0",
};
enum { AG_CLI, AG_BOTO, AG_GO, AG_TF, AG_CONSOLE, AG_FF, AG_CHROME, AG_INTERNAL, AG_PYREQ };

static const char *const buckets[] = {
    "example-corp-prod-assets", "example-corp-logs-111122223333", "example-corp-backups",
    "example-corp-data-lake",   "terraform-state-444455556666",
};

/* ---- sessions -------------------------------------------------------------------------- */

static void push_ct(struct wd_gen *g, int64_t ts, uint16_t api, uint16_t actor, uint32_t ip,
                    uint8_t agent, bool failed)
{
    /* eventTime has whole seconds and is rendered floored, which keeps a pure CloudTrail
     * stream in order. Interleaved with microsecond sources (kind mix) the record is moved
     * to the next whole second instead, so the rendered order is the stream order. Above
     * 100k events/s that would hold too many records back, so it is not done there. */
    int64_t at = ts;
    if (g->o.kind == WD_GEN_MIX && g->o.rate_eps <= 100000) {
        int64_t q = ts / GEN_US;
        if (ts % GEN_US > 0)
            q++;
        at = q * GEN_US;
    }
    struct gen_rec *r = wd_gen_push(g, at, GL_CLOUDTRAIL);
    if (!r)
        return;
    /* the rounding is not a real delay: count the record for the clock as if unrounded */
    if (r->deferred && (uint64_t)(ts - g->session_t0) <= (g->gap_q16 >> 10)) {
        r->deferred = 0;
        g->session_adv++;
    }
    struct gen_ct *c = &r->u.ct;
    r->sensor = NULL;
    r->write_us = ts + gen_range(&g->rng, 60 * GEN_US, 600 * GEN_US); /* delivery delay */
    c->seed = gen_rand(&g->rng);
    c->api = api;
    c->actor = actor;
    c->src_ip = ip;
    c->agent = agent;
    c->failed = failed;
    c->region =
        apis[api].global ? 0 : (uint8_t)wd_gen_pick(&g->rng, region_w, WD_ARRAY_LEN(region_w));
}

static size_t pick_api(struct wd_gen *g)
{
    uint16_t w[WD_ARRAY_LEN(apis)];
    for (size_t i = 0; i < WD_ARRAY_LEN(apis); i++)
        w[i] = apis[i].weight;
    return wd_gen_pick(&g->rng, w, WD_ARRAY_LEN(apis));
}

/* Office egress NAT addresses. */
static uint32_t office_ip(struct wd_gen *g)
{
    return GEN_IP(198, 51, 100, 10) + (uint32_t)gen_below(&g->rng, 4);
}

static void session_normal(struct wd_gen *g, int64_t t0)
{
    struct gen_rng *rng = &g->rng;
    size_t api = pick_api(g);
    uint16_t actor;
    uint32_t ip;
    uint8_t agent;

    if (api == API_LOGIN) {
        actor = gen_chance(rng, 900) ? (uint16_t)(A_CI_END + 2 + gen_below(rng, 2)) : A_ROOT;
        ip = gen_chance(rng, 600) ? office_ip(g) : wd_gen_remote_ip(rng);
        uint8_t browser = gen_chance(rng, 500) ? AG_FF : AG_CHROME;
        push_ct(g, t0, (uint16_t)api, actor, ip, browser, gen_chance(rng, 80));
        return;
    }
    uint64_t who = gen_below(rng, 100);
    if (who < 45) {
        actor = (uint16_t)gen_below(rng, A_HUMAN_END);
        ip = gen_chance(rng, 600) ? office_ip(g) : wd_gen_remote_ip(rng);
        agent = (uint8_t)(gen_chance(rng, 500)   ? AG_CONSOLE
                          : gen_chance(rng, 700) ? AG_CLI
                                                 : AG_BOTO);
    } else if (who < 80) {
        actor = (uint16_t)(A_HUMAN_END + gen_below(rng, A_CI_END - A_HUMAN_END));
        ip = actor == 4 ? GEN_IP(140, 82, 112, 0) | (uint32_t)gen_range(rng, 1, 254)
                        : GEN_IP(3, 93, 0, 0) | (uint32_t)gen_range(rng, 1, 0xfffe);
        agent = actor == 5 ? AG_TF : actor == 4 ? AG_GO : AG_BOTO;
    } else if (who < 92) {
        actor = (uint16_t)(A_CI_END + gen_below(rng, A_USER_END - A_CI_END));
        ip = GEN_IP(3, 93, 0, 0) | (uint32_t)gen_range(rng, 1, 0xfffe);
        agent = AG_BOTO;
    } else {
        actor = (uint16_t)(A_USER_END + gen_below(rng, A_SVC_END - A_USER_END));
        ip = 0;
        agent = AG_INTERNAL;
    }
    bool failed = gen_chance(rng, apis[api].sensitive ? 150 : 20);
    push_ct(g, t0, (uint16_t)api, actor, ip, agent, failed);
}

/* Console credential stuffing; sometimes followed by escalation from the same address. */
static void session_stuffing(struct wd_gen *g, int64_t t0)
{
    struct gen_rng *rng = &g->rng;
    uint32_t ip = wd_gen_attacker_ip(rng);
    size_t n = (size_t)gen_range(rng, 10, 40);
    int64_t t = t0;
    for (size_t i = 0; i < n; i++) {
        uint16_t actor = gen_chance(rng, 600) ? A_UNKNOWN : (uint16_t)(A_CI_END + 2 + (i & 1));
        push_ct(g, t, API_LOGIN, actor, ip, AG_CHROME, true);
        t += wd_gen_burst_gap(g, 300000, 4 * GEN_US);
    }
    if (!gen_chance(rng, 300))
        return;
    static const uint16_t chain[] = {API_LOGIN,      API_CALLER,    API_LISTBUCKETS,
                                     API_CREATEUSER, API_CREATEKEY, API_ATTACH,
                                     API_SECRET,     API_PUTPOLICY, API_STOPLOG};
    for (size_t i = 0; i < WD_ARRAY_LEN(chain); i++) {
        t += wd_gen_burst_gap(g, 2 * GEN_US, 90 * GEN_US);
        push_ct(g, t, chain[i], A_CI_END + 3, ip, i ? AG_PYREQ : AG_CHROME, false);
    }
}

void wd_gen_ct_session(struct wd_gen *g, int64_t t0)
{
    uint64_t n = g->ct_sessions++;
    if (n == g->ct_next_burst) {
        session_stuffing(g, t0);
        g->ct_next_burst = n + (uint64_t)gen_range(&g->rng, 300, 1200);
        return;
    }
    session_normal(g, t0);
}

/* ---- rendering ------------------------------------------------------------------------- */

struct jw {
    char *w;
    bool comma;
    bool lower; /* MozDef: top-level record keys are lower-cased */
};

static void jkey(struct jw *j, const char *k)
{
    if (j->comma)
        *j->w++ = ',';
    j->comma = true;
    *j->w++ = '"';
    for (; *k; k++) {
        char c = *k;
        if (j->lower && c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        *j->w++ = c;
    }
    *j->w++ = '"';
    *j->w++ = ':';
}

static void jstr(struct jw *j, const char *k, const char *v)
{
    jkey(j, k);
    j->w = gen_jstr(j->w, v);
}

static void jraw(struct jw *j, const char *k, const char *raw)
{
    jkey(j, k);
    j->w = gen_puts(j->w, raw);
}

static char *put_uuid(char *w, uint64_t seed)
{
    char *p = wd_gen_put_hex(w, seed, 32, false);
    /* 8-4-4-4-12, version 4, variant 10xx */
    memmove(w + 24, w + 20, 12);
    memmove(w + 19, w + 16, 4);
    memmove(w + 14, w + 12, 4);
    memmove(w + 9, w + 8, 4);
    w[8] = w[13] = w[18] = w[23] = '-';
    w[14] = '4';
    w[19] = "89ab"[seed & 3];
    (void)p;
    return w + 36;
}

/* "AIDA..." style ids: prefix + 17 upper-case base32 chars derived from a name. */
static char *put_akid(char *w, const char *prefix, uint64_t h, size_t n)
{
    static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    w = gen_puts(w, prefix);
    for (size_t i = 0; i < n; i++) {
        if (i % 12 == 0)
            h = gen_mix(h);
        *w++ = b32[h & 31];
        h >>= 5;
    }
    return w;
}

static uint64_t name_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static const char *scratch_done(struct wd_gen *g, char *start, char *end)
{
    WD_UNUSED(g);
    *end = '\0';
    return start;
}

static char *user_identity(struct wd_gen *g, char *w, const struct gen_ct *c, int64_t ts,
                           bool console_login)
{
    const struct actor *a = &actors[c->actor];
    struct jw j = {w, false, false};
    uint64_t h = name_hash(a->name);
    char buf[256], *b;
    *j.w++ = '{';
    switch (a->type) {
    case AT_SERVICE:
        jstr(&j, "type", "AWSService");
        jstr(&j, "invokedBy", a->name);
        break;
    case AT_ROOT:
    case AT_UNKNOWN:
        jstr(&j, "type", a->type == AT_ROOT ? "Root" : "IAMUser");
        if (a->type == AT_ROOT) {
            jstr(&j, "principalId", a->acct);
            b = GEN_LIT(buf, "arn:aws:iam::");
            b = gen_puts(b, a->acct);
            b = GEN_LIT(b, ":root");
            jstr(&j, "arn", scratch_done(g, buf, b));
        }
        jstr(&j, "accountId", a->acct);
        jstr(&j, "accessKeyId", "");
        if (a->type == AT_UNKNOWN)
            jstr(&j, "userName", a->name);
        break;
    case AT_IAMUSER:
        jstr(&j, "type", "IAMUser");
        b = put_akid(buf, "AIDA", h, 17);
        jstr(&j, "principalId", scratch_done(g, buf, b));
        b = GEN_LIT(buf, "arn:aws:iam::");
        b = gen_puts(b, a->acct);
        b = GEN_LIT(b, ":user/");
        b = gen_puts(b, a->name);
        jstr(&j, "arn", scratch_done(g, buf, b));
        jstr(&j, "accountId", a->acct);
        if (console_login) {
            jstr(&j, "accessKeyId", "");
        } else {
            b = put_akid(buf, "AKIA", h ^ 0x77, 16);
            jstr(&j, "accessKeyId", scratch_done(g, buf, b));
        }
        jstr(&j, "userName", a->name);
        break;
    default: { /* assumed role */
        char roleid[32], *r = put_akid(roleid, "AROA", h, 17);
        *r = '\0';
        jstr(&j, "type", "AssumedRole");
        b = gen_puts(buf, roleid);
        *b++ = ':';
        b = gen_puts(b, a->session);
        jstr(&j, "principalId", scratch_done(g, buf, b));
        b = GEN_LIT(buf, "arn:aws:sts::");
        b = gen_puts(b, a->acct);
        b = GEN_LIT(b, ":assumed-role/");
        b = gen_puts(b, a->name);
        *b++ = '/';
        b = gen_puts(b, a->session);
        jstr(&j, "arn", scratch_done(g, buf, b));
        jstr(&j, "accountId", a->acct);
        b = put_akid(buf, "ASIA", c->seed ^ 0x51, 16);
        jstr(&j, "accessKeyId", scratch_done(g, buf, b));
        jkey(&j, "sessionContext");
        j.w = GEN_LIT(j.w, "{\"sessionIssuer\":{\"type\":\"Role\",\"principalId\":\"");
        j.w = gen_puts(j.w, roleid);
        j.w = GEN_LIT(j.w, "\",\"arn\":\"arn:aws:iam::");
        j.w = gen_puts(j.w, a->acct);
        j.w = strncmp(a->name, "AWSReservedSSO", 14) == 0
                  ? GEN_LIT(j.w, ":role/aws-reserved/sso.amazonaws.com/")
                  : GEN_LIT(j.w, ":role/");
        j.w = gen_puts(j.w, a->name);
        j.w = GEN_LIT(j.w, "\",\"accountId\":\"");
        j.w = gen_puts(j.w, a->acct);
        j.w = GEN_LIT(j.w, "\",\"userName\":\"");
        j.w = gen_puts(j.w, a->name);
        j.w = GEN_LIT(j.w, "\"},\"attributes\":{\"creationDate\":\"");
        int64_t created = ts - (int64_t)(c->seed % (3600ULL * GEN_US));
        j.w = wd_gen_put_iso(j.w, created - created % GEN_US, GEN_ISO_SEC);
        j.w = GEN_LIT(j.w, "\",\"mfaAuthenticated\":\"");
        j.w = c->actor < A_HUMAN_END ? GEN_LIT(j.w, "true") : GEN_LIT(j.w, "false");
        j.w = GEN_LIT(j.w, "\"}}");
        break;
    }
    }
    *j.w++ = '}';
    return j.w;
}

/* requestParameters and responseElements for a call (JSON values, "null" when none). */
static void params(struct wd_gen *g, const struct gen_ct *c, const char *region, char *req,
                   char *resp)
{
    struct gen_rng rr;
    gen_rng_seed(&rr, c->seed);
    const char *bucket = buckets[gen_below(&rr, WD_ARRAY_LEN(buckets))];
    const char *acct = actors[c->actor].acct;
    char *w = req;
    WD_UNUSED(g);
    memcpy(resp, "null", 5);
    switch (apis[c->api].params) {
    case P_INSTANCES:
        w = GEN_LIT(w, "{\"instancesSet\":{},\"filterSet\":{\"items\":[{\"name\":"
                       "\"instance-state-name\",\"valueSet\":{\"items\":[{\"value\":"
                       "\"running\"}]}}]}}");
        break;
    case P_LISTING:
        w = GEN_LIT(w, "{\"maxResults\":1000,\"filterSet\":{}}");
        break;
    case P_ASSUME: {
        static const char *const roles[] = {"deploy-role", "read-only-audit", "eks-admin",
                                            "OrganizationAccountAccessRole"};
        const char *role = roles[gen_below(&rr, WD_ARRAY_LEN(roles))];
        w = GEN_LIT(w, "{\"roleArn\":\"arn:aws:iam::");
        w = gen_puts(w, acct);
        w = GEN_LIT(w, ":role/");
        w = gen_puts(w, role);
        w = GEN_LIT(w, "\",\"roleSessionName\":\"session-");
        w = wd_gen_put_u64(w, gen_below(&rr, 1000000));
        w = GEN_LIT(w, "\",\"durationSeconds\":3600}");
        char *r = GEN_LIT(resp, "{\"credentials\":{\"accessKeyId\":\"");
        r = put_akid(r, "ASIA", gen_rand(&rr), 16);
        r = GEN_LIT(r, "\",\"sessionToken\":\"IQoJb3JpZ2luX2VjE");
        r = wd_gen_put_hex(r, gen_rand(&rr), 48, false);
        r = GEN_LIT(r, "\",\"expiration\":\"Jan 1, 2026, 1:00:00 AM\"},\"assumedRoleUser\":"
                       "{\"assumedRoleId\":\"");
        r = put_akid(r, "AROA", name_hash(role), 17);
        r = GEN_LIT(r, ":session\",\"arn\":\"arn:aws:sts::");
        r = gen_puts(r, acct);
        r = GEN_LIT(r, ":assumed-role/");
        r = gen_puts(r, role);
        r = GEN_LIT(r, "/session\"}}");
        *r = '\0';
        break;
    }
    case P_BUCKET:
    case P_BUCKET_ACL:
    case P_BUCKET_POLICY:
        w = GEN_LIT(w, "{\"bucketName\":\"");
        w = gen_puts(w, bucket);
        w = GEN_LIT(w, "\",\"Host\":\"");
        w = gen_puts(w, bucket);
        w = GEN_LIT(w, ".s3.");
        w = gen_puts(w, region);
        w = GEN_LIT(w, ".amazonaws.com\"");
        if (apis[c->api].params == P_BUCKET_ACL)
            w = GEN_LIT(w, ",\"acl\":\"\",\"x-amz-acl\":[\"public-read\"]");
        else if (apis[c->api].params == P_BUCKET_POLICY) {
            w = GEN_LIT(w, ",\"bucketPolicy\":{\"Version\":\"2012-10-17\",\"Statement\":[{"
                           "\"Sid\":\"PublicRead\",\"Effect\":\"Allow\",\"Principal\":\"*\","
                           "\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::");
            w = gen_puts(w, bucket);
            w = GEN_LIT(w, "/*\"}]},\"policy\":\"\"");
        } else if (strcmp(apis[c->api].name, "GetBucketAcl") == 0)
            w = GEN_LIT(w, ",\"acl\":\"\"");
        else if (strcmp(apis[c->api].name, "GetBucketPolicy") == 0)
            w = GEN_LIT(w, ",\"policy\":\"\"");
        else
            w = GEN_LIT(w, ",\"publicAccessBlock\":\"\"");
        *w++ = '}';
        break;
    case P_USER: {
        static const char *const users[] = {"svc-backup2", "admin-temp", "support", "erin",
                                            "frank"};
        const char *u = users[gen_below(&rr, WD_ARRAY_LEN(users))];
        w = GEN_LIT(w, "{\"userName\":\"");
        w = gen_puts(w, u);
        w = GEN_LIT(w, "\"}");
        if (strcmp(apis[c->api].name, "CreateAccessKey") == 0 && !c->failed) {
            char *r = GEN_LIT(resp, "{\"accessKey\":{\"userName\":\"");
            r = gen_puts(r, u);
            r = GEN_LIT(r, "\",\"accessKeyId\":\"");
            r = put_akid(r, "AKIA", gen_rand(&rr), 16);
            r = GEN_LIT(r, "\",\"status\":\"Active\",\"createDate\":\"Jan 1, 2026, 12:00:00 "
                           "AM\"}}");
            *r = '\0';
        } else if (strcmp(apis[c->api].name, "CreateUser") == 0 && !c->failed) {
            char *r = GEN_LIT(resp, "{\"user\":{\"path\":\"/\",\"userName\":\"");
            r = gen_puts(r, u);
            r = GEN_LIT(r, "\",\"userId\":\"");
            r = put_akid(r, "AIDA", name_hash(u), 17);
            r = GEN_LIT(r, "\",\"arn\":\"arn:aws:iam::");
            r = gen_puts(r, acct);
            r = GEN_LIT(r, ":user/");
            r = gen_puts(r, u);
            r = GEN_LIT(r, "\",\"createDate\":\"Jan 1, 2026, 12:00:00 AM\"}}");
            *r = '\0';
        }
        break;
    }
    case P_ATTACH:
        w = GEN_LIT(w, "{\"userName\":\"svc-backup2\",\"policyArn\":"
                       "\"arn:aws:iam::aws:policy/AdministratorAccess\"}");
        break;
    case P_TRAIL:
        w = GEN_LIT(w, "{\"name\":\"arn:aws:cloudtrail:us-east-1:");
        w = gen_puts(w, acct);
        w = GEN_LIT(w, ":trail/org-trail\"}");
        break;
    case P_SG:
        w = GEN_LIT(w, "{\"groupId\":\"sg-0");
        w = wd_gen_put_hex(w, gen_rand(&rr), 16, false);
        w = GEN_LIT(w, "\",\"ipPermissions\":{\"items\":[{\"ipProtocol\":\"tcp\",\"fromPort\":");
        {
            uint64_t port = gen_chance(&rr, 600) ? 22 : 3389;
            w = wd_gen_put_u64(w, port);
            w = GEN_LIT(w, ",\"toPort\":");
            w = wd_gen_put_u64(w, port);
        }
        w = GEN_LIT(w, ",\"groups\":{},\"ipRanges\":{\"items\":[{\"cidrIp\":\"0.0.0.0/0\"}]},"
                       "\"ipv6Ranges\":{},\"prefixListIds\":{}}]}}");
        break;
    case P_FLOWLOGS:
        w = GEN_LIT(w, "{\"DeleteFlowLogsRequest\":{\"FlowLogId\":{\"tag\":1,\"content\":\"fl-0");
        w = wd_gen_put_hex(w, gen_rand(&rr), 16, false);
        w = GEN_LIT(w, "\"}}}");
        break;
    case P_KEY:
        w = GEN_LIT(w, "{\"keyId\":\"");
        w = put_uuid(w, gen_rand(&rr));
        w = GEN_LIT(w, "\",\"pendingWindowInDays\":7}");
        break;
    case P_SECRET:
        w = GEN_LIT(w, "{\"secretId\":\"prod/db/postgres-admin\"}");
        break;
    case P_PARAM:
        w = GEN_LIT(w, "{\"name\":\"/prod/app/db_host\",\"withDecryption\":false}");
        break;
    case P_LOGS:
        w = GEN_LIT(w, "{\"logGroupName\":\"/aws/lambda/ingest-");
        w = gen_puts(w, wd_gen_words[gen_below(&rr, wd_gen_nwords)]);
        w = GEN_LIT(w, "\",\"logStreamName\":\"2026/01/01/[$LATEST]");
        w = wd_gen_put_hex(w, gen_rand(&rr), 32, false);
        w = GEN_LIT(w, "\"}");
        break;
    case P_KMS:
        w = GEN_LIT(w, "{\"encryptionAlgorithm\":\"SYMMETRIC_DEFAULT\",\"encryptionContext\":"
                       "{\"aws:lambda:FunctionArn\":\"arn:aws:lambda:");
        w = gen_puts(w, region);
        *w++ = ':';
        w = gen_puts(w, acct);
        w = GEN_LIT(w, ":function:ingest-");
        w = gen_puts(w, wd_gen_words[gen_below(&rr, wd_gen_nwords)]);
        w = GEN_LIT(w, "\"}}");
        break;
    case P_STACK:
        w = GEN_LIT(w, "{\"stackName\":\"prod-");
        w = gen_puts(w, wd_gen_words[gen_below(&rr, wd_gen_nwords)]);
        w = GEN_LIT(w, "-stack\"}");
        break;
    case P_DETECTOR:
        w = GEN_LIT(w, "{\"detectorId\":\"");
        w = wd_gen_put_hex(w, gen_rand(&rr), 32, false);
        w = GEN_LIT(w, "\"}");
        break;
    default:
        w = GEN_LIT(w, "null");
        break;
    }
    *w = '\0';
}

/* The record's fields after eventTime/eventSource..., shared by both forms. */
static char *record_body(struct wd_gen *g, const struct gen_rec *r, struct jw *j, bool mozdef)
{
    const struct gen_ct *c = &r->u.ct;
    const struct api *api = &apis[c->api];
    const struct actor *a = &actors[c->actor];
    const char *region = regions[c->region];
    bool login = c->api == API_LOGIN;
    char *tmp = wd_gen_scratch(g, 4096), *t;
    char *req = wd_gen_scratch(g, 2048), *resp = wd_gen_scratch(g, 2048);
    char src[64];

    if (c->src_ip)
        *wd_gen_put_ipv4(src, c->src_ip) = '\0';
    else
        memcpy(src, a->name, strlen(a->name) + 1);

    jstr(j, "eventVersion", login ? "1.09" : "1.10");
    jkey(j, "userIdentity");
    j->w = user_identity(g, j->w, c, r->ts_us, login);
    if (!mozdef) {
        jkey(j, "eventTime");
        *j->w++ = '"';
        j->w = wd_gen_put_iso(j->w, r->ts_us - r->ts_us % GEN_US, GEN_ISO_SEC);
        *j->w++ = '"';
        t = gen_puts(tmp, api->svc);
        t = GEN_LIT(t, ".amazonaws.com");
        *t = '\0';
        jstr(j, "eventSource", tmp);
    }
    jstr(j, "eventName", api->name);
    jstr(j, "awsRegion", region);
    jstr(j, "sourceIPAddress", src);
    jstr(j, "userAgent", agents[c->agent]);
    if (c->failed && !login) {
        bool ec2 = strcmp(api->svc, "ec2") == 0;
        jstr(j, "errorCode", ec2 ? "Client.UnauthorizedOperation" : "AccessDenied");
        t = GEN_LIT(tmp, "User: ");
        if (a->type == AT_ROLE) {
            t = GEN_LIT(t, "arn:aws:sts::");
            t = gen_puts(t, a->acct);
            t = GEN_LIT(t, ":assumed-role/");
            t = gen_puts(t, a->name);
            *t++ = '/';
            t = gen_puts(t, a->session);
        } else {
            t = GEN_LIT(t, "arn:aws:iam::");
            t = gen_puts(t, a->acct);
            t = GEN_LIT(t, ":user/");
            t = gen_puts(t, a->name);
        }
        t = GEN_LIT(t, " is not authorized to perform: ");
        t = gen_puts(t, strcmp(api->svc, "monitoring") == 0 ? "cloudwatch" : api->svc);
        *t++ = ':';
        t = gen_puts(t, api->name);
        t = GEN_LIT(t, " because no identity-based policy allows the ");
        t = gen_puts(t, strcmp(api->svc, "monitoring") == 0 ? "cloudwatch" : api->svc);
        *t++ = ':';
        t = gen_puts(t, api->name);
        t = GEN_LIT(t, " action");
        *t = '\0';
        jstr(j, "errorMessage", tmp);
    } else if (c->failed) {
        jstr(j, "errorMessage", "Failed authentication");
    }
    params(g, c, region, req, resp);
    if (login) {
        jraw(j, "requestParameters", "null");
        jraw(j, "responseElements",
             c->failed ? "{\"ConsoleLogin\":\"Failure\"}" : "{\"ConsoleLogin\":\"Success\"}");
        jkey(j, "additionalEventData");
        j->w = GEN_LIT(j->w, "{\"LoginTo\":\"https://console.aws.amazon.com/console/home?"
                             "hashArgs=%23&isauthcode=true&state=hashArgsFromTB_us-east-1_");
        j->w = wd_gen_put_hex(j->w, c->seed, 16, false);
        j->w = GEN_LIT(j->w, "\",\"MobileVersion\":\"No\",\"MFAUsed\":\"");
        j->w = c->actor == A_ROOT && !c->failed ? GEN_LIT(j->w, "Yes") : GEN_LIT(j->w, "No");
        j->w = GEN_LIT(j->w, "\"}");
    } else {
        jraw(j, "requestParameters", c->failed ? "null" : req);
        jraw(j, "responseElements", c->failed ? "null" : resp);
    }
    jkey(j, "requestID");
    *j->w++ = '"';
    if (strcmp(api->svc, "s3") == 0)
        j->w = wd_gen_put_hex(j->w, c->seed ^ 0x1234, 16, true);
    else
        j->w = put_uuid(j->w, c->seed ^ 0x1234);
    *j->w++ = '"';
    jkey(j, "eventID");
    *j->w++ = '"';
    j->w = put_uuid(j->w, c->seed ^ 0x9876);
    *j->w++ = '"';
    bool ro = strncmp(api->name, "Describe", 8) == 0 || strncmp(api->name, "Get", 3) == 0 ||
              strncmp(api->name, "List", 4) == 0;
    if (strcmp(api->name, "Decrypt") == 0 || strcmp(api->name, "AssumeRole") == 0)
        ro = true;
    jraw(j, "readOnly", ro ? "true" : "false");
    if (c->api == API_ASSUME && !c->failed) {
        jkey(j, "resources");
        j->w = GEN_LIT(j->w, "[{\"accountId\":\"");
        j->w = gen_puts(j->w, a->acct);
        j->w = GEN_LIT(j->w, "\",\"type\":\"AWS::IAM::Role\",\"ARN\":\"");
        const char *ra = strstr(req, "arn:aws:iam::");
        const char *re = ra ? strchr(ra, '"') : NULL;
        if (ra && re)
            j->w = gen_put(j->w, ra, (size_t)(re - ra));
        j->w = GEN_LIT(j->w, "\"}]");
    }
    if (!mozdef)
        jstr(j, "eventType", login ? "AwsConsoleSignIn" : "AwsApiCall");
    jraw(j, "managementEvent", "true");
    jstr(j, "recipientAccountId", a->acct);
    jstr(j, "eventCategory", "Management");
    if (a->type != AT_SERVICE) {
        jkey(j, "tlsDetails");
        j->w = GEN_LIT(j->w, "{\"tlsVersion\":\"TLSv1.3\",\"cipherSuite\":"
                             "\"TLS_AES_128_GCM_SHA256\",\"clientProvidedHostHeader\":\"");
        if (login) {
            j->w = GEN_LIT(j->w, "signin.aws.amazon.com");
        } else {
            j->w = gen_puts(j->w, api->svc);
            if (!api->global) {
                *j->w++ = '.';
                j->w = gen_puts(j->w, region);
            }
            j->w = GEN_LIT(j->w, ".amazonaws.com");
        }
        j->w = GEN_LIT(j->w, "\"}");
    }
    if (c->agent == AG_CONSOLE)
        jraw(j, "sessionCredentialFromConsole", "\"true\"");
    return j->w;
}

char *wd_gen_ct_render(struct wd_gen *g, const struct gen_rec *r, char *w, enum wd_gen_fmt f)
{
    const struct gen_ct *c = &r->u.ct;
    const struct api *api = &apis[c->api];
    struct jw j = {w, false, false};

    if (f != WD_GEN_FMT_MOZDEF) {
        *j.w++ = '{';
        j.w = record_body(g, r, &j, false);
        *j.w++ = '}';
        *j.w++ = '\n';
        return j.w;
    }
    bool login = c->api == API_LOGIN;
    char src[64];
    if (c->src_ip)
        *wd_gen_put_ipv4(src, c->src_ip) = '\0';
    else
        memcpy(src, actors[c->actor].name, strlen(actors[c->actor].name) + 1);
    w = GEN_LIT(w, "{\"source\":\"cloudtrail\",\"category\":\"");
    w = login ? GEN_LIT(w, "AwsConsoleSignIn") : GEN_LIT(w, "AwsApiCall");
    w = GEN_LIT(w, "\",\"type\":\"cloudtrail\",\"processid\":\"2468\",\"processname\":"
                   "\"esworker_cloudtrail.py\",\"severity\":\"INFO\",\"summary\":\"");
    w = gen_puts(w, src);
    w = GEN_LIT(w, " performed ");
    w = gen_puts(w, api->name);
    w = GEN_LIT(w, " in ");
    w = gen_puts(w, api->svc);
    w = GEN_LIT(w, ".amazonaws.com\",\"hostname\":\"");
    w = gen_puts(w, api->svc);
    w = GEN_LIT(w, ".amazonaws.com\",\"utctimestamp\":\"");
    int64_t ts = r->ts_us - r->ts_us % GEN_US;
    w = wd_gen_put_iso(w, ts, GEN_ISO_MOZDEF);
    w = GEN_LIT(w, "\",\"timestamp\":\"");
    w = wd_gen_put_iso(w, ts, GEN_ISO_MOZDEF);
    w = GEN_LIT(w, "\",\"receivedtimestamp\":\"");
    w = wd_gen_put_iso(w, r->write_us, GEN_ISO_MOZDEF);
    w = GEN_LIT(w, "\",\"mozdefhostname\":\"" GEN_MOZDEF_HOST "\",\"tags\":[],\"details\":{");
    /* eventVerb: the leading capitalised word of the event name */
    const char *e = api->name + 1;
    while (*e && !(*e >= 'A' && *e <= 'Z'))
        e++;
    w = GEN_LIT(w, "\"eventVerb\":\"");
    w = gen_put(w, api->name, (size_t)(e - api->name));
    size_t vl = (size_t)(e - api->name);
    bool ro = (vl == 8 && memcmp(api->name, "Describe", 8) == 0) ||
              (vl == 3 && memcmp(api->name, "Get", 3) == 0) ||
              (vl == 4 && memcmp(api->name, "List", 4) == 0);
    w = GEN_LIT(w, "\",\"eventReadOnly\":");
    w = ro ? GEN_LIT(w, "true") : GEN_LIT(w, "false");
    j.w = w;
    j.comma = true;
    j.lower = true;
    j.w = record_body(g, r, &j, true);
    j.w = GEN_LIT(j.w, "}}\n");
    return j.w;
}
