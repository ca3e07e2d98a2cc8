/* gcp_int.h — inside the Google Cloud collector: the operations it calls (ops.c) and the
 * collection's options (collector.c, called by provider.c). Not a room interface. */
#ifndef ISM_GCP_INT_H
#define ISM_GCP_INT_H

#include "ismap/gcp.h"
#include "ismap/provider.h"

/* How an operation fans out within a project. */
typedef enum gcp_scope {
    GCP_GLOBAL = 1, /* once per project */
    GCP_REGIONAL,   /* once per region */
    GCP_ZONAL,      /* once per region, one call chain per zone of it */
    GCP_CHILD,      /* once per project, one call chain per resource of the parent operation
                       (a GCP_REGIONAL op with a target_attr does the same per region) */
    GCP_EACH,       /* once per project, one call per fixed target (org policy constraints) */
} gcp_scope;

typedef struct gcp_op {
    const char *service;    /* "compute": the API's short name (host <service>.googleapis.com) */
    const char *operation;  /* "networks.list" (coverage and calls) */
    const char *permission; /* "compute.networks.list": what the identity needs */
    const char *type;       /* resource type written: "compute.Network" */
    gcp_scope scope;
    const char *method; /* "GET" or "POST" */
    /* Path under the API's base URL: {p} project id, {r} region, {x} the target (a zone, a
     * parent resource's name, a constraint). */
    const char *path;
    const char *field;      /* the answer's list field; NULL: the answer is one resource */
    const char *page_param; /* "maxResults" / "pageSize"; NULL: not paged */
    int page_size;
    const char *parent;      /* operation whose resources (GCP_CHILD) or completion it needs */
    const char *needs_api;   /* only when serviceusage lists this API enabled: "backupdr..." */
    const char *target_attr; /* GCP_CHILD: the parent resource's field naming the target */
    double rate;             /* the per-project quota this collector keeps to, calls/s */
} gcp_op;

/* The per-project operations, in the order they are started. */
const gcp_op *ism_gcp_ops(size_t *n);
const gcp_op *ism_gcp_op_find(const char *operation);
/* The organization-tree operations (account = the organization or folder). */
extern const gcp_op ism_gcp_tree_ops[];
/* Cloud Asset Inventory's assets.list, [0] contentType RESOURCE, [1] IAM_POLICY (NULL-ended). */
extern const gcp_op ism_gcp_cai_ops[];
/* Which per-service operation an asset type serves. */
typedef struct gcp_cai_type {
    const char *service;    /* the operation's API ("compute") */
    const char *operation;  /* "networks.list" */
    const char *asset_type; /* "compute.googleapis.com/Network" */
    bool iam_policy;        /* read as contentType IAM_POLICY (the asset's iamPolicy) */
} gcp_cai_type;
extern const gcp_cai_type ism_gcp_cai_types[]; /* NULL-ended */
/* The row for an operation, or for an asset type of that content type; NULL: none. */
const gcp_cai_type *ism_gcp_cai_type_of(const char *operation, const char *asset_type, bool iam);
/* The org policy constraints read for every project. */
extern const char *const ism_gcp_constraints[];

typedef struct gcp_opts {
    const char *key_file;    /* NULL: $GOOGLE_APPLICATION_CREDENTIALS */
    const char *impersonate; /* a service account's email, or NULL */
    const char *const *projects, *const *regions;
    const char *folder, *organization;
    bool no_asset_inventory;  /* read every service's API, never Cloud Asset Inventory */
    const char *endpoint_url; /* every API to this base URL (the token still goes to token_uri) */
    const char *session_name;
    int max_in_flight;
    double rate_scale; /* multiplies every quota rate (tests, benchmarks); 0 = 1 */
    void (*progress)(void *ctx, const ism_collect_progress *p);
    bool (*should_stop)(void *ctx);
    void *ctx;
} gcp_opts;

bool ism_gcp_collect(const gcp_opts *o, struct ism_snapshot *snap, ism_collect_stats *st,
                     ism_error *err);

#endif
