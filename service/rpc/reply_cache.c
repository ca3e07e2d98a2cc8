/* reply_cache.c — serialized op results kept in memory so that a read costs a lookup (issue 11
 * item 9: matrix.get). An entry is named by what was asked (the daemon's store, the
 * op's subject and its filters) and tagged with the digest of the inputs it was made from; a
 * lookup with another digest misses, so invalidation is the digest's job, never a call here.
 * While one caller builds a reply, others asking for the same name and digest wait for it
 * instead of building it too (a burst of clients after a new judgment costs one build).
 * Bounded in entries and bytes; the least recently used entries go first. */
#include "ops.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ENTRIES 256
#define MAX_BYTES ((size_t)128 << 20)

/* A kept text, shared with the callers sending it: freed when the last one lets go. */
typedef struct blob {
    atomic_int refs;
    size_t len;
    char text[];
} blob;

static blob *blob_of(char *text)
{
    return (blob *)(void *)(text - offsetof(blob, text));
}

static void blob_release(blob *b)
{
    if (b && atomic_fetch_sub(&b->refs, 1) == 1) free(b);
}

void ops_reply_cache_release(char *text)
{
    if (text) blob_release(blob_of(text));
}

typedef struct entry {
    char *name;
    char *key;  /* digest the text was made from; NULL while none */
    blob *text; /* NULL while none */
    size_t len;
    char *building; /* digest being built by some caller, or NULL */
    uint64_t used;  /* LRU clock */
} entry;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static entry entries[MAX_ENTRIES];
static int nentries;
static size_t nbytes;
static uint64_t clock_, hits, builds, waits;

static entry *find(const char *name)
{
    for (int i = 0; i < nentries; i++)
        if (!strcmp(entries[i].name, name)) return &entries[i];
    return NULL;
}

static void drop_text(entry *e)
{
    nbytes -= e->len;
    blob_release(e->text);
    free(e->key);
    e->text = NULL;
    e->key = NULL;
    e->len = 0;
}

/* Frees room for `need` more bytes and one more entry, oldest idle entries first. */
static void evict(size_t need)
{
    while (nentries > 0 && (nentries >= MAX_ENTRIES || nbytes + need > MAX_BYTES)) {
        int victim = -1;
        for (int i = 0; i < nentries; i++)
            if (!entries[i].building && (victim < 0 || entries[i].used < entries[victim].used))
                victim = i;
        if (victim < 0) return; /* all busy: stay over the bound until they finish */
        drop_text(&entries[victim]);
        free(entries[victim].name);
        entries[victim] = entries[--nentries];
    }
}

char *ops_reply_cache_get(const char *name, const char *key, size_t *len)
{
    pthread_mutex_lock(&mu);
    for (;;) {
        entry *e = find(name);
        if (e && e->key && !strcmp(e->key, key)) {
            atomic_fetch_add(&e->text->refs, 1);
            char *copy = e->text->text;
            if (len) *len = e->len;
            e->used = ++clock_;
            hits++;
            pthread_mutex_unlock(&mu);
            return copy;
        }
        if (e && e->building && !strcmp(e->building, key)) {
            waits++;
            pthread_cond_wait(&cv, &mu);
            continue;
        }
        if (!e) {
            evict(0);
            if (nentries == MAX_ENTRIES) break; /* every entry busy: build without a slot */
            e = &entries[nentries++];
            memset(e, 0, sizeof *e);
            e->name = strdup(name);
        }
        if (!e->building) e->building = strdup(key);
        builds++;
        break;
    }
    pthread_mutex_unlock(&mu);
    return NULL;
}

static void finish(const char *name, const char *key, const char *text, size_t len)
{
    pthread_mutex_lock(&mu);
    entry *e = find(name);
    if (e && e->building && !strcmp(e->building, key)) {
        free(e->building);
        e->building = NULL;
    }
    if (e && text) {
        drop_text(e);
        e->used = ++clock_;
        evict(len);
        /* evict() may have moved entries: find it again (it never evicts itself unless idle). */
        e = find(name);
        if (!e && nentries < MAX_ENTRIES) {
            e = &entries[nentries++];
            memset(e, 0, sizeof *e);
            e->name = strdup(name);
        }
        blob *copy = e ? malloc(sizeof *copy + len + 1) : NULL;
        if (copy) {
            atomic_init(&copy->refs, 1);
            copy->len = len;
            memcpy(copy->text, text, len);
            copy->text[len] = '\0';
            e->text = copy;
            e->key = strdup(key);
            e->len = len;
            e->used = ++clock_;
            nbytes += len;
        }
    }
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

void ops_reply_cache_put(const char *name, const char *key, const char *text, size_t len)
{
    finish(name, key, text, len);
}

void ops_reply_cache_abandon(const char *name, const char *key)
{
    finish(name, key, NULL, 0);
}

json_t *ops_reply_cache_stats(void)
{
    pthread_mutex_lock(&mu);
    json_t *s = json_pack("{s:I, s:I, s:I, s:i, s:I}", "hits", (json_int_t)hits, "builds",
                          (json_int_t)builds, "waits", (json_int_t)waits, "entries", nentries,
                          "bytes", (json_int_t)nbytes);
    pthread_mutex_unlock(&mu);
    return s;
}
