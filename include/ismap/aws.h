/* aws.h — AWS inside the collect room: Signature Version 4 (signing and verifying), the glue that
 * plugs it into the HTTP engine, and the wire protocols' response, error and pagination shapes.
 *
 * SigV4 is our own (OpenSSL HMAC-SHA256): libcurl 7.88's CURLOPT_AWS_SIGV4 signs queries wrongly
 * and ignores x-amz-content-sha256. It passes every case of AWS's SigV4 test suite and agrees with
 * botocore for the query, JSON, REST-JSON and REST-XML protocols (tests/unit/test_sigv4.c). */
#ifndef ISMAP_AWS_H
#define ISMAP_AWS_H

#include "ismap/collect.h"

#include <time.h>

/* ---- SigV4 ---------------------------------------------------------------------------- */
typedef struct ism_aws_credentials {
    const char *access_key; /* "AKIA..." / "ASIA..." */
    const char *secret_key;
    const char *session_token; /* NULL or "" for long-term keys */
} ism_aws_credentials;

/* Signing options. For service "s3" the signer always adds ISM_SIGV4_S3 (S3 neither normalizes
 * nor double-encodes the path and requires x-amz-content-sha256). */
enum {
    ISM_SIGV4_CONTENT_SHA256 = 1 << 0,   /* send and sign x-amz-content-sha256 (header mode) */
    ISM_SIGV4_NO_NORMALIZE = 1 << 1,     /* keep ".", ".." and "//" path segments as sent */
    ISM_SIGV4_NO_DOUBLE_ENCODE = 1 << 2, /* the path is encoded once, not URI-encoded again */
    ISM_SIGV4_UNSIGNED_PAYLOAD = 1 << 3, /* payload hash "UNSIGNED-PAYLOAD" */
    ISM_SIGV4_OMIT_TOKEN = 1 << 4,       /* send the session token but leave it out of the
                                            signature (the few services that want that) */
};
#define ISM_SIGV4_S3                                                                               \
    (ISM_SIGV4_CONTENT_SHA256 | ISM_SIGV4_NO_NORMALIZE | ISM_SIGV4_NO_DOUBLE_ENCODE)

typedef struct ism_aws_sign_input {
    const char *method;              /* "GET", "POST"... */
    const char *url;                 /* "https://host[:port]/path?query" as it goes on the wire
                                        (path and query percent-encoded, e.g. with
                                        ism_aws_uri_encode), or NULL and then: */
    const char *target;              /*   the request-target "/path?query"; Host must be among
                                        the headers */
    const ism_http_headers *headers; /* headers to sign (all of them are; do not pass Expect,
                                        User-Agent, Content-Length unless you mean it); Host is
                                        added from the URL when absent; Authorization,
                                        X-Amz-Date and X-Amz-Security-Token are ignored (the
                                        signer sets them) */
    const void *body;
    size_t body_len;
    const char *payload_hash; /* hex SHA-256 of the body or "UNSIGNED-PAYLOAD";
                                 NULL = hash `body` */
    const ism_aws_credentials *creds;
    const char *region;  /* "ap-northeast-1" */
    const char *service; /* signing name: "iam", "ec2", "s3", "guardduty"... */
    time_t when;         /* the signing time (UTC seconds) */
    unsigned flags;      /* ISM_SIGV4_* */
    int presign_expires; /* > 0: presigned-URL mode: everything goes in the query
                            (X-Amz-Expires = this many seconds) */
} ism_aws_sign_input;

typedef struct ism_aws_signed {
    char amz_date[17];       /* "20150830T123600Z" */
    char signature[65];      /* lower-case hex */
    char payload_hash[65];   /* as placed in the canonical request */
    char *canonical_request; /* owned */
    char *string_to_sign;    /* owned */
    char *signed_headers;    /* owned: "host;x-amz-date" */
    char *authorization;     /* owned; header mode only, else NULL */
    char *presigned_query;   /* owned; presign mode only: the whole query string to send
                                (the original parameters included), without the '?' */
    ism_http_headers add;    /* header mode: headers to add to the request (X-Amz-Date,
                                X-Amz-Security-Token, x-amz-content-sha256, Authorization) */
} ism_aws_signed;

/* Signs one request. False with ISM_E_INVALID_PARAMS (missing credentials, region, service,
 * URL or Host) or ISM_E_INTERNAL (allocation). On success free `out` with ism_aws_signed_free. */
bool ism_aws_sigv4_sign(const ism_aws_sign_input *in, ism_aws_signed *out, ism_error *err);
void ism_aws_signed_free(ism_aws_signed *s);

/* RFC 3986 percent-encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ becomes %XX
 * (upper-case hex; space is %20, never '+'), and '/' too unless keep_slash. Use it to build URL
 * paths and queries so that what is sent is what is signed. Returns malloc'd (caller frees). */
char *ism_aws_uri_encode(const char *s, size_t len, bool keep_slash);

