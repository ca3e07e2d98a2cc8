/* load.c — reads checks/<provider>/NAME.json and their shared views, and refuses a bad definition
 * at start (naming the file and the field) rather than letting it give wrong findings later:
 * the shape, unique ids, the catalog references, and the SQL itself, which must prepare
 * against an empty snapshot, be one read-only statement, and return the seven columns. */
#include "internal.h"

#include "ismap/catalog.h"

#include <dirent.h>
#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_CHECK_FILE (1u << 20)

const char *const eval_columns[7] = {"account", "region", "resource_type", "resource_id",
                                     "arn",     "status", "reason"};

static const char *const severities[] = {"critical", "high", "medium", "low"};
static const char *const check_keys[] = {"id",       "provider", "title", "description",
                                         "severity", "requires", "refs",  "remediation",
                                         "query",    "notes"};
static const char *const view_keys[] = {"name", "description", "query"};

/* Sets ISM_E_INVALID_DATA "<file>: field '<field>': <why>" with {file, field} in details. */
static bool bad(ism_error *err, const char *file, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static bool bad(ism_error *err, const char *file, const char *field, const char *fmt, ...)
{
    char why[ISM_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    if (field)
        ism_error_set(err, ISM_E_INVALID_DATA, "%s: field '%s': %s", file, field, why);
    else
        ism_error_set(err, ISM_E_INVALID_DATA, "%s: %s", file, why);
    ism_error_detail(err, json_pack("{s:s, s:s?}", "file", file, "field", field));
    return false;
}

static bool matches(const char *s, const char *pattern)
{
    regex_t re;
    if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0) return false;
    bool ok = regexec(&re, s, 0, NULL, 0) == 0;
    regfree(&re);
    return ok;
}

static bool only_keys(const json_t *o, const char *const *keys, size_t n, const char *file,
                      const char *where, ism_error *err)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v)
    {
        bool known = false;
        for (size_t i = 0; i < n; i++)
            known |= !strcmp(k, keys[i]);
        if (!known) {
            char field[256];
            snprintf(field, sizeof field, "%s%s%s", where ? where : "", where ? "." : "", k);
            return bad(err, file, field, "unknown field (a typo?)");
        }
    }
    return true;
}

/* {ja, en}: both present, non-empty strings, nothing else. */
static bool check_text(const json_t *def, const char *key, const char *file, ism_error *err)
{
    json_t *t = json_object_get(def, key);
    if (!json_is_object(t))
        return bad(err, file, key, "must be an object {\"ja\": ..., \"en\": ...}");
    static const char *const langs[] = {"ja", "en"};
    for (size_t i = 0; i < 2; i++) {
        const char *s = ism_json_getstr(t, langs[i]);
        if (!s || !*s) {
            char field[64];
            snprintf(field, sizeof field, "%s.%s", key, langs[i]);
            return bad(err, file, field, "must be a non-empty string");
        }
    }
    return only_keys(t, langs, 2, file, key, err);
}

/* "query" is one string, or an array of lines (easier to read in JSON); joined with \n. */
static char *join_query(const json_t *def, const char *file, ism_error *err)
{
    json_t *q = json_object_get(def, "query");
    if (json_is_string(q) && json_string_length(q) > 0) return strdup(json_string_value(q));
    if (!json_is_array(q) || json_array_size(q) == 0) {
        bad(err, file, "query", "must be a string or an array of strings (lines)");
        return NULL;
    }
    size_t len = 1, i;
    json_t *line;
    json_array_foreach(q, i, line)
    {
        if (!json_is_string(line)) {
            bad(err, file, "query", "line %zu is not a string", i + 1);
            return NULL;
        }
        len += json_string_length(line) + 1;
    }
    char *out = malloc(len), *p = out;
    json_array_foreach(q, i, line)
    {
        size_t n = json_string_length(line);
        memcpy(p, json_string_value(line), n);
        p += n;
        *p++ = '\n';
    }
    *p = '\0';
    return out;
}

