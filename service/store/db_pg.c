/* db_pg.c — the PostgreSQL backend of db.h, over libpq.
 *
 * Statements keep their portable SQL (db.h) and are translated once at prepare: `?` and `?N`
 * become `$N` (string literals, quoted identifiers and comments are left alone). Each run is
 * one round trip with text results: 64-bit integers and doubles go as typed
 * parameters (INT8, FLOAT8), text as type 0 so that PostgreSQL infers it from the context,
 * blobs as binary BYTEA. A failed statement's error carries PostgreSQL's message and SQLSTATE;
 * a unique violation is ISM_E_CONFLICT, as a UNIQUE/PRIMARY KEY failure is on SQLite.
 *
 * Server-side prepared statements: each connection keeps up to PREP_MAX named statements, one
 * per distinct (translated SQL, parameter types), made with PQprepare on first run and run with
 * PQexecPrepared after, so PostgreSQL parses and plans a statement once per connection rather
 * than on every run (a 1,200-parameter batch insert costs most of its time there). The least
 * recently used is deallocated when the cache is full; the cache is emptied when the session is
 * re-established (the server forgot them) and after any other statement pg_exec runs than
 * transaction control and SET (DDL may change what a cached plan returns). A statement that
 * cannot be cached then (inside a failed transaction) runs unnamed with PQexecParams.
 *
 * A connection lost while idle (PostgreSQL restarted, a proxy dropped it) is re-established
 * once and the statement retried, so a restarted server needs no ismapd restart; a connection
 * lost inside a transaction fails the transaction (its work is gone on the server anyway). */
#include "db_internal.h"

#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Type OIDs from PostgreSQL's catalog (pg_type.dat): stable across versions. */
#define PG_BOOLOID 16
#define PG_BYTEAOID 17
#define PG_INT8OID 20
#define PG_FLOAT8OID 701

/* One server-side prepared statement of a connection. */
typedef struct {
    char *key; /* translated SQL, '\n', then the parameter types; NULL: free slot */
    uint64_t hash;
    uint64_t used; /* the connection's tick at its last run: the least recent goes first */
    char name[24]; /* "ism_<n>" */
} pg_prepared;

#define PREP_MAX 128

typedef struct {
    ism_db base;
    PGconn *conn;
    char err[1024];
    pg_prepared prep[PREP_MAX];
    uint64_t tick, next_name;
} pg_db;

typedef struct {
    ism_stmt base;
    char *sql; /* translated: $N placeholders */
    int nparams;
    Oid *types;
    char **values;
    int *lengths;
    int *formats;
    PGresult *res;
    int row; /* current row; -1 before the first step */
    bool ran;
    int64_t changes;
    unsigned char *blob; /* the last decoded bytea column (freed on the next call/step) */
} pg_stmt;

#define PG(s) ((pg_stmt *)(s))
#define PGDB(d) ((pg_db *)(d))

static const ism_db_ops pg_ops;

/* ---- errors ------------------------------------------------------------------------------ */

static void set_conn_error(pg_db *d, const char *fallback)
{
    const char *m = d->conn ? PQerrorMessage(d->conn) : NULL;
    snprintf(d->err, sizeof d->err, "%s", m && *m ? m : fallback);
    size_t n = strlen(d->err);
    while (n && (d->err[n - 1] == '\n' || d->err[n - 1] == ' '))
        d->err[--n] = '\0';
}

/* Records a failed result's message as the connection's last error; returns its error code:
 * ISM_E_CONFLICT for a unique violation (SQLSTATE 23505), ISM_E_IO otherwise. */
static ism_code set_result_error(pg_db *d, const PGresult *r)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    const char *detail = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL) : NULL;
    if (!msg) {
        set_conn_error(d, "no result from the server");
        return ISM_E_IO;
    }
    snprintf(d->err, sizeof d->err, "%s%s%s (SQLSTATE %s)", msg, detail ? ": " : "",
             detail ? detail : "", state ? state : "?");
    return state && strcmp(state, "23505") == 0 ? ISM_E_CONFLICT : ISM_E_IO;
}