/* ---- SigV4 verification (for the provider emulator) ------------------------------------ */
typedef enum ism_aws_auth {
    ISM_AWS_AUTH_OK = 0,
    ISM_AWS_AUTH_MISSING,          /* no Authorization header */
    ISM_AWS_AUTH_INCOMPLETE,       /* malformed Authorization, or no X-Amz-Date */
    ISM_AWS_AUTH_UNKNOWN_KEY,      /* the lookup does not know the key (or its session token) */
    ISM_AWS_AUTH_MISMATCH,         /* the signature (or the credential scope) does not match */
    ISM_AWS_AUTH_SKEWED,           /* X-Amz-Date too far from `now` */
    ISM_AWS_AUTH_PAYLOAD_MISMATCH, /* x-amz-content-sha256 is not the body's hash */
} ism_aws_auth;

/* Writes the secret key for access_key (NUL-terminated, at most secret_size bytes) and returns
 * true; false when the key is unknown or session_token (NULL when the request has none) is not
 * valid for it. */
typedef bool (*ism_aws_secret_fn)(const char *access_key, const char *session_token, char *secret,
                                  size_t secret_size, void *arg);

typedef enum ism_aws_protocol {
    ISM_AWS_QUERY = 0, /* IAM, STS: form POST, XML answers, <ErrorResponse><Error> */
    ISM_AWS_EC2,       /* EC2: form POST, XML answers, <Response><Errors><Error> */
    ISM_AWS_JSON,      /* JSON 1.0/1.1 with X-Amz-Target: errors carry __type */
    ISM_AWS_REST_JSON, /* GuardDuty, Backup: errors in x-amzn-ErrorType or the body */
    ISM_AWS_REST_XML,  /* S3: <Error><Code> */
} ism_aws_protocol;

typedef struct ism_aws_verify_input {
    const char *method;
    const char *target;              /* request-target as received: "/path?query" */
    const ism_http_headers *headers; /* as received */
    const void *body;
    size_t body_len;
    time_t now;
    int max_skew_s; /* 0 = 900 (AWS's 15 minutes) */
    ism_aws_secret_fn lookup;
    void *lookup_arg;
    ism_aws_protocol protocol; /* picks the AWS error code names */
    unsigned flags;            /* path flags as the signer used them; for service "s3"
                                  ISM_SIGV4_S3 is implied */
} ism_aws_verify_input;

typedef struct ism_aws_verify_result {
    ism_aws_auth status;
    char code[64];        /* AWS's error code for the protocol, e.g. "SignatureDoesNotMatch",
                             "IncompleteSignature", "InvalidClientTokenId"; "" when OK */
    char message[512];    /* AWS-like message */
    char access_key[128]; /* from the Credential, when it parsed */
    char region[64];
    char service[64];
    char *canonical_request; /* owned; what we computed, when we got that far (S3 echoes it) */
    char *string_to_sign;    /* owned; idem */
} ism_aws_verify_result;

/* Verifies the Authorization header of a received request (header mode; presigned URLs are not
 * accepted). Returns true when status is ISM_AWS_AUTH_OK. Signatures are compared in constant
 * time. Free the result with ism_aws_verify_result_free (also after a false return). */
bool ism_aws_sigv4_verify(const ism_aws_verify_input *in, ism_aws_verify_result *out);
void ism_aws_verify_result_free(ism_aws_verify_result *r);

/* ---- engine glue ------------------------------------------------------------------------ */
/* Supplies credentials per attempt (so they can be refreshed, e.g. STS AssumeRole before expiry).
 * The strings must stay valid until the next call on the same provider. */
typedef bool (*ism_aws_creds_fn)(void *arg, ism_aws_credentials *out, ism_error *err);

typedef struct ism_aws_signer {
    const char *region;
    const char *service;
    unsigned flags;            /* ISM_SIGV4_* */
    ism_aws_credentials creds; /* used when provider is NULL */
    ism_aws_creds_fn provider;
    void *provider_arg;
    int64_t clock_offset_s; /* added to the signing time (the engine's skew-corrected clock) */
} ism_aws_signer;

/* An ism_http_signer_fn: `arg` is an ism_aws_signer (which must outlive the request). Signs the
 * attempt at the attempt's sign_time_s (the engine's clock corrected by the skew a server
 * reported; time(NULL) when 0) and sets X-Amz-Date, X-Amz-Security-Token, x-amz-content-sha256
 * (S3) and Authorization on it. */
bool ism_aws_http_sign(ism_http_attempt *a, void *arg, ism_error *err);

/* An ism_http_classify_fn for every AWS protocol (`arg` unused): a throttling error code (see
 * ism_aws_is_throttle_code) becomes ISM_HTTP_THROTTLED whatever the status (IAM answers 400
 * Throttling, EC2 503 RequestLimitExceeded), a transient code ISM_HTTP_SERVER_ERROR, a
 * clock-skew refusal (ism_aws_is_clock_skew) ISM_HTTP_CLOCK_SKEW: retried once, re-signed. */