static bool parse_requires(eval_check *c, const char *file, ism_error *err)
{
    json_t *r = json_object_get(c->def, "requires");
    if (!json_is_array(r) || json_array_size(r) == 0)
        return bad(err, file, "requires", "must be a non-empty array of {service, operation}");
    c->reqs = calloc(json_array_size(r), sizeof *c->reqs);
    static const char *const keys[] = {"service", "operation", "region"};
    size_t i;
    json_t *x;
    json_array_foreach(r, i, x)
    {
        char field[64];
        snprintf(field, sizeof field, "requires[%zu]", i);
        const char *svc = ism_json_getstr(x, "service"), *op = ism_json_getstr(x, "operation");
        const char *region = ism_json_getstr(x, "region");
        if (!json_is_object(x) || !only_keys(x, keys, 3, file, field, err)) {
            return json_is_object(x) ? false : bad(err, file, field, "must be an object");
        }
        if (!svc || !matches(svc, "^[a-z0-9-]+$"))
            return bad(err, file, field, "'service' must be a lower-case service name");
        /* AWS: DescribeVpcs; Google Cloud: its REST methods, projects.getIamPolicy */
        if (!op || !matches(op, "^[A-Za-z][A-Za-z0-9.]*[A-Za-z0-9]$"))
            return bad(err, file, field, "'operation' must be an API operation name");
        if (json_object_get(x, "region") && (!region || strcmp(region, "global") != 0))
            return bad(err, file, field, "'region' may only be \"global\"");
        eval_req *q = &c->reqs[c->nreqs++];
        q->service = strdup(svc);
        q->operation = strdup(op);
        /* Services AWS reads once per account; others are read in every region. */
        q->global = region || !strcmp(svc, "iam") || !strcmp(svc, "organizations") ||
                    !strcmp(svc, "s3") || !strcmp(svc, "sts");
    }
    return true;
}

static bool check_refs(const json_t *def, ism_catalog_set *cats, const char *file, ism_error *err)
{
    json_t *refs = json_object_get(def, "refs");
    if (!json_is_object(refs)) return bad(err, file, "refs", "must be an object of catalog → ids");
    static const char *const needed[] = {"mic-audit", "ismap"};
    for (size_t i = 0; i < 2; i++)
        if (!json_object_get(refs, needed[i]))
            return bad(err, file, "refs", "must list \"%s\" items", needed[i]);
    const char *cat;
    json_t *ids;
    json_object_foreach(refs, cat, ids)
    {
        char field[128];
        snprintf(field, sizeof field, "refs.%s", cat);
        if (!json_is_array(ids) || json_array_size(ids) == 0)
            return bad(err, file, field, "must be a non-empty array of item ids");
        size_t i;
        json_t *id;
        json_array_foreach(ids, i, id)
        {
            if (!json_is_string(id)) return bad(err, file, field, "entry %zu is not a string", i);
            if (cats && !ism_catalog_has(cats, cat, json_string_value(id)))
                return bad(err, file, field, "catalog '%s' has no item \"%s\"", cat,
                           json_string_value(id));
        }
    }
    return true;
}

static bool check_shape(eval_check *c, const char *file, const char *provider, const char *stem,
                        ism_catalog_set *cats, ism_error *err)
{
    const json_t *d = c->def;
    if (!only_keys(d, check_keys, sizeof check_keys / sizeof *check_keys, file, NULL, err))
        return false;
    const char *id = ism_json_getstr(d, "id"), *prov = ism_json_getstr(d, "provider");
    const char *sev = ism_json_getstr(d, "severity");
    if (!id || !matches(id, "^[a-z0-9]+(-[a-z0-9]+)+$"))
        return bad(err, file, "id",
                   "must be lower-case words joined by '-', e.g. aws-iam-root-mfa");
    if (strcmp(id, stem) != 0)
        return bad(err, file, "id", "is \"%s\" but the file is named %s.json", id, stem);
    if (!prov || strcmp(prov, provider) != 0)
        return bad(err, file, "provider", "must be \"%s\" (the folder it is in)", provider);
    size_t plen = strlen(provider);
    if (strncmp(id, provider, plen) != 0 || id[plen] != '-')
        return bad(err, file, "id", "must start with \"%s-\"", provider);
    bool known = false;
    for (size_t i = 0; sev && i < 4; i++)
        known |= !strcmp(sev, severities[i]);
    if (!known) return bad(err, file, "severity", "must be one of critical, high, medium, low");
    static const char *const texts[] = {"title", "description", "remediation"};
    for (size_t i = 0; i < 3; i++)
        if (!check_text(d, texts[i], file, err)) return false;
    if (json_object_get(d, "notes") && !check_text(d, "notes", file, err)) return false;
    c->id = strdup(id);
    c->provider = strdup(prov);
    c->severity = strdup(sev);
    c->title = json_object_get(d, "title");
    return parse_requires(c, file, err) && check_refs(d, cats, file, err) &&
           (c->query = join_query(d, file, err)) != NULL;
}

/* Reads and parses one JSON file into an object (new reference). */
static json_t *read_json(const char *file, ism_error *err)
{
    char *text = ism_read_file(file, MAX_CHECK_FILE, NULL, err);
    if (!text) return NULL;
    json_error_t je;
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &je);
    free(text);
    if (!j) {
        bad(err, file, NULL, "line %d column %d: %s", je.line, je.column, je.text);
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        bad(err, file, NULL, "must be a JSON object");
        return NULL;
    }
    return j;
}

/* The *.json names in a folder, sorted, as malloc'd strings; *n receives the count. Missing
 * folder: zero names. */
