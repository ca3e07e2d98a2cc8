/* items.c — subjects and evidence items in the store: versioned, with provenance, atomic. */
#include "ismap/evidence.h"
#include "ismap/store.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const migrations[] = {
    "CREATE TABLE subjects(id TEXT PRIMARY KEY, org TEXT NOT NULL DEFAULT '',"
    "  kind TEXT NOT NULL CHECK (kind IN ('service','workload')), name TEXT NOT NULL,"
    "  provider TEXT, service_name TEXT, deployment_model TEXT, regions TEXT, environment TEXT,"
    "  accounts TEXT, notes TEXT, created TEXT NOT NULL, created_by TEXT, UNIQUE(org, name));"
    "CREATE TABLE evidence(id TEXT PRIMARY KEY, subject TEXT REFERENCES subjects(id),"
    "  org TEXT NOT NULL DEFAULT '', kind TEXT NOT NULL, key TEXT NOT NULL DEFAULT '',"
    "  version INTEGER NOT NULL, state TEXT NOT NULL CHECK (state IN ('current','superseded')),"
    "  title TEXT, source_name TEXT, source_sha256 TEXT, source_size INTEGER,"
    "  imported_by TEXT, imported_at TEXT NOT NULL, valid_from TEXT, valid_until TEXT,"
    "  data TEXT NOT NULL, summary TEXT, warnings TEXT, seq INTEGER NOT NULL);"
    "CREATE UNIQUE INDEX evidence_version ON evidence(COALESCE(subject,''), kind, key, version);"
    "CREATE INDEX evidence_subject ON evidence(subject, kind, state);"
    "CREATE TABLE ismap_list(import_id TEXT NOT NULL REFERENCES evidence(id), row INTEGER,"
    "  reg_no TEXT, list TEXT, service TEXT, provider TEXT, reg_date TEXT, audit_end TEXT,"
    "  expiry TEXT, regions TEXT, norm_service TEXT, norm_provider TEXT);"
    "CREATE INDEX ismap_list_names ON ismap_list(import_id, norm_provider, norm_service);",
};
/* The same tables on PostgreSQL, index for index with the list above. */
static const char *const pg_migrations[] = {
    "CREATE TABLE subjects(id TEXT PRIMARY KEY, org TEXT NOT NULL DEFAULT '',"
    "  kind TEXT NOT NULL CHECK (kind IN ('service','workload')), name TEXT NOT NULL,"
    "  provider TEXT, service_name TEXT, deployment_model TEXT, regions TEXT, environment TEXT,"
    "  accounts TEXT, notes TEXT, created TEXT NOT NULL, created_by TEXT, UNIQUE(org, name));"
    "CREATE TABLE evidence(id TEXT PRIMARY KEY, subject TEXT REFERENCES subjects(id),"
    "  org TEXT NOT NULL DEFAULT '', kind TEXT NOT NULL, key TEXT NOT NULL DEFAULT '',"
    "  version BIGINT NOT NULL, state TEXT NOT NULL CHECK (state IN ('current','superseded')),"
    "  title TEXT, source_name TEXT, source_sha256 TEXT, source_size BIGINT,"
    "  imported_by TEXT, imported_at TEXT NOT NULL, valid_from TEXT, valid_until TEXT,"
    "  data TEXT NOT NULL, summary TEXT, warnings TEXT, seq BIGINT NOT NULL);"
    "CREATE UNIQUE INDEX evidence_version ON evidence(COALESCE(subject,''), kind, key, version);"
    "CREATE INDEX evidence_subject ON evidence(subject, kind, state);"
    "CREATE TABLE ismap_list(import_id TEXT NOT NULL REFERENCES evidence(id), row BIGINT,"
    "  reg_no TEXT, list TEXT, service TEXT, provider TEXT, reg_date TEXT, audit_end TEXT,"
    "  expiry TEXT, regions TEXT, norm_service TEXT, norm_provider TEXT);"
    "CREATE INDEX ismap_list_names ON ismap_list(import_id, norm_provider, norm_service);",
};
_Static_assert(sizeof migrations / sizeof migrations[0] ==
                   sizeof pg_migrations / sizeof pg_migrations[0],
               "the evidence room's SQLite and PostgreSQL migrations go index for index");