ism_http_class ism_aws_http_classify(const ism_http_result *res, ism_http_class dflt, void *arg);

/* AWS's throttling codes (Throttling, ThrottlingException, RequestLimitExceeded, SlowDown,
 * TooManyRequestsException, ...) and transient ones (RequestTimeout, InternalError, ...). */
bool ism_aws_is_throttle_code(const char *code);
bool ism_aws_is_transient_code(const char *code);
/* A refusal for clock skew: RequestTimeTooSkewed, RequestExpired, RequestInTheFuture, or
 * InvalidSignatureException / SignatureDoesNotMatch whose message says "Signature expired" or
 * "Signature not yet current". message may be NULL. */
bool ism_aws_is_clock_skew(const char *code, const char *message);

/* ---- responses ------------------------------------------------------------------------- */
/* Converts an XML document to JSON without a schema. Elements are named by their local name
 * (namespaces dropped), attributes are ignored, text is kept as strings (no number or boolean
 * guessing: IsTruncated is "true"). Lists: an element whose children are all <member> or <item>
 * becomes an array; an element whose children are all <entry><key/><value/></entry> becomes an
 * object (IAM's SummaryMap); a child name that repeats becomes an array; names in `list_names`
 * (NULL-terminated, may be NULL) are always arrays, for flattened lists such as S3's <Contents>.
 * An empty element becomes null, except names ending in "Set" (EC2's lists), which become [].
 * Returns {"<RootName>": value} (new reference), or NULL with ISM_E_UPSTREAM
 * "unparseable response: ..." for anything that is not well-formed XML. No network access, no
 * external entities. */
json_t *ism_aws_xml_to_json(const char *xml, size_t len, const char *const *list_names,
                            ism_error *err);

/* Parses a successful answer: XML protocols through ism_aws_xml_to_json (the root element's
 * value is returned, e.g. {"ListUsersResult": {...}, "ResponseMetadata": {...}}), JSON ones with
 * jansson (an empty body is {}). New reference, or NULL with ISM_E_UPSTREAM
 * "unparseable response: ..." naming what was expected and how the body starts. */
json_t *ism_aws_parse_response(ism_aws_protocol p, const char *body, size_t len,
                               const char *const *list_names, ism_error *err);

typedef struct ism_aws_error_info {
    char code[128]; /* "Throttling", "AccessDenied"; JSON's "prefix#Code" is cut to Code */
    char message[1024];
    char request_id[128]; /* from the body, else the x-amzn-RequestId / x-amz-request-id header */
} ism_aws_error_info;

/* Extracts an error answer's code, message and request id. True when a code was found. False
 * when the body is not the protocol's error shape: then code is "" (or, for a body-less answer
 * such as S3's HEAD, the status as text: "404") and message says "unparseable response: ..."
 * with the status and the start of the body (an HTML page from a proxy, truncated XML). */
bool ism_aws_parse_error(ism_aws_protocol p, long status, const ism_http_headers *headers,
                         const char *body, size_t len, ism_aws_error_info *out);

/* ---- pagination ------------------------------------------------------------------------ */
typedef enum ism_aws_paging {
    ISM_AWS_PAGE_MARKER,       /* IAM: IsTruncated "true" → Marker; send it as Marker */
    ISM_AWS_PAGE_NEXT_TOKEN,   /* EC2 nextToken, JSON NextToken, REST-JSON nextToken: present
                                  and non-empty → next page; send as NextToken / nextToken */
    ISM_AWS_PAGE_NEXT_MARKER,  /* S3 ListObjects v1, KMS: IsTruncated/Truncated → NextMarker
                                  (S3 without delimiter: the last Contents Key); send as
                                  marker / Marker */
    ISM_AWS_PAGE_CONTINUATION, /* S3 ListObjectsV2: IsTruncated → NextContinuationToken; send as
                                  continuation-token */
} ism_aws_paging;

/* From one page's result object (the "...Result" of a query answer, the JSON object, S3's
 * ListBucketResult), sets *token (malloc'd, caller frees) to the next page's token, or NULL on
 * the last page. False (ISM_E_UPSTREAM) when the page says it is truncated but carries no token:
 * stopping silently would lose resources. Member names are matched with either an upper- or a
 * lower-case first letter ("NextToken"/"nextToken"). */
bool ism_aws_page_next(const json_t *result, ism_aws_paging style, char **token, ism_error *err);

/* ==== the collector ========================================================================
 * What follows is the AWS collector: credentials, the operations it calls (a table: data, not
 * code), the extractors that turn answers into snapshot resources (docs/snapshot-format.md),
 * and the collection itself, run as the resumable job kind "collect.aws". */

struct ism_snapshot; /* snapshot.h */
struct ism_jobs;     /* jobs.h */
struct ism_rpc_app;  /* rpc.h */

