/* gcp.h — Google Cloud inside the collect room: service-account key files, the OAuth 2.0 JWT
 * bearer grant (RFC 7523) signed RS256 with OpenSSL, service-account impersonation
 * (iamcredentials generateAccessToken), the token cache, and the JSON error shapes of Google's
 * APIs (which of them mean throttling). The collector and the emulator (which verifies the
 * assertions it is sent) both use it.
 *
 * Secrets: the private key and the access tokens live only in memory; nothing here logs them,
 * and error messages name files and fields, never their values. */
#ifndef ISMAP_GCP_H
#define ISMAP_GCP_H

#include "ismap/collect.h"

#include <stdint.h>

/* The OAuth scope the collector asks for (read access is what the granted roles allow). */
#define ISM_GCP_SCOPE "https://www.googleapis.com/auth/cloud-platform"
/* Where a key file without token_uri sends its grant, as Google's clients do. */
#define ISM_GCP_DEFAULT_TOKEN_URI "https://oauth2.googleapis.com/token"
/* The service of generateAccessToken. */
#define ISM_GCP_IAMCREDENTIALS_URL "https://iamcredentials.googleapis.com"

/* ---- base64url (RFC 4648 §5, no padding) ------------------------------------------------- */
/* malloc'd, NUL-terminated; NULL on allocation failure. */
char *ism_gcp_b64url(const void *data, size_t len);
/* Decodes (padding optional) into a malloc'd buffer (NUL-terminated, *len_out set); NULL when
 * the text is not base64url. */
unsigned char *ism_gcp_b64url_decode(const char *text, size_t text_len, size_t *len_out);

/* ---- service-account key files ------------------------------------------------------------ */
typedef struct ism_gcp_key {
    char *client_email;   /* "scanner@project.iam.gserviceaccount.com"; an external account:
                             the impersonated service account, else its audience */
    char *private_key_id; /* the JWT's kid (service_account only) */
    char *private_key;    /* PEM (PKCS#8); secret: never log it (service_account only) */
    char *token_uri;      /* where the grant goes (ISM_GCP_DEFAULT_TOKEN_URI when absent); an
                             external account: its token_url (ISM_GCP_DEFAULT_STS_URL) */
    char *project_id;     /* may be NULL */
    /* "type": "external_account" (workload identity federation): a subject token from a file
       or a URL, exchanged at the STS for an access token, then optionally impersonation. */
    bool external;
    char *audience;           /* //iam.googleapis.com/projects/N/locations/global/workload... */
    char *subject_token_type; /* urn:ietf:params:oauth:token-type:jwt, ... */
    char *impersonation_url;  /* service_account_impersonation_url, or NULL */
    char *source_file;        /* credential_source.file, or NULL */
    char *source_url;         /* credential_source.url, or NULL */
    json_t *source_headers;   /* credential_source.headers (an object of strings), or NULL */
    char *source_field;       /* format "json": subject_token_field_name; NULL: format "text" */
} ism_gcp_key;

/* Where an external account without token_url exchanges its subject token. */
#define ISM_GCP_DEFAULT_STS_URL "https://sts.googleapis.com/v1/token"

/* Parses a credentials file's JSON: "type": "service_account" (a key) or "external_account"
 * (workload identity federation, file- or URL-sourced subject token, text or json format).
 * `where` names it in errors (a path). False with ISM_E_INVALID_DATA saying which field is
 * missing or wrong (never its value). On success free with ism_gcp_key_free. */
bool ism_gcp_key_parse(const char *json, size_t len, const char *where, ism_gcp_key *out,
                       ism_error *err);
/* Reads and parses the file at path (at most 64 KiB). */
bool ism_gcp_key_load(const char *path, ism_gcp_key *out, ism_error *err);
void ism_gcp_key_free(ism_gcp_key *k);
/* The key file to use: `param` when given, else $GOOGLE_APPLICATION_CREDENTIALS; NULL when
 * neither (borrowed). */
const char *ism_gcp_key_path(const char *param);

/* ---- the JWT bearer grant -------------------------------------------------------------------- */
/* The signed assertion for k: header {"alg":"RS256","typ":"JWT","kid":private_key_id}, claims
 * {iss: client_email, scope, aud: token_uri, iat: now_s, exp: now_s + 3600}. malloc'd; NULL with
 * err set (ISM_E_INVALID_DATA: the private key does not load). */
