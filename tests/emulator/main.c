/* main.c — awsemu's command line: reads the flags (see README.md or --help), loads the botocore
 * models, the tenant and the fault configuration, then runs the event loop. */
#include "emu.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef AWSEMU_DEFAULT_TENANT
#define AWSEMU_DEFAULT_TENANT "tests/emulator/tenants/govcloud-demo.json"
#endif

emu_config g_cfg = {
    .tenant_path = AWSEMU_DEFAULT_TENANT,
    .report_delay_ms = 1000,
    .report_ttl_s = 4 * 3600,
    .seed = 1,
    .max_conns = 4096,
    .max_body = 1u << 20,
    .max_header = 16384,
    .idle_timeout_s = 120,
    .max_skew_s = 900,
};

static const char USAGE[] =
    "usage: awsemu [options]\n"
    "  --tenant FILE          tenant JSON (default: the bundled govcloud-demo.json)\n"
    "  --variant NAME         apply the tenant's variants.NAME patch\n"
    "  --overlay FILE         merge another JSON file into the tenant\n"
    "  --port N               port on 127.0.0.1 (0 = pick one; default 0)\n"
    "  --port-file FILE       write the port there once listening\n"
    "  --models-dir DIR       botocore data dir (default: awscli's, then python3-botocore's)\n"
    "  --page-size N          page size for every paginated operation (default: AWS's)\n"
    "  --creds-ttl S          lifetime of AssumeRole credentials (default: DurationSeconds)\n"
    "  --report-delay-ms MS   credential report generation time (default 1000)\n"
    "  --report-ttl S         credential report lifetime (default 14400)\n"
    "  --seed N               seed of every random decision (default 1)\n"
    "  --latency-ms MS        latency added to every answer (timers: never blocks)\n"
    "  --jitter-ms MS         +/- uniform jitter on the latency\n"
    "  --error-rate R         fraction of calls answered InternalError/ServiceUnavailable\n"
    "  --drop-rate R          fraction of calls whose connection is closed unanswered\n"
    "  --bucket SVC=CAP/RATE  token bucket per account/region for SVC ('*' = others; =off)\n"
    "  --no-throttle          no token buckets at all\n"
    "  --fault SPEC           OP[@ACCOUNT[/REGION]]=KIND[:RATE] (KIND: throttle, internal_error,\n"
    "                         unavailable, drop, truncated, invalid_json, html_proxy,\n"
    "                         access_denied, latency:MS); OP like ec2:DescribeVpcs, ec2:*, *\n"
    "  --faults FILE          fault configuration JSON (see README.md)\n"
    "  --max-conns N          open connections (default 4096)\n"
    "  --max-body BYTES       request body limit (default 1 MiB)\n"
    "  --idle-timeout S       close idle keep-alive connections (default 120)\n"
    "  --max-skew S           SigV4 clock skew allowed (default 900)\n"
    "  --log-requests         one line per call on stderr\n";

enum {
    O_TENANT = 256,
    O_VARIANT,
    O_OVERLAY,
    O_PORT,
    O_PORT_FILE,
    O_MODELS,
    O_PAGE,
    O_TTL,
    O_REPORT_DELAY,
    O_REPORT_TTL,
    O_SEED,
    O_LAT,
    O_JIT,
    O_ERR,
    O_DROP,
    O_BUCKET,
    O_NO_THROTTLE,
    O_FAULT,
    O_FAULTS,
    O_MAX_CONNS,
    O_MAX_BODY,
    O_IDLE,
    O_SKEW,
    O_LOG,
    O_HELP,
};

static const struct option OPTS[] = {
    {"tenant", 1, 0, O_TENANT},
    {"variant", 1, 0, O_VARIANT},
    {"overlay", 1, 0, O_OVERLAY},
    {"port", 1, 0, O_PORT},
    {"port-file", 1, 0, O_PORT_FILE},
    {"models-dir", 1, 0, O_MODELS},
    {"page-size", 1, 0, O_PAGE},
    {"creds-ttl", 1, 0, O_TTL},
    {"report-delay-ms", 1, 0, O_REPORT_DELAY},
    {"report-ttl", 1, 0, O_REPORT_TTL},
    {"seed", 1, 0, O_SEED},
    {"latency-ms", 1, 0, O_LAT},
    {"jitter-ms", 1, 0, O_JIT},
    {"error-rate", 1, 0, O_ERR},
    {"drop-rate", 1, 0, O_DROP},
    {"bucket", 1, 0, O_BUCKET},
    {"no-throttle", 0, 0, O_NO_THROTTLE},
    {"fault", 1, 0, O_FAULT},
    {"faults", 1, 0, O_FAULTS},
    {"max-conns", 1, 0, O_MAX_CONNS},
    {"max-body", 1, 0, O_MAX_BODY},
    {"idle-timeout", 1, 0, O_IDLE},
    {"max-skew", 1, 0, O_SKEW},
    {"log-requests", 0, 0, O_LOG},
    {"help", 0, 0, O_HELP},
    {0, 0, 0, 0},
};

