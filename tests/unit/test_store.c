/* test_store.c — migrations, version refusal, tokens, job rows, and crash safety (kill -9
 * during writes loses nothing that was committed), on SQLite and, under tests/pg/pg_run.sh, on
 * PostgreSQL: there also the C-collation refusal, a password never shown, and connections
 * re-established after the server dropped them. WAL and the garbage file are SQLite's own. */
#include "ismap/store.h"
#include "testutil.h"

#include <check.h>
#include <sqlite3.h>
#include <libpq-fe.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char *dir;
static char *dbpath;

static bool pg; /* the store under test is PostgreSQL (ISMAP_TEST_PG_URL) */

static void setup(void)
{
    dir = tu_tempdir("store");
    dbpath = tu_store_location(dir);
    pg = ism_store_is_url(dbpath);
}

static void teardown(void)
{
    tu_rmtree(dir);
    free(dir);
    free(dbpath);
}

static ism_store *open_ok(void)
{
    ism_error e = {0};
    ism_store *st = ism_store_open(dbpath, &e);
    ck_assert_msg(st != NULL, "open failed: %s", e.message);
    return st;
}

/* Runs SQL on a connection of the test's own (not the store's); the first column of the first
 * row as an int, -1 without one. */
static int query_int(const char *sql)
{
    if (pg) {
        PGconn *c = PQconnectdb(dbpath);
        ck_assert_msg(PQstatus(c) == CONNECTION_OK, "%s", PQerrorMessage(c));
        PGresult *r = PQexec(c, sql);
        ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK || PQresultStatus(r) == PGRES_COMMAND_OK,
                      "%s: %s", sql, PQerrorMessage(c));
        int v = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 ? atoi(PQgetvalue(r, 0, 0))
                                                                         : -1;
        PQclear(r);
        PQfinish(c);
        return v;
    }
    sqlite3 *db;
    ck_assert_int_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
    sqlite3_stmt *s;
    ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    int v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : -1;
    sqlite3_finalize(s);
    sqlite3_close(db);
    return v;
}

START_TEST(open_migrates_and_uses_wal)
{
    ism_store *st = open_ok();
    ck_assert_int_eq(ism_store_schema_version(st), ism_store_schema_latest());
    ism_store_close(st);
    if (pg) {
        ck_assert_int_eq(query_int("SELECT version FROM schema_version"),
                         ism_store_schema_latest());
        st = open_ok();
        ism_store_close(st);
        return;
    }
    ck_assert_int_eq(query_int("PRAGMA user_version"), ism_store_schema_latest());
    sqlite3 *db;
    sqlite3_open(dbpath, &db);
    sqlite3_stmt *s;
    sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL);
    ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
    ck_assert_str_eq((const char *)sqlite3_column_text(s, 0), "wal");
    sqlite3_finalize(s);
    sqlite3_close(db);
    /* Reopening an up-to-date store applies nothing and works. */
    st = open_ok();
    ism_store_close(st);
}
END_TEST

START_TEST(refuses_newer_store)
{
    ism_store_close(open_ok());
    query_int(pg ? "UPDATE schema_version SET version=999" : "PRAGMA user_version=999");
    ism_error e = {0};
    ck_assert_ptr_null(ism_store_open(dbpath, &e));
    ck_assert_int_eq(e.code, ISM_E_VERSION);
    ck_assert_ptr_nonnull(strstr(e.message, "schema version 999"));
    ism_error_clear(&e);
}
END_TEST

START_TEST(refuses_garbage_file)
{
    if (pg) return; /* a file's own failure */
    FILE *fp = fopen(dbpath, "w");
    fputs("this is not a database, just text that happens to be here", fp);
    fclose(fp);
    ism_error e = {0};
    ck_assert_ptr_null(ism_store_open(dbpath, &e));
    ck_assert_int_ne(e.code, ISM_OK);
    ck_assert_ptr_nonnull(strstr(e.message, "store"));
    ism_error_clear(&e);
}
END_TEST

