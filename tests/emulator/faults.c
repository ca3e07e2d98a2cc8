/* faults.c — realism and fault injection for awsemu: per-(account, region, service) token
 * buckets with AWS-like limits, latency with jitter, random 5xx and dropped connections, and
 * rules that inject a fault (throttle, 5xx, AccessDenied, truncated or invalid bodies, an HTML
 * page from a proxy, extra latency) into chosen operations, accounts and regions. Every random
 * draw comes from a stream keyed by (seed, operation, account, region) and that stream's call
 * count, so a run repeats exactly for a given --seed whatever the interleaving of clients. */
#include "emu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct rule {
    char op[128];     /* "ec2:DescribeVolumes", "ec2:*" or "*" */
    char account[16]; /* "" = any */
    char region[64];  /* "" = any */
    emu_fault_kind kind;
    double rate;
    long after, times; /* skip the first `after` matches; apply at most `times` (-1 = always) */
    int latency_ms, status;
    long seen, applied;
} rule;

typedef struct bucket_cfg {
    char service[32];
    double capacity, refill;
    bool off;
} bucket_cfg;

typedef struct bucket {
    double tokens, capacity, refill;
    int64_t last_ms;
} bucket;

static struct {
    rule *rules;
    size_t nrules;
    bucket_cfg cfgs[32];
    size_t ncfgs;
    hmap buckets; /* "account/region/service" → bucket */
    hmap streams; /* "op/account/region" → uint64_t counter */
} F;

static const char *const KIND_NAMES[EMU_F_KIND_COUNT] = {
    [EMU_F_NONE] = "none",
    [EMU_F_THROTTLE] = "throttle",
    [EMU_F_INTERNAL] = "internal_error",
    [EMU_F_UNAVAILABLE] = "unavailable",
    [EMU_F_DROP] = "drop",
    [EMU_F_TRUNCATED] = "truncated",
    [EMU_F_INVALID_JSON] = "invalid_json",
    [EMU_F_HTML] = "html_proxy",
    [EMU_F_ACCESS_DENIED] = "access_denied",
    [EMU_F_LATENCY] = "latency",
};

const char *emu_fault_name(emu_fault_kind k)
{
    return k < EMU_F_KIND_COUNT ? KIND_NAMES[k] : "?";
}

bool emu_fault_parse_kind(const char *s, emu_fault_kind *k)
{
    static const struct {
        const char *alias;
        emu_fault_kind kind;
    } aliases[] = {{"truncated_xml", EMU_F_TRUNCATED},
                   {"html", EMU_F_HTML},
                   {"5xx", EMU_F_INTERNAL},
                   {"denied", EMU_F_ACCESS_DENIED},
                   {"corrupt", EMU_F_INVALID_JSON},
                   {"throttling", EMU_F_THROTTLE}};
    for (int i = 1; i < EMU_F_KIND_COUNT; i++)
        if (strcmp(s, KIND_NAMES[i]) == 0) return (*k = (emu_fault_kind)i), true;
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (strcmp(s, aliases[i].alias) == 0) return (*k = aliases[i].kind), true;
    return false;
}

/* ---- configuration ----------------------------------------------------------------------------
 */
static bucket_cfg *cfg_for(const char *service, bool create)
{
    for (size_t i = 0; i < F.ncfgs; i++)
        if (strcmp(F.cfgs[i].service, service) == 0) return &F.cfgs[i];
    if (!create || F.ncfgs == sizeof F.cfgs / sizeof F.cfgs[0]) return NULL;
    bucket_cfg *b = &F.cfgs[F.ncfgs++];
    ism_strlcpy(b->service, service, sizeof b->service);
    return b;
}

static void set_bucket(const char *service, double cap, double refill, bool off)
{
    bucket_cfg *b = cfg_for(service, true);
    if (!b) return;
    b->capacity = cap;
    b->refill = refill;
    b->off = off;
}

/* AWS's capacities and refill rates per (account, region, service): EC2's documented Describe*
 * bucket (100, 20/s per account and region), IAM's 20 burst and 10/s per account (global), STS's
 * published 600 requests/s per account and region; the others are not published and are
 * generous guesses. */
