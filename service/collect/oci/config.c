/* config.c — where the OCI collector's credentials come from: the ~/.oci/config file (profiles
 * inheriting from [DEFAULT], key_file, pass_phrase) with the OCI CLI's OCI_CLI_* environment
 * overrides, resolved as the CLI resolves them, the key loaded and checked against the
 * fingerprint. Secrets stay in memory: messages name files and settings, never a value. */
#include "ismap/oci.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define OCI_MAX_FILE (1 << 20)

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* {"SECTION": {"key": "value"}}; keys lower-cased. NULL with no error when the file is absent. */
static json_t *ini_load(const char *path, bool *absent, ism_error *err)
{
    *absent = false;
    FILE *f = fopen(path, "r");
    if (!f) {
        *absent = true;
        return NULL;
    }
    fclose(f);
    size_t len;
    char *text = ism_read_file(path, OCI_MAX_FILE, &len, err);
    if (!text) return NULL;
    json_t *doc = json_object(), *section = NULL;
    int lineno = 0;
    bool ok = true;
    for (char *line = text, *next; line && ok; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        lineno++;
        char *s = trim(line);
        if (!*s || *s == '#' || *s == ';') continue;
        if (*s == '[') {
            char *end = strchr(s, ']');
            if (!end) {
                ok = ism_error_set(err, ISM_E_CONFIG, "%s:%d: a section header lacks its ']'", path,
                                   lineno);
                break;
            }
            *end = '\0';
            char *name = trim(s + 1);
            section = json_object_get(doc, name);
            if (!section) json_object_set_new(doc, name, section = json_object());
            continue;
        }
        char *eq = strchr(s, '=');
        if (!eq) { /* never echo the line: it may hold a passphrase */
            ok = ism_error_set(err, ISM_E_CONFIG, "%s:%d: expected 'name = value'", path, lineno);
            break;
        }
        if (!section) {
            ok = ism_error_set(err, ISM_E_CONFIG, "%s:%d: a setting before any [profile]", path,
                               lineno);
            break;
        }
        *eq = '\0';
        char *key = trim(s), *val = trim(eq + 1);
        for (char *k = key; *k; k++)
            *k = (char)tolower((unsigned char)*k);
        json_object_set_new(section, key, json_string(val));
    }
    explicit_bzero(text, len);
    free(text);
    if (!ok) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}

static void expand_home(const char *in, char *out, size_t n)
{
    const char *home = getenv("HOME");
    if (in[0] == '~' && (in[1] == '/' || in[1] == '\0') && home)
        snprintf(out, n, "%s%s", home, in + 1);
    else
        ism_strlcpy(out, in, n);
}

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

/* The setting from the environment, else the profile, else [DEFAULT]. */
static const char *setting(const json_t *prof, const json_t *def, const char *key,
                           const char *env_name)
{
    const char *v = env_name ? env(env_name) : NULL;
    if (!v) v = ism_json_getstr(prof, key);
    if (!v || !*v) v = ism_json_getstr(def, key);
    return v && *v ? v : NULL;
}

static bool copy_setting(char *dst, size_t n, const char *v, const char *key, const char *env_name,
                         const ism_oci_profile *out, ism_error *err)
{
    if (!v)
        return ism_error_set(
            err, ISM_E_CONFIG, "OCI profile '%s'%s%s: '%s' is not set (nor %s in the environment)",
            out->name, out->config_file[0] ? " of " : "", out->config_file, key, env_name);
    if (!ism_strlcpy(dst, v, n))
        return ism_error_set(err, ISM_E_CONFIG, "OCI profile '%s': '%s' is too long", out->name,
                             key);
    return true;
}