static char **json_files(const char *dir, size_t *n)
{
    *n = 0;
    DIR *d = opendir(dir);
    if (!d) return NULL;
    char **v = NULL;
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.' || len < 6 || strcmp(e->d_name + len - 5, ".json") != 0) continue;
        if (*n == cap) v = realloc(v, (cap = cap ? cap * 2 : 64) * sizeof *v);
        v[(*n)++] = strdup(e->d_name);
    }
    closedir(d);
    for (size_t i = 1; i < *n; i++) /* insertion sort: folders hold tens of files */
        for (size_t j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; j--) {
            char *t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return v;
}

static void free_names(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static bool load_view(ism_eval_checks *cs, const char *provider, const char *file, const char *stem,
                      ism_error *err)
{
    json_t *def = read_json(file, err);
    if (!def) return false;
    eval_view *v = &cs->views[cs->nviews++];
    memset(v, 0, sizeof *v);
    v->def = def;
    v->file = strdup(file);
    v->provider = strdup(provider);
    const char *name = ism_json_getstr(def, "name");
    if (!only_keys(def, view_keys, 3, file, NULL, err)) return false;
    if (!name || !matches(name, "^[a-z][a-z0-9_]*$") || strcmp(name, stem) != 0)
        return bad(err, file, "name", "must be the file's name, lower-case letters, digits, _");
    v->name = strdup(name);
    if (!check_text(def, "description", file, err)) return false;
    return (v->query = join_query(def, file, err)) != NULL;
}

static bool load_provider(ism_eval_checks *cs, const char *provider, ism_catalog_set *cats,
                          ism_error *err)
{
    char *pdir = ism_strdupf("%s/%s", cs->dir, provider);
    char *vdir = ism_strdupf("%s/views", pdir);
    size_t n, nv;
    char **names = json_files(pdir, &n), **vnames = json_files(vdir, &nv);
    bool ok = true;
    cs->checks = realloc(cs->checks, (cs->n + n + 1) * sizeof *cs->checks);
    cs->views = realloc(cs->views, (cs->nviews + nv + 1) * sizeof *cs->views);
    for (size_t i = 0; ok && i < nv; i++) {
        char *file = ism_strdupf("%s/%s", vdir, vnames[i]);
        vnames[i][strlen(vnames[i]) - 5] = '\0';
        ok = load_view(cs, provider, file, vnames[i], err);
        free(file);
    }
    for (size_t i = 0; ok && i < n; i++) {
        eval_check *c = &cs->checks[cs->n];
        memset(c, 0, sizeof *c);
        c->file = ism_strdupf("%s/%s", pdir, names[i]);
        names[i][strlen(names[i]) - 5] = '\0';
        cs->n++;
        ok = (c->def = read_json(c->file, err)) != NULL &&
             check_shape(c, c->file, provider, names[i], cats, err);
    }
    free_names(names, n);
    free_names(vnames, nv);
    free(vdir);
    free(pdir);
    return ok;
}

/* Whether what follows a statement is nothing but blanks, comments and semicolons. */
static bool nothing_after(sqlite3 *db, const char *tail)
{
    while (tail && *tail) {
        sqlite3_stmt *extra = NULL;
        const char *next = NULL;
        int rc = sqlite3_prepare_v2(db, tail, -1, &extra, &next);
        sqlite3_finalize(extra);
        if (rc != SQLITE_OK || extra) return false;
        if (!next || next == tail) break;
        tail = next;
    }
    return true;
}

/* Prepares a check's query against an empty snapshot of the documented schema (a real one,
 * made by the snapshot room, so checks are held to the contract rather than to a copy of it),
 * and runs it there once. */
static bool check_sql_one(const eval_check *c, sqlite3 *db, ism_error *err)
{
    sqlite3_stmt *st = NULL;
    const char *tail = NULL;
    if (sqlite3_prepare_v2(db, c->query, -1, &st, &tail) != SQLITE_OK)
        return bad(err, c->file, "query", "%s", sqlite3_errmsg(db));
    if (!st) return bad(err, c->file, "query", "holds no SQL statement");
    bool ok = true;
    if (!nothing_after(db, tail))
        ok = bad(err, c->file, "query", "must be one statement; more follows the first");
    else if (!sqlite3_stmt_readonly(st))
        ok = bad(err, c->file, "query", "must only read (a SELECT)");
    else if (sqlite3_bind_parameter_count(st) != 0)
        ok = bad(err, c->file, "query", "must not use parameters");
    else if (sqlite3_column_count(st) != 7)
        ok = bad(err, c->file, "query",
                 "returns %d columns; a check returns exactly account, region, resource_type, "
                 "resource_id, arn, status, reason",
                 sqlite3_column_count(st));
    for (int i = 0; ok && i < 7; i++)
        if (strcmp(sqlite3_column_name(st, i), eval_columns[i]) != 0)
            ok = bad(err, c->file, "query", "column %d is named \"%s\"; it must be \"%s\"", i + 1,
                     sqlite3_column_name(st, i), eval_columns[i]);
    int rc = SQLITE_DONE;
    while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW)
        ;
    if (ok && rc != SQLITE_DONE)
        ok = bad(err, c->file, "query", "fails on an empty snapshot: %s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return ok;
}

static bool check_sql(ism_eval_checks *cs, ism_error *err)
{
    const char *tmp = getenv("TMPDIR");
    char *dir = ism_strdupf("%s/ismap-eval-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        ism_error_set(err, ISM_E_IO, "cannot make a temporary folder to validate checks: %s",
                      strerror(errno));
        free(dir);
        return false;
    }
    char *path = ism_strdupf("%s/empty.snapshot", dir);
    ism_snapshot *s = ism_snapshot_create(path, "snap_validate", "aws", NULL, err);
    bool ok = s && eval_views_create(cs, ism_snapshot_db(s), true, err);
    for (size_t i = 0; ok && i < cs->n; i++)
        ok = check_sql_one(&cs->checks[i], ism_snapshot_db(s), err);
    ism_snapshot_close(s);
    static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < 4; i++) {
        char *p = ism_strdupf("%s%s", path, sfx[i]);
        unlink(p);
        free(p);
    }
    rmdir(dir);
    free(path);
    free(dir);
    return ok;
}

