/* creds.c — where the collector's AWS credentials come from: the environment, or the shared
 * credentials and config files with their profiles and role chains, resolved as the AWS CLI
 * resolves them (the sources that need a person or a particular host are refused by name).
 *
 * Secrets are read into memory only: they never go into a message, a log line, a job's params
 * or a snapshot, and ism_aws_profile_free wipes them. */
#include "../internal.h"
#include "ismap/aws.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* ---- the INI files ---------------------------------------------------------------------- */
/* One parsed file: {"section name": {"key": "value"}}. Keys are lower-cased (the CLI treats
 * them case-insensitively), values trimmed. Nested (indented) sub-sections such as the s3 block
 * are skipped: nothing the collector reads lives there. */
static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

static bool ini_line(json_t *doc, json_t **section, char *line, const char *path, int lineno,
                     ism_error *err)
{
    bool indented = isspace((unsigned char)line[0]);
    char *s = trim(line);
    if (!*s || *s == '#' || *s == ';') return true;
    if (*s == '[') {
        char *end = strchr(s, ']');
        if (!end)
            return ism_error_set(err, ISM_E_CONFIG, "%s:%d: a section header lacks its ']'", path,
                                 lineno);
        *end = '\0';
        char *name = trim(s + 1);
        *section = json_object_get(doc, name);
        if (!*section) json_object_set_new(doc, name, *section = json_object());
        return true;
    }
    if (indented) return true; /* a nested setting (e.g. under "s3 =") */
    char *eq = strchr(s, '=');
    if (!eq) /* never echo the line: it may hold a secret */
        return ism_error_set(err, ISM_E_CONFIG, "%s:%d: expected 'name = value'", path, lineno);
    if (!*section)
        return ism_error_set(err, ISM_E_CONFIG, "%s:%d: a setting before any [section]", path,
                             lineno);
    *eq = '\0';
    char *key = trim(s), *val = trim(eq + 1);
    for (char *k = key; *k; k++)
        *k = ism_ascii_lower(*k);
    if (*val) json_object_set_new(*section, key, json_string(val));
    return true;
}

/* NULL with no error when the file does not exist. */
static json_t *ini_load(const char *path, ism_error *err)
{
    FILE *fp = fopen(path, "r");
    if (!fp) return NULL;
    json_t *doc = json_object(), *section = NULL;
    char *line = NULL;
    size_t cap = 0;
    int lineno = 0;
    bool ok = true;
    while (ok && getline(&line, &cap, fp) >= 0)
        ok = ini_line(doc, &section, line, path, ++lineno, err);
    if (line) {
        explicit_bzero(line, cap);
        free(line);
    }
    fclose(fp);
    if (!ok) {
        json_decref(doc);
        return json_null(); /* a marker: the file exists but is malformed (err set) */
    }
    return doc;
}

/* ---- files and profiles -------------------------------------------------------------------- */
typedef struct files {
    char cred_path[1024], config_path[1024];
    json_t *cred, *config; /* NULL when the file is absent */
} files;

static void home_path(char *out, size_t n, const char *env, const char *rel)
{
    const char *v = getenv(env);
    const char *home = getenv("HOME");
    if (v && *v)
        ism_strlcpy(out, v, n);
    else
        snprintf(out, n, "%s/%s", home ? home : "", rel);
}

static bool files_load(files *f, ism_error *err)
{
    home_path(f->cred_path, sizeof f->cred_path, "AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials");
    home_path(f->config_path, sizeof f->config_path, "AWS_CONFIG_FILE", ".aws/config");
    f->cred = ini_load(f->cred_path, err);
    if (json_is_null(f->cred)) return false;
    f->config = ini_load(f->config_path, err);
    return !json_is_null(f->config);
}

static void files_free(files *f)
{
    json_decref(f->cred);
    json_decref(f->config);
}

/* A profile's settings: the config file's [profile NAME] (or [default]) overlaid with the
 * credentials file's [NAME]. NULL when neither has it. New reference. */
static json_t *profile_settings(const files *f, const char *name)
{
    char sect[160];
    snprintf(sect, sizeof sect, "profile %s", name);
    json_t *c = json_object_get(f->config, sect);
    if (!c && strcmp(name, "default") == 0) c = json_object_get(f->config, "default");
    json_t *k = json_object_get(f->cred, name);
    if (!c && !k) return NULL;
    json_t *out = c ? json_deep_copy(c) : json_object();
    if (k) json_object_update(out, k);
    return out;
}

static const char *setting(const json_t *p, const char *key)
{
    return ism_json_getstr(p, key);
}

