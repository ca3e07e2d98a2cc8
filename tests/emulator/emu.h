/* emu.h — internals shared by the files of awsemu, the AWS provider emulator (a test double that
 * speaks AWS's real wire protocols on 127.0.0.1 so the collector and the aws CLI can be tested
 * against it). Single-threaded: one epoll loop owns everything, so the state below is global. */
#ifndef AWSEMU_EMU_H
#define AWSEMU_EMU_H

#include "core/emu_core.h"
#include "ismap/aws.h"
#include "ismap/core.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- configuration ----------------------------------------------------------------------- */
typedef struct emu_config {
    int port;
    const char *port_file;
    const char *tenant_path;
    const char *overlay_path;
    const char *variant;
    const char *models_dir;
    const char *faults_path;
    int page_size;       /* 0: AWS's defaults per operation */
    int creds_ttl_s;     /* 0: the DurationSeconds asked (default 3600) */
    int report_delay_ms; /* credential report generation time */
    int report_ttl_s;    /* a report older than this is ReportExpired */
    int latency_ms, jitter_ms;
    double error_rate, drop_rate;
    uint64_t seed;
    bool no_throttle;
    int max_conns;
    size_t max_body;
    size_t max_header;
    int idle_timeout_s;
    int max_skew_s;
    bool log_requests;
} emu_config;

extern emu_config g_cfg;

/* ---- botocore models -------------------------------------------------------------------- */
typedef struct emu_service emu_service;
bool emu_models_load(const char *dir, char *why, size_t why_n);

/* A model shape compiled for serialization (built on first use, kept for the process). */
typedef enum emu_sh_type {
    SH_STRUCT = 0,
    SH_LIST,
    SH_MAP,
    SH_STRING,
    SH_BOOL,
    SH_INT,
    SH_FLOAT,
    SH_TIMESTAMP,
    SH_BLOB,
} emu_sh_type;

typedef struct emu_cshape emu_cshape;

typedef struct emu_cmember {
    const char *name; /* member name (JSON 1.1 key) */
    const char *loc;  /* locationName, else the member name (XML element, REST-JSON key) */
    bool located;     /* bound to a header, URI, query string or status: not in the body */
    emu_cshape *shape;
} emu_cmember;

struct emu_cshape {
    const char *name;
    emu_sh_type type;
    bool flattened, iso_ts, policy_doc;
    emu_cmember *members; /* structure */
    size_t nmembers;
    const char *payload;     /* structure: the payload member, or NULL */
    emu_cshape *item;        /* list */
    const char *item_loc;    /* list: the member's locationName, or NULL */
    emu_cshape *key, *value; /* map */
    const char *key_loc, *value_loc;
};

emu_cshape *emu_cshape_get(const emu_service *s, const char *name);
/* The operation's output shape, compiled; *wrapper gets the query resultWrapper (may be NULL). */
emu_cshape *emu_op_output(const emu_service *s, const char *op, const char **wrapper);

/* ---- services, operations and the request context --------------------------------------- */
typedef struct emu_ctx emu_ctx;
typedef json_t *(*emu_handler)(emu_ctx *c);

struct emu_service {
    const char *name;          /* signing name: "ec2", "iam", ... */
    ism_aws_protocol proto;    /* wire protocol */
    const char *model;         /* "ec2/2016-11-15" under the models dir */
    const char *xmlns;         /* XML namespace of answers */
    const char *target_prefix; /* JSON 1.1: X-Amz-Target prefix */
    bool global;               /* IAM, Organizations, STS: no regional data */
    json_t *root, *shapes, *ops;
    hmap *compiled; /* shape name → emu_cshape */
};

typedef struct emu_op {
    const char *service; /* signing name */
    const char *name;    /* operation name as in the model */
    const char *route;   /* REST: "GET /detector/{detectorId}", S3: "GET /{Bucket}?encryption" */
    emu_handler handler;
    const char *data;      /* generic handlers: the tenant key holding the list */
    const char *list;      /* output member to paginate (NULL: not paginated) */
    const char *in_token;  /* request parameter carrying the page token (wire name) */
    const char *in_limit;  /* request parameter with the page size (wire name) */
    const char *out_token; /* output member for the next token */
    const char *more;      /* output boolean "there is more" (IsTruncated/Truncated) or NULL */
    int default_page;      /* AWS's page size when the client asks none */
    const char *xml_root;  /* REST-XML answers without a payload member: root element */
} emu_op;