/* Settings every connection gets: UTF-8 text, hex bytea, quiet notices, UTC. */
static const char conn_settings[] =
    "SET client_encoding = 'UTF8'; SET bytea_output = 'hex'; SET client_min_messages = warning;"
    " SET TimeZone = 'UTC'";

/* ---- prepared statements ----------------------------------------------------------------- */

/* Forgets every cached statement (the server's session no longer has them, or they were
 * deallocated). */
static void prep_forget(pg_db *d)
{
    for (int i = 0; i < PREP_MAX; i++) {
        free(d->prep[i].key);
        d->prep[i].key = NULL;
    }
}

/* Deallocates every prepared statement of the session and forgets them (best effort: in a
 * failed transaction the server refuses, and the names stay unused until the session ends). */
static void prep_drop_all(pg_db *d)
{
    bool any = false;
    for (int i = 0; i < PREP_MAX && !any; i++)
        any = d->prep[i].key != NULL;
    if (!any) return;
    prep_forget(d);
    PQclear(PQexec(d->conn, "DEALLOCATE ALL"));
}

static uint64_t fnv1a(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

/* True when pg_exec's sql leaves cached plans valid: transaction control, SET, the writer's
 * advisory lock. Anything else (DDL in migrations) empties the cache. */
static bool keeps_plans(const char *sql)
{
    static const char *const safe[] = {"BEGIN",     "COMMIT",  "ROLLBACK", "SET ",
                                       "SAVEPOINT", "RELEASE", "END",      "SELECT pg_advisory"};
    while (*sql == ' ' || *sql == '\n' || *sql == '\t')
        sql++;
    for (size_t i = 0; i < sizeof safe / sizeof *safe; i++) {
        if (strncasecmp(sql, safe[i], strlen(safe[i])) == 0) {
            /* "BEGIN; SELECT pg_advisory_xact_lock(...)": every part must be safe. */
            const char *semi = strchr(sql, ';');
            return !semi || !semi[1] || keeps_plans(semi + 1);
        }
    }
    return false;
}

/* A connection that broke (PostgreSQL restarted, the connection was terminated) is
 * re-established with PQreset and given its settings again. True when it is usable. */
static bool revive(pg_db *d)
{
    if (PQstatus(d->conn) == CONNECTION_OK) return true;
    prep_forget(d); /* a new session has none of them */
    PQreset(d->conn);
    if (PQstatus(d->conn) != CONNECTION_OK) {
        set_conn_error(d, "cannot reconnect");
        return false;
    }
    PGresult *r = PQexec(d->conn, conn_settings);
    bool ok = r && PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok) set_result_error(d, r);
    PQclear(r);
    return ok;
}

/* ---- placeholders ------------------------------------------------------------------------ */

/* Translates db.h's `?` / `?N` into `$N`, skipping '...' literals, "..." identifiers, -- and
 * C-style comments (portable SQL has no E'...' strings, whose \' this would misread). *nparams gets
 * the highest parameter number. NULL when out of memory. */