static bool int_arg(const char *s, long min, long max, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < min || v > max) return false;
    *out = v;
    return true;
}

static bool rate_arg(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (!*s || *end || v < 0 || v > 1) return false;
    *out = v;
    return true;
}

/* Numeric flags; false when the value is out of range. */
static bool numeric_opt(int o, const char *a)
{
    long v = 0;
    switch (o) {
    case O_PORT:
        return int_arg(a, 0, 65535, &v) && ((g_cfg.port = (int)v), true);
    case O_PAGE:
        return int_arg(a, 0, 100000, &v) && ((g_cfg.page_size = (int)v), true);
    case O_TTL:
        return int_arg(a, 0, 43200, &v) && ((g_cfg.creds_ttl_s = (int)v), true);
    case O_REPORT_DELAY:
        return int_arg(a, 0, 600000, &v) && ((g_cfg.report_delay_ms = (int)v), true);
    case O_REPORT_TTL:
        return int_arg(a, 0, 86400 * 30, &v) && ((g_cfg.report_ttl_s = (int)v), true);
    case O_SEED:
        return int_arg(a, 0, 0x7fffffffL, &v) && ((g_cfg.seed = (uint64_t)v), true);
    case O_LAT:
        return int_arg(a, 0, 600000, &v) && ((g_cfg.latency_ms = (int)v), true);
    case O_JIT:
        return int_arg(a, 0, 600000, &v) && ((g_cfg.jitter_ms = (int)v), true);
    case O_ERR:
        return rate_arg(a, &g_cfg.error_rate);
    case O_DROP:
        return rate_arg(a, &g_cfg.drop_rate);
    case O_MAX_CONNS:
        return int_arg(a, 1, 1000000, &v) && ((g_cfg.max_conns = (int)v), true);
    case O_MAX_BODY:
        return int_arg(a, 1024, 1L << 30, &v) && ((g_cfg.max_body = (size_t)v), true);
    case O_IDLE:
        return int_arg(a, 0, 86400, &v) && ((g_cfg.idle_timeout_s = (int)v), true);
    case O_SKEW:
        return int_arg(a, 1, 86400 * 365, &v) && ((g_cfg.max_skew_s = (int)v), true);
    default:
        return false;
    }
}

static bool option(int o, const char *a, char *why, size_t n)
{
    switch (o) {
    case O_TENANT:
        g_cfg.tenant_path = a;
        return true;
    case O_VARIANT:
        g_cfg.variant = a;
        return true;
    case O_OVERLAY:
        g_cfg.overlay_path = a;
        return true;
    case O_PORT_FILE:
        g_cfg.port_file = a;
        return true;
    case O_MODELS:
        g_cfg.models_dir = a;
        return true;
    case O_NO_THROTTLE:
        g_cfg.no_throttle = true;
        return true;
    case O_LOG:
        g_cfg.log_requests = true;
        return true;
    case O_BUCKET:
        return emu_faults_add_bucket(a, why, n);
    case O_FAULT:
        return emu_faults_add_spec(a, why, n);
    case O_FAULTS:
        return emu_faults_load(a, why, n);
    default:
        break;
    }
    if (numeric_opt(o, a)) return true;
    snprintf(why, n, "invalid value '%s' for --%s", a, OPTS[o - O_TENANT].name);
    return false;
}

int main(int argc, char **argv)
{
    char why[1024] = "";
    int o;
    emu_faults_init();
    while ((o = getopt_long(argc, argv, "", OPTS, NULL)) != -1) {
        if (o == O_HELP) {
            fputs(USAGE, stdout);
            return 0;
        }
        if (o == '?' || !option(o, optarg, why, sizeof why)) {
            if (why[0]) fprintf(stderr, "awsemu: %s\n", why);
            fputs(USAGE, stderr);
            return 2;
        }
    }
    if (!emu_models_load(g_cfg.models_dir, why, sizeof why) || !emu_tenant_load(why, sizeof why)) {
        fprintf(stderr, "awsemu: %s\n", why);
        return 1;
    }
    g_srv.name = "awsemu";
    g_srv.port = g_cfg.port;
    g_srv.port_file = g_cfg.port_file;
    g_srv.max_conns = g_cfg.max_conns;
    g_srv.max_body = g_cfg.max_body;
    g_srv.max_header = g_cfg.max_header;
    g_srv.idle_timeout_s = g_cfg.idle_timeout_s;
    g_srv.dispatch = emu_dispatch;
    g_srv.on_conn = emu_stats_conn;
    g_srv.on_parked = emu_stats_parked;
    return emu_server_run();
}