START_TEST(tokens_hashed_verified_revoked)
{
    ism_store *st = open_ok();
    ism_error e = {0};
    char tok[80];
    ism_token_info info, who;
    ck_assert(ism_store_token_create(st, "ci", ISM_ROLE_AUDITOR, "city-a", tok, &info, &e));
    ck_assert_int_eq(strlen(tok), 68);
    ck_assert(ism_store_token_verify(st, tok, &who, &e));
    ck_assert_str_eq(who.id, info.id);
    ck_assert_int_eq(who.role, ISM_ROLE_AUDITOR);
    ck_assert_str_eq(who.org, "city-a");
    /* The secret is not in the database; only its hash is. */
    ism_db *db = ism_store_reader(st);
    ism_stmt *s = ism_db_prepare(db, "SELECT count(*) FROM tokens WHERE hash=? OR name=?", &e);
    ism_stmt_bind_text(s, 1, tok);
    ism_stmt_bind_text(s, 2, tok);
    ck_assert_int_eq(ism_stmt_step(s, &e), ISM_DB_ROW);
    ck_assert_int_eq(ism_stmt_int(s, 0), 0);
    ism_stmt_finalize(s);
    ism_store_reader_end(st, db);

    ck_assert(!ism_store_token_verify(st, "ism_0000", &who, &e));
    ck_assert_int_eq(e.code, ISM_E_UNAUTHENTICATED);
    ism_error_clear(&e);
    ck_assert(ism_store_token_revoke(st, info.id, NULL, &e));
    ck_assert(!ism_store_token_verify(st, tok, &who, &e));
    ck_assert_ptr_nonnull(strstr(e.message, "revoked"));
    ism_error_clear(&e);
    ck_assert(!ism_store_token_revoke(st, info.id, NULL, &e));
    ck_assert_int_eq(e.code, ISM_E_NOT_FOUND);
    ism_error_clear(&e);
    json_t *list = ism_store_token_list(st, NULL, &e);
    ck_assert_int_eq(json_array_size(list), 1);
    ck_assert(!json_is_null(json_object_get(json_array_get(list, 0), "revoked")));
    ck_assert(!json_is_null(json_object_get(json_array_get(list, 0), "last_used")));
    json_decref(list);
    ism_store_close(st);
}
END_TEST

static bool resumable_kind(void *ctx, const char *kind)
{
    (void)ctx;
    return strcmp(kind, "resumable") == 0;
}

START_TEST(job_rows_lifecycle_and_recovery)
{
    ism_store *st = open_ok();
    ism_error e = {0};
    char a[64], b[64], c[64];
    ck_assert(ism_store_job_insert(st, "resumable", NULL, "", a, &e));
    json_t *params = json_pack("{s:i}", "x", 1);
    ck_assert(ism_store_job_insert(st, "oneshot", params, "org1", b, &e));
    json_decref(params);
    ck_assert(ism_store_job_insert(st, "oneshot", NULL, "", c, &e));
    /* FIFO claims. */
    json_t *j = ism_store_job_claim(st, "w1", 1000, 60000, &e);
    ck_assert_str_eq(ism_json_getstr(j, "id"), a);
    ck_assert_str_eq(ism_json_getstr(j, "state"), "running");
    json_decref(j);
    json_t *cp = json_pack("{s:i}", "step", 3);
    ck_assert(ism_store_job_progress(st, a, "w1", 0.5, "half", cp, 61000, &e));
    json_decref(cp);
    j = ism_store_job_claim(st, "w1", 1000, 60000, &e);
    ck_assert_str_eq(ism_json_getstr(j, "id"), b);
    json_decref(j);
    /* Org scoping. */
    ck_assert_ptr_null(ism_store_job_get(st, b, "org2", &e));
    ck_assert_int_eq(e.code, ISM_E_NOT_FOUND);
    ism_error_clear(&e);
    j = ism_store_job_get(st, b, "org1", &e);
    ck_assert_ptr_nonnull(j);
    json_decref(j);
    /* Cancel: queued → cancelled at once; finished → conflict. */
    char state[16];
    ck_assert(ism_store_job_cancel(st, c, "", state, &e));
    ck_assert_str_eq(state, "cancelled");
    ck_assert(!ism_store_job_cancel(st, c, "", state, &e));
    ck_assert_int_eq(e.code, ISM_E_CONFLICT);
    ism_error_clear(&e);
    ism_store_close(st);

    /* A crash leaves a and b running: the same worker restarting requeues a with its
     * checkpoint and fails b; another worker's recovery leaves them alone. */
    st = open_ok();
    int rq = 0, fl = 0;
    ck_assert(ism_store_job_recover(st, "w2", resumable_kind, NULL, &rq, &fl, &e));
    ck_assert_int_eq(rq + fl, 0);
    ck_assert(ism_store_job_recover(st, "w1", resumable_kind, NULL, &rq, &fl, &e));
    ck_assert_int_eq(rq, 1);
    ck_assert_int_eq(fl, 1);
    j = ism_store_job_get(st, a, "", &e);
    ck_assert_str_eq(ism_json_getstr(j, "state"), "queued");
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j, "checkpoint"), "step")),
                     3);
    json_decref(j);
    j = ism_store_job_get(st, b, "", &e);
    ck_assert_str_eq(ism_json_getstr(j, "state"), "failed");
    ck_assert_str_eq(ism_json_getstr(json_object_get(j, "error"), "code"), "interrupted");
    json_decref(j);
    json_t *list = ism_store_job_list(st, "queued", NULL, 10, &e);
    ck_assert_int_eq(json_array_size(list), 1);
    json_decref(list);
    ism_store_close(st);
}
END_TEST

