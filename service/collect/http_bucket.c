/* http_bucket.c — adaptive token buckets (ism_rate_bucket: the AWS SDKs' adaptive retry mode,
 * a CUBIC rate after throttling) and the engine's table of them per key
 * ("account/region/service"), hashed so that an organization's thousands of keys stay cheap. */
#include "http_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BETA 0.7     /* the cut on a throttled answer */
#define SCALE 0.4    /* CUBIC's scale constant */
#define MIN_RATE 0.5 /* tokens/s: never slower */
#define CUT_INTERVAL_MS 1000
#define SMOOTH 0.8 /* weight of the newest half-second window in the measured rate */

void ism_rate_bucket_init(ism_rate_bucket *b, double capacity, double rate, int64_t now_ms)
{
    *b = (ism_rate_bucket){.capacity = capacity,
                           .max_rate = rate,
                           .rate = rate,
                           .tokens = capacity,
                           .last_ms = now_ms,
                           .measure_window_ms = now_ms - now_ms % 500};
}

static void refill(ism_rate_bucket *b, int64_t now)
{
    if (now > b->last_ms) {
        b->tokens += b->rate * (double)(now - b->last_ms) / 1000.0;
        if (b->tokens > b->capacity) b->tokens = b->capacity;
        b->last_ms = now;
    }
}

int64_t ism_rate_bucket_wait(ism_rate_bucket *b, int64_t now_ms)
{
    refill(b, now_ms);
    if (b->tokens >= 1.0) return 0;
    double ms = (1.0 - b->tokens) / b->rate * 1000.0;
    return ms < 1.0 ? 1 : (int64_t)ms + 1;
}

bool ism_rate_bucket_take(ism_rate_bucket *b, int64_t now_ms, int64_t *wait_ms)
{
    int64_t w = ism_rate_bucket_wait(b, now_ms);
    if (w > 0) {
        if (wait_ms) *wait_ms = w;
        return false;
    }
    b->tokens -= 1.0;
    b->taken++;
    return true;
}

/* The send rate, over half-second windows, smoothed. */
static void measure(ism_rate_bucket *b, int64_t now)
{
    int64_t window = now - now % 500;
    b->measure_count++;
    if (window > b->measure_window_ms) {
        double current = b->measure_count * 1000.0 / (double)(window - b->measure_window_ms);
        b->measured_rate = current * SMOOTH + b->measured_rate * (1 - SMOOTH);
        b->measure_count = 0;
        b->measure_window_ms = window;
    }
}

static void set_rate(ism_rate_bucket *b, double r)
{
    double floor = MIN_RATE < b->max_rate ? MIN_RATE : b->max_rate;
    if (r < floor) r = floor;
    if (r > b->max_rate) r = b->max_rate;
    b->rate = r;
}

void ism_rate_bucket_feedback(ism_rate_bucket *b, bool throttled, int64_t now_ms)
{
    refill(b, now_ms);
    measure(b, now_ms);
    if (throttled) {
        if (b->throttled_once && now_ms - b->last_throttle_ms < CUT_INTERVAL_MS) return;
        double base =
            b->measured_rate > 0 && b->measured_rate < b->rate ? b->measured_rate : b->rate;
        b->last_max_rate = base;
        b->k = cbrt(base * (1 - BETA) / SCALE);
        b->last_throttle_ms = now_ms;
        b->throttled_once = true;
        set_rate(b, base * BETA);
        if (b->tokens > 0) b->tokens = 0; /* no burst into an overloaded service */
        return;
    }
    if (!b->throttled_once || b->rate >= b->max_rate) return;
    double t = (double)(now_ms - b->last_throttle_ms) / 1000.0 - b->k;
    double cubic = SCALE * t * t * t + b->last_max_rate;
    /* Not faster than twice what is actually being sent (when that is known). */
    if (b->measured_rate > 0 && cubic > 2 * b->measured_rate) cubic = 2 * b->measured_rate;
    if (cubic > b->rate) set_rate(b, cubic);
}

/* ---- the engine's table ---- */
static http_bucket *find(http_buckets *bs, const char *key)
{
    json_t *ix = bs->index ? json_object_get(bs->index, key) : NULL;
    return ix ? &bs->v[json_integer_value(ix)] : NULL;
}

/* A bucket with capacity 0 is kept to remember "unlimited" for keys set that way. */
static http_bucket *add(http_buckets *bs, const char *key, double capacity, double refill_rate,
                        int64_t now)
{
    if (!bs->index && !(bs->index = json_object())) return NULL;
    if (bs->n == bs->cap) {
        size_t cap = bs->cap ? bs->cap * 2 : 8;
        http_bucket *v = realloc(bs->v, cap * sizeof *v);
        if (!v) return NULL;
        bs->v = v;
        bs->cap = cap;
    }
    char *k = strdup(key);
    if (!k || json_object_set_new(bs->index, key, json_integer((json_int_t)bs->n)) != 0) {
        free(k);
        return NULL;
    }
    http_bucket *b = &bs->v[bs->n++];
    b->key = k;
    ism_rate_bucket_init(&b->rb, capacity, refill_rate, now);
    return b;
}

http_bucket *ism_http_buckets_get(http_buckets *bs, const char *key, int64_t now)
{
    if (!key) return NULL;
    http_bucket *b = find(bs, key);
    if (!b && bs->dflt_capacity > 0 && bs->dflt_refill > 0)
        b = add(bs, key, bs->dflt_capacity, bs->dflt_refill, now);
    return b && b->rb.capacity > 0 && b->rb.max_rate > 0 ? b : NULL;
}

bool ism_http_buckets_set(http_buckets *bs, const char *key, double capacity, double refill,
                          int64_t now)
{
    if (capacity <= 0 || refill <= 0) capacity = refill = 0;
    http_bucket *b = find(bs, key);
    if (!b) return add(bs, key, capacity, refill, now) != NULL;
    ism_rate_bucket_init(&b->rb, capacity, refill, now);
    return true;
}

void ism_http_buckets_free(http_buckets *bs)
{
    for (size_t i = 0; i < bs->n; i++)
        free(bs->v[i].key);
    free(bs->v);
    json_decref(bs->index);
    memset(bs, 0, sizeof *bs);
}
