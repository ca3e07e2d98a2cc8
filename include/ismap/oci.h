/* oci.h — the OCI collector's public pieces: the request signer (draft-cavage HTTP Signatures,
 * rsa-sha256, as Oracle's SDKs sign), its verifier (the emulator and the tests use it), the API
 * key and the ~/.oci/config profiles the daemon's credentials come from.
 *
 * Keys are held in memory only (an OpenSSL EVP_PKEY): never logged, never in a message, a job's
 * params or a snapshot; messages name files, profiles and settings, never a key or a passphrase. */
#ifndef ISMAP_OCI_H
#define ISMAP_OCI_H

#include "ismap/collect.h"
#include "ismap/core.h"
#include "ismap/provider.h"

#include <stdint.h>

/* ---- API keys ------------------------------------------------------------------------------ */
/* An RSA key (private or public only). Opaque; free with ism_oci_key_free. */
typedef struct ism_oci_key ism_oci_key;

/* A PEM private key (PKCS#1 "RSA PRIVATE KEY" or PKCS#8, encrypted ones with `passphrase`;
 * NULL or "" when none). `what` names the source in messages ("key_file /x/key.pem"). NULL with
 * ISM_E_CONFIG when it is not an RSA private key or the passphrase is missing or wrong. */
ism_oci_key *ism_oci_key_from_pem(const char *pem, size_t len, const char *passphrase,
                                  const char *what, ism_error *err);
/* A PEM public key ("PUBLIC KEY", as OCI's ApiKey keyValue holds it). NULL with ISM_E_CONFIG. */
ism_oci_key *ism_oci_pubkey_from_pem(const char *pem, size_t len, const char *what, ism_error *err);
void ism_oci_key_free(ism_oci_key *k);
/* The key's fingerprint as OCI shows it: MD5 of the DER public key, "20:3b:...:34" (out[48]). */
bool ism_oci_key_fingerprint(const ism_oci_key *k, char out[48]);
/* The public half as PEM ("-----BEGIN PUBLIC KEY-----..."), malloc'd; NULL on failure. */
char *ism_oci_key_public_pem(const ism_oci_key *k);

/* ---- signing ------------------------------------------------------------------------------- */
/* Signs one request the way the OCI SDKs do: sets Date (from time_s; a Date already in the
 * headers is kept, as the SDKs keep it), Host (host[:port] of the
 * URL, as sent), for POST, PUT and PATCH also Content-Length, Content-Type (application/json when
 * the headers have none) and x-content-sha256 (base64 SHA-256 of the body), then Authorization:
 *   Signature version="1",headers="date (request-target) host[ content-length content-type
 *   x-content-sha256]",keyId="<tenancy>/<user>/<fingerprint>",algorithm="rsa-sha256",
 *   signature="<base64>"
 * `url` is the absolute URL as it will be sent (query already encoded). False with err set. */
bool ism_oci_sign(const char *key_id, const ism_oci_key *key, const char *method, const char *url,
                  const void *body, size_t body_len, int64_t time_s, ism_http_headers *headers,
                  ism_error *err);

/* The signing string over `names` (space-separated, lower case, "(request-target)" included)
 * from a request's method, request-target ("/path?query") and headers. malloc'd; NULL with err
 * set when a named header is missing. */
char *ism_oci_signing_string(const char *method, const char *target, const ism_http_headers *h,
                             const char *names, ism_error *err);

/* ---- verifying (the emulator's side) -------------------------------------------------------- */
/* Finds the public key of a keyId ("tenancy/user/fingerprint"); NULL when unknown. Borrowed. */
typedef const ism_oci_key *(*ism_oci_key_lookup_fn)(const char *key_id, void *arg);

typedef struct ism_oci_verify_result {
    bool ok;
    char key_id[512];  /* from the Authorization header */
    char code[48];     /* the service's error code when not ok: "NotAuthenticated" */
    char message[256]; /* why, for the error body and the test logs */
} ism_oci_verify_result;

/* Verifies a request's Authorization header as OCI does: version 1, algorithm rsa-sha256, the
 * signed header list includes date, (request-target) and host (and for POST/PUT/PATCH
 * content-length, content-type and x-content-sha256, which must match the body), the Date is
 * within max_skew_s of now_s, the keyId is known and the signature verifies. */
bool ism_oci_verify(const char *method, const char *target, const ism_http_headers *headers,
                    const void *body, size_t body_len, int64_t now_s, int max_skew_s,
                    ism_oci_key_lookup_fn lookup, void *lookup_arg, ism_oci_verify_result *out);

/* ---- the daemon's credentials: ~/.oci/config ------------------------------------------------- */
/* How a profile is resolved, as the OCI CLI does:
 *  - the file: `config_file` when given, else OCI_CLI_CONFIG_FILE, else ~/.oci/config (a file
 *    that does not exist is no error when the environment gives everything);
 *  - the profile: `profile` when given, else OCI_CLI_PROFILE, else DEFAULT; a named profile
 *    inherits what it does not set from [DEFAULT];
 *  - settings user, tenancy, fingerprint, key_file (~ expanded), pass_phrase, region, each
 *    overridden by OCI_CLI_USER, OCI_CLI_TENANCY, OCI_CLI_FINGERPRINT, OCI_CLI_KEY_FILE (or the
 *    key itself in OCI_CLI_KEY_CONTENT), OCI_CLI_PASSPHRASE, OCI_CLI_REGION;
 *  - the fingerprint must be the key's (MD5 of its public key): a mismatch is refused here, not
 *    left to a 401 on every call.
 * Messages name files, profiles and settings, never a key or a passphrase. */
typedef struct ism_oci_profile {
    char name[128];         /* the profile used */
    char config_file[1024]; /* the file read; "" when none was */
    char user[256];         /* OCIDs */
    char tenancy[256];
    char fingerprint[64];
    char region[64];  /* may be "" */
    char key_id[640]; /* "<tenancy>/<user>/<fingerprint>" */
    ism_oci_key *key; /* owned */
} ism_oci_profile;

/* False with ISM_E_CONFIG naming what is missing or wrong. */
bool ism_oci_profile_load(const char *profile, const char *config_file, ism_oci_profile *out,
                          ism_error *err);
/* Frees the key; leaves a zeroed profile. */
void ism_oci_profile_free(ism_oci_profile *p);

/* An ism_http_signer_fn: signs each attempt at a->sign_time_s with the profile (arg, borrowed,
 * must outlive the request). */
bool ism_oci_http_signer(ism_http_attempt *a, void *arg, ism_error *err);

/* ---- the collection's params and endpoints --------------------------------------------------- */
/* The params table of `ismapctl collect oci` and the op collect.oci (terminated by {NULL}):
 * profile, config_file (PATH), compartment, regions, endpoint_url (URL). */
extern const ism_provider_param ism_oci_params[];
/* What the table cannot say: compartment is a compartment or tenancy OCID, regions are region
 * identifiers. False with ISM_E_INVALID_PARAMS naming the field. */
bool ism_oci_params_check(const json_t *params, ism_error *err);
/* Is r a region identifier ("ap-tokyo-1")? */
bool ism_oci_region_name_ok(const char *r);
/* The base URL of `service` ("identity", "iaas", "objectstorage", "audit", "kms", "cloudguard",
 * "logging", "events", "notification") in `region`, into out: Oracle's public endpoint
 * ("https://identity.ap-tokyo-1.oci.oraclecloud.com"), or with base_url "<base_url>/<service>/
 * <region>". False for an unknown service, a malformed region or a short buffer. */
bool ism_oci_endpoint(const char *base_url, const char *service, const char *region, char *out,
                      size_t n);

#endif
