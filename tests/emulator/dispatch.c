/* dispatch.c — the request pipeline of awsemu: admin endpoints (/__emulator/...), then for AWS
 * calls: service from the credential scope, parameters, signature, operation, region rules,
 * faults and throttling, the handler, pagination, rendering, content faults and latency; every
 * answer is counted in the statistics. */
#include "dispatch_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t g_reqno;

void emu_request_id(char out[48])
{
    uint64_t a = emu_mix64(g_cfg.seed ^ (0x7265717565737400ULL + ++g_reqno));
    uint64_t b = emu_mix64(a);
    snprintf(out, 48, "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(a >> 32),
             (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xfff,
             0x8000 | ((unsigned)(b >> 48) & 0x3fff), (unsigned long long)(b & 0xffffffffffffULL));
}

json_t *emu_fail(emu_ctx *c, int status, const char *code, const char *fmt, ...)
{
    c->err_status = status;
    ism_strlcpy(c->err_code, code, sizeof c->err_code);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err_msg, sizeof c->err_msg, fmt, ap);
    va_end(ap);
    return NULL;
}

/* ---- admin endpoints ------------------------------------------------------------------------ */
static void admin_json(emu_resp *r, int status, json_t *doc)
{
    char *s = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
    r->status = status;
    r->ctype = "application/json";
    sb_puts(&r->body, s ? s : "{}");
    sb_puts(&r->body, "\n");
    free(s);
    json_decref(doc);
}

/* The clock AWS calls see (token buckets, report and credential times): the monotonic clock,
 * less the time it spent frozen. /__emulator/clock/freeze stops it, /__emulator/clock/thaw
 * lets it run on from where it stopped, so a test can make several calls "at one instant"
 * however slowly a busy machine runs them. */
static int64_t g_frozen_ms = -1; /* the clock's value while frozen, else -1 */
static int64_t g_lost_ms;        /* time spent frozen, in all */

static int64_t clock_ms(void)
{
    return g_frozen_ms >= 0 ? g_frozen_ms : ism_mono_ms() - g_lost_ms;
}

static void admin(const emu_req *req, emu_resp *r)
{
    const char *p = req->path + strlen("/__emulator/");
    if (strcmp(p, "clock/freeze") == 0) {
        if (g_frozen_ms < 0) g_frozen_ms = clock_ms();
        return admin_json(r, 200, json_pack("{s:b}", "frozen", 1));
    }
    if (strcmp(p, "clock/thaw") == 0) {
        if (g_frozen_ms >= 0) g_lost_ms = ism_mono_ms() - g_frozen_ms;
        g_frozen_ms = -1;
        return admin_json(r, 200, json_pack("{s:b}", "frozen", 0));
    }
    if (strcmp(p, "stats") == 0) return admin_json(r, 200, emu_stats_json());
    if (strcmp(p, "health") == 0) return admin_json(r, 200, json_pack("{s:s}", "status", "ok"));
    if (strcmp(p, "reset") == 0) {
        emu_stats_reset();
        emu_faults_reset();
        emu_reports_reset();
        return admin_json(r, 200, json_pack("{s:b}", "reset", 1));
    }
    admin_json(r, 404,
               json_pack("{s:s}", "error",
                         "unknown emulator endpoint: use stats, reset, health, "
                         "clock/freeze, clock/thaw"));
}

/* ---- AWS calls ----------------------------------------------------------------------------------
 */
typedef struct outcome {
    char opkey[160];
    bool throttled, auth_failed;
    emu_fault_kind fault;
} outcome;

/* The protocol's throttling, 5xx or AccessDenied answer for an injected fault. */
static void fault_error(emu_ctx *c, emu_fault_kind k)
{
    static const struct {
        int status;
        const char *code, *msg;
    } T[3][5] = {
        /* query, EC2, JSON, REST-JSON, REST-XML */
        {{400, "Throttling", "Rate exceeded"},
         {503, "RequestLimitExceeded", "Request limit exceeded."},
         {400, "ThrottlingException", "Rate exceeded"},
         {429, "ThrottlingException", "Rate exceeded"},
         {503, "SlowDown", "Please reduce your request rate."}},
        {{500, "InternalFailure",
          "The request processing has failed because of an unknown error, exception or failure."},
         {500, "InternalError", "An internal error has occurred"},
         {500, "InternalFailure",
          "The request processing has failed because of an unknown error, exception or failure."},
         {500, "InternalServerErrorException", "Internal server error"},
         {500, "InternalError", "We encountered an internal error. Please try again."}},
        {{503, "ServiceUnavailable", "Service is unable to handle request."},
         {503, "Unavailable", "The server is overloaded and can't handle the request."},
         {503, "ServiceUnavailableException", "Service is unable to handle request."},
         {503, "ServiceUnavailableException", "Service is unable to handle request."},
         {503, "ServiceUnavailable", "Service is unable to handle request."}},
    };
    if (k == EMU_F_ACCESS_DENIED) {
        emu_access_denied(c, " (injected by the emulator)");
        return;
    }
    int row = k == EMU_F_THROTTLE ? 0 : k == EMU_F_INTERNAL ? 1 : 2;
    int col = c->svc->proto == ISM_AWS_QUERY       ? 0
              : c->svc->proto == ISM_AWS_EC2       ? 1
              : c->svc->proto == ISM_AWS_JSON      ? 2
              : c->svc->proto == ISM_AWS_REST_JSON ? 3
                                                   : 4;
    emu_fail(c, T[row][col].status, T[row][col].code, "%s", T[row][col].msg);
}

