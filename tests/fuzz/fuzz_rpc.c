/* fuzz_rpc.c — libFuzzer target for the request envelope: raw bytes through ism_rpc_handle, the
 * one way in, with the daemon's rooms behind it (catalogs, checks, a store in memory, a job
 * queue whose workers never start, so a submitted collection stays queued and nothing reaches
 * the network). The first input byte says who calls: bit 0 the trusted local socket, else a
 * remote caller; the placeholders @ADMIN@ and @AUDITOR@ in the rest become real tokens of
 * those roles. Requests whose params name a host "path" are not sent: those ops read files by
 * design, and the snapshot reader has its own target. Every reply must be a JSON envelope
 * {"id", "ok", "result"|"error"} whose error has a code and a message. */
#include "fuzz_common.h"

#include "ismap/provider.h"
#include "ismap/eval.h"
#include "ismap/jobs.h"
#include "ismap/matrix.h"
#include "ismap/rpc.h"
#include "ismap/snapshot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static ism_rpc_app app;
static char dirs[3][320];
static char tok_admin[80], tok_auditor[80];

static void die(const char *what, const ism_error *e)
{
    fprintf(stderr, "fuzz: %s: %s\n", what, e ? e->message : "");
    abort();
}

static void init(void)
{
    fz_quiet();
    ism_error e = {0};
    const char *d = getenv("ISMAP_CHECKS_DIR");
    ism_eval_checks *checks = ism_eval_load(d && *d ? d : ISM_CHECKS_SOURCE_DIR, fz_catalogs(), &e);
    if (!checks) die("checks", &e);
    ism_store *st = fz_store();
    ism_jobs *jobs = ism_jobs_new(st, 1, NULL, NULL);
    const char *names[] = {"keys", "snapshots", "files"};
    for (int i = 0; i < 3; i++) {
        snprintf(dirs[i], sizeof dirs[i], "%s/%s", fz_dir(), names[i]);
        if (!ism_mkdirs(dirs[i], 0700, &e)) die(dirs[i], &e);
    }
    char key[400];
    snprintf(key, sizeof key, "%s/signing.pem", dirs[0]);
    ism_signer *signer = ism_signer_load(key, &e);
    if (!signer) die("signer", &e);
    if (!ism_jobs_register_builtin(jobs, &e) ||
        !ism_matrix_register_jobs(jobs, st, checks, signer, &e))
        die("jobs", &e);
    app = (ism_rpc_app){.store = st,
                        .jobs = jobs,
                        .catalogs = fz_catalogs(),
                        .checks = checks,
                        .signer = signer,
                        .data_dir = fz_dir(),
                        .snapshots_dir = dirs[1],
                        .files_dir = dirs[2],
                        .started_mono_ms = ism_mono_ms(),
                        .max_msg = 1u << 20,
                        .contexts = 1,
                        .workers = 1};
    ism_now_iso(app.started_iso);
    if (!ism_collect_register_jobs(jobs, &app, &e)) die("aws jobs", &e);
    ism_token_info info;
    if (!ism_store_token_create(st, "fuzz-admin", ISM_ROLE_ADMIN, "", tok_admin, &info, &e) ||
        !ism_store_token_create(st, "fuzz-auditor", ISM_ROLE_AUDITOR, "org-a", tok_auditor, &info,
                                &e))
        die("tokens", &e);
    /* The queue and the signer live as long as the process: libFuzzer never returns. */
}

/* Copies src with each placeholder replaced by its token (malloc'd, length in *out_len). */
static char *substitute(const char *src, size_t len, size_t *out_len)
{
    static const char *const ph[] = {"@ADMIN@", "@AUDITOR@"};
    const char *tok[] = {tok_admin, tok_auditor};
    char *out = malloc(len * 12 + 1), *o = out;
    for (size_t i = 0; i < len;) {
        bool done = false;
        for (int k = 0; k < 2 && !done; k++) {
            size_t n = strlen(ph[k]);
            if (len - i >= n && memcmp(src + i, ph[k], n) == 0) {
                size_t t = strlen(tok[k]);
                memcpy(o, tok[k], t);
                o += t, i += n, done = true;
            }
        }
        if (!done) *o++ = src[i++];
    }
    *o = '\0';
    *out_len = (size_t)(o - out);
    return out;
}

static bool names_a_path(const char *msg, size_t len)
{
    json_t *req = json_loadb(msg, len, 0, NULL);
    json_t *params = json_object_get(req, "params");
    bool path = json_is_object(params) && json_object_get(params, "path");
    json_decref(req);
    return path;
}

static void check_reply(const char *reply)
{
    json_error_t je;
    json_t *r = reply ? json_loads(reply, 0, &je) : NULL;
    json_t *ok = json_object_get(r, "ok");
    bool good = json_is_object(r) && json_is_boolean(ok) && json_object_get(r, "id");
    if (good && json_is_false(ok)) {
        json_t *err = json_object_get(r, "error");
        const char *code = ism_json_getstr(err, "code"), *msg = ism_json_getstr(err, "message");
        good = code && *code && msg && *msg;
    } else if (good) {
        good = json_object_get(r, "result") != NULL;
    }
    if (!good) {
        fprintf(stderr, "fuzz: reply is not a valid envelope: %s\n", reply ? reply : "(null)");
        abort();
    }
    json_decref(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    if (!app.store) init();
    if (len == 0) return 0;
    bool local = data[0] & 1;
    size_t n;
    char *msg = substitute((const char *)data + 1, len - 1, &n);
    if (!names_a_path(msg, n)) {
        char *reply = ism_rpc_handle(&app, msg, n, local);
        check_reply(reply);
        free(reply);
    }
    free(msg);
    return 0;
}