/* ---- credentials ---------------------------------------------------------------------- */
/* A role to assume after the keys before it (a profile's role_arn, or the member role). */
typedef struct ism_aws_role_hop {
    char *role_arn;
    char *external_id;  /* NULL when none */
    char *session_name; /* NULL: "ismap-assess-<random>" */
    int duration_s;     /* 0: 3600 */
} ism_aws_role_hop;

#define ISM_AWS_MAX_HOPS 8

/* Credentials resolved the way the AWS CLI resolves them, minus the interactive and
 * instance-bound sources:
 *  - no profile named: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN) when set,
 *    else the profile in AWS_PROFILE, else "default";
 *  - a profile comes from AWS_SHARED_CREDENTIALS_FILE (~/.aws/credentials) section [name] and
 *    AWS_CONFIG_FILE (~/.aws/config) section [profile name] ([default] for default); keys in
 *    the credentials file win;
 *  - role_arn + source_profile (or credential_source = Environment) + external_id,
 *    role_session_name, duration_seconds: assume that role with the source's credentials;
 *    source profiles may chain (cycles are refused); a profile that is its own source uses its
 *    own keys;
 *  - sso_*, credential_process, mfa_serial, web identity and credential_source other than
 *    Environment are refused with a message naming the setting (they need a person or a host).
 * Files and environment are those of the process (for jobs: the daemon's user). Error
 * messages name files, profiles and settings, never a key or secret. */
typedef struct ism_aws_profile {
    char name[128];   /* the profile used; "" when the keys came from the environment */
    char source[512]; /* where the base keys came from, for people (no secrets) */
    char region[64];  /* AWS_REGION, AWS_DEFAULT_REGION or the profile's region; may be "" */
    char *access_key, *secret_key, *session_token; /* base keys; owned, wiped by _free */
    ism_aws_role_hop hops[ISM_AWS_MAX_HOPS];       /* roles to assume, in order; owned */
    int nhops;
} ism_aws_profile;

/* Resolves `profile` (NULL or "": none named). False with ISM_E_CONFIG when nothing usable is
 * found or a file is malformed (the message says which file, line and setting). */
bool ism_aws_profile_load(const char *profile, ism_aws_profile *out, ism_error *err);
/* Wipes the secrets and frees; leaves a zeroed profile. */
void ism_aws_profile_free(ism_aws_profile *p);

/* Where STS is reached for AssumeRole. */
typedef struct ism_aws_sts_config {
    const char *endpoint_url;    /* NULL: https://sts.<region>.amazonaws.com */
    const char *region;          /* signing region (and the endpoint's) */
    const ism_http_config *http; /* for synchronous refreshes (CA, allow_http_loopback) */
} ism_aws_sts_config;

/* A source of credentials: static keys, or temporary ones of a role assumed with a parent
 * source's credentials and refreshed before they expire. Not thread-safe: one collection. */
typedef struct ism_aws_source ism_aws_source;

/* Static keys (copied; token may be NULL). */
ism_aws_source *ism_aws_source_static(const char *access_key, const char *secret_key,
                                      const char *session_token);
/* A role assumed with parent's credentials. parent is borrowed unless own_parent (then freed
 * with this source). hop and sts are copied. */
ism_aws_source *ism_aws_source_role(ism_aws_source *parent, bool own_parent,
                                    const ism_aws_role_hop *hop, const ism_aws_sts_config *sts);
/* The profile's chain: its base keys, then one role source per hop; NULL with err set. */
ism_aws_source *ism_aws_source_from_profile(const ism_aws_profile *p, const ism_aws_sts_config *sts,
                                            ism_error *err);
void ism_aws_source_free(ism_aws_source *s);

/* Current credentials (borrowed until the next call on s). A role source without credentials,
 * or whose credentials expire within its margin (a fifth of their lifetime, at most 5 minutes),
 * or that was invalidated, first assumes its role synchronously (one STS call on a private
 * engine). *gen (may be NULL) tells which issue of credentials was returned. */
bool ism_aws_source_get(ism_aws_source *s, ism_aws_credentials *out, unsigned *gen, ism_error *err);
/* AWS said credentials of issue `gen` have expired (ExpiredToken): the next get refreshes. A
 * stale generation (already refreshed) is ignored. */
void ism_aws_source_invalidate(ism_aws_source *s, unsigned gen);
/* True when a get would have to call STS first. */
bool ism_aws_source_needs_refresh(const ism_aws_source *s, time_t now);
/* For an AssumeRole the caller sends itself (e.g. many accounts at once on its engine): the
 * form body (malloc'd), and the parent whose credentials must sign it (NULL for static). */
char *ism_aws_source_assume_body(const ism_aws_source *s);
ism_aws_source *ism_aws_source_parent(const ism_aws_source *s);
const char *ism_aws_source_role_arn(const ism_aws_source *s);
/* Installs the credentials of an AssumeRole answer (the typed AssumeRole output, with
 * Credentials.{AccessKeyId,SecretAccessKey,SessionToken,Expiration}). */
