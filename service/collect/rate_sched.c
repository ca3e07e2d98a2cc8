/* rate_sched.c — which of many token buckets sends next (ism_rate_sched): two binary heaps, the
 * due buckets ordered by the work they have queued at their rate (the longest pole first), the
 * others by the time their next token is there. */
#include "ismap/collect.h"

#include <stdlib.h>
#include <string.h>

enum { W_NONE, W_DUE, W_WAIT };

/* Does a go before b in the due heap? More work first, then the one due earlier. */
static bool due_before(const ism_rate_sched *s, int a, int b)
{
    const ism_rate_sched_entry *x = &s->e[a], *y = &s->e[b];
    if (x->work != y->work) return x->work > y->work;
    return x->seq < y->seq;
}

static bool wait_before(const ism_rate_sched *s, int a, int b)
{
    return s->e[a].due_ms < s->e[b].due_ms;
}

typedef bool (*before_fn)(const ism_rate_sched *s, int a, int b);

static void heap_put(ism_rate_sched *s, int *h, int pos, int id)
{
    h[pos] = id;
    s->e[id].pos = pos;
}

static void sift_up(ism_rate_sched *s, int *h, int pos, before_fn before)
{
    int id = h[pos];
    while (pos > 0) {
        int parent = (pos - 1) / 2;
        if (!before(s, id, h[parent])) break;
        heap_put(s, h, pos, h[parent]);
        pos = parent;
    }
    heap_put(s, h, pos, id);
}

static void sift_down(ism_rate_sched *s, int *h, int n, int pos, before_fn before)
{
    int id = h[pos];
    for (;;) {
        int child = 2 * pos + 1;
        if (child >= n) break;
        if (child + 1 < n && before(s, h[child + 1], h[child])) child++;
        if (!before(s, h[child], id)) break;
        heap_put(s, h, pos, h[child]);
        pos = child;
    }
    heap_put(s, h, pos, id);
}

static void heap_remove(ism_rate_sched *s, int *h, int *n, int pos, before_fn before)
{
    int last = h[--*n];
    if (pos == *n) return;
    heap_put(s, h, pos, last);
    sift_down(s, h, *n, pos, before);
    sift_up(s, h, s->e[last].pos, before);
}

static bool grow(int **v, int *cap, int need)
{
    if (need <= *cap) return true;
    int c = *cap ? *cap * 2 : 64;
    while (c < need)
        c *= 2;
    int *p = realloc(*v, (size_t)c * sizeof *p);
    if (!p) return false;
    *v = p;
    *cap = c;
    return true;
}

static void take_out(ism_rate_sched *s, int id)
{
    ism_rate_sched_entry *x = &s->e[id];
    if (x->where == W_DUE) heap_remove(s, s->due, &s->ndue, x->pos, due_before);
    if (x->where == W_WAIT) heap_remove(s, s->wait, &s->nwait, x->pos, wait_before);
    x->where = W_NONE;
}

static void make_due(ism_rate_sched *s, int id)
{
    s->e[id].where = W_DUE;
    s->e[id].seq = s->seq++;
    s->due[s->ndue] = id;
    s->e[id].pos = s->ndue++;
    sift_up(s, s->due, s->e[id].pos, due_before);
}

bool ism_rate_sched_set(ism_rate_sched *s, int id, int queued, double rate, int64_t wait_ms,
                        int64_t now_ms)
{
    if (id < 0) return false;
    if (id >= s->n) {
        if (id >= s->cap) {
            int c = s->cap ? s->cap * 2 : 64;
            while (c <= id)
                c *= 2;
            ism_rate_sched_entry *p = realloc(s->e, (size_t)c * sizeof *p);
            if (!p) return false;
            s->e = p;
            s->cap = c;
        }
        memset(&s->e[s->n], 0, (size_t)(id + 1 - s->n) * sizeof *s->e);
        s->n = id + 1;
    }
    if (!grow(&s->due, &s->capdue, s->n) || !grow(&s->wait, &s->capwait, s->n)) return false;
    ism_rate_sched_entry *x = &s->e[id];
    double work = queued > 0 ? (double)queued / (rate > 0 ? rate : 1e-9) : 0;
    if (queued <= 0) {
        take_out(s, id);
        x->queued = 0;
        return true;
    }
    x->queued = queued;
    if (wait_ms <= 0) {
        if (x->where == W_DUE) { /* stays in its turn; only the work changed */
            x->work = work;
            sift_up(s, s->due, x->pos, due_before);
            sift_down(s, s->due, s->ndue, s->e[id].pos, due_before);
            return true;
        }
        take_out(s, id);
        x->work = work;
        make_due(s, id);
        return true;
    }
    take_out(s, id);
    x->work = work;
    x->where = W_WAIT;
    x->due_ms = now_ms + wait_ms;
    s->wait[s->nwait] = id;
    x->pos = s->nwait++;
    sift_up(s, s->wait, x->pos, wait_before);
    return true;
}

int ism_rate_sched_next(ism_rate_sched *s, int64_t now_ms)
{
    /* Buckets whose token has come join the due ones, in the order their tokens came. */
    while (s->nwait && s->e[s->wait[0]].due_ms <= now_ms) {
        int id = s->wait[0];
        heap_remove(s, s->wait, &s->nwait, 0, wait_before);
        make_due(s, id);
    }
    if (!s->ndue) return -1;
    int id = s->due[0];
    take_out(s, id);
    s->e[id].queued = 0;
    return id;
}

int64_t ism_rate_sched_due_in(const ism_rate_sched *s, int64_t now_ms)
{
    if (s->ndue) return 0;
    if (!s->nwait) return -1;
    int64_t d = s->e[s->wait[0]].due_ms - now_ms;
    return d > 0 ? d : 0;
}

void ism_rate_sched_free(ism_rate_sched *s)
{
    free(s->e);
    free(s->due);
    free(s->wait);
    memset(s, 0, sizeof *s);
}