static int by_id(const void *a, const void *b)
{
    return strcmp(((const eval_check *)a)->id, ((const eval_check *)b)->id);
}

static bool check_unique(ism_eval_checks *cs, ism_error *err)
{
    if (cs->n > 1) qsort(cs->checks, cs->n, sizeof *cs->checks, by_id);
    for (size_t i = 1; i < cs->n; i++)
        if (!strcmp(cs->checks[i - 1].id, cs->checks[i].id))
            return bad(err, cs->checks[i].file, "id", "\"%s\" is also the id of %s",
                       cs->checks[i].id, cs->checks[i - 1].file);
    for (size_t i = 0; i < cs->nviews; i++)
        for (size_t j = 0; j < i; j++)
            if (!strcmp(cs->views[i].name, cs->views[j].name))
                return bad(err, cs->views[i].file, "name", "view \"%s\" is also defined in %s",
                           cs->views[i].name, cs->views[j].file);
    return true;
}

ism_eval_checks *ism_eval_load(const char *dir, ism_catalog_set *catalogs, ism_error *err)
{
    struct stat sb;
    errno = 0;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        ism_error_set(err, ISM_E_CONFIG, "checks folder %s: %s", dir,
                      errno ? strerror(errno) : "not a folder");
        return NULL;
    }
    ism_eval_checks *cs = calloc(1, sizeof *cs);
    cs->dir = strdup(dir);
    DIR *d = opendir(dir);
    bool ok = d != NULL;
    if (!ok) ism_error_set(err, ISM_E_IO, "cannot read checks folder %s: %s", dir, strerror(errno));
    struct dirent *e;
    while (ok && (e = readdir(d))) {
        char *sub = ism_strdupf("%s/%s", dir, e->d_name);
        bool is_dir = e->d_name[0] != '.' && stat(sub, &sb) == 0 && S_ISDIR(sb.st_mode);
        free(sub);
        if (!is_dir) continue;
        if (!matches(e->d_name, "^[a-z0-9]+$")) continue; /* not a provider folder */
        ok = load_provider(cs, e->d_name, catalogs, err);
    }
    if (d) closedir(d);
    ok = ok && check_unique(cs, err) && check_sql(cs, err);
    if (ok && cs->n == 0) ok = ism_error_set(err, ISM_E_CONFIG, "no checks in %s", dir);
    if (!ok) {
        ism_eval_free(cs);
        return NULL;
    }
    return cs;
}

void ism_eval_free(ism_eval_checks *cs)
{
    if (!cs) return;
    for (size_t i = 0; i < cs->n; i++) {
        eval_check *c = &cs->checks[i];
        for (size_t j = 0; j < c->nreqs; j++) {
            free(c->reqs[j].service);
            free(c->reqs[j].operation);
        }
        free(c->reqs);
        free(c->id);
        free(c->provider);
        free(c->severity);
        free(c->file);
        free(c->query);
        json_decref(c->def);
    }
    for (size_t i = 0; i < cs->nviews; i++) {
        eval_view *v = &cs->views[i];
        free(v->name);
        free(v->provider);
        free(v->file);
        free(v->query);
        json_decref(v->def);
    }
    free(cs->checks);
    free(cs->views);
    free(cs->dir);
    free(cs);
}
