/* azure.h — the collect room's Microsoft Azure provider: Entra ID client-credentials auth (a
 * client secret, or a certificate whose key signs an RS256 JWT client assertion carrying the
 * certificate's x5t#S256 thumbprint), the per-(tenant, resource) token cache, the table of ARM and
 * Microsoft Graph reads (data) and the collection itself (service/collect/azure/).
 *
 * Secrets (the client secret, the private key, access tokens) live only in these structs while the
 * daemon runs: they are never logged, never put in an error message, never written to a snapshot.
 */
#ifndef ISMAP_AZURE_H
#define ISMAP_AZURE_H

#include "ismap/core.h"

#include <stdint.h>

/* ---- credentials ----------------------------------------------------------------------------- */
#define ISM_AZURE_AUTHORITY_DEFAULT "https://login.microsoftonline.com"
#define ISM_AZURE_ARM_DEFAULT "https://management.azure.com"
#define ISM_AZURE_GRAPH_DEFAULT "https://graph.microsoft.com"

typedef struct ism_azure_creds {
    char tenant[128];     /* a GUID or a domain name */
    char client_id[128];  /* the application (client) id */
    char *secret;         /* client secret (owned) or NULL */
    void *key;            /* EVP_PKEY * of the certificate (owned) or NULL */
    char x5t_s256[64];    /* base64url SHA-256 of the certificate's DER; "" without one */
    char authority[1024]; /* "https://login.microsoftonline.com", no trailing slash */
} ism_azure_creds;

/* Reads the daemon's own environment: AZURE_TENANT_ID, AZURE_CLIENT_ID and either
 * AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH (a PEM file holding the private key and
 * the certificate, as the Azure SDKs take it; a secret wins when both are set), and
 * AZURE_AUTHORITY_HOST. `authority_host` (may be NULL) overrides the environment's authority.
 * False with ISM_E_CONFIG naming the missing variable or the unreadable file (never a secret).
 * Free with ism_azure_creds_free. */
bool ism_azure_creds_from_env(ism_azure_creds *c, const char *authority_host, ism_error *err);
/* Loads a PEM holding an RSA private key and its certificate into c (key, x5t_s256). */
bool ism_azure_creds_load_cert(ism_azure_creds *c, const char *pem, size_t len, const char *where,
                               ism_error *err);
void ism_azure_creds_free(ism_azure_creds *c);

/* base64url without padding of len bytes (malloc'd; caller frees). */
char *ism_azure_b64url(const void *data, size_t len);
/* Decodes base64url (padding optional) into a malloc'd buffer (caller frees), NUL-terminated
 * (the NUL not counted in *len_out); NULL when malformed. */
unsigned char *ism_azure_b64url_decode(const char *s, size_t *len_out);

/* The client assertion (RFC 7523) for the token endpoint `aud`: a JWT signed RS256 with c's key,
 * header {alg, typ, x5t#S256}, claims {aud, iss = sub = client id, jti, nbf = iat = now_s,
 * exp = now_s + 600}. jti NULL: a random one. Malloc'd; caller frees. NULL with err. */
char *ism_azure_client_assertion(const ism_azure_creds *c, const char *aud, int64_t now_s,
                                 const char *jti, ism_error *err);
/* Signs "<b64url header>.<b64url payload>" with RS256 (RSASSA-PKCS1-v1_5 SHA-256) with key
 * (an EVP_PKEY *): the whole compact JWS. Malloc'd; caller frees. */
char *ism_azure_jws_rs256(void *key, const char *header_json, const char *payload_json,
                          ism_error *err);
/* Verifies a client assertion against a PEM certificate (what Entra ID does with the uploaded
 * certificate): RS256 or PS256 signature, x5t#S256 equals the certificate's, aud, iss = sub =
 * client_id, nbf <= now + 300 and exp > now - 300. False with ISM_E_UNAUTHENTICATED saying which
 * part failed.
 */
bool ism_azure_assertion_verify(const char *jwt, const char *cert_pem, size_t cert_len,
                                const char *aud, const char *client_id, int64_t now_s,
                                ism_error *err);

/* The token endpoint of a tenant: "<authority>/<tenant>/oauth2/v2.0/token" into out. */
void ism_azure_token_url(const ism_azure_creds *c, char *out, size_t n);
/* The form body of a client-credentials request for scope
 * ("https://management.azure.com/.default"): client_secret or client_assertion (+ its type).
 * Malloc'd; caller frees (it holds a secret). */
char *ism_azure_token_body(const ism_azure_creds *c, const char *scope, int64_t now_s,
                           ism_error *err);

/* An access token as the endpoint returned it. */
typedef struct ism_azure_token {
    char *access_token; /* owned */
    int64_t expires_at; /* seconds since the epoch */
    int64_t refresh_at; /* renew from then on: ISM_AZURE_TOKEN_MARGIN_S before expiry, or half
                           its life for a short-lived token; 0 = expires_at - the margin */
} ism_azure_token;

/* Parses a token endpoint answer ({token_type: "Bearer", expires_in, access_token}) received at
 * now_s. An error answer ({error, error_description}) gives ISM_E_UNAUTHENTICATED with the error
 * code and the description's first line. */