void emu_faults_init(void)
{
    if (F.ncfgs) return;
    set_bucket("ec2", 100, 20, false);
    set_bucket("iam", 20, 10, false);
    set_bucket("sts", 600, 600, false);
    set_bucket("organizations", 20, 10, false);
    set_bucket("s3", 500, 500, false);
    set_bucket("*", 100, 50, false);
}

/* "SERVICE=CAPACITY/REFILL" or "SERVICE=off"; SERVICE "*" is every other service. */
bool emu_faults_add_bucket(const char *spec, char *why, size_t n)
{
    emu_faults_init();
    const char *eq = strchr(spec, '=');
    char svc[32];
    double cap, refill;
    if (!eq || (size_t)(eq - spec) >= sizeof svc || eq == spec) goto bad;
    memcpy(svc, spec, (size_t)(eq - spec));
    svc[eq - spec] = '\0';
    if (strcmp(eq + 1, "off") == 0) {
        set_bucket(svc, 0, 0, true);
        return true;
    }
    if (sscanf(eq + 1, "%lf/%lf", &cap, &refill) != 2 || cap < 1 || refill < 0) goto bad;
    set_bucket(svc, cap, refill, false);
    return true;
bad:
    snprintf(why, n, "--bucket %s: expected SERVICE=CAPACITY/REFILL_PER_S or SERVICE=off", spec);
    return false;
}

static void add_rule(const rule *r)
{
    F.rules = emu_xrealloc(F.rules, (F.nrules + 1) * sizeof *F.rules);
    F.rules[F.nrules++] = *r;
}

/* "OP[@ACCOUNT[/REGION]]=KIND[:RATE]" — for latency the number is milliseconds. */
bool emu_faults_add_spec(const char *spec, char *why, size_t n)
{
    rule r = {.rate = 1.0, .times = -1, .status = 502};
    const char *eq = strrchr(spec, '=');
    char left[256], kind[64];
    if (!eq || (size_t)(eq - spec) >= sizeof left) goto bad;
    memcpy(left, spec, (size_t)(eq - spec));
    left[eq - spec] = '\0';
    ism_strlcpy(kind, eq + 1, sizeof kind);
    char *colon = strchr(kind, ':');
    double num = 1.0;
    if (colon) {
        *colon = '\0';
        num = atof(colon + 1);
    }
    if (!emu_fault_parse_kind(kind, &r.kind)) goto bad;
    if (r.kind == EMU_F_LATENCY)
        r.latency_ms = (int)num;
    else
        r.rate = num;
    char *at = strchr(left, '@');
    if (at) {
        *at = '\0';
        char *slash = strchr(at + 1, '/');
        if (slash) {
            *slash = '\0';
            ism_strlcpy(r.region, slash + 1, sizeof r.region);
        }
        ism_strlcpy(r.account, at + 1, sizeof r.account);
    }
    ism_strlcpy(r.op, left[0] ? left : "*", sizeof r.op);
    add_rule(&r);
    return true;
bad:
    snprintf(why, n,
             "--fault %s: expected OP[@ACCOUNT[/REGION]]=KIND[:RATE], KIND one of throttle, "
             "internal_error, unavailable, drop, truncated, invalid_json, html_proxy, "
             "access_denied, latency:MS",
             spec);
    return false;
}

static bool load_rule(const json_t *o, char *why, size_t n)
{
    rule r = {.rate = 1.0, .times = -1, .status = 502};
    const char *kind = json_string_value(json_object_get(o, "fault"));
    if (!kind || !emu_fault_parse_kind(kind, &r.kind)) {
        snprintf(why, n, "faults: a rule needs \"fault\": a known fault kind");
        return false;
    }
    const char *s;
    if ((s = json_string_value(json_object_get(o, "operation"))))
        ism_strlcpy(r.op, s, sizeof r.op);
    else
        ism_strlcpy(r.op, "*", sizeof r.op);
    if ((s = json_string_value(json_object_get(o, "account"))))
        ism_strlcpy(r.account, s, sizeof r.account);
    if ((s = json_string_value(json_object_get(o, "region"))))
        ism_strlcpy(r.region, s, sizeof r.region);
    json_t *v;
    if ((v = json_object_get(o, "rate"))) r.rate = json_number_value(v);
    if ((v = json_object_get(o, "after"))) r.after = (long)json_integer_value(v);
    if ((v = json_object_get(o, "times"))) r.times = (long)json_integer_value(v);
    if ((v = json_object_get(o, "latency_ms"))) r.latency_ms = (int)json_integer_value(v);
    if ((v = json_object_get(o, "status"))) r.status = (int)json_integer_value(v);
    add_rule(&r);
    return true;
}