/* status counts jobs by state in the store: more than 100,000 jobs (the old list-and-count
 * stopped there) counted exactly, scoped by organization. */
START_TEST(job_counts_by_state_and_org)
{
    ism_store *st = open_ok();
    ism_error e = {0};
    char a[64], b[64];
    ck_assert(ism_store_job_insert(st, "oneshot", NULL, "", a, &e));
    ck_assert(ism_store_job_insert(st, "oneshot", NULL, "org1", b, &e));
    char state[16];
    ck_assert(ism_store_job_cancel(st, b, "", state, &e));
    query_int("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100001) "
              "INSERT INTO jobs (id, kind, state, org, seq, created, updated) "
              "SELECT 'bulk-' || i, 'oneshot', 'succeeded', 'org1', 1000 + i, "
              "'2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z' FROM n");
    json_t *all = ism_store_job_counts(st, NULL, &e);
    ck_assert_msg(all != NULL, "%s", e.message);
    ck_assert_int_eq(json_object_size(all), 3);
    ck_assert_int_eq(json_integer_value(json_object_get(all, "queued")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(all, "cancelled")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(all, "succeeded")), 100001);
    json_decref(all);
    json_t *org1 = ism_store_job_counts(st, "org1", &e);
    ck_assert_ptr_nonnull(org1);
    ck_assert_int_eq(json_object_size(org1), 2);
    ck_assert_int_eq(json_integer_value(json_object_get(org1, "succeeded")), 100001);
    ck_assert_ptr_null(json_object_get(org1, "queued"));
    json_decref(org1);
    json_t *org2 = ism_store_job_counts(st, "org2", &e);
    ck_assert_ptr_nonnull(org2);
    ck_assert_int_eq(json_object_size(org2), 0);
    json_decref(org2);
    ism_store_close(st);
}
END_TEST

/* A child commits tokens as fast as it can and reports each committed id on a pipe; the parent
 * kills it with SIGKILL mid-stream. Every reported id must be in the reopened store, and the
 * store must pass an integrity check. Repeated to hit different moments of the write: the kill
 * comes after a different number of commits each round (counted on the pipe, not timed, so a
 * busy machine changes when it happens but not whether the child got to write). */
