/* info.c — Microsoft Azure as a provider, as data: its name, titles, the params of a collection and
 * the CLI's help (what it does is provider.c: include/ismap/provider.h says why the two are
 * apart). */
#include "ismap/provider.h"

static const ism_provider_param azure_params[] = {
    {"subscriptions", ISM_PPARAM_LIST, "subscription", "ID",
     "Subscriptions to collect (ids) [every one under --management-group, or every one the "
     "app can read].",
     36, 36, 0, "-"},
    {"management_group", ISM_PPARAM_STRING, "management-group", "M",
     "Collect every subscription under this management group (its id).", 1, 90, 0, "-_.()"},
    {"locations", ISM_PPARAM_LIST, "locations", "l1,l2",
     "Locations whose resources to keep, e.g. japaneast,japanwest [all].", 2, 40, 64, "-"},
    {"endpoint_url", ISM_PPARAM_URL, "endpoint-url", "URL",
     "One base URL for the token endpoint, ARM and Graph (an emulator, a private endpoint).", 0, 0,
     0, NULL},
    {"authority_host", ISM_PPARAM_URL, "authority-host", "URL",
     "The Entra ID authority [AZURE_AUTHORITY_HOST or https://login.microsoftonline.com].", 0, 0, 0,
     NULL},
    {"arm_url", ISM_PPARAM_URL, "arm-url", "URL",
     "Azure Resource Manager's base URL [https://management.azure.com].", 0, 0, 0, NULL},
    {"graph_url", ISM_PPARAM_URL, "graph-url", "URL",
     "Microsoft Graph's base URL [https://graph.microsoft.com].", 0, 0, 0, NULL},
    {NULL, 0, NULL, NULL, NULL, 0, 0, 0, NULL},
};

const ism_provider ism_provider_azure = {
    .name = "azure",
    .title = "Microsoft Azure",
    .scope_noun = "subscription",
    .summary = "collect Azure settings (subscriptions, a management group, Entra ID) into a "
               "signed snapshot",
    .examples = "  ismapctl collect azure --wait\n"
                "  ismapctl collect azure --subscription 00000000-0000-0000-0000-000000000000 "
                "--locations japaneast,japanwest --wait\n"
                "  ismapctl collect azure --management-group minato-city --wait\n",
    .params = azure_params,
    .permission_title = "RBAC ACTION / GRAPH PERMISSION",
    .entry_operation = "SubscriptionsGet",
};
