/* stats.c — awsemu's counters, served as JSON by GET /__emulator/stats and zeroed by
 * /__emulator/reset: requests, answers by status class, per-operation counts, throttling (and
 * which buckets), injected faults by kind, dropped connections, authentication failures. */
#include "emu.h"

#include <stdlib.h>
#include <string.h>

typedef struct op_stat {
    uint64_t requests, ok, errors, throttled, injected, dropped;
} op_stat;

static struct {
    int64_t started_ms;
    uint64_t requests, classes[6], throttled, dropped, auth_failures, injected_total;
    uint64_t injected[EMU_F_KIND_COUNT];
    uint64_t accepted, rejected;
    int64_t open;
    uint64_t max_parked; /* most answers waiting on latency timers at once */
    hmap ops;            /* "service:Operation" → op_stat */
    hmap throttles;      /* bucket key → uint64_t */
} ST;

void emu_stats_parked(size_t n)
{
    if (n > ST.max_parked) ST.max_parked = n;
}

void emu_stats_request(void)
{
    if (!ST.started_ms) ST.started_ms = ism_mono_ms();
    ST.requests++;
}

static op_stat *op_get(const char *opkey)
{
    op_stat *s = hmap_get(&ST.ops, opkey);
    if (!s) {
        s = calloc(1, sizeof *s);
        if (!s) abort();
        hmap_put(&ST.ops, opkey, s);
    }
    return s;
}

void emu_stats_op(const char *opkey, int status, bool throttled, emu_fault_kind injected)
{
    op_stat *s = op_get(opkey);
    s->requests++;
    if (status == 0) {
        s->dropped++;
        ST.dropped++;
    } else {
        ST.classes[status / 100 < 6 ? status / 100 : 0]++;
        if (status < 300)
            s->ok++;
        else
            s->errors++;
    }
    if (throttled) {
        s->throttled++;
        ST.throttled++;
    }
    if (injected != EMU_F_NONE && injected != EMU_F_LATENCY) {
        s->injected++;
        ST.injected[injected]++;
        if (injected != EMU_F_DROP) ST.injected_total++;
    }
}

void emu_stats_auth_failure(void)
{
    ST.auth_failures++;
}

void emu_stats_throttled_key(const char *key)
{
    uint64_t *n = hmap_get(&ST.throttles, key);
    if (!n) {
        n = calloc(1, sizeof *n);
        if (!n) abort();
        hmap_put(&ST.throttles, key, n);
    }
    ++*n;
}

void emu_stats_conn(int delta_open, bool accepted, bool rejected)
{
    ST.open += delta_open;
    ST.accepted += accepted;
    ST.rejected += rejected;
}

static json_t *ops_json(void)
{
    json_t *o = json_object();
    for (size_t i = 0; i < ST.ops.cap; i++) {
        op_stat *s = ST.ops.v[i].val;
        if (!ST.ops.v[i].key) continue;
        json_object_set_new(o, ST.ops.v[i].key,
                            json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "requests",
                                      (json_int_t)s->requests, "ok", (json_int_t)s->ok, "errors",
                                      (json_int_t)s->errors, "throttled", (json_int_t)s->throttled,
                                      "injected", (json_int_t)s->injected, "dropped",
                                      (json_int_t)s->dropped));
    }
    return o;
}

static json_t *counts_json(const hmap *m)
{
    json_t *o = json_object();
    for (size_t i = 0; i < m->cap; i++)
        if (m->v[i].key)
            json_object_set_new(o, m->v[i].key,
                                json_integer((json_int_t) * (uint64_t *)m->v[i].val));
    return o;
}

json_t *emu_stats_json(void)
{
    json_t *inj = json_object();
    for (int k = 1; k < EMU_F_KIND_COUNT; k++)
        if (k != EMU_F_LATENCY)
            json_object_set_new(inj, emu_fault_name((emu_fault_kind)k),
                                json_integer((json_int_t)ST.injected[k]));
    json_t *classes = json_pack("{s:I, s:I, s:I, s:I}", "2xx", (json_int_t)ST.classes[2], "3xx",
                                (json_int_t)ST.classes[3], "4xx", (json_int_t)ST.classes[4], "5xx",
                                (json_int_t)ST.classes[5]);
    json_t *conns = json_pack("{s:I, s:I, s:I, s:I}", "accepted", (json_int_t)ST.accepted, "open",
                              (json_int_t)ST.open, "rejected", (json_int_t)ST.rejected,
                              "max_parked", (json_int_t)ST.max_parked);
    return json_pack("{s:I, s:o, s:I, s:I, s:o, s:I, s:I, s:o, s:o, s:o, s:I}", "requests",
                     (json_int_t)ST.requests, "responses", classes, "throttled",
                     (json_int_t)ST.throttled, "errors_injected", (json_int_t)ST.injected_total,
                     "injected", inj, "dropped", (json_int_t)ST.dropped, "auth_failures",
                     (json_int_t)ST.auth_failures, "operations", ops_json(), "throttled_buckets",
                     counts_json(&ST.throttles), "connections", conns, "uptime_ms",
                     (json_int_t)(ST.started_ms ? ism_mono_ms() - ST.started_ms : 0));
}

void emu_stats_reset(void)
{
    int64_t open = ST.open, started = ST.started_ms;
    uint64_t accepted = ST.accepted, rejected = ST.rejected;
    hmap_clear(&ST.ops, free);
    hmap_clear(&ST.throttles, free);
    memset(&ST, 0, sizeof ST);
    ST.open = open;
    ST.accepted = accepted;
    ST.rejected = rejected;
    ST.started_ms = started;
}
