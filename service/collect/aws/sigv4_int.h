/* sigv4_int.h — SigV4 pieces shared by the signer (sigv4.c) and the verifier (sigv4_verify.c). */
#ifndef ISMAP_SIGV4_INT_H
#define ISMAP_SIGV4_INT_H

#include "ismap/aws.h"

#include <stddef.h>

#define ISM_SIGV4_ALGORITHM "AWS4-HMAC-SHA256"
#define ISM_SIGV4_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* The caller's flags plus the rules the service imposes (S3). */
unsigned ism_sigv4_flags(const char *service, unsigned flags);

/* Splits a request-target "/path?query#frag" into path and query (pointers into target). */
void ism_sigv4_split_target(const char *target, const char **path, size_t *plen, const char **query,
                            size_t *qlen);

/* The canonical request and the signed-headers list for exactly the headers given.
 * Both malloc'd; NULL on allocation failure. */
char *ism_sigv4_canonical_request(const char *method, const char *path, size_t plen,
                                  const char *query, size_t qlen, const ism_http_headers *headers,
                                  const char *payload_hash, unsigned flags, char **signed_headers);

/* Just the signed-headers list ("host;x-amz-date"), malloc'd. */
char *ism_sigv4_signed_headers(const ism_http_headers *headers);

/* "AWS4-HMAC-SHA256\n<date>\n<scope>\n<hex sha256(cr)>", malloc'd. */
char *ism_sigv4_string_to_sign(const char *amz_date, const char *scope, const char *cr);

/* The hex signature of sts with the key derived from secret, date (YYYYMMDD), region, service. */
void ism_sigv4_signature(const char *secret, const char *date8, const char *region,
                         const char *service, const char *sts, char out[65]);

#endif