static const ism_store_schema schema = {
    "evidence", migrations, (int)(sizeof migrations / sizeof migrations[0]), pg_migrations};

const ism_store_schema *ism_evidence_schema(void)
{
    return &schema;
}

static char *dumps(const json_t *v)
{
    return v ? json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY) : NULL;
}

/* Binds texts to ?1..?n; NULL binds NULL. */
static void bind_texts(ism_stmt *s, const char *const *vals, int n)
{
    for (int i = 0; i < n; i++)
        ism_stmt_bind_text(s, i + 1, vals[i]);
}

/* Whether the one-row query `sql` with text arguments finds a row, on db (inside the caller's
 * transaction). -1 on a store error (err set). */
static int exists(ism_db *db, const char *sql, const char *const *args, int n, ism_error *err)
{
    ism_stmt *s = ism_db_prepare(db, sql, err);
    if (!s) return -1;
    bind_texts(s, args, n);
    int rc = ism_stmt_step(s, err);
    ism_stmt_finalize(s);
    return rc == ISM_DB_ROW ? 1 : rc == ISM_DB_DONE ? 0 : -1;
}

/* ---- subjects -------------------------------------------------------------------------------- */

#define SUBJ_COLS                                                                                  \
    "id,org,kind,name,provider,service_name,deployment_model,regions,environment,accounts,"        \
    "notes,created,created_by"

static json_t *subject_row(ism_stmt *s)
{
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id",
                     ism_stmt_json_text(s, 0), "org", ism_stmt_json_text(s, 1), "kind",
                     ism_stmt_json_text(s, 2), "name", ism_stmt_json_text(s, 3), "provider",
                     ism_stmt_json_text(s, 4), "service_name", ism_stmt_json_text(s, 5),
                     "deployment_model", ism_stmt_json_text(s, 6), "regions", ism_stmt_json(s, 7),
                     "environment", ism_stmt_json_text(s, 8), "accounts", ism_stmt_json(s, 9),
                     "notes", ism_stmt_json_text(s, 10), "created", ism_stmt_json_text(s, 11),
                     "created_by", ism_stmt_json_text(s, 12));
}

static bool string_array(const json_t *spec, const char *key, ism_error *err)
{
    json_t *v = json_object_get(spec, key);
    if (!v || json_is_null(v)) return true;
    size_t i;
    json_t *e;
    if (json_is_array(v)) {
        json_array_foreach(v, i, e) if (!json_is_string(e)) goto bad;
        return true;
    }
bad:
    ism_error_set(err, ISM_E_INVALID_PARAMS, "field '%s' must be an array of strings", key);
    ism_error_detail(err, json_pack("{s:s}", "field", key));
    return false;
}

