/* http_bucket.c — token buckets per key ("account/region/service"), adaptive: a throttled answer
 * halves the refill rate, successes win it back slowly (AIMD), so a collection settles just under
 * what the provider grants instead of hammering it with retries. */
#include "http_int.h"

#include <stdlib.h>
#include <string.h>

#define CUT_INTERVAL_MS 1000 /* one cut per second: a burst of in-flight 503s is one signal */
#define MIN_RATE_SHARE 0.05  /* never below 5% of the configured rate */
#define RECOVER_SHARE 0.02   /* each success gives back 2% of it */

static void refill(http_bucket *b, int64_t now)
{
    if (now > b->last_ms) {
        b->tokens += b->rate * (double)(now - b->last_ms) / 1000.0;
        if (b->tokens > b->capacity) b->tokens = b->capacity;
        b->last_ms = now;
    }
}

bool ism_http_bucket_take(http_bucket *b, int64_t now, int64_t *wait_ms)
{
    refill(b, now);
    if (b->tokens >= 1.0) {
        b->tokens -= 1.0;
        return true;
    }
    double ms = (1.0 - b->tokens) / b->rate * 1000.0;
    *wait_ms = ms < 1.0 ? 1 : (int64_t)ms + 1;
    return false;
}

void ism_http_bucket_feedback(http_bucket *b, bool throttled, int64_t now)
{
    refill(b, now);
    if (throttled) {
        if (now - b->cut_ms < CUT_INTERVAL_MS && b->cut_ms) return;
        b->cut_ms = now;
        b->rate /= 2.0;
        if (b->rate < b->max_rate * MIN_RATE_SHARE) b->rate = b->max_rate * MIN_RATE_SHARE;
        if (b->tokens > 0) b->tokens = 0;
    } else if (b->rate < b->max_rate) {
        b->rate += b->max_rate * RECOVER_SHARE;
        if (b->rate > b->max_rate) b->rate = b->max_rate;
    }
}

static http_bucket *find(http_buckets *bs, const char *key)
{
    for (size_t i = 0; i < bs->n; i++)
        if (strcmp(bs->v[i].key, key) == 0) return &bs->v[i];
    return NULL;
}

/* A bucket with capacity 0 is kept to remember "unlimited" for keys set that way. */
static http_bucket *add(http_buckets *bs, const char *key, double capacity, double refill_rate,
                        int64_t now)
{
    if (bs->n == bs->cap) {
        size_t cap = bs->cap ? bs->cap * 2 : 8;
        http_bucket *v = realloc(bs->v, cap * sizeof *v);
        if (!v) return NULL;
        bs->v = v;
        bs->cap = cap;
    }
    char *k = strdup(key);
    if (!k) return NULL;
    http_bucket *b = &bs->v[bs->n++];
    *b = (http_bucket){.key = k,
                       .capacity = capacity,
                       .max_rate = refill_rate,
                       .rate = refill_rate,
                       .tokens = capacity,
                       .last_ms = now};
    return b;
}

http_bucket *ism_http_buckets_get(http_buckets *bs, const char *key, int64_t now)
{
    if (!key) return NULL;
    http_bucket *b = find(bs, key);
    if (!b && bs->dflt_capacity > 0 && bs->dflt_refill > 0)
        b = add(bs, key, bs->dflt_capacity, bs->dflt_refill, now);
    return b && b->capacity > 0 && b->max_rate > 0 ? b : NULL;
}

bool ism_http_buckets_set(http_buckets *bs, const char *key, double capacity, double refill,
                          int64_t now)
{
    if (capacity <= 0 || refill <= 0) capacity = refill = 0;
    http_bucket *b = find(bs, key);
    if (!b) return add(bs, key, capacity, refill, now) != NULL;
    *b = (http_bucket){.key = b->key,
                       .capacity = capacity,
                       .max_rate = refill,
                       .rate = refill,
                       .tokens = capacity,
                       .last_ms = now};
    return true;
}

void ism_http_buckets_free(http_buckets *bs)
{
    for (size_t i = 0; i < bs->n; i++)
        free(bs->v[i].key);
    free(bs->v);
    memset(bs, 0, sizeof *bs);
}