static char *translate(const char *sql, int *nparams)
{
    size_t n = strlen(sql);
    char *out = malloc(n * 4 + 1); /* "?" → "$NNN": at most 4x */
    if (!out) return NULL;
    size_t o = 0;
    int next = 0, max = 0;
    for (size_t i = 0; i < n;) {
        char c = sql[i];
        if (c == '\'' || c == '"') {
            out[o++] = sql[i++];
            while (i < n) {
                out[o++] = sql[i];
                if (sql[i++] == c) {
                    if (i < n && sql[i] == c) { /* doubled quote: still inside */
                        out[o++] = sql[i++];
                        continue;
                    }
                    break;
                }
            }
        } else if (c == '-' && i + 1 < n && sql[i + 1] == '-') {
            while (i < n && sql[i] != '\n')
                out[o++] = sql[i++];
        } else if (c == '/' && i + 1 < n && sql[i + 1] == '*') {
            out[o++] = sql[i++];
            out[o++] = sql[i++];
            while (i < n && !(sql[i] == '*' && i + 1 < n && sql[i + 1] == '/'))
                out[o++] = sql[i++];
            if (i < n) {
                out[o++] = sql[i++];
                out[o++] = sql[i++];
            }
        } else if (c == '?') {
            i++;
            int num = 0;
            if (i < n && sql[i] >= '0' && sql[i] <= '9') {
                while (i < n && sql[i] >= '0' && sql[i] <= '9' && num < 100000)
                    num = num * 10 + (sql[i++] - '0');
            } else {
                num = ++next;
            }
            if (num > max) max = num;
            o += (size_t)sprintf(out + o, "$%d", num);
        } else {
            out[o++] = sql[i++];
        }
    }
    out[o] = '\0';
    *nparams = max;
    return out;
}

/* ---- connection -------------------------------------------------------------------------- */

static ism_stmt *pg_prepare(ism_db *db, const char *sql, ism_error *err)
{
    pg_stmt *s = calloc(1, sizeof *s);
    int np = 0;
    if (s) s->sql = translate(sql, &np);
    if (s && s->sql && np > 0) {
        s->types = calloc((size_t)np, sizeof *s->types);
        s->values = calloc((size_t)np, sizeof *s->values);
        s->lengths = calloc((size_t)np, sizeof *s->lengths);
        s->formats = calloc((size_t)np, sizeof *s->formats);
    }
    if (!s || !s->sql || (np > 0 && (!s->types || !s->values || !s->lengths || !s->formats))) {
        if (s) {
            free(s->sql);
            free(s->types);
            free(s->values);
            free(s->lengths);
            free(s->formats);
            free(s);
        }
        ism_error_set(err, ISM_E_INTERNAL, "out of memory");
        return NULL;
    }
    s->base.ops = &pg_ops;
    s->base.db = db;
    s->nparams = np;
    s->row = -1;
    return &s->base;
}

static bool pg_exec(ism_db *db, const char *sql, ism_error *err)
{
    pg_db *d = PGDB(db);
    bool idle = PQtransactionStatus(d->conn) == PQTRANS_IDLE ||
                PQtransactionStatus(d->conn) == PQTRANS_UNKNOWN;
    for (int attempt = 0;; attempt++) {
        if (idle && !revive(d)) break;
        PGresult *r = PQexec(d->conn, sql);
        ExecStatusType t = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
        if (t == PGRES_COMMAND_OK || t == PGRES_TUPLES_OK) {
            PQclear(r);
            if (!keeps_plans(sql)) prep_drop_all(d);
            return true;
        }
        ism_code code = set_result_error(d, r);
        PQclear(r);
        if (idle && attempt == 0 && PQstatus(d->conn) == CONNECTION_BAD) continue;
        return ism_error_set(err, code, "store: %s", d->err);
    }
    return ism_error_set(err, ISM_E_IO, "store: %s", d->err);
}

static const char *pg_errmsg(ism_db *db)
{
    return PGDB(db)->err;
}

static void pg_close(ism_db *db)
{
    prep_forget(PGDB(db));
    PQfinish(PGDB(db)->conn);
    free(db);
}

/* ---- binding ----------------------------------------------------------------------------- */

static void clear_result(pg_stmt *s)
{
    PQclear(s->res);
    s->res = NULL;
    s->row = -1;
    s->ran = false;
    free(s->blob);
    s->blob = NULL;
}