json_t *ism_subject_create(ism_store *st, const char *org, const json_t *spec, const char *who,
                           ism_error *err)
{
    const char *kind, *name, *provider, *service, *model, *env, *notes;
    if (!ism_json_str(spec, "kind", true, &kind, err) ||
        !ism_json_str(spec, "name", true, &name, err) ||
        !ism_json_str(spec, "provider", false, &provider, err) ||
        !ism_json_str(spec, "service_name", false, &service, err) ||
        !ism_json_str(spec, "deployment_model", false, &model, err) ||
        !ism_json_str(spec, "environment", false, &env, err) ||
        !ism_json_str(spec, "notes", false, &notes, err) || !string_array(spec, "regions", err) ||
        !string_array(spec, "accounts", err))
        return NULL;
    if (strcmp(kind, "service") && strcmp(kind, "workload")) {
        ism_error_set(err, ISM_E_INVALID_PARAMS,
                      "field 'kind' must be \"service\" (a provider's cloud service) or "
                      "\"workload\" (a customer's environment), not '%s'",
                      kind);
        return NULL;
    }
    if (!*name || strlen(name) > 200) {
        ism_error_set(err, ISM_E_INVALID_PARAMS, "field 'name' must be 1-200 bytes");
        return NULL;
    }
    if (model && strcmp(model, "IaaS") && strcmp(model, "PaaS") && strcmp(model, "SaaS")) {
        ism_error_set(err, ISM_E_INVALID_PARAMS,
                      "field 'deployment_model' must be IaaS, PaaS or SaaS, not '%s'", model);
        return NULL;
    }
    if (!strcmp(kind, "service") && !provider) {
        ism_error_set(err, ISM_E_INVALID_PARAMS, "a service subject needs 'provider'");
        return NULL;
    }
    char id[64], now[32];
    ism_new_id("subj", id);
    ism_now_iso(now);
    if (!org) org = "";
    ism_db *db = ism_store_writer(st, err);
    if (!db) return NULL;
    /* The name is checked before the insert (the writer is serialized, so nothing comes in
     * between): a failed statement would abort the whole transaction on PostgreSQL, and the
     * backends word a constraint violation differently. */
    const char *key[] = {org, name};
    int dup = exists(db, "SELECT 1 FROM subjects WHERE org=?1 AND name=?2", key, 2, err);
    if (dup != 0) {
        if (dup > 0)
            ism_error_set(err, ISM_E_CONFLICT, "a subject named '%s' already exists", name);
        ism_store_write_rollback(st);
        return NULL;
    }
    char *regions = dumps(json_object_get(spec, "regions"));
    char *accounts = dumps(json_object_get(spec, "accounts"));
    ism_stmt *s = ism_db_prepare(db,
                                 "INSERT INTO subjects(" SUBJ_COLS ") VALUES(?,?,?,?,?,?,?,?,?,?,?,"
                                 "?,?)",
                                 err);
    bool ok = s != NULL;
    if (ok) {
        const char *vals[] = {id,      org, kind,     name,  provider, service, model,
                              regions, env, accounts, notes, now,      who};
        bind_texts(s, vals, 13);
        ok = ism_stmt_step(s, err) == ISM_DB_DONE;
    }
    ism_stmt_finalize(s);
    free(regions);
    free(accounts);
    if (!ok) {
        ism_store_write_rollback(st);
        return NULL;
    }
    if (!ism_store_write_commit(st, err)) return NULL;
    return ism_subject_get(st, id, org, err);
}

json_t *ism_subject_list(ism_store *st, const char *org, ism_error *err)
{
    const char *args[] = {org ? org : ""};
    return ism_store_select(st,
                            "SELECT " SUBJ_COLS " FROM subjects WHERE CAST(?1 AS TEXT)='' OR "
                            "org=?1 ORDER BY name",
                            args, 1, subject_row, err);
}

json_t *ism_subject_get(ism_store *st, const char *id_or_name, const char *org, ism_error *err)
{
    const char *args[] = {id_or_name, org ? org : ""};
    json_t *rows = ism_store_select(st,
                                    "SELECT " SUBJ_COLS " FROM subjects WHERE (id=?1 OR name=?1) "
                                    "AND (CAST(?2 AS TEXT)='' OR org=?2)",
                                    args, 2, subject_row, err);
    if (!rows) return NULL;
    size_t matches = json_array_size(rows);
    json_t *o = matches == 1 ? json_incref(json_array_get(rows, 0)) : NULL;
    json_decref(rows);
    if (matches > 1) {
        /* The same name in two organizations, asked by an all-org caller. */
        ism_error_set(err, ISM_E_CONFLICT,
                      "'%s' names subjects in several organizations; use "
                      "the subject id",
                      id_or_name);
        return NULL;
    }
    if (!o) ism_error_set(err, ISM_E_NOT_FOUND, "no subject '%s'", id_or_name);
    return o;
}