bool ism_azure_token_parse(const char *body, size_t len, int64_t now_s, ism_azure_token *out,
                           ism_error *err);
void ism_azure_token_free(ism_azure_token *t);

/* ---- the token cache: one token per (tenant, resource) -----------------------------------------
 */
#define ISM_AZURE_TOKEN_MARGIN_S 300 /* a token is renewed this long before it expires */

typedef struct ism_azure_token_cache {
    struct ism_azure_cached *v;
    size_t n, cap;
} ism_azure_token_cache;

/* The cached token for (tenant, resource) until its refresh_at (borrowed until the next
 * put/drop/free); NULL otherwise. now_s 0: whatever token is held (the signer's last resort). */
const char *ism_azure_cache_get(const ism_azure_token_cache *tc, const char *tenant,
                                const char *resource, int64_t now_s);
/* Stores (replacing) the token of (tenant, resource); takes t's access token. */
bool ism_azure_cache_put(ism_azure_token_cache *tc, const char *tenant, const char *resource,
                         ism_azure_token *t);
/* Forgets (tenant, resource)'s token (an answer said it expired). */
void ism_azure_cache_drop(ism_azure_token_cache *tc, const char *tenant, const char *resource);
/* Frees every token (zeroing them first). */
void ism_azure_cache_free(ism_azure_token_cache *tc);

/* ---- the operations table (data) ----------------------------------------------------------------
 */
typedef enum ism_azure_api {
    ISM_AZURE_ARM = 1, /* management.azure.com */
    ISM_AZURE_GRAPH,   /* graph.microsoft.com */
} ism_azure_api;

typedef enum ism_azure_scope {
    ISM_AZURE_SCOPE_TENANT = 1,   /* once per tenant: Graph, management groups (region "global") */
    ISM_AZURE_SCOPE_SUBSCRIPTION, /* once per subscription (region "global") */
    ISM_AZURE_SCOPE_LOCATION,     /* once per subscription and location (network watchers) */
    ISM_AZURE_SCOPE_PER_RESOURCE, /* once per resource of its parent operation */
} ism_azure_scope;

typedef struct ism_azure_op {
    const char *service; /* "storage", "keyvault", "graph" */
    const char *name;    /* "StorageAccounts_List": the calls and coverage tables' operation */
    ism_azure_api api;
    ism_azure_scope scope;
    const char *path;        /* "/subscriptions/{sub}/providers/Microsoft.Storage/storageAccounts",
                                "{id}" = the parent resource's id, "{loc}" = the location */
    const char *api_version; /* ARM's api-version; NULL for Graph (v1.0 or beta in the path) */
    const char *type;        /* the snapshot's resource type: "storage.StorageAccount" */
    const char *parent;      /* per-resource: the operation whose resources it visits */
    const char *permission;  /* what to grant: "Microsoft.Storage/storageAccounts/read" */
    bool single;             /* the answer is one object, not a list {value: [...]} */
    int top;                 /* $top page size to ask for; 0 none */
} ism_azure_op;

/* The table, in dependency order (a parent before its children). Borrowed, static. */
const ism_azure_op *ism_azure_ops(size_t *n);
const ism_azure_op *ism_azure_op_find(const char *name);

/* ---- one collection -----------------------------------------------------------------------------
 */
struct ism_snapshot;
struct ism_http_config;

typedef struct ism_azure_progress {
    int subs_done, subs_total, units_done, units_total;
    uint64_t calls, throttled, retries, errors;
    const char *message;
} ism_azure_progress;

typedef struct ism_azure_opts {
    const char *const
        *subscriptions;           /* NULL-terminated; NULL/empty: the management group's or all */
    const char *management_group; /* every subscription under it; NULL: none */
    const char *const *locations; /* keep resources in these locations only; NULL: all */
    const char *endpoint_url;     /* one base URL for the token endpoint, ARM and Graph */
    const char *authority_host, *arm_url, *graph_url; /* one by one (sovereign clouds) */
    const struct ism_http_config *engine; /* engine settings (tests, benchmarks); NULL: defaults */
    void (*progress)(void *ctx, const ism_azure_progress *p);
    bool (*should_stop)(void *ctx);
    void *ctx;
} ism_azure_opts;

typedef struct ism_azure_stats {
    int subscriptions, not_entered, scopes;
    int units_complete, units_denied, units_failed, units_not_enabled, units_skipped, units_resumed;
    uint64_t calls, retries, throttled, tokens, throttle_limit_hits;
    int64_t ms;
    char principal[512];
} ism_azure_stats;

/* Collects the tenant's Graph objects and every subscription in scope into snap (open for
 * writing), skipping what its coverage holds. Credentials from the environment
 * (ism_azure_creds_from_env). False when it could not run (no credentials, no token: then err
 * says why) or was stopped (ISM_E_INTERRUPTED); denied and failed reads are in the coverage. */
bool ism_azure_collect(const ism_azure_opts *o, struct ism_snapshot *snap, ism_azure_stats *st,
                       ism_error *err);

#endif
