/* info.c — Google Cloud as a provider, as data: its name, titles, the params of a collection and
 * the CLI's help (what it does is provider.c: include/ismap/provider.h says why the two are
 * apart). */
#include "ismap/provider.h"

static const ism_provider_param gcp_params[] = {
    {"key_file", ISM_PPARAM_PATH, "key-file", "FILE",
     "A service-account key file, or a workload identity federation (external_account) file, "
     "on the daemon's host [$GOOGLE_APPLICATION_CREDENTIALS].",
     0, 0, 0, NULL},
    {"impersonate", ISM_PPARAM_STRING, "impersonate-service-account", "EMAIL",
     "Read as this service account (iamcredentials generateAccessToken with the key's identity).",
     6, 254, 0, "@.-_"},
    {"projects", ISM_PPARAM_LIST, "project", "ID",
     "Projects to collect (repeatable) [the key file's project when no scope is given].", 6, 30,
     1000, "-"},
    {"folder", ISM_PPARAM_STRING, "folder", "ID",
     "Collect every project under this folder (numeric id), the folders' IAM policies too.", 1, 32,
     0, ""},
    {"organization", ISM_PPARAM_STRING, "organization", "ID",
     "Collect the whole organization (numeric id): folders, projects, IAM policies.", 1, 32, 0, ""},
    {"regions", ISM_PPARAM_LIST, "regions", "r1,r2",
     "Regions to collect [every region of each project].", 2, 32, 64, "-"},
    {"no_asset_inventory", ISM_PPARAM_BOOL, "no-asset-inventory", NULL,
     "Read every service's API; never Cloud Asset Inventory (by default it is tried on the "
     "scope and every service's API is the fallback where it is disabled or denied).",
     0, 0, 0, NULL},
    {"endpoint_url", ISM_PPARAM_URL, "endpoint-url", "URL",
     "One base URL for every API (an emulator, a private endpoint); the token request still "
     "goes to the key file's token_uri.",
     0, 0, 0, NULL},
    {NULL, 0, NULL, NULL, NULL, 0, 0, 0, NULL},
};

const ism_provider ism_provider_gcp = {
    .name = "gcp",
    .title = "Google Cloud",
    .scope_noun = "project",
    .summary = "collect Google Cloud settings (projects, a folder or the organization) into a "
               "signed snapshot",
    .examples = "  ismapctl collect gcp --project minato-juki-prod --wait\n"
                "  ismapctl collect gcp --organization 538211890412 --regions "
                "asia-northeast1,asia-northeast2 --wait\n"
                "  ismapctl collect gcp --folder 201 --impersonate-service-account "
                "ismap-reader@minato-sec-tools.iam.gserviceaccount.com\n",
    .params = gcp_params,
    .permission_title = "IAM PERMISSION",
    .entry_operation = "projects.get",
};