/* Stores one parameter: a copy of the bytes, its type and format. Out of range is ignored. */
static void bind(pg_stmt *s, int i, const void *p, size_t n, Oid type, int format)
{
    if (i < 1 || i > s->nparams) return;
    i--;
    free(s->values[i]);
    s->values[i] = NULL;
    s->types[i] = type;
    s->formats[i] = format;
    s->lengths[i] = 0;
    if (!p) return;
    s->values[i] = malloc(n + 1);
    if (!s->values[i]) return; /* binds NULL: the statement then fails on a NOT NULL column */
    memcpy(s->values[i], p, n);
    s->values[i][n] = '\0';
    s->lengths[i] = (int)n;
}

static void pg_bind_text(ism_stmt *s, int i, const char *v)
{
    bind(PG(s), i, v, strlen(v), 0, 0);
}

static void pg_bind_int64(ism_stmt *s, int i, int64_t v)
{
    char b[32];
    int n = snprintf(b, sizeof b, "%lld", (long long)v);
    bind(PG(s), i, b, (size_t)n, PG_INT8OID, 0);
}

static void pg_bind_double(ism_stmt *s, int i, double v)
{
    char b[64];
    int n = snprintf(b, sizeof b, "%.17g", v);
    bind(PG(s), i, b, (size_t)n, PG_FLOAT8OID, 0);
}

static void pg_bind_blob(ism_stmt *s, int i, const void *p, size_t n)
{
    static const char empty = 0;
    bind(PG(s), i, n ? p : &empty, n, PG_BYTEAOID, 1);
}

static void pg_bind_null(ism_stmt *s, int i)
{
    bind(PG(s), i, NULL, 0, 0, 0);
}

/* ---- running ----------------------------------------------------------------------------- */

/* The cached statement for s's SQL and parameter types: found, or prepared now (evicting the
 * least recently used when full). NULL when it cannot be cached (out of memory, inside a failed
 * transaction), or when PostgreSQL refused to prepare it: *failed then gets its result, whose
 * error is the statement's (inside a transaction, the transaction is then aborted: running it
 * unnamed would only report that). */
static const pg_prepared *prep_get(pg_db *d, const pg_stmt *s, PGresult **failed)
{
    *failed = NULL;
    size_t sl = strlen(s->sql), kl = sl + 1 + (size_t)s->nparams * 11 + 1;
    char *key = malloc(kl);
    if (!key) return NULL;
    memcpy(key, s->sql, sl);
    size_t n = sl;
    key[n++] = '\n';
    for (int i = 0; i < s->nparams; i++)
        n += (size_t)snprintf(key + n, kl - n, "%u,", (unsigned)s->types[i]);
    uint64_t h = fnv1a(key, n);
    int free_slot = -1, lru = 0;
    for (int i = 0; i < PREP_MAX; i++) {
        pg_prepared *p = &d->prep[i];
        if (!p->key) {
            if (free_slot < 0) free_slot = i;
        } else if (p->hash == h && strcmp(p->key, key) == 0) {
            free(key);
            p->used = ++d->tick;
            return p;
        } else if (p->used < d->prep[lru].used) {
            lru = i;
        }
    }
    int slot = free_slot >= 0 ? free_slot : lru;
    if (PQtransactionStatus(d->conn) == PQTRANS_INERROR) {
        free(key);
        return NULL;
    }
    pg_prepared *p = &d->prep[slot];
    if (p->key) { /* full: the least recently used goes */
        char sql[48];
        snprintf(sql, sizeof sql, "DEALLOCATE %s", p->name);
        PGresult *r = PQexec(d->conn, sql);
        bool ok = r && PQresultStatus(r) == PGRES_COMMAND_OK;
        PQclear(r);
        if (!ok) {
            free(key);
            return NULL;
        }
        free(p->key);
        p->key = NULL;
    }
    char name[24];
    snprintf(name, sizeof name, "ism_%llu", (unsigned long long)++d->next_name);
    PGresult *r = PQprepare(d->conn, name, s->sql, s->nparams, s->types);
    if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
        *failed = r;
        free(key);
        return NULL;
    }
    PQclear(r);
    p->key = key;
    p->hash = h;
    p->used = ++d->tick;
    memcpy(p->name, name, sizeof name);
    return p;
}