/* ---- evidence items -------------------------------------------------------------------------- */

#define EV_COLS                                                                                    \
    "id,subject,org,kind,key,version,state,title,source_name,source_sha256,source_size,"           \
    "imported_by,imported_at,valid_from,valid_until,summary,warnings,data"

static json_t *evidence_row(ism_stmt *s, bool with_data)
{
    json_t *o = json_pack(
        "{s:o, s:o, s:o, s:o, s:o, s:I, s:o, s:o, s:{s:o, s:o, s:I}, s:o, s:o, "
        "s:o, s:o, s:o, s:o}",
        "id", ism_stmt_json_text(s, 0), "subject", ism_stmt_json_text(s, 1), "org",
        ism_stmt_json_text(s, 2), "kind", ism_stmt_json_text(s, 3), "key", ism_stmt_json_text(s, 4),
        "version", (json_int_t)ism_stmt_int64(s, 5), "state", ism_stmt_json_text(s, 6), "title",
        ism_stmt_json_text(s, 7), "source", "name", ism_stmt_json_text(s, 8), "sha256",
        ism_stmt_json_text(s, 9), "size", (json_int_t)ism_stmt_int64(s, 10), "imported_by",
        ism_stmt_json_text(s, 11), "imported_at", ism_stmt_json_text(s, 12), "valid_from",
        ism_stmt_json_text(s, 13), "valid_until", ism_stmt_json_text(s, 14), "summary",
        ism_stmt_json(s, 15), "warnings", ism_stmt_json(s, 16));
    if (with_data) json_object_set_new(o, "data", ism_stmt_json(s, 17));
    return o;
}

static json_t *evidence_row_data(ism_stmt *s)
{
    return evidence_row(s, true);
}

static json_t *evidence_row_brief(ism_stmt *s)
{
    return evidence_row(s, false);
}

/* Every text that goes into the row must be whole UTF-8: a name or title cut in the middle of a
 * character would be stored but could never be read back (the reader's JSON refuses it), so
 * the import would report failure while its row hides in the store and supersedes the good
 * version. Refused before anything is written. */
static bool texts_valid(const ism_evidence_new *ev, ism_error *err)
{
    const struct {
        const char *field, *value;
    } t[] = {{"subject", ev->subject},
             {"org", ev->org},
             {"kind", ev->kind},
             {"key", ev->key},
             {"title", ev->title},
             {"source_name", ev->source_name},
             {"source_sha256", ev->source_sha256},
             {"imported_by", ev->imported_by},
             {"valid_from", ev->valid_from},
             {"valid_until", ev->valid_until}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        size_t bad = 0;
        if (!t[i].value || ism_text_utf8_valid(t[i].value, strlen(t[i].value), &bad)) continue;
        ism_error_set(err, ISM_E_INVALID_DATA,
                      "the evidence's %s is not valid UTF-8 (byte %zu of %zu): nothing was stored",
                      t[i].field, bad, strlen(t[i].value));
        ism_error_detail(err,
                         json_pack("{s:s, s:I}", "field", t[i].field, "offset", (json_int_t)bad));
        return false;
    }
    return true;
}

/* The stored row read back inside the writing transaction, so a row that cannot be read is
 * rolled back instead of committed. */
static json_t *read_back(ism_db *db, const char *id)
{
    ism_stmt *s = ism_db_prepare(db, "SELECT " EV_COLS " FROM evidence WHERE id=?1", NULL);
    json_t *o = NULL;
    if (s) {
        ism_stmt_bind_text(s, 1, id);
        if (ism_stmt_step(s, NULL) == ISM_DB_ROW) o = evidence_row(s, true);
    }
    ism_stmt_finalize(s);
    return o;
}

/* Runs one write statement with text arguments on db (inside the caller's transaction). */
static bool run(ism_db *db, const char *sql, const char *const *args, int n, ism_error *err)
{
    ism_stmt *s = ism_db_prepare(db, sql, err);
    if (!s) return false;
    bind_texts(s, args, n);
    bool ok = ism_stmt_step(s, err) == ISM_DB_DONE;
    ism_stmt_finalize(s);
    return ok;
}