START_TEST(kill9_during_writes_loses_nothing_committed)
{
    static const int kill_after[] = {1, 7, 40, 150, 400};
    for (int round = 0; round < 5; round++) {
        int fds[2];
        ck_assert_int_eq(pipe(fds), 0);
        pid_t pid = fork();
        if (pid == 0) {
            close(fds[0]);
            ism_error e = {0};
            ism_store *st = ism_store_open(dbpath, &e);
            if (!st) _exit(3);
            for (int i = 0;; i++) {
                char tok[80];
                ism_token_info info;
                if (!ism_store_token_create(st, "w", ISM_ROLE_VIEWER, "o", tok, &info, &e))
                    _exit(4);
                char line[80];
                int n = snprintf(line, sizeof line, "%s\n", info.id);
                if (write(fds[1], line, (size_t)n) != n) _exit(5);
            }
        }
        close(fds[1]);
        FILE *fp = fdopen(fds[0], "r");
        char line[80];
        char **ids = calloc(1, sizeof *ids);
        int reported = 0;
        /* Read until the child has reported enough commits, then kill it mid-write. */
        while (reported < kill_after[round] && fgets(line, sizeof line, fp)) {
            ids = realloc(ids, (size_t)(reported + 1) * sizeof *ids);
            line[strcspn(line, "\n")] = '\0';
            ids[reported++] = strdup(line);
        }
        ck_assert_int_eq(reported, kill_after[round]); /* else the child died on its own */
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        ck_assert(WIFSIGNALED(status));
        while (fgets(line, sizeof line, fp)) { /* what it reported before dying counts too */
            ids = realloc(ids, (size_t)(reported + 1) * sizeof *ids);
            line[strcspn(line, "\n")] = '\0';
            ids[reported++] = strdup(line);
        }
        fclose(fp);
        ism_store *st = open_ok();
        ism_error e = {0};
        ism_db *db = ism_store_reader(st);
        ism_stmt *s = ism_db_prepare(db, "SELECT count(*) FROM tokens WHERE id=?", &e);
        ck_assert_msg(s != NULL, "%s", e.message);
        for (int i = 0; i < reported; i++) {
            ism_stmt_reset(s);
            ism_stmt_bind_text(s, 1, ids[i]);
            ck_assert_int_eq(ism_stmt_step(s, &e), ISM_DB_ROW);
            ck_assert_msg(ism_stmt_int(s, 0) == 1, "committed token %s lost", ids[i]);
            free(ids[i]);
        }
        free(ids);
        ism_stmt_finalize(s);
        if (!pg) { /* PostgreSQL keeps its own files; the killed client held none */
            s = ism_db_prepare(db, "PRAGMA integrity_check", &e);
            ck_assert_int_eq(ism_stmt_step(s, &e), ISM_DB_ROW);
            ck_assert_str_eq(ism_stmt_text(s, 0), "ok");
            ism_stmt_finalize(s);
        }
        ism_store_reader_end(st, db);
        /* On PostgreSQL the killed writer's lock died with its session: a new writer gets it. */
        char tok[80];
        ism_token_info info;
        ck_assert_msg(ism_store_token_create(st, "after", ISM_ROLE_VIEWER, "o", tok, &info, &e),
                      "%s", e.message);
        ism_store_close(st);
    }
}
END_TEST

START_TEST(backup_is_consistent_copy)
{
    ism_store *st = open_ok();
    ism_error e = {0};
    char tok[80];
    ism_token_info info;
    ck_assert(ism_store_token_create(st, "b", ISM_ROLE_ADMIN, "", tok, &info, &e));
    char *dest = ism_strdupf("%s/backup.db", dir);
    if (pg) { /* PostgreSQL's backups are pg_dump's: refused, saying so */
        ck_assert(!ism_store_backup(st, dest, &e));
        ck_assert_ptr_nonnull(strstr(e.message, "pg_dump"));
        ism_error_clear(&e);
        ism_store_close(st);
        free(dest);
        return;
    }
    ck_assert_msg(ism_store_backup(st, dest, &e), "%s", e.message);
    ism_store_close(st);
    free(dbpath);
    dbpath = dest;
    ck_assert_int_eq(query_int("SELECT count(*) FROM tokens"), 1);
}
END_TEST

static const char *const room_v1[] = {"CREATE TABLE widgets(id TEXT PRIMARY KEY);"};
static const char *const room_v2[] = {"CREATE TABLE widgets(id TEXT PRIMARY KEY);",
                                      "ALTER TABLE widgets ADD COLUMN colour TEXT;"};
/* The same scripts run on PostgreSQL too (standard SQL). */

