/* cache.c — the built catalog index kept on disk, so a daemon start costs reading one file
 * rather than building the FTS5 index again (seconds, and many more under AddressSanitizer).
 * The file is named by the digest of everything the index is made from: every file of the
 * catalog folder (names and bytes), the SQLite version, and the running program's identity
 * (size and modification time of /proc/self/exe: a rebuilt ismapd, whose loader may index
 * differently, never reads an index an older one made). A changed catalog is another name,
 * so it is built; a cache file that does not open or does not say its digest is built over.
 * Files are named catalog-<program>-<digest>.db (<program>: a digest of the program's path);
 * writing one removes that program's others, so a folder keeps one per program. */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CACHE_FORMAT "ismap-catalog-cache 1"

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool hash_file(EVP_MD_CTX *md, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        EVP_DigestUpdate(md, buf, n);
    bool ok = !ferror(f);
    fclose(f);
    return ok;
}

/* A digest of the running program's path (16 hex into out): the cache files' prefix. */
static bool program_tag(char out[17])
{
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return false;
    char sha[65];
    ism_sha256_hex(exe, (size_t)n, sha);
    memcpy(out, sha, 16);
    out[16] = '\0';
    return true;
}

/* Removes the program's cache files in cache_dir other than keep (a file name). */
static void prune(const char *cache_dir, const char *tag, const char *keep)
{
    DIR *d = opendir(cache_dir);
    if (!d) return;
    char prefix[32];
    snprintf(prefix, sizeof prefix, "catalog-%s-", tag);
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (strncmp(de->d_name, prefix, strlen(prefix)) || len < 3 ||
            strcmp(de->d_name + len - 3, ".db") || !strcmp(de->d_name, keep))
            continue;
        char *path = ism_strdupf("%s/%s", cache_dir, de->d_name);
        unlink(path);
        free(path);
    }
    closedir(d);
}

/* The digest naming dir's index (64 hex into out), false when something cannot be read. */
static bool catalog_digest(const char *dir, char out[65])
{
    DIR *d = opendir(dir);
    if (!d) return false;
    char **names = NULL;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        char **more = realloc(names, (n + 1) * sizeof *names);
        if (!more) break;
        names = more;
        names[n++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, str_cmp);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    bool ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    struct stat exe;
    ok = ok && stat("/proc/self/exe", &exe) == 0;
    if (ok) {
        char head[256];
        snprintf(head, sizeof head, "%s|%s|%lld|%lld.%09ld|", CACHE_FORMAT, sqlite3_libversion(),
                 (long long)exe.st_size, (long long)exe.st_mtim.tv_sec, exe.st_mtim.tv_nsec);
        EVP_DigestUpdate(md, head, strlen(head));
    }
    for (size_t i = 0; i < n; i++) {
        char *path = ism_strdupf("%s/%s", dir, names[i]);
        struct stat sb;
        /* Regular files only (catalog/gen/ holds the generator's inputs, not the loader's). */
        if (ok && stat(path, &sb) == 0 && S_ISREG(sb.st_mode)) {
            char sep[64];
            snprintf(sep, sizeof sep, "|%lld|", (long long)sb.st_size);
            EVP_DigestUpdate(md, names[i], strlen(names[i]));
            EVP_DigestUpdate(md, sep, strlen(sep));
            ok = hash_file(md, path);
        }
        free(path);
        free(names[i]);
    }
    free(names);
    unsigned char bin[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    ok = ok && EVP_DigestFinal_ex(md, bin, &len) && len == 32;
    EVP_MD_CTX_free(md);
    for (unsigned int i = 0; ok && i < len; i++)
        snprintf(out + 2 * i, 3, "%02x", bin[i]);
    return ok;
}

/* The set whose index is the cache file at path, or NULL when it is missing, unreadable or not
 * the index of digest. */
static ism_catalog_set *read_cache(const char *dir, const char *path, const char *digest)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    struct stat sb;
    unsigned char *buf = NULL;
    sqlite3_int64 size = 0;
    if (fstat(fd, &sb) == 0 && sb.st_size > 0) {
        size = (sqlite3_int64)sb.st_size;
        buf = sqlite3_malloc64((sqlite3_uint64)size);
        for (sqlite3_int64 got = 0; buf && got < size;) {
            ssize_t r = read(fd, buf + got, (size_t)(size - got));
            if (r <= 0 && errno != EINTR) {
                sqlite3_free(buf);
                buf = NULL;
            } else if (r > 0) {
                got += r;
            }
        }
    }
    close(fd);
    if (!buf) return NULL;
    ism_catalog_set *cs = calloc(1, sizeof *cs);
    cs->dir = strdup(dir);
    pthread_mutex_init(&cs->mu, NULL);
    bool ok = sqlite3_open_v2(":memory:", &cs->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                              NULL) == SQLITE_OK;
    if (ok) {
        /* FREEONCLOSE: SQLite owns buf from here, whatever the outcome. */
        ok = sqlite3_deserialize(cs->db, "main", buf, size, size,
                                 SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_RESIZEABLE) ==
             SQLITE_OK;
    } else {
        sqlite3_free(buf);
    }
    sqlite3_stmt *q = NULL;
    ok = ok &&
         sqlite3_prepare_v2(cs->db, "SELECT digest FROM cache_meta", -1, &q, NULL) == SQLITE_OK;
    ok = ok && sqlite3_step(q) == SQLITE_ROW && cat_col(q, 0) && !strcmp(cat_col(q, 0), digest);
    sqlite3_finalize(q);
    if (!ok) {
        ism_catalog_free(cs);
        return NULL;
    }
    return cs;
}