bool ism_aws_source_set_assumed(ism_aws_source *s, const json_t *output, ism_error *err);
/* Seconds until the current credentials expire; -1 for static ones or none yet. */
long ism_aws_source_ttl(const ism_aws_source *s, time_t now);
/* The issue of the current credentials: 0 for static ones or none yet, then 1, 2, ... */
unsigned ism_aws_source_generation(const ism_aws_source *s);
/* Observes the STS calls a source makes on its own (synchronous renewals), so the caller can
 * log them with its other calls. `res` is valid during the call only; its body is withheld
 * (it holds the new secret). */
typedef void (*ism_aws_source_call_fn)(void *ctx, const ism_aws_source *s,
                                       const ism_http_result *res);
void ism_aws_source_observe(ism_aws_source *s, ism_aws_source_call_fn fn, void *ctx);

/* Masks what may be a secret in a message, in place: the value after SecretAccessKey,
 * SessionToken, aws_secret_access_key, aws_session_token, Signature=, Credential= and
 * X-Amz-Security-Token, and all but the first 4 characters of AKIA/ASIA key ids. */
void ism_aws_redact(char *text);

/* ---- the operations table ------------------------------------------------------------- */
typedef enum ism_aws_scope {
    ISM_AWS_SCOPE_GLOBAL,       /* once per account; coverage and resources in region "global" */
    ISM_AWS_SCOPE_REGIONAL,     /* once per account and region */
    ISM_AWS_SCOPE_PER_RESOURCE, /* once per resource of its parent (coverage: the parent's) */
} ism_aws_scope;

/* What an extractor made of one answer. */
typedef enum ism_aws_xresult {
    ISM_AWS_X_OK,    /* written */
    ISM_AWS_X_AGAIN, /* not ready yet (a report being generated): ask again later */
    ISM_AWS_X_ERROR, /* the answer does not have the expected shape (err says why) */
} ism_aws_xresult;

struct ism_aws_op;
struct sqlite3_stmt;

/* Statements extractors keep prepared across calls on one snapshot (a collection makes tens of
 * thousands of them). Zeroed is empty; free with ism_aws_xcache_free before the snapshot closes. */
typedef struct ism_aws_xcache {
    struct sqlite3_stmt *load;
} ism_aws_xcache;
void ism_aws_xcache_free(ism_aws_xcache *c);

/* Where an extractor writes, and what it knows about the call. */
typedef struct ism_aws_xctx {
    struct ism_snapshot *snap;
    const struct ism_aws_op *op;
    const char *account;         /* 12 digits */
    const char *region;          /* the call's region, "global" for global operations */
    const char *resource;        /* per-resource operations: the parent resource's id */
    const char *resource_region; /* ... and the region it is filed under */
    json_t *acc;                 /* per-resource, paged: the result list gathered over pages (the
                                    caller owns it and passes the same one for every page) */
    bool last_page;              /* per-resource, paged: write now */
    int written;                 /* out: resources written or updated */
    ism_aws_xcache *cache;       /* may be NULL */
} ism_aws_xctx;

/* Turns one typed answer (see ism_aws_typed_output) into resources. */
typedef ism_aws_xresult (*ism_aws_extract_fn)(ism_aws_xctx *x, const json_t *out, ism_error *err);

/* One AWS operation the collector calls. Adding an operation is one entry in
 * service/collect/aws/ops_table.c (and, for XML protocols, its output shape in
 * ops_table_shapes.c) plus a test. */
typedef struct ism_aws_op {
    const char *service; /* endpoint prefix and snapshot service: "iam", "ec2", "logs" */
    const char *name;    /* "DescribeVpcs" */
    ism_aws_protocol protocol;
    const char *method;  /* "POST", "GET" */
    const char *path;    /* REST: path template with "{label}" for the resource; else "/" */
    const char *target;  /* JSON: the X-Amz-Target value; else NULL */
    const char *version; /* query/EC2: Version=; JSON: "1.0" or "1.1"; REST: the API version */
    const char *params;  /* fixed parameters: query "A=B&C=D", JSON "\"k\":true", REST query
                            "k=v"; may be NULL */
    ism_aws_scope scope;
    const char *parent; /* runs once this operation (same service) is done in the same account
                           and region; PER_RESOURCE: once per resource it wrote */
    const char *param;  /* PER_RESOURCE: request member or "{label}" taking the resource id */
    /* pagination: in_token NULL = one page */
    ism_aws_paging paging;
    const char *in_token;  /* request member for the next page: "Marker", "NextToken" */
    const char *out_token; /* response member holding it: "Marker", "NextToken", "nextToken" */
    const char *limit_key; /* request member for the page size, or NULL */
    int limit;
    /* the result */
    const char *result;     /* member holding the items ("Users"; "Reservations.Instances" walks
                               a list of lists); NULL: the answer itself */
    const char *type;       /* snapshot type, "iam.User"; NULL: writes nothing */
    const char *id_field;   /* member of an item that is its id; NULL: a string item is its id */
    const char *arn_field;  /* member of an item that is its ARN, or NULL */
    const char *arn_fmt;    /* or an ARN built from "{region}", "{account}", "{id}"; or NULL */
    const char *key;        /* merged into the resource's data under this key; NULL: the item
                               is the data (list) or is merged member by member (per-resource) */
    const char *none_codes; /* comma-separated error codes meaning "none configured": recorded
                               in the data, the operation stays complete */
    const char *poll_codes; /* comma-separated error codes meaning "not ready": ask again */
    ism_aws_extract_fn extract;
    const char *action; /* the IAM action when it is not "<service>:<name>" (S3's ListBuckets is
                           s3:ListAllMyBuckets), else NULL; see ism_aws_op_action */
} ism_aws_op;