/* Runs s once: its cached prepared statement, else unnamed (PQexecParams). */
static PGresult *run(pg_db *d, pg_stmt *s)
{
    PGresult *failed;
    const pg_prepared *p = prep_get(d, s, &failed);
    if (failed) return failed;
    if (!p)
        return PQexecParams(d->conn, s->sql, s->nparams, s->types, (const char *const *)s->values,
                            s->lengths, s->formats, 0);
    return PQexecPrepared(d->conn, p->name, s->nparams, (const char *const *)s->values, s->lengths,
                          s->formats, 0);
}

static int pg_step(ism_stmt *st, ism_error *err)
{
    pg_stmt *s = PG(st);
    pg_db *d = PGDB(st->db);
    if (s->ran) {
        free(s->blob);
        s->blob = NULL;
        if (!s->res || ++s->row >= PQntuples(s->res)) {
            s->row = s->res ? PQntuples(s->res) : 0;
            return ISM_DB_DONE;
        }
        return ISM_DB_ROW;
    }
    bool idle = PQtransactionStatus(d->conn) == PQTRANS_IDLE ||
                PQtransactionStatus(d->conn) == PQTRANS_UNKNOWN;
    for (int attempt = 0;; attempt++) {
        if (idle && !revive(d)) {
            ism_error_set(err, ISM_E_IO, "store: step: %s", d->err);
            return ISM_DB_ERROR;
        }
        PGresult *r = run(d, s);
        ExecStatusType t = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
        if (t == PGRES_COMMAND_OK || t == PGRES_TUPLES_OK) {
            s->res = r;
            s->ran = true;
            const char *ct = PQcmdTuples(r);
            s->changes = ct && *ct ? strtoll(ct, NULL, 10) : 0;
            s->row = 0;
            if (t == PGRES_TUPLES_OK && PQntuples(r) > 0) return ISM_DB_ROW;
            return ISM_DB_DONE;
        }
        ism_code code = set_result_error(d, r);
        const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
        /* A cached statement the server no longer has, or whose plan another session's DDL
         * made stale ("cached plan must not change result type"): forget them all. */
        bool stale = state && (!strcmp(state, "26000") || !strcmp(state, "0A000"));
        PQclear(r);
        if (stale) prep_drop_all(d);
        /* Retried only when nothing could have been half-done: the connection was idle (no
         * transaction of ours was open) and it is the connection (or a stale plan) that
         * failed. */
        if (idle && attempt == 0 && (stale || PQstatus(d->conn) == CONNECTION_BAD)) continue;
        ism_error_set(err, code, "store: step: %s", d->err);
        return ISM_DB_ERROR;
    }
}

static int64_t pg_changes(ism_stmt *s)
{
    return PG(s)->changes;
}

static void pg_reset(ism_stmt *s)
{
    clear_result(PG(s));
}

static void pg_clear_bindings(ism_stmt *st)
{
    pg_stmt *s = PG(st);
    for (int i = 0; i < s->nparams; i++)
        bind(s, i + 1, NULL, 0, 0, 0);
}

static void pg_finalize(ism_stmt *st)
{
    pg_stmt *s = PG(st);
    clear_result(s);
    for (int i = 0; i < s->nparams; i++)
        free(s->values[i]);
    free(s->values);
    free(s->types);
    free(s->lengths);
    free(s->formats);
    free(s->sql);
    free(s);
}

/* ---- columns ----------------------------------------------------------------------------- */

static bool on_row(pg_stmt *s, int col)
{
    return s->res && s->row >= 0 && s->row < PQntuples(s->res) && col >= 0 &&
           col < PQnfields(s->res);
}

static int pg_columns(ism_stmt *st)
{
    pg_stmt *s = PG(st);
    return s->res && s->row >= 0 && s->row < PQntuples(s->res) ? PQnfields(s->res) : 0;
}