START_TEST(room_schemas_migrate_independently)
{
    ism_error e = {0};
    ism_store_schema one = {"widgets", room_v1, 1, room_v1}, two = {"widgets", room_v2, 2, room_v2};
    ism_store *st = ism_store_open_with(dbpath, &one, 1, &e);
    ck_assert_msg(st != NULL, "%s", e.message);
    ism_store_close(st);
    st = ism_store_open_with(dbpath, &two, 1, &e);
    ck_assert_msg(st != NULL, "%s", e.message);
    json_t *v = ism_store_schema_versions(st);
    ck_assert_int_eq(json_integer_value(json_object_get(v, "widgets")), 2);
    ck_assert_int_eq(json_integer_value(json_object_get(v, "core")), ism_store_schema_latest());
    json_decref(v);
    ism_store_close(st);
    ck_assert_int_eq(query_int(pg ? "SELECT count(*) FROM information_schema.columns WHERE "
                                    "table_name='widgets' AND column_name='colour'"
                                  : "SELECT count(*) FROM pragma_table_info('widgets') WHERE "
                                    "name='colour'"),
                     1);
    /* An older build, knowing only version 1 of the room, refuses the newer store. */
    ck_assert_ptr_null(ism_store_open_with(dbpath, &one, 1, &e));
    ck_assert_int_eq(e.code, ISM_E_VERSION);
    ck_assert_ptr_nonnull(strstr(e.message, "widgets schema version 2"));
    ism_error_clear(&e);
}
END_TEST

/* A room without PostgreSQL migrations is refused by name on PostgreSQL (SQLite opens it). */
START_TEST(room_without_pg_schema)
{
    ism_error e = {0};
    ism_store_schema sqlite_only = {"widgets", room_v1, 1, NULL};
    ism_store *st = ism_store_open_with(dbpath, &sqlite_only, 1, &e);
    if (!pg) {
        ck_assert_msg(st != NULL, "%s", e.message);
        ism_store_close(st);
        return;
    }
    ck_assert_ptr_null(st);
    ck_assert_int_eq(e.code, ISM_E_CONFIG);
    ck_assert_ptr_nonnull(strstr(e.message, "widgets"));
    ism_error_clear(&e);
}
END_TEST

/* The URL's password never shows: not in the path, not in a refusal's message. */
START_TEST(url_password_never_shown)
{
    char *r = ism_store_redact("postgresql://ismap:s3cret@db.example:5432/ismap?sslmode=require&"
                               "password=s3cret&application_name=x");
    ck_assert_str_eq(r, "postgresql://ismap@db.example:5432/ismap?sslmode=require&"
                        "application_name=x");
    free(r);
    r = ism_store_redact("postgres://u:p%40ss@h/d");
    ck_assert_str_eq(r, "postgres://u@h/d");
    free(r);
    r = ism_store_redact("/var/lib/ismap/ismap.db");
    ck_assert_str_eq(r, "/var/lib/ismap/ismap.db");
    free(r);
    if (!pg) return;
    /* A wrong password in the URL (trust auth lets it in: the point is what is printed). */
    char *url =
        ism_strdupf("%s%s", dbpath, strchr(dbpath, '?') ? "&password=s3cret" : "?password=s3cret");
    ism_error e = {0};
    ism_store *st = ism_store_open(url, &e);
    ck_assert_msg(st != NULL, "%s", e.message);
    ck_assert_ptr_null(strstr(ism_store_path(st), "s3cret"));
    ism_store_close(st);
    free(url);
}
END_TEST

/* A database without the C collation is refused, and the message says how to create one. */
START_TEST(pg_refuses_non_c_collation)
{
    if (!pg) return;
    char *name = ism_strdupf("coll_%ld", (long)getpid());
    char *admin = ism_strdupf("%spostgres", getenv("ISMAP_TEST_PG_URL"));
    PGconn *c = PQconnectdb(admin);
    ck_assert_int_eq(PQstatus(c), CONNECTION_OK);
    char *sql = ism_strdupf("CREATE DATABASE %s TEMPLATE template0 LOCALE 'C.UTF-8'", name);
    PGresult *res = PQexec(c, sql);
    ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK, "%s", PQerrorMessage(c));
    PQclear(res);
    PQfinish(c);
    char *url = ism_strdupf("%s%s", getenv("ISMAP_TEST_PG_URL"), name);
    ism_error e = {0};
    ck_assert_ptr_null(ism_store_open(url, &e));
    ck_assert_int_eq(e.code, ISM_E_CONFIG);
    ck_assert_ptr_nonnull(strstr(e.message, "createdb --locale=C -T template0"));
    ism_error_clear(&e);
    free(url);
    free(sql);
    free(admin);
    free(name);
}
END_TEST