/* The table, in the order operations are started. */
const ism_aws_op *ism_aws_ops(size_t *n);
/* An entry by service and name, or NULL. */
const ism_aws_op *ism_aws_op_find(const char *service, const char *name);
/* The IAM action a policy must allow for op, into buf: "ec2:DescribeVpcs",
 * "s3:GetEncryptionConfiguration". Returns buf. */
const char *ism_aws_op_action(const ism_aws_op *op, char *buf, size_t n);
/* True for a service the table has ("iam", "ec2", ...). */
bool ism_aws_service_known(const char *service);
/* True when code is in a comma-separated list. */
bool ism_aws_code_in(const char *code, const char *list);
/* AccessDenied, AccessDeniedException, UnauthorizedOperation, AuthorizationError, ... */
bool ism_aws_is_denied_code(const char *code);
/* OptInRequired, SubscriptionRequiredException, ...: the service or region is not enabled. */
bool ism_aws_is_not_enabled_code(const char *code);

/* ---- output shapes (XML protocols and GuardDuty) -------------------------------------- */
/* The output shapes of the table's XML operations (and GuardDuty's, whose wire names differ
 * from its member names), generated from botocore's models: they turn the schema-less XML→JSON
 * conversion into AWS's own JSON shapes (member names, lists, typed booleans and numbers). */
typedef enum ism_aws_type {
    ISM_AWS_T_STRING, /* also timestamps and blobs: kept as the text AWS sent */
    ISM_AWS_T_BOOL,
    ISM_AWS_T_INT, /* integer and long */
    ISM_AWS_T_DOUBLE,
    ISM_AWS_T_STRUCT,
    ISM_AWS_T_LIST,
    ISM_AWS_T_MAP,
} ism_aws_type;

typedef struct ism_aws_shape {
    ism_aws_type type;
    unsigned short a, b; /* struct: first member, member count; list: item shape; map: value */
    const char *name;    /* struct: the shape's name; list: the item's element name */
} ism_aws_shape;

typedef struct ism_aws_member {
    const char *name; /* member name, as in AWS's JSON shapes ("IsDefault") */
    const char *wire; /* element or key name on the wire ("isDefault") */
    unsigned short shape;
    bool flattened; /* a list whose items repeat this element (no wrapper) */
} ism_aws_member;

typedef struct ism_aws_output {
    const char *service, *operation;
    unsigned short shape;
    const char *wrapper; /* query: "ListUsersResult" */
    const char *payload; /* REST-XML: the member that is the whole body */
} ism_aws_output;

extern const ism_aws_shape ism_aws_shapes[];
extern const size_t ism_aws_nshapes;
extern const ism_aws_member ism_aws_members[];
extern const size_t ism_aws_nmembers;
extern const ism_aws_output ism_aws_outputs[];
extern const size_t ism_aws_noutputs;

/* The output shape of an operation, or NULL (JSON protocols but GuardDuty's). */
const ism_aws_output *ism_aws_output_of(const ism_aws_op *op);
/* An answer as AWS's JSON shapes have it: for XML protocols, `parsed` is what
 * ism_aws_parse_response returned; the query wrapper and ResponseMetadata / requestId are
 * dropped. Members the model does not know are kept as sent. New reference; never NULL for an
 * object or array input (anything else becomes {}). */
json_t *ism_aws_typed_output(const ism_aws_op *op, const json_t *parsed);
/* Converts one value to a shape (exposed for tests). New reference. */
json_t *ism_aws_typed_value(const json_t *v, unsigned short shape);