json_t *ism_evidence_add(ism_store *st, const ism_evidence_new *ev, ism_error *err)
{
    if (!ev->kind || !ev->data)
        return ism_error_set(err, ISM_E_INTERNAL, "evidence without kind or data"), NULL;
    if (!texts_valid(ev, err)) return NULL;
    char id[64], now[32];
    ism_new_id("ev", id);
    ism_now_iso(now);
    const char *key = ev->key ? ev->key : "";
    ism_db *db = ism_store_writer(st, err);
    if (!db) return NULL;
    /* The subject is looked up first rather than left to the foreign key: the backends word a
     * violation differently, and a failed statement aborts a PostgreSQL transaction. */
    if (ev->subject) {
        const char *sa[] = {ev->subject};
        int found = exists(db, "SELECT 1 FROM subjects WHERE id=?1", sa, 1, err);
        if (found != 1) {
            if (found == 0) ism_error_set(err, ISM_E_NOT_FOUND, "no subject %s", ev->subject);
            ism_store_write_rollback(st);
            return NULL;
        }
    }
    const char *sup[] = {ev->subject, ev->kind, key};
    bool ok = run(db,
                  "UPDATE evidence SET state='superseded' WHERE "
                  "COALESCE(subject,'')=COALESCE(CAST(?1 AS TEXT),'') AND kind=?2 AND key=?3 AND "
                  "state='current'",
                  sup, 3, err);
    char *data = dumps(ev->data), *summary = dumps(ev->summary), *warnings = dumps(ev->warnings);
    ism_stmt *s = NULL;
    if (ok)
        ok = (s = ism_db_prepare(
                  db,
                  "INSERT INTO evidence(id,subject,org,kind,key,version,state,title,source_name,"
                  "source_sha256,source_size,imported_by,imported_at,valid_from,valid_until,data,"
                  "summary,warnings,seq) VALUES(?1,?2,?3,?4,?5,(SELECT COALESCE(MAX(version),0)+1 "
                  "FROM evidence WHERE COALESCE(subject,'')=COALESCE(CAST(?2 AS TEXT),'') AND "
                  "kind=?4 AND key=?5),'current',?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,(SELECT "
                  "COALESCE(MAX(seq),0)+1 FROM evidence))",
                  err)) != NULL;
    if (ok) {
        const char *vals[] = {id,  ev->subject, ev->org ? ev->org : "", ev->kind,
                              key, ev->title,   ev->source_name,        ev->source_sha256};
        bind_texts(s, vals, 8);
        ism_stmt_bind_int64(s, 9, ev->source_size);
        ism_stmt_bind_text(s, 10, ev->imported_by);
        ism_stmt_bind_text(s, 11, now);
        ism_stmt_bind_text(s, 12, ev->valid_from);
        ism_stmt_bind_text(s, 13, ev->valid_until);
        ism_stmt_bind_text(s, 14, data);
        ism_stmt_bind_text(s, 15, summary);
        ism_stmt_bind_text(s, 16, warnings);
        ok = ism_stmt_step(s, err) == ISM_DB_DONE;
    }
    ism_stmt_finalize(s);
    free(data);
    free(summary);
    free(warnings);
    if (!ok) {
        ism_db_error(db, err, "storing evidence");
        ism_store_write_rollback(st);
        return NULL;
    }
    if (ev->extra && !ev->extra(db, id, ev->extra_arg, err)) {
        ism_store_write_rollback(st);
        return NULL;
    }
    json_t *row = read_back(db, id);
    if (!row) {
        ism_error_set(err, ISM_E_INVALID_DATA,
                      "the %s evidence could not be read back as stored; nothing was stored",
                      ev->kind);
        ism_store_write_rollback(st);
        return NULL;
    }
    if (!ism_store_write_commit(st, err)) return json_decref(row), NULL;
    return row;
}

