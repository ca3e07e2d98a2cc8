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
    int64_t clock_offset_s; /* added to the local clock: lets a caller correct skew */
} ism_aws_signer;

/* An ism_http_signer_fn: `arg` is an ism_aws_signer (which must outlive the request). Signs the
 * attempt at the current time and sets X-Amz-Date, X-Amz-Security-Token, x-amz-content-sha256
 * (S3) and Authorization on it. */
bool ism_aws_http_sign(ism_http_attempt *a, void *arg, ism_error *err);

/* An ism_http_classify_fn for every AWS protocol (`arg` unused): a throttling error code (see
 * ism_aws_is_throttle_code) becomes ISM_HTTP_THROTTLED whatever the status (IAM answers 400
 * Throttling, EC2 503 RequestLimitExceeded), a transient code ISM_HTTP_SERVER_ERROR. */
ism_http_class ism_aws_http_classify(const ism_http_result *res, ism_http_class dflt, void *arg);

/* AWS's throttling codes (Throttling, ThrottlingException, RequestLimitExceeded, SlowDown,
 * TooManyRequestsException, ...) and transient ones (RequestTimeout, InternalError, ...). */
bool ism_aws_is_throttle_code(const char *code);
bool ism_aws_is_transient_code(const char *code);

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

#endif