/* ---- extractors ----------------------------------------------------------------------- */
/* The extractors the table uses (service/collect/aws/extract*.c). */
ism_aws_xresult ism_aws_x_none(ism_aws_xctx *x, const json_t *out, ism_error *err);
ism_aws_xresult ism_aws_x_single(ism_aws_xctx *x, const json_t *out, ism_error *err);
ism_aws_xresult ism_aws_x_items(ism_aws_xctx *x, const json_t *out, ism_error *err);
ism_aws_xresult ism_aws_x_items_merge(ism_aws_xctx *x, const json_t *out, ism_error *err);
ism_aws_xresult ism_aws_x_merge(ism_aws_xctx *x, const json_t *out, ism_error *err);
ism_aws_xresult ism_aws_x_merge_items(ism_aws_xctx *x, const json_t *out, ism_error *err);
ism_aws_xresult ism_aws_x_roles(ism_aws_xctx *x, const json_t *out, ism_error *err);
ism_aws_xresult ism_aws_x_report_state(ism_aws_xctx *x, const json_t *out, ism_error *err);
ism_aws_xresult ism_aws_x_credential_report(ism_aws_xctx *x, const json_t *out, ism_error *err);
ism_aws_xresult ism_aws_x_bucket_location(ism_aws_xctx *x, const json_t *out, ism_error *err);
/* Records an answer with one of the operation's none_codes in the data: {key: {"Error": {Code,
 * Message}}}; singletons {"<Code>": true} (iam.PasswordPolicy: {"NoSuchEntity": true}). */
bool ism_aws_x_none_configured(ism_aws_xctx *x, const char *code, const char *message,
                               ism_error *err);

/* Resource helpers for extractors. put replaces; merge loads the row (or {}) and sets `key`
 * to value (key NULL: every member of value), so several operations build one resource. Both
 * borrow value. */
bool ism_aws_put(ism_aws_xctx *x, const char *region, const char *type, const char *id,
                 const char *arn, const json_t *data, ism_error *err);
bool ism_aws_merge(ism_aws_xctx *x, const char *region, const char *type, const char *id,
                   const char *arn, const char *key, const json_t *value, ism_error *err);
/* A region's name for S3's LocationConstraint: "" / null → us-east-1, "EU" → eu-west-1. */
const char *ism_aws_s3_region(const char *location_constraint);

/* ---- endpoints and requests ------------------------------------------------------------ */
/* The URL of a call, before paging parameters: the operation's path with its "{label}" replaced
 * by the URI-encoded resource, on
 *  - endpoint_url when given: every service there, S3 path-style (as the AWS CLI does);
 *  - else AWS's hostnames: iam.amazonaws.com and organizations.us-east-1.amazonaws.com (global,
 *    signed for us-east-1), <service>.<region>.amazonaws.com (STS regional too), S3
 *    virtual-hosted <bucket>.s3.<region>.amazonaws.com, or path-style s3.<region>.amazonaws.com
 *    /<bucket> for names a wildcard certificate cannot cover (dots, capitals).
 * region is the call's: "global" for global operations (then STS and EC2 use home_region, S3
 * us-east-1). *sign_region is set to the region to sign for (a static string or region or
 * home_region). malloc'd; NULL only when out of memory. */
char *ism_aws_endpoint(const ism_aws_op *op, const char *region, const char *home_region,
                       const char *endpoint_url, const char *resource, const char **sign_region);

/* One call as it goes on the wire (before signing). */
typedef struct ism_aws_call_req {
    char *url;  /* owned */
    char *body; /* owned; NULL for GET */
    size_t body_len;
    ism_http_headers headers; /* Content-Type, X-Amz-Target */
    const char *sign_region;
} ism_aws_call_req;

/* Builds a call of op: its fixed params, the resource (per-resource operations), the page
 * token (NULL for the first page) and the page size. Free with ism_aws_call_req_free. */
bool ism_aws_build_request(const ism_aws_op *op, const char *region, const char *home_region,
                           const char *endpoint_url, const char *resource, const char *token,
                           ism_aws_call_req *out, ism_error *err);
void ism_aws_call_req_free(ism_aws_call_req *r);

/* ---- the collection ------------------------------------------------------------------- */
typedef struct ism_aws_collect_progress {
    int accounts_done, accounts_total;
    int units_done, units_total; /* (account, region, operation); total is an estimate until
                                    every account's regions are known */
    uint64_t calls, throttled, retries, errors;
    const char *message; /* "accounts 3/200, operations 120/9000, ..." */
} ism_aws_collect_progress;