json_t *ism_evidence_list(ism_store *st, const char *subject, const char *kind,
                          bool with_superseded, const char *org, ism_error *err)
{
    const char *args[] = {subject, kind, org ? org : "", with_superseded ? "1" : "0"};
    return ism_store_select(
        st,
        "SELECT " EV_COLS " FROM evidence WHERE COALESCE(subject,'')=COALESCE(CAST(?1 AS TEXT),"
        "'') AND (CAST(?2 AS TEXT) IS NULL OR kind=?2) AND (CAST(?3 AS TEXT)='' OR org=?3) AND "
        "(CAST(?4 AS TEXT)='1' OR state='current') ORDER BY kind, key, version DESC",
        args, 4, evidence_row_brief, err);
}

json_t *ism_evidence_current(ism_store *st, const char *subject, const char *kind, const char *org,
                             ism_error *err)
{
    const char *args[] = {subject, kind, org ? org : ""};
    return ism_store_select(
        st,
        "SELECT " EV_COLS " FROM evidence WHERE COALESCE(subject,'')=COALESCE(CAST(?1 AS TEXT),"
        "'') AND kind=?2 AND (CAST(?3 AS TEXT)='' OR org=?3) AND state='current' ORDER BY key",
        args, 3, evidence_row_data, err);
}

json_t *ism_evidence_get(ism_store *st, const char *id, const char *org, ism_error *err)
{
    const char *args[] = {id, org ? org : ""};
    json_t *arr = ism_store_select(st,
                                   "SELECT " EV_COLS " FROM evidence WHERE id=?1 AND "
                                   "(CAST(?2 AS TEXT)='' OR org=?2)",
                                   args, 2, evidence_row_data, err);
    if (!arr) return NULL;
    json_t *o = json_incref(json_array_get(arr, 0));
    json_decref(arr);
    if (!o) ism_error_set(err, ISM_E_NOT_FOUND, "no evidence with id %s", id);
    return o;
}

/* ---- content-addressed files ---------------------------------------------------------- */

bool ism_evidence_store_file(const char *files_dir, const char *path, size_t max, char sha_out[65],
                             long long *size_out, ism_error *err)
{
    size_t len = 0;
    char *buf = ism_read_file(path, max, &len, err);
    if (!buf) return false;
    ism_sha256_hex(buf, len, sha_out);
    char dir[4200], dest[4300], tmp[4400];
    snprintf(dir, sizeof dir, "%s/%.2s", files_dir, sha_out);
    snprintf(dest, sizeof dest, "%s/%s", dir, sha_out);
    bool ok = ism_mkdirs(dir, 0700, err);
    struct stat sb;
    if (ok && stat(dest, &sb) == 0 && (size_t)sb.st_size == len) {
        free(buf); /* already stored: deduplicated */
        if (size_out) *size_out = (long long)len;
        return true;
    }
    /* Write to a temporary name, fsync, then rename: a crash never leaves a partial file under
     * the content's name. */
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", dest, (long)getpid());
    int fd = ok ? open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600) : -1;
    if (ok && fd < 0)
        ok = ism_error_set(err, ISM_E_IO, "cannot write %s: %s", tmp, strerror(errno));
    size_t off = 0;
    while (ok && off < len) {
        ssize_t n = write(fd, buf + off, len - off);
        if (n <= 0)
            ok = ism_error_set(err, ISM_E_IO, "writing %s: %s", tmp, strerror(errno));
        else
            off += (size_t)n;
    }
    if (ok && fsync(fd) != 0) ok = ism_error_set(err, ISM_E_IO, "fsync %s", tmp);
    if (fd >= 0) close(fd);
    if (ok && rename(tmp, dest) != 0) ok = ism_error_set(err, ISM_E_IO, "rename to %s", dest);
    if (!ok) unlink(tmp);
    free(buf);
    if (ok && size_out) *size_out = (long long)len;
    return ok;
}