bool ism_oci_profile_load(const char *profile, const char *config_file, ism_oci_profile *out,
                          ism_error *err)
{
    memset(out, 0, sizeof *out);
    if (!profile || !*profile) profile = env("OCI_CLI_PROFILE");
    if (!profile) profile = "DEFAULT";
    ism_strlcpy(out->name, profile, sizeof out->name);
    char path[1024];
    const char *given = config_file && *config_file ? config_file : env("OCI_CLI_CONFIG_FILE");
    expand_home(given ? given : "~/.oci/config", path, sizeof path);
    bool absent;
    json_t *doc = ini_load(path, &absent, err);
    if (!doc && !absent) return false;
    if (absent && given) {
        return ism_error_set(err, ISM_E_CONFIG, "the OCI config file %s does not exist", path);
    }
    if (doc) ism_strlcpy(out->config_file, path, sizeof out->config_file);
    const json_t *def = json_object_get(doc, "DEFAULT");
    const json_t *prof = json_object_get(doc, profile);
    bool env_only = env("OCI_CLI_USER") && env("OCI_CLI_TENANCY") && env("OCI_CLI_FINGERPRINT") &&
                    (env("OCI_CLI_KEY_FILE") || env("OCI_CLI_KEY_CONTENT"));
    if (!prof && !env_only) {
        bool named = strcmp(profile, "DEFAULT") != 0;
        json_decref(doc);
        if (!doc)
            return ism_error_set(err, ISM_E_CONFIG,
                                 "no OCI credentials: %s does not exist and OCI_CLI_USER, "
                                 "OCI_CLI_TENANCY, OCI_CLI_FINGERPRINT and OCI_CLI_KEY_FILE are "
                                 "not all set",
                                 path);
        return ism_error_set(err, ISM_E_CONFIG, "OCI profile '%s' is not in %s%s", profile, path,
                             named ? "" : " (no [DEFAULT] section)");
    }
    bool ok = copy_setting(out->user, sizeof out->user, setting(prof, def, "user", "OCI_CLI_USER"),
                           "user", "OCI_CLI_USER", out, err) &&
              copy_setting(out->tenancy, sizeof out->tenancy,
                           setting(prof, def, "tenancy", "OCI_CLI_TENANCY"), "tenancy",
                           "OCI_CLI_TENANCY", out, err) &&
              copy_setting(out->fingerprint, sizeof out->fingerprint,
                           setting(prof, def, "fingerprint", "OCI_CLI_FINGERPRINT"), "fingerprint",
                           "OCI_CLI_FINGERPRINT", out, err);
    const char *region = setting(prof, def, "region", "OCI_CLI_REGION");
    if (region) ism_strlcpy(out->region, region, sizeof out->region);
    const char *pass = setting(prof, def, "pass_phrase", "OCI_CLI_PASSPHRASE");
    const char *content = env("OCI_CLI_KEY_CONTENT");
    const char *key_file = env("OCI_CLI_KEY_FILE");
    if (!key_file && !content) key_file = setting(prof, def, "key_file", NULL);
    if (ok && !key_file && !content)
        ok = ism_error_set(err, ISM_E_CONFIG,
                           "OCI profile '%s': 'key_file' is not set (nor OCI_CLI_KEY_FILE or "
                           "OCI_CLI_KEY_CONTENT in the environment)",
                           out->name);
    if (ok && key_file) {
        char kp[1024], what[1300];
        expand_home(key_file, kp, sizeof kp);
        snprintf(what, sizeof what, "the key_file %s of OCI profile '%s'", kp, out->name);
        size_t len;
        ism_error e = {0};
        char *pem = ism_read_file(kp, 64 * 1024, &len, &e);
        if (!pem) {
            ok = ism_error_set(err, ISM_E_CONFIG, "%s cannot be read: %s", what, e.message);
            ism_error_clear(&e);
        } else {
            out->key = ism_oci_key_from_pem(pem, len, pass, what, err);
            explicit_bzero(pem, len);
            free(pem);
            ok = out->key != NULL;
        }
    } else if (ok) {
        out->key = ism_oci_key_from_pem(content, strlen(content), pass, "OCI_CLI_KEY_CONTENT", err);
        ok = out->key != NULL;
    }
    json_decref(doc);
    if (ok) {
        char fp[48];
        if (!ism_oci_key_fingerprint(out->key, fp))
            ok = ism_error_set(err, ISM_E_INTERNAL, "cannot compute the key's fingerprint");
        else if (strcasecmp(fp, out->fingerprint))
            ok = ism_error_set(err, ISM_E_CONFIG,
                               "OCI profile '%s': the fingerprint %s is not the key's (%s): the "
                               "key_file and fingerprint must belong to the same API key",
                               out->name, out->fingerprint, fp);
    }
    if (ok && snprintf(out->key_id, sizeof out->key_id, "%s/%s/%s", out->tenancy, out->user,
                       out->fingerprint) >= (int)sizeof out->key_id)
        ok = ism_error_set(err, ISM_E_CONFIG, "OCI profile '%s': the keyId is too long", out->name);
    if (!ok) ism_oci_profile_free(out);
    return ok;
}

void ism_oci_profile_free(ism_oci_profile *p)
{
    if (!p) return;
    ism_oci_key_free(p->key);
    memset(p, 0, sizeof *p);
}