static bool pg_is_null(ism_stmt *st, int col)
{
    pg_stmt *s = PG(st);
    return !on_row(s, col) || PQgetisnull(s->res, s->row, col);
}

static const char *pg_text(ism_stmt *st, int col)
{
    pg_stmt *s = PG(st);
    if (pg_is_null(st, col)) return NULL;
    const char *v = PQgetvalue(s->res, s->row, col);
    /* Booleans (EXISTS, comparisons) read as SQLite's 1/0. */
    if (PQftype(s->res, col) == PG_BOOLOID) return v[0] == 't' ? "1" : "0";
    return v;
}

static int64_t pgs_int64(ism_stmt *st, int col)
{
    const char *v = pg_text(st, col);
    return v ? strtoll(v, NULL, 10) : 0;
}

static double pg_double(ism_stmt *st, int col)
{
    const char *v = pg_text(st, col);
    return v ? strtod(v, NULL) : 0.0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static const void *pg_blob(ism_stmt *st, int col, size_t *len)
{
    pg_stmt *s = PG(st);
    *len = 0;
    const char *v = pg_text(st, col);
    if (!v) return NULL;
    if (PQftype(s->res, col) != PG_BYTEAOID) { /* text read as bytes, as SQLite does */
        *len = strlen(v);
        return v;
    }
    /* bytea in text results is hex: \x followed by two digits per byte (bytea_output=hex,
     * which the store sets on every connection). */
    if (v[0] != '\\' || v[1] != 'x') return NULL;
    v += 2;
    size_t n = strlen(v) / 2;
    free(s->blob);
    s->blob = malloc(n ? n : 1);
    if (!s->blob) return NULL;
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(v[2 * i]), lo = hexval(v[2 * i + 1]);
        if (hi < 0 || lo < 0) return NULL;
        s->blob[i] = (unsigned char)(hi << 4 | lo);
    }
    *len = n;
    return s->blob;
}

static const ism_db_ops pg_ops = {
    .kind = ISM_DB_POSTGRES,
    .prepare = pg_prepare,
    .exec = pg_exec,
    .errmsg = pg_errmsg,
    .close = pg_close,
    .bind_text = pg_bind_text,
    .bind_int64 = pg_bind_int64,
    .bind_double = pg_bind_double,
    .bind_blob = pg_bind_blob,
    .bind_null = pg_bind_null,
    .step = pg_step,
    .changes = pg_changes,
    .reset = pg_reset,
    .clear_bindings = pg_clear_bindings,
    .finalize = pg_finalize,
    .columns = pg_columns,
    .is_null = pg_is_null,
    .text = pg_text,
    .int64 = pgs_int64,
    .dbl = pg_double,
    .blob = pg_blob,
};

ism_db *ism_db_pg_connect(const char *url, const char *shown, ism_error *err)
{
    PGconn *c = PQconnectdb(url);
    if (!c || PQstatus(c) != CONNECTION_OK) {
        const char *m = c ? PQerrorMessage(c) : "out of memory";
        char msg[512];
        snprintf(msg, sizeof msg, "%s", m);
        size_t n = strlen(msg);
        while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
            msg[--n] = '\0';
        ism_error_set(err, ISM_E_IO, "store: cannot connect to %s: %s", shown, msg);
        PQfinish(c);
        return NULL;
    }
    pg_db *d = calloc(1, sizeof *d);
    if (!d) {
        PQfinish(c);
        ism_error_set(err, ISM_E_INTERNAL, "out of memory");
        return NULL;
    }
    d->base.ops = &pg_ops;
    d->conn = c;
    if (!pg_exec(&d->base, conn_settings, err)) {
        pg_close(&d->base);
        return NULL;
    }
    return &d->base;
}

bool ism_db_pg_alive(ism_db *db)
{
    return !db || db->ops->kind != ISM_DB_POSTGRES || revive(PGDB(db));
}