static void load_globals(const json_t *o)
{
    json_t *v;
    if ((v = json_object_get(o, "seed"))) g_cfg.seed = (uint64_t)json_integer_value(v);
    if ((v = json_object_get(o, "latency_ms"))) g_cfg.latency_ms = (int)json_integer_value(v);
    if ((v = json_object_get(o, "jitter_ms"))) g_cfg.jitter_ms = (int)json_integer_value(v);
    if ((v = json_object_get(o, "error_rate"))) g_cfg.error_rate = json_number_value(v);
    if ((v = json_object_get(o, "drop_rate"))) g_cfg.drop_rate = json_number_value(v);
    if ((v = json_object_get(o, "throttle"))) g_cfg.no_throttle = json_is_false(v);
}

static bool load_buckets(const json_t *o, char *why, size_t n)
{
    const char *svc;
    json_t *b;
    json_object_foreach((json_t *)o, svc, b)
    {
        if (json_is_string(b) && strcmp(json_string_value(b), "off") == 0) {
            set_bucket(svc, 0, 0, true);
            continue;
        }
        double cap = json_number_value(json_object_get(b, "capacity"));
        double refill = json_number_value(json_object_get(b, "refill"));
        if (cap < 1 || refill < 0) {
            snprintf(why, n, "faults: buckets.%s needs capacity >= 1 and refill >= 0", svc);
            return false;
        }
        set_bucket(svc, cap, refill, false);
    }
    return true;
}

bool emu_faults_load(const char *path, char *why, size_t n)
{
    emu_faults_init();
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    if (!json_is_object(root)) {
        snprintf(why, n, "%s:%d: %s", path, je.line, je.text);
        json_decref(root);
        return false;
    }
    load_globals(root);
    bool ok = load_buckets(json_object_get(root, "buckets"), why, n);
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(root, "rules"), i, r) if (ok) ok = load_rule(r, why, n);
    json_decref(root);
    return ok;
}

void emu_faults_reset(void)
{
    hmap_clear(&F.buckets, free);
    hmap_clear(&F.streams, free);
    for (size_t i = 0; i < F.nrules; i++)
        F.rules[i].seen = F.rules[i].applied = 0;
}

/* ---- decisions --------------------------------------------------------------------------------
 */
bool emu_bucket_take(const char *account, const char *region, const char *service, int64_t mono_ms)
{
    if (g_cfg.no_throttle) return true;
    bucket_cfg *cfg = cfg_for(service, false);
    if (!cfg) cfg = cfg_for("*", false);
    if (!cfg || cfg->off) return true;
    char key[160];
    snprintf(key, sizeof key, "%s/%s/%s", account, region, service);
    bucket *b = hmap_get(&F.buckets, key);
    if (!b) {
        b = emu_xmalloc(sizeof *b);
        *b = (bucket){cfg->capacity, cfg->capacity, cfg->refill, mono_ms};
        hmap_put(&F.buckets, key, b);
    }
    b->tokens += (double)(mono_ms - b->last_ms) * b->refill / 1000.0;
    if (b->tokens > b->capacity) b->tokens = b->capacity;
    b->last_ms = mono_ms;
    if (b->tokens >= 1.0) {
        b->tokens -= 1.0;
        return true;
    }
    emu_stats_throttled_key(key);
    return false;
}

