/* latency.h — latency samples for the load benchmarks (matrix_bench, http_bench): a growing
 * array of milliseconds per client, merged into one and sorted for p50 / p99 / max. Header-only
 * and bench-only. */
#ifndef ISM_BENCH_LATENCY_H
#define ISM_BENCH_LATENCY_H

#include <stdint.h>
#include <stdlib.h>
#include <time.h>

static inline int64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

typedef struct lat {
    double *ms; /* owned; free() it */
    size_t n, cap;
} lat;

static inline void lat_push(lat *l, double v)
{
    if (l->n == l->cap) {
        double *m = realloc(l->ms, (l->cap ? l->cap * 2 : 1024) * sizeof *l->ms);
        if (!m) abort();
        l->ms = m;
        l->cap = l->cap ? l->cap * 2 : 1024;
    }
    l->ms[l->n++] = v;
}

static inline int lat_cmp_(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Sorts l so that lat_at(l, 0.5) is the median. */
static inline void lat_sort(lat *l)
{
    if (l->n) qsort(l->ms, l->n, sizeof *l->ms, lat_cmp_);
}

/* The q-quantile (0 <= q < 1) of a sorted, non-empty l. */
static inline double lat_at(const lat *l, double q)
{
    return l->ms[(size_t)((double)l->n * q)];
}

#endif