/* PostgreSQL drops every connection of the store (as a server restart does): the next borrow
 * of each connection works again, without reopening the store. */
START_TEST(pg_reconnects_after_the_server_dropped_it)
{
    if (!pg) return;
    ism_store *st = open_ok();
    ism_error e = {0};
    char tok[80];
    ism_token_info info, who;
    ck_assert(ism_store_token_create(st, "before", ISM_ROLE_VIEWER, "o", tok, &info, &e));
    int killed = query_int("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                           "WHERE datname = current_database() AND pid <> pg_backend_pid()");
    ck_assert_int_ge(killed, 5); /* the writer and the four readers */
    /* Reads on every reader (verify borrows one each time; more than the pool) and writes. */
    for (int i = 0; i < 8; i++)
        ck_assert_msg(ism_store_token_verify(st, tok, &who, &e), "read %d: %s", i, e.message);
    ck_assert_msg(ism_store_token_create(st, "after", ISM_ROLE_VIEWER, "o", tok, &info, &e), "%s",
                  e.message);
    json_t *list = ism_store_token_list(st, "o", &e);
    ck_assert_int_eq(json_array_size(list), 2);
    json_decref(list);
    ism_store_close(st);
}
END_TEST

/* Two processes' writers on one PostgreSQL store are serialized: each adds 1 to a counter it
 * reads in the same transaction 50 times; no increment is lost. */
START_TEST(writers_serialized_across_processes)
{
    ism_error e = {0};
    static const char *const room[] = {"CREATE TABLE counter(id TEXT PRIMARY KEY, n BIGINT);"};
    ism_store_schema sc = {"counter", room, 1, room};
    ism_store *st = ism_store_open_with(dbpath, &sc, 1, &e);
    ck_assert_msg(st != NULL, "%s", e.message);
    ck_assert(ism_store_write(st, "INSERT INTO counter VALUES('c', 0)", NULL, 0, NULL, &e));
    ism_store_close(st);
    pid_t kids[2];
    for (int k = 0; k < 2; k++) {
        if ((kids[k] = fork()) == 0) {
            ism_store *cs = ism_store_open_with(dbpath, &sc, 1, &e);
            if (!cs) _exit(3);
            for (int i = 0; i < 50; i++) {
                ism_db *db = ism_store_writer(cs, &e);
                if (!db) _exit(4);
                ism_stmt *s = ism_db_prepare(db, "SELECT n FROM counter WHERE id='c'", &e);
                if (!s || ism_stmt_step(s, &e) != ISM_DB_ROW) _exit(5);
                int64_t n = ism_stmt_int64(s, 0);
                ism_stmt_finalize(s);
                s = ism_db_prepare(db, "UPDATE counter SET n=? WHERE id='c'", &e);
                ism_stmt_bind_int64(s, 1, n + 1);
                if (!s || ism_stmt_step(s, &e) != ISM_DB_DONE) _exit(6);
                ism_stmt_finalize(s);
                if (!ism_store_write_commit(cs, &e)) _exit(7);
            }
            ism_store_close(cs);
            _exit(0);
        }
    }
    for (int k = 0; k < 2; k++) {
        int status;
        waitpid(kids[k], &status, 0);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer %d: status %d", k,
                      status);
    }
    ck_assert_int_eq(query_int("SELECT n FROM counter"), 100);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("store");
    TCase *tc = tcase_create("store");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, open_migrates_and_uses_wal);
    tcase_add_test(tc, refuses_newer_store);
    tcase_add_test(tc, refuses_garbage_file);
    tcase_add_test(tc, tokens_hashed_verified_revoked);
    tcase_add_test(tc, job_rows_lifecycle_and_recovery);
    tcase_add_test(tc, job_counts_by_state_and_org);
    tcase_add_test(tc, kill9_during_writes_loses_nothing_committed);
    tcase_add_test(tc, backup_is_consistent_copy);
    tcase_add_test(tc, room_schemas_migrate_independently);
    tcase_add_test(tc, room_without_pg_schema);
    tcase_add_test(tc, url_password_never_shown);
    tcase_add_test(tc, pg_refuses_non_c_collation);
    tcase_add_test(tc, pg_reconnects_after_the_server_dropped_it);
    tcase_add_test(tc, writers_serialized_across_processes);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