static bool is_error_fault(emu_fault_kind k)
{
    return k == EMU_F_THROTTLE || k == EMU_F_INTERNAL || k == EMU_F_UNAVAILABLE ||
           k == EMU_F_ACCESS_DENIED;
}

/* Throttling and injected errors; false when the call is answered with one (or dropped). */
static bool apply_faults(emu_ctx *c, emu_fault_decision *d, outcome *o, emu_resp *r)
{
    const char *bregion = c->svc->global ? "global" : c->region;
    emu_faults_decide(o->opkey, c->who.account, bregion, d);
    if (d->kind == EMU_F_DROP) {
        r->drop = true;
        o->fault = EMU_F_DROP;
        return false;
    }
    if (!emu_bucket_take(c->who.account, bregion, c->svc->name, c->mono_ms)) {
        o->throttled = true;
        fault_error(c, EMU_F_THROTTLE);
        return false;
    }
    if (!is_error_fault(d->kind)) return true;
    o->fault = d->kind;
    o->throttled = d->kind == EMU_F_THROTTLE;
    fault_error(c, d->kind);
    return false;
}

static json_t *run_handler(emu_ctx *c)
{
    json_t *result = c->op->handler(c);
    if (result && c->op->list && !emu_paginate(c, result)) {
        json_decref(result);
        return NULL;
    }
    return result;
}

static void log_request(const emu_ctx *c, const outcome *o, const emu_resp *r)
{
    if (!g_cfg.log_requests) return;
    fprintf(stderr, "awsemu: %s %s %s %s/%s -> %d%s%s%s\n", c->req->method, c->req->path, o->opkey,
            c->who.account[0] ? c->who.account : "-", c->region[0] ? c->region : "-",
            r->drop ? 0 : r->status, c->err_code[0] ? " " : "", c->err_code,
            o->fault ? (o->fault == EMU_F_DROP ? " (dropped)" : " (injected)") : "");
}

/* Steps up to the handler; false with the context's error (or a drop) set. */
static bool prepare(emu_ctx *c, ism_aws_protocol *proto, outcome *o)
{
    if (!emu_identify(c, proto)) return !(o->auth_failed = true);
    *proto = c->svc->proto;
    snprintf(o->opkey, sizeof o->opkey, "%s:?", c->svc->name);
    if (!emu_parse_params(c)) return false;
    if (!emu_authenticate(c)) return !(o->auth_failed = true);
    if (!emu_route_op(c)) return false;
    snprintf(o->opkey, sizeof o->opkey, "%s:%s", c->svc->name, c->op->name);
    return emu_region_allowed(c);
}

static void serve(emu_ctx *c, outcome *o, emu_resp *r)
{
    emu_fault_decision d = {0};
    if (apply_faults(c, &d, o, r)) {
        json_t *result = run_handler(c);
        if (result) {
            emu_render_result(c, result, r);
            json_decref(result);
        }
        if (!result)
            emu_render_error(c->svc->proto, c->svc, c->err_status, c->err_code, c->err_msg,
                             c->request_id, c->err_extra, r);
        if (d.kind == EMU_F_TRUNCATED || d.kind == EMU_F_INVALID_JSON || d.kind == EMU_F_HTML) {
            emu_fault_transform(d.kind, d.html_status, r);
            o->fault = d.kind;
        }
    } else if (!r->drop) {
        emu_render_error(c->svc->proto, c->svc, c->err_status, c->err_code, c->err_msg,
                         c->request_id, c->err_extra, r);
    }
    r->delay_ms = d.delay_ms;
}

void emu_dispatch(const emu_req *req, emu_resp *r)
{
    if (strncmp(req->path, "/__emulator/", 12) == 0) return admin(req, r);
    emu_stats_request();
    emu_ctx c = {.req = req, .now_s = (int64_t)time(NULL), .mono_ms = clock_ms()};
    emu_request_id(c.request_id);
    outcome o = {.opkey = "?:?"};
    ism_aws_protocol proto = ISM_AWS_QUERY;
    if (prepare(&c, &proto, &o)) {
        serve(&c, &o, r);
    } else {
        if (o.auth_failed) emu_stats_auth_failure();
        emu_render_error(proto, c.svc, c.err_status, c.err_code, c.err_msg, c.request_id,
                         c.err_extra, r);
    }
    emu_stats_op(o.opkey, r->drop ? 0 : r->status, o.throttled, o.fault);
    log_request(&c, &o, r);
    json_decref(c.params);
    json_decref(c.err_extra);
}