bool ism_db_pg_failed_tx(ism_db *db)
{
    return db && db->ops->kind == ISM_DB_POSTGRES &&
           PQtransactionStatus(PGDB(db)->conn) == PQTRANS_INERROR;
}

/* ---- LISTEN/NOTIFY (db.h's notifications; kept apart from the statement code above) ------- */

bool ism_db_pg_notify(ism_db *db, const char *channel, const char *payload, ism_error *err)
{
    /* pg_notify rather than NOTIFY: the payload goes as a parameter, never into the SQL. */
    ism_stmt *s = pg_prepare(db, "SELECT pg_notify(CAST(?1 AS TEXT), CAST(?2 AS TEXT))", err);
    if (!s) return false;
    pg_bind_text(s, 1, channel);
    pg_bind_text(s, 2, payload);
    bool ok = pg_step(s, err) == ISM_DB_ROW;
    pg_finalize(s);
    return ok;
}

/* A listening connection's server messages (the FATAL of a terminated session) are not
 * printed on stderr: its loss reaches the caller as an error of ism_db_pg_wait_notify. */
static void quiet_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

bool ism_db_pg_listen(ism_db *db, const char *channel, ism_error *err)
{
    PQsetNoticeProcessor(PGDB(db)->conn, quiet_notice, NULL);
    char sql[96]; /* the channel is a plain name of at most 63 characters (db.c checks) */
    snprintf(sql, sizeof sql, "LISTEN %s", channel);
    return pg_exec(db, sql, err);
}

bool ism_db_pg_set_name(ism_db *db, const char *name, ism_error *err)
{
    pg_db *d = PGDB(db);
    char *lit = PQescapeLiteral(d->conn, name, strlen(name));
    if (!lit) {
        set_conn_error(d, "cannot quote the connection's name");
        return ism_error_set(err, ISM_E_IO, "store: %s", d->err);
    }
    char sql[256];
    snprintf(sql, sizeof sql, "SET application_name = %s", lit);
    PQfreemem(lit);
    return pg_exec(db, sql, err);
}

static int lost(pg_db *d, ism_error *err)
{
    set_conn_error(d, "the connection is lost");
    ism_error_set(err, ISM_E_IO, "store: listening connection: %s", d->err);
    return ISM_DB_ERROR;
}

int ism_db_pg_wait_notify(ism_db *db, int timeout_ms, int wake_fd, ism_db_notice *out,
                          ism_error *err)
{
    pg_db *d = PGDB(db);
    int64_t deadline = timeout_ms < 0 ? -1 : ism_mono_ms() + timeout_ms;
    for (;;) {
        PGnotify *n = PQnotifies(d->conn);
        if (n) {
            snprintf(out->channel, sizeof out->channel, "%s", n->relname ? n->relname : "");
            snprintf(out->payload, sizeof out->payload, "%s", n->extra ? n->extra : "");
            PQfreemem(n);
            return 1;
        }
        if (PQstatus(d->conn) != CONNECTION_OK || PQsocket(d->conn) < 0) return lost(d, err);
        int wait = -1;
        if (deadline >= 0) {
            int64_t left = deadline - ism_mono_ms();
            wait = left < 0 ? 0 : left > 3600000 ? 3600000 : (int)left;
        }
        struct pollfd p[2] = {{.fd = PQsocket(d->conn), .events = POLLIN},
                              {.fd = wake_fd, .events = POLLIN}};
        int rc = poll(p, wake_fd >= 0 ? 2 : 1, wait);
        if (rc < 0) {
            if (errno == EINTR) continue;
            snprintf(d->err, sizeof d->err, "poll: %s", strerror(errno));
            ism_error_set(err, ISM_E_IO, "store: listening connection: %s", d->err);
            return ISM_DB_ERROR;
        }
        if (wake_fd >= 0 && p[1].revents) return 0;
        if (rc == 0) return 0;
        /* Readable (or hung up): take in what came; a closed connection fails here. */
        if (!PQconsumeInput(d->conn)) return lost(d, err);
    }
}