/* Writes cs's index to path (a temporary beside it, then rename: a reader never sees half a
 * file, and daemons starting together each write a whole one). Failures only cost the next
 * start a build. Whether the file was written. */
static bool write_cache(ism_catalog_set *cs, const char *path, const char *digest)
{
    sqlite3_stmt *q = NULL;
    bool ok = sqlite3_exec(cs->db, "CREATE TABLE IF NOT EXISTS cache_meta(digest TEXT NOT NULL)",
                           NULL, NULL, NULL) == SQLITE_OK &&
              sqlite3_exec(cs->db, "DELETE FROM cache_meta", NULL, NULL, NULL) == SQLITE_OK &&
              sqlite3_prepare_v2(cs->db, "INSERT INTO cache_meta(digest) VALUES(?)", -1, &q,
                                 NULL) == SQLITE_OK &&
              sqlite3_bind_text(q, 1, digest, -1, SQLITE_STATIC) == SQLITE_OK &&
              sqlite3_step(q) == SQLITE_DONE;
    sqlite3_finalize(q);
    sqlite3_int64 size = 0;
    unsigned char *data = ok ? sqlite3_serialize(cs->db, "main", &size, 0) : NULL;
    if (!data) return false;
    char *tmp = ism_strdupf("%s.%ld.tmp", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    ok = fd >= 0;
    for (sqlite3_int64 done = 0; ok && done < size;) {
        ssize_t w = write(fd, data + done, (size_t)(size - done));
        if (w < 0 && errno == EINTR) continue;
        ok = w > 0;
        if (ok) done += w;
    }
    if (fd >= 0 && close(fd) != 0) ok = false;
    if (ok && rename(tmp, path) != 0) ok = false;
    if (!ok) unlink(tmp);
    free(tmp);
    sqlite3_free(data);
    return ok;
}

ism_catalog_set *ism_catalog_load_cached(const char *dir, const char *cache_dir, bool *hit,
                                         ism_error *err)
{
    if (hit) *hit = false;
    char digest[65], tag[17];
    ism_error mk = {0};
    bool usable = cache_dir && *cache_dir && program_tag(tag) && catalog_digest(dir, digest) &&
                  ism_mkdirs(cache_dir, 0700, &mk);
    ism_error_clear(&mk);
    if (!usable) return ism_catalog_load(dir, err);
    char *name = ism_strdupf("catalog-%s-%s.db", tag, digest);
    char *path = ism_strdupf("%s/%s", cache_dir, name);
    ism_catalog_set *cs = read_cache(dir, path, digest);
    if (cs) {
        if (hit) *hit = true;
    } else {
        cs = ism_catalog_load(dir, err);
        if (cs && write_cache(cs, path, digest)) prune(cache_dir, tag, name);
    }
    free(name);
    free(path);
    return cs;
}