typedef struct ism_aws_collect_opts {
    const char *profile;         /* NULL: see ism_aws_profile_load */
    bool org;                    /* the whole organization (from its management account) */
    const char *role_name;       /* org: the role assumed in each member account */
    const char *external_id;     /* org: its ExternalId, or NULL */
    const char *const *regions;  /* NULL-terminated; NULL: every region enabled in the account */
    const char *const *services; /* NULL-terminated; NULL: every service of the table */
    const char *endpoint_url;    /* one URL for every service (an emulator); http only to
                                    loopback */
    const char *home_region;     /* STS and DescribeRegions; NULL: the profile's region, else
                                    the first of `regions`, else ap-northeast-1 */
    const char *session_name;    /* RoleSessionName; NULL: "ismap-assess" */
    int max_in_flight;           /* 0: 64 */
    int max_attempts;            /* 0: 5, botocore's default (legacy) mode; throttled attempts
                                    are not counted (see collect.h) */
    const char *ca_file;
    bool no_jitter;  /* tests and benchmarks */
    int progress_ms; /* 0: 1000 */
    /* Called every progress_ms, after the snapshot's writes so far were committed. */
    void (*progress)(void *ctx, const ism_aws_collect_progress *p);
    /* Polled often; true stops the collection (ISM_E_INTERRUPTED), committed work kept. */
    bool (*should_stop)(void *ctx);
    void *ctx;
    /* Scaling knobs for tests of refresh and polling: 0 = the defaults. */
    int report_poll_ms; /* first credential-report poll delay (500) */
    int report_polls;   /* polls before giving up (12) */
} ism_aws_collect_opts;

/* Where the time of the slowest token bucket went (the one whose calls need the longest at its
 * published rate: (taken - burst) / rate), for benchmarks: times are ms from the collection's
 * start on the engine's clock. A perfect run takes its first token at once, never lets it idle
 * and ends one answer after its last token. */
typedef struct ism_aws_bucket_report {
    char key[160];                /* "account/region/service"; "" when no bucket took a token */
    double burst, rate, min_rate; /* published burst and rate; the lowest rate it adapted to */
    uint64_t taken, throttled;    /* tokens taken (= attempts); answers throttled */
    int64_t first_ms, last_ms;    /* first and last token taken */
    int64_t idle_ms;              /* between those, time with no call of its own queued */
    int64_t behind_ms;            /* between those, time a token was there and a call queued,
                                     yet none was sent (the collector serving other buckets);
                                     made up later unless the bucket was full meanwhile */
    int64_t full_ms;              /* of that, time it was full: tokens thrown away, time lost */
    int64_t rate_loss_ms;         /* between those, time the adapted rate cost against the
                                     published one (throttling's slow-down) */
} ism_aws_bucket_report;

typedef struct ism_aws_collect_stats {
    int accounts; /* accounts collected (or attempted) */
    int units_complete, units_denied, units_failed, units_not_enabled, units_skipped;
    int units_resumed; /* already in the snapshot when the run started */
    uint64_t requests, calls, retries, throttled, server_errors, connection_errors;
    int max_in_flight_seen;
    uint64_t tokens;              /* tokens taken from the rate buckets: one per attempt */
    uint64_t admitted;            /* attempts the engine admitted through a bucket */
    uint64_t throttle_limit_hits; /* calls given up at the safety bound on throttled attempts */
    int credential_refreshes;
    int64_t ms;
    /* Where the time went, for benchmarks (ms on the real clock): in answer callbacks (parsing,
     * extracting, writing the snapshot), in periodic commits, and the slowest bucket. */
    int64_t callback_ms, commit_ms;
    uint64_t busy_ms; /* time in flight summed over attempts (ism_http_stats.busy_ms) */
    ism_aws_bucket_report slowest;
    char principal[512]; /* the caller's ARN */
} ism_aws_collect_stats;

/* Collects into snap (open for writing, still collecting), skipping every (account, region,
 * operation) its coverage already holds: a resumed run continues where the last stopped.
 * Writes the manifest's scope and principal; does not seal. False when the collection could
 * not run at all (no credentials, the caller's identity unknown, ListAccounts impossible) or
 * was stopped (ISM_E_INTERRUPTED); an operation denied or failed is not an error: it is in the
 * coverage. */
bool ism_aws_collect(const ism_aws_collect_opts *o, struct ism_snapshot *snap,
                     ism_aws_collect_stats *stats, ism_error *err);

/* The member role of an organization collection: a name ("ReadOnlyAudit"), a name with its path
 * ("security/ReadOnlyAudit") or a role ARN ("arn:aws:iam::123456789012:role/security/
 * ReadOnlyAudit"; its account is replaced by each member's, "*" is accepted there). Checked by
 * IAM's rules (name 1-64 of letters, digits, _+=,.@-; path of printable ASCII, at most 512).
 * False with ISM_E_INVALID_PARAMS saying what is wrong. */
bool ism_aws_role_spec_check(const char *spec, ism_error *err);
/* That role's ARN in `account` into buf ("arn:aws:iam::<account>:role/security/ReadOnlyAudit");
 * false when spec is invalid or buf too small. */
bool ism_aws_role_arn_for(const char *spec, const char *account, char *buf, size_t n);

/* The provider (include/ismap/provider.h): job kind and ops "collect.aws". */
extern const struct ism_provider ism_provider_aws;

/* Checks the params of an AWS collection ({profile, org, role_name, external_id, regions: [...],
 * services: [...], endpoint_url}): ism_provider_check_params with ism_provider_aws. */
bool ism_aws_collect_check(const json_t *params, ism_error *err);

#endif
