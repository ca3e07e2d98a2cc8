/* params.c — the params of an OCI collection (profile, config file, compartment, regions,
 * endpoint URL) with their checks, and where each service of a region is reached: Oracle's
 * regional endpoints, or one base URL (an emulator, a private endpoint) under which the path
 * names the service and the region. */
#include "ismap/oci.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

const ism_provider_param ism_oci_params[] = {
    {"profile", ISM_PPARAM_STRING, "profile", "P",
     "A profile of the daemon's OCI config file (~/.oci/config) [OCI_CLI_PROFILE or DEFAULT].", 1,
     64, 0, "_-.@+"},
    {"config_file", ISM_PPARAM_PATH, "config-file", "PATH",
     "The OCI config file on the daemon's host [OCI_CLI_CONFIG_FILE or ~/.oci/config].", 0, 0, 0,
     NULL},
    {"compartment", ISM_PPARAM_STRING, "compartment", "OCID",
     "Collect this compartment and its subtree [the whole tenancy].", 10, 255, 0, "._-"},
    {"regions", ISM_PPARAM_LIST, "regions", "r1,r2",
     "Regions to collect [every region the tenancy subscribes to].", 3, 32, 64, "-"},
    {"endpoint_url", ISM_PPARAM_URL, "endpoint-url", "URL",
     "One base URL for every service of every region (an emulator, a private endpoint): "
     "URL/<service>/<region>/...",
     0, 0, 0, NULL},
    {NULL, 0, NULL, NULL, NULL, 0, 0, 0, NULL},
};

bool ism_oci_region_name_ok(const char *r)
{
    /* "ap-tokyo-1", "us-ashburn-1", "eu-frankfurt-1": lower-case words, a number last */
    size_t n = r ? strlen(r) : 0;
    if (n < 4 || !isdigit((unsigned char)r[n - 1]) || !strchr(r, '-')) return false;
    for (size_t i = 0; i < n; i++)
        if (!islower((unsigned char)r[i]) && !isdigit((unsigned char)r[i]) && r[i] != '-')
            return false;
    return r[0] != '-' && !strstr(r, "--");
}

bool ism_oci_params_check(const json_t *p, ism_error *err)
{
    const char *c = ism_json_getstr(p, "compartment");
    if (c && strncmp(c, "ocid1.compartment.", 18) && strncmp(c, "ocid1.tenancy.", 14))
        return ism_error_set(err, ISM_E_INVALID_PARAMS,
                             "field 'compartment' must be a compartment or tenancy OCID "
                             "(ocid1.compartment.oc1..., ocid1.tenancy.oc1...)");
    size_t i;
    const json_t *v;
    json_array_foreach(json_object_get(p, "regions"), i, v)
    {
        if (!ism_oci_region_name_ok(json_string_value(v)))
            return ism_error_set(err, ISM_E_INVALID_PARAMS,
                                 "field 'regions': '%s' is not an OCI region identifier (like "
                                 "ap-tokyo-1)",
                                 json_string_value(v));
    }
    return true;
}

/* The public endpoints' host names (the SDKs' service endpoint templates). */
static const struct {
    const char *service, *prefix, *domain; /* https://<prefix>.<region>.<domain> */
} k_hosts[] = {
    {"identity", "identity", "oci.oraclecloud.com"},
    {"iaas", "iaas", "oraclecloud.com"},
    {"objectstorage", "objectstorage", "oraclecloud.com"},
    {"audit", "audit", "oraclecloud.com"},
    {"kms", "kms", "oraclecloud.com"},
    {"cloudguard", "cloudguard-cp-api", "oci.oraclecloud.com"},
    {"logging", "logging", "oci.oraclecloud.com"},
    {"events", "events", "oci.oraclecloud.com"},
    {"notification", "notification", "oraclecloud.com"},
};

bool ism_oci_endpoint(const char *base_url, const char *service, const char *region, char *out,
                      size_t n)
{
    if (!ism_oci_region_name_ok(region)) return false;
    if (base_url && *base_url) {
        size_t bl = strlen(base_url);
        while (bl && base_url[bl - 1] == '/')
            bl--;
        return snprintf(out, n, "%.*s/%s/%s", (int)bl, base_url, service, region) < (int)n;
    }
    for (size_t i = 0; i < sizeof k_hosts / sizeof k_hosts[0]; i++) {
        if (strcmp(k_hosts[i].service, service)) continue;
        return snprintf(out, n, "https://%s.%s.%s", k_hosts[i].prefix, region, k_hosts[i].domain) <
               (int)n;
    }
    return false;
}