extern emu_service emu_services[];
extern const size_t emu_services_count;
extern const emu_op emu_ops[];
extern const size_t emu_ops_count;

const emu_service *emu_service_find(const char *name);
const emu_op *emu_op_find(const char *service, const char *name);

typedef struct emu_principal {
    char account[16];
    char arn[320];
    char user_id[160];
    char user_name[128]; /* IAM user name, "" for root and roles */
    bool root, temporary;
} emu_principal;

struct emu_ctx {
    const emu_req *req;
    const emu_service *svc;
    const emu_op *op;
    char region[64];
    emu_principal who;
    json_t *account; /* the caller's tenant account (borrowed) */
    json_t *params;  /* request parameters (owned) */
    char request_id[48];
    int64_t now_s;   /* wall clock */
    int64_t mono_ms; /* monotonic clock */
    /* set by emu_fail */
    int err_status;
    char err_code[96];
    char err_msg[768];
    json_t *err_extra; /* S3: extra elements (BucketName ...) */
};

/* Records an error answer for the context; returns NULL so handlers can `return emu_fail(...)`. */
json_t *emu_fail(emu_ctx *c, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A request parameter as a string (form, JSON body string, path or query), or NULL. */
const char *emu_param(const emu_ctx *c, const char *name);
/* As a number: 0 when absent or not a number. */
long emu_param_long(const emu_ctx *c, const char *name);
/* "Prefix.1", "Prefix.2"... (query protocols) or a JSON array member: the values as strings. */
json_t *emu_param_list(const emu_ctx *c, const char *name);

/* Dispatches one request (admin endpoints included) and fills the answer. */
void emu_dispatch(const emu_req *req, emu_resp *resp);
/* Unique, deterministic request id (UUID form). */
void emu_request_id(char out[48]);

/* ---- rendering --------------------------------------------------------------------------- */
void emu_render_result(emu_ctx *c, json_t *result, emu_resp *r);
void emu_render_error(ism_aws_protocol p, const emu_service *svc, int status, const char *code,
                      const char *message, const char *request_id, json_t *extra, emu_resp *r);
/* An ISO-8601 / RFC 3339 string or an epoch number as seconds (and milliseconds). */
bool emu_parse_time(const json_t *v, int64_t *secs, int *ms);
void emu_format_time(int64_t secs, int ms, int style, char out[40]); /* style: see render.c */
enum { EMU_TS_ISO = 0, EMU_TS_ISO_MS, EMU_TS_CSV };

/* ---- pagination -------------------------------------------------------------------------- */
/* Slices result[op->list] to one page and sets the token members; false (error set) when the
 * request's token is not one this emulator issued for the operation. */
bool emu_paginate(emu_ctx *c, json_t *result);

/* ---- tenant ------------------------------------------------------------------------------- */
bool emu_tenant_load(char *why, size_t why_n);
json_t *emu_tenant(void);
json_t *emu_account(const char *id);
const char *emu_account_id(const json_t *acct);
bool emu_account_has_region(const json_t *acct, const char *region);
/* The region's object for a service ({} when none), and a list in it ([] when none). */
json_t *emu_region_data(const json_t *acct, const char *region, const char *service);
json_t *emu_region_list(const json_t *acct, const char *region, const char *service,
                        const char *key);
json_t *emu_iam(const json_t *acct); /* the account's "iam" object ({} when none) */
json_t *emu_iam_user(const json_t *acct, const char *name);
/* Finds a bucket in any account; *owner set to the owning account. */
json_t *emu_bucket(const char *name, json_t **owner);
/* The secret of a long-term key; fills the principal. False when unknown or inactive. */
bool emu_tenant_key(const char *access_key, char *secret, size_t n, emu_principal *who);
const char *emu_org_master(void);
/* Merges patch into base: objects recursively, arrays of objects by identifying key, else
 * appended. */
void emu_merge(json_t *base, json_t *patch);

/* ---- temporary credentials (STS) -------------------------------------------------------- */
typedef struct emu_creds {
    char access_key[32];
    char secret[48];
    char *token;
    int64_t expires_s;
    emu_principal who;
} emu_creds;

const emu_creds *emu_creds_issue(const emu_principal *who, int duration_s, int64_t now_s);
/* NULL when unknown or the token differs; *expired set when known but past expiry. */
const emu_creds *emu_creds_find(const char *access_key, const char *token, int64_t now_s,
                                bool *expired);

/* ---- faults, throttling and statistics ------------------------------------------------- */
typedef enum emu_fault_kind {
    EMU_F_NONE = 0,
    EMU_F_THROTTLE,
    EMU_F_INTERNAL,
    EMU_F_UNAVAILABLE,
    EMU_F_DROP,
    EMU_F_TRUNCATED,
    EMU_F_INVALID_JSON,
    EMU_F_HTML,
    EMU_F_ACCESS_DENIED,
    EMU_F_LATENCY,
    EMU_F_KIND_COUNT
} emu_fault_kind;

const char *emu_fault_name(emu_fault_kind k);
bool emu_fault_parse_kind(const char *s, emu_fault_kind *k);
bool emu_faults_add_spec(const char *spec, char *why, size_t n);   /* --fault */
bool emu_faults_add_bucket(const char *spec, char *why, size_t n); /* --bucket */
bool emu_faults_load(const char *path, char *why, size_t n);       /* --faults */
void emu_faults_init(void);
void emu_faults_reset(void);

typedef struct emu_fault_decision {
    emu_fault_kind kind; /* EMU_F_NONE: serve normally */
    int html_status;
    int delay_ms; /* total latency to add */
} emu_fault_decision;

/* Takes a token from the (account, region, service) bucket; false = throttled. */
bool emu_bucket_take(const char *account, const char *region, const char *service, int64_t mono_ms);
/* Decides what to do with an authenticated request of op for account/region. */
void emu_faults_decide(const char *opkey, const char *account, const char *region,
                       emu_fault_decision *d);
/* Content faults applied to a rendered answer. */
void emu_fault_transform(emu_fault_kind k, int html_status, emu_resp *r);

void emu_stats_request(void);
/* n answers are now waiting on latency timers (stats keep the most at once: proof that delayed
 * answers overlap, without timing them). */
void emu_stats_parked(size_t n);
void emu_stats_op(const char *opkey, int status, bool throttled, emu_fault_kind injected);
void emu_stats_auth_failure(void);
void emu_stats_throttled_key(const char *key);
void emu_stats_conn(int delta_open, bool accepted, bool rejected);
json_t *emu_stats_json(void);
void emu_stats_reset(void);

/* ---- per-service handlers (op_*.c) -------------------------------------------------------- */
json_t *h_region_list(emu_ctx *c);
json_t *h_sts_get_caller_identity(emu_ctx *c);
json_t *h_sts_assume_role(emu_ctx *c);
json_t *h_org_list_accounts(emu_ctx *c);
json_t *h_org_describe_organization(emu_ctx *c);
json_t *h_iam_account_summary(emu_ctx *c);
json_t *h_iam_password_policy(emu_ctx *c);
json_t *h_iam_list_users(emu_ctx *c);
json_t *h_iam_list_mfa_devices(emu_ctx *c);
json_t *h_iam_list_attached_user_policies(emu_ctx *c);
json_t *h_iam_list_roles(emu_ctx *c);
json_t *h_iam_generate_report(emu_ctx *c);
json_t *h_iam_get_report(emu_ctx *c);
void emu_reports_reset(void);
json_t *h_ec2_describe_regions(emu_ctx *c);
json_t *h_ec2_ebs_default(emu_ctx *c);
json_t *h_ec2_describe(emu_ctx *c);
json_t *h_ct_describe_trails(emu_ctx *c);
json_t *h_ct_trail_status(emu_ctx *c);
json_t *h_ct_event_selectors(emu_ctx *c);
json_t *h_kms_list_keys(emu_ctx *c);
json_t *h_kms_describe_key(emu_ctx *c);
json_t *h_kms_rotation_status(emu_ctx *c);
json_t *h_s3_list_buckets(emu_ctx *c);
json_t *h_s3_location(emu_ctx *c);
json_t *h_s3_bucket_config(emu_ctx *c);
json_t *h_cfg_recorders(emu_ctx *c);
json_t *h_cfg_recorder_status(emu_ctx *c);
json_t *h_gd_list_detectors(emu_ctx *c);
json_t *h_gd_get_detector(emu_ctx *c);
json_t *h_bk_list_plans(emu_ctx *c);
json_t *h_bk_get_plan(emu_ctx *c);
json_t *h_logs_describe_groups(emu_ctx *c);

#endif