/* The draw stream of one (op, account, region): its own counter, hashed with the seed. */
static uint64_t stream_start(const char *opkey, const char *account, const char *region)
{
    char key[256];
    snprintf(key, sizeof key, "%s/%s/%s", opkey, account, region);
    uint64_t *count = hmap_get(&F.streams, key);
    if (!count) {
        count = calloc(1, sizeof *count);
        if (!count) abort();
        hmap_put(&F.streams, key, count);
    }
    return emu_mix64(emu_hash(key, g_cfg.seed) + 0x9e3779b97f4a7c15ULL * ++*count);
}

static bool rule_matches(const rule *r, const char *opkey, const char *account, const char *region)
{
    if (r->account[0] && strcmp(r->account, account) != 0) return false;
    if (r->region[0] && strcmp(r->region, region) != 0) return false;
    if (strcmp(r->op, "*") == 0 || strcmp(r->op, opkey) == 0) return true;
    size_t l = strlen(r->op);
    return l > 2 && strcmp(r->op + l - 2, ":*") == 0 && strncmp(r->op, opkey, l - 1) == 0;
}

static bool apply_rules(uint64_t *st, const char *opkey, const char *account, const char *region,
                        emu_fault_decision *d)
{
    for (size_t i = 0; i < F.nrules; i++) {
        rule *r = &F.rules[i];
        if (!rule_matches(r, opkey, account, region)) continue;
        if (++r->seen <= r->after) continue;
        if (r->times >= 0 && r->applied >= r->times) continue;
        if (r->rate < 1.0 && emu_unit(emu_rand(st)) >= r->rate) continue;
        r->applied++;
        if (r->kind == EMU_F_LATENCY) {
            d->delay_ms += r->latency_ms;
            continue;
        }
        d->kind = r->kind;
        d->html_status = r->status;
        return true;
    }
    return false;
}

void emu_faults_decide(const char *opkey, const char *account, const char *region,
                       emu_fault_decision *d)
{
    uint64_t st = stream_start(opkey, account, region);
    memset(d, 0, sizeof *d);
    int jitter = g_cfg.jitter_ms > 0
                     ? (int)(emu_rand(&st) % (uint64_t)(2 * g_cfg.jitter_ms + 1)) - g_cfg.jitter_ms
                     : 0;
    d->delay_ms = g_cfg.latency_ms + jitter > 0 ? g_cfg.latency_ms + jitter : 0;
    if (g_cfg.drop_rate > 0 && emu_unit(emu_rand(&st)) < g_cfg.drop_rate) {
        d->kind = EMU_F_DROP;
        return;
    }
    if (apply_rules(&st, opkey, account, region, d)) return;
    if (g_cfg.error_rate > 0 && emu_unit(emu_rand(&st)) < g_cfg.error_rate)
        d->kind = emu_rand(&st) & 1 ? EMU_F_UNAVAILABLE : EMU_F_INTERNAL;
}

/* ---- content faults ------------------------------------------------------------------------ */
static const char HTML_PAGE[] =
    "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n"
    "<title>%d %s</title>\n</head><body>\n<h1>%s</h1>\n"
    "<p>The proxy server received an invalid response from an upstream server.</p>\n"
    "<hr>\n<address>proxy.minato.lg.jp (emulated forward proxy)</address>\n</body></html>\n";

void emu_fault_transform(emu_fault_kind k, int html_status, emu_resp *r)
{
    if (k == EMU_F_TRUNCATED) {
        r->body.len = r->body.len > 1 ? r->body.len / 2 : 0;
        if (r->body.p) r->body.p[r->body.len] = '\0';
    } else if (k == EMU_F_INVALID_JSON) {
        r->body.len = r->body.len * 3 / 5;
        sb_puts(&r->body, ",,\"}\x01");
    } else if (k == EMU_F_HTML) {
        int st = html_status > 0 ? html_status : 502;
        sb_free(&r->body);
        sb_free(&r->headers);
        sb_printf(&r->body, HTML_PAGE, st, emu_status_text(st), emu_status_text(st));
        r->status = st;
        r->ctype = "text/html; charset=iso-8859-1";
        emu_resp_header(r, "Via", "1.1 proxy.minato.lg.jp");
    }
}