/* Settings that would need a person (MFA, SSO login) or a particular host (instance roles). */
static bool refuse_unsupported(const json_t *p, const char *name, ism_error *err)
{
    static const char *const keys[] = {"sso_start_url", "sso_session", "credential_process",
                                       "mfa_serial", "web_identity_token_file"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (setting(p, keys[i]))
            return ism_error_set(err, ISM_E_CONFIG,
                                 "profile '%s' uses %s, which the collector does not support "
                                 "(it runs unattended in ismapd): use access keys or role_arn "
                                 "with source_profile",
                                 name, keys[i]);
    const char *cs = setting(p, "credential_source");
    if (cs && strcmp(cs, "Environment") != 0)
        return ism_error_set(err, ISM_E_CONFIG,
                             "profile '%s' has credential_source = %s; only Environment is "
                             "supported",
                             name, cs);
    return true;
}

static char *dup_or_null(const char *s)
{
    return s && *s ? strdup(s) : NULL;
}

static bool env_keys(ism_aws_profile *out, const char *why)
{
    const char *ak = getenv("AWS_ACCESS_KEY_ID"), *sk = getenv("AWS_SECRET_ACCESS_KEY");
    if (!ak || !*ak || !sk || !*sk) return false;
    out->access_key = strdup(ak);
    out->secret_key = strdup(sk);
    out->session_token = dup_or_null(getenv("AWS_SESSION_TOKEN"));
    ism_strlcpy(out->source, why, sizeof out->source);
    return true;
}

static bool add_hop(ism_aws_profile *out, const json_t *p, const char *name, ism_error *err)
{
    if (out->nhops == ISM_AWS_MAX_HOPS)
        return ism_error_set(err, ISM_E_CONFIG, "profile '%s': role chain longer than %d", name,
                             ISM_AWS_MAX_HOPS);
    /* The chain is resolved from the named profile towards its base keys: prepend. */
    memmove(&out->hops[1], &out->hops[0], (size_t)out->nhops * sizeof out->hops[0]);
    ism_aws_role_hop *h = &out->hops[0];
    memset(h, 0, sizeof *h);
    h->role_arn = strdup(setting(p, "role_arn"));
    h->external_id = dup_or_null(setting(p, "external_id"));
    h->session_name = dup_or_null(setting(p, "role_session_name"));
    const char *d = setting(p, "duration_seconds");
    if (d) {
        char *end;
        long v = strtol(d, &end, 10);
        if (*end || v < 900 || v > 43200)
            return ism_error_set(err, ISM_E_CONFIG,
                                 "profile '%s': duration_seconds must be 900..43200", name);
        h->duration_s = (int)v;
    }
    out->nhops++;
    return true;
}

/* Resolves profile `name` into base keys plus role hops, following source_profile; `seen`
 * holds the profiles already on the chain. */
static bool resolve(const files *f, const char *name, ism_aws_profile *out, int depth,
                    const char **seen, ism_error *err)
{
    for (int i = 0; i < depth; i++)
        if (strcmp(seen[i], name) == 0)
            return ism_error_set(err, ISM_E_CONFIG,
                                 "profile '%s': its source_profile chain is circular", name);
    if (depth >= ISM_AWS_MAX_HOPS)
        return ism_error_set(err, ISM_E_CONFIG, "profile '%s': source_profile chain too long",
                             name);
    seen[depth] = name;
    json_t *p = profile_settings(f, name);
    if (!p)
        return ism_error_set(err, ISM_E_CONFIG, "no profile '%s' in %s or %s", name, f->cred_path,
                             f->config_path);
    bool ok = refuse_unsupported(p, name, err);
    if (ok && !out->region[0] && setting(p, "region"))
        ism_strlcpy(out->region, setting(p, "region"), sizeof out->region);
    const char *role = setting(p, "role_arn");
    const char *src = setting(p, "source_profile");
    const char *cs = setting(p, "credential_source");
    if (ok && role) {
        ok = add_hop(out, p, name, err);
        if (ok && src && cs)
            ok = ism_error_set(err, ISM_E_CONFIG,
                               "profile '%s' sets both source_profile and credential_source", name);
        else if (ok && cs) {
            char why[300];
            snprintf(why, sizeof why, "environment (credential_source of profile '%s')", name);
            if (!env_keys(out, why))
                ok = ism_error_set(err, ISM_E_CONFIG,
                                   "profile '%s' takes its keys from the environment, but "
                                   "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY are not set",
                                   name);
        } else if (ok && !src)
            ok = ism_error_set(err, ISM_E_CONFIG,
                               "profile '%s' has role_arn but neither source_profile nor "
                               "credential_source",
                               name);
        else if (ok && strcmp(src, name) != 0)
            ok = resolve(f, src, out, depth + 1, seen, err);
        if (!ok || cs || strcmp(src, name) != 0) {
            json_decref(p);
            return ok;
        }
        /* A profile that is its own source: its keys are the base. */
    }
    const char *ak = setting(p, "aws_access_key_id"), *sk = setting(p, "aws_secret_access_key");
    if (ok && (!ak || !sk))
        ok = ism_error_set(err, ISM_E_CONFIG,
                           "profile '%s' has no aws_access_key_id / aws_secret_access_key (and "
                           "no role_arn)",
                           name);
    if (ok) {
        out->access_key = strdup(ak);
        out->secret_key = strdup(sk);
        out->session_token = dup_or_null(setting(p, "aws_session_token"));
        snprintf(out->source, sizeof out->source, "profile '%.100s' (%.190s, %.190s)", name,
                 f->cred_path, f->config_path);
    }
    /* The copy holds secrets too. */
    const char *k;
    json_t *v;
    json_object_foreach(p, k, v) if (json_is_string(v))
        explicit_bzero((char *)json_string_value(v), json_string_length(v));
    json_decref(p);
    return ok;
}

static void env_region(ism_aws_profile *out)
{
    const char *r = getenv("AWS_REGION");
    if (!r || !*r) r = getenv("AWS_DEFAULT_REGION");
    if (r && *r) ism_strlcpy(out->region, r, sizeof out->region);
}

bool ism_aws_profile_load(const char *profile, ism_aws_profile *out, ism_error *err)
{
    memset(out, 0, sizeof *out);
    env_region(out);
    bool named = profile && *profile;
    /* As the CLI: keys in the environment win unless a profile is named explicitly. */
    if (!named && env_keys(out, "environment (AWS_ACCESS_KEY_ID)")) return true;
    const char *name = named ? profile : getenv("AWS_PROFILE");
    if (!name || !*name) name = "default";
    ism_strlcpy(out->name, name, sizeof out->name);
    files f = {0};
    bool ok = files_load(&f, err);
    if (ok && !f.cred && !f.config && named)
        ok = ism_error_set(err, ISM_E_CONFIG,
                           "no profile '%s': neither %s nor %s exists (for ismapd: the files of "
                           "the daemon's user)",
                           name, f.cred_path, f.config_path);
    else if (ok && !f.cred && !f.config)
        ok = ism_error_set(err, ISM_E_CONFIG,
                           "no AWS credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY are "
                           "not set and neither %s nor %s exists (for ismapd: in the daemon "
                           "user's environment and home)",
                           f.cred_path, f.config_path);
    const char *seen[ISM_AWS_MAX_HOPS] = {0};
    if (ok) ok = resolve(&f, name, out, 0, seen, err);
    files_free(&f);
    if (!ok) ism_aws_profile_free(out);
    return ok;
}

static void wipe_free(char *s)
{
    if (s) explicit_bzero(s, strlen(s));
    free(s);
}

void ism_aws_profile_free(ism_aws_profile *p)
{
    wipe_free(p->access_key);
    wipe_free(p->secret_key);
    wipe_free(p->session_token);
    for (int i = 0; i < p->nhops; i++) {
        free(p->hops[i].role_arn);
        free(p->hops[i].external_id);
        free(p->hops[i].session_name);
    }
    memset(p, 0, sizeof *p);
}

/* ---- redaction -------------------------------------------------------------------------- */
static bool value_char(char c)
{
    return isalnum((unsigned char)c) || strchr("+/=%_-.", c);
}

/* After each `word` (case-insensitive) followed by a separator ("=", ":", ">" or a quote, with
 * spaces around), masks the value. A word without one ("SignatureDoesNotMatch", "signature we
 * calculated") is left. */
static void mask_after(char *text, const char *word)
{
    size_t wl = strlen(word);
    for (char *p = text; (p = strcasestr(p, word)) != NULL;) {
        p += wl;
        char *v = p;
        bool sep = false;
        for (; *v && strchr(" \t=:>\"'", *v); v++)
            sep |= *v != ' ' && *v != '\t';
        if (!sep) continue;
        while (*v && value_char(*v))
            *v++ = '*';
        p = v;
    }
}

void ism_aws_redact(char *text)
{
    if (!text) return;
    static const char *const words[] = {"SecretAccessKey", "SessionToken", "secret_access_key",
                                        "session_token",   "Signature",    "X-Amz-Security-Token",
                                        "Credential"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        mask_after(text, words[i]);
    /* Key ids: keep "AKIA"/"ASIA" so people see the kind, hide which. */
    for (char *p = text; *p; p++) {
        if ((strncmp(p, "AKIA", 4) == 0 || strncmp(p, "ASIA", 4) == 0) &&
            (p == text || !isalnum((unsigned char)p[-1]))) {
            char *q = p + 4;
            while (isalnum((unsigned char)*q))
                *q++ = '*';
            p = q - 1;
        }
    }
}