char *ism_gcp_jwt_assertion(const ism_gcp_key *k, const char *scope, int64_t now_s, ism_error *err);
/* Signs `input` (the "header.claims" text) RS256 with the PEM private key; the base64url
 * signature, malloc'd. */
char *ism_gcp_rs256_sign(const char *pem, const char *input, size_t len, ism_error *err);
/* Verifies a JWT's RS256 signature with the public key of the PEM private key (what the
 * emulator holds) or a PEM public key, and returns its claims (new reference); NULL with err
 * (ISM_E_UNAUTHENTICATED) saying what is wrong: shape, algorithm, signature. Times are not
 * judged here. */
json_t *ism_gcp_jwt_verify(const char *jwt, const char *pem, ism_error *err);
/* The form body of the grant: "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer
 * &assertion=<jwt>". malloc'd. */
char *ism_gcp_grant_body(const char *assertion);

/* ---- workload identity federation (external_account) ----------------------------------- */
/* The subject token out of what its source gave (the file's or the URL's body): the trimmed
 * text, or for format "json" the string field source_field. malloc'd (secret); NULL with
 * ISM_E_UNAUTHENTICATED saying what is missing (never the text). */
char *ism_gcp_subject_token(const ism_gcp_key *k, const char *body, size_t len, ism_error *err);
/* The STS token exchange's form body (RFC 8693, as Google's sts.googleapis.com/v1/token takes
 * it): grant_type token-exchange, audience, scope, requested_token_type access_token,
 * subject_token, subject_token_type. malloc'd (it carries the subject token: cleanse it). */
char *ism_gcp_sts_body(const ism_gcp_key *k, const char *subject_token, const char *scope);

/* ---- tokens and their cache --------------------------------------------------------------- */
typedef struct ism_gcp_token {
    char access_token[4096]; /* secret: never log it */
    int64_t issued_s;        /* when it was received (the caller's clock) */
    int64_t expires_s;       /* when it expires; 0 = no token */
} ism_gcp_token;

/* The token endpoint's answer {"access_token", "expires_in", "token_type": "Bearer"}, received
 * at now_s. False with ISM_E_UPSTREAM naming the missing field (or the endpoint's "error" and
 * "error_description"). */
bool ism_gcp_token_parse(const char *body, int64_t now_s, ism_gcp_token *out, ism_error *err);
/* generateAccessToken's answer {"accessToken", "expireTime": RFC 3339}. */
bool ism_gcp_impersonated_parse(const char *body, int64_t now_s, ism_gcp_token *out,
                                ism_error *err);
/* Is the token usable at now_s? Not within the refresh margin of its expiry: 5 minutes, or
 * half the token's lifetime when that is shorter (like google-auth-library's eager refresh). */
bool ism_gcp_token_fresh(const ism_gcp_token *t, int64_t now_s);
/* Seconds since the epoch of an RFC 3339 UTC time ("2026-12-05T20:00:00Z", fractions
 * allowed, "+00:00" too); -1 when malformed. */
int64_t ism_gcp_parse_time(const char *s);
/* The generateAccessToken URL for a service account under base (ISM_GCP_IAMCREDENTIALS_URL or
 * an endpoint override), and its JSON body. Both malloc'd. */
char *ism_gcp_impersonate_url(const char *base, const char *service_account);
char *ism_gcp_impersonate_body(const char *scope, int lifetime_s);

/* ---- errors ----------------------------------------------------------------------------- */
/* Google's JSON error {"error": {"code", "message", "status", "errors": [{"reason", ...}]}}
 * (and OAuth's {"error": "...", "error_description": "..."}). */
typedef struct ism_gcp_error_info {
    int code;
    char status[64]; /* "RESOURCE_EXHAUSTED", "PERMISSION_DENIED", ... */
    char reason[64]; /* errors[0].reason: "rateLimitExceeded", "forbidden", ... */
    char message[512];
} ism_gcp_error_info;

/* False when the body is not such an error. */
bool ism_gcp_parse_error(const char *body, size_t len, ism_gcp_error_info *out);
/* The engine's classifier for Google's APIs: 429, RESOURCE_EXHAUSTED and a 403 whose reason is
 * rateLimitExceeded / userRateLimitExceeded / quotaExceeded-per-minute are throttling;
 * UNAVAILABLE and 500/502/503/504 are transient; everything else as the engine said. */
ism_http_class ism_gcp_http_classify(const ism_http_result *res, ism_http_class dflt, void *arg);

#endif
