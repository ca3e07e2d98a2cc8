/* test_oci_params.c — the params of an OCI collection checked through the provider interface's
 * generic checker (unknown fields, kinds, characters) and the OCI rules (compartment OCIDs,
 * region identifiers), and the endpoints: Oracle's regional hosts or one base URL. */
#include "ismap/oci.h"
#include "testutil.h"

#include <check.h>
#include <string.h>

static bool check(const char *json, char *msg, size_t n)
{
    json_error_t je;
    json_t *p = json_loads(json, 0, &je);
    ck_assert_msg(p, "%s", je.text);
    ism_error e = {0};
    const ism_provider *oci = ism_provider_find("oci");
    ck_assert_ptr_nonnull(oci);
    bool ok = ism_provider_check_params(oci, p, &e);
    if (msg) ism_strlcpy(msg, e.message, n);
    ism_error_clear(&e);
    json_decref(p);
    return ok;
}

START_TEST(params_accepted_and_refused)
{
    char m[512];
    ck_assert(check("{}", m, sizeof m));
    ck_assert_msg(check("{\"profile\":\"audit\",\"config_file\":\"/etc/ismap/oci/config\","
                        "\"compartment\":\"ocid1.compartment.oc1..aaaaabbbb\","
                        "\"regions\":[\"ap-tokyo-1\",\"ap-osaka-1\"],"
                        "\"endpoint_url\":\"http://127.0.0.1:9000\"}",
                        m, sizeof m),
                  "%s", m);
    ck_assert(check("{\"compartment\":\"ocid1.tenancy.oc1..aaaa\"}", m, sizeof m));
    ck_assert(!check("{\"compartment\":\"ocid1.vcn.oc1..aaaa\"}", m, sizeof m));
    ck_assert_msg(strstr(m, "compartment"), "%s", m);
    ck_assert(!check("{\"regions\":[\"Tokyo\"]}", m, sizeof m));
    ck_assert_msg(strstr(m, "regions"), "%s", m);
    ck_assert(!check("{\"regions\":[\"ap-tokyo-1\",\"ap--x\"]}", m, sizeof m));
    ck_assert(!check("{\"tenancy\":\"x\"}", m, sizeof m));
    ck_assert_msg(strstr(m, "tenancy"), "%s", m);
    ck_assert(!check("{\"profile\":\"a b\"}", m, sizeof m));
    ck_assert(!check("{\"endpoint_url\":\"http://example.com\"}", m, sizeof m));
    ck_assert(!check("{\"endpoint_url\":\"ftp://127.0.0.1\"}", m, sizeof m));
}
END_TEST

START_TEST(endpoints)
{
    char u[256];
    ck_assert(ism_oci_endpoint(NULL, "identity", "ap-tokyo-1", u, sizeof u));
    ck_assert_str_eq(u, "https://identity.ap-tokyo-1.oci.oraclecloud.com");
    ck_assert(ism_oci_endpoint(NULL, "iaas", "ap-osaka-1", u, sizeof u));
    ck_assert_str_eq(u, "https://iaas.ap-osaka-1.oraclecloud.com");
    /* the SDKs' templates: events under oci., the notification control plane not */
    ck_assert(ism_oci_endpoint(NULL, "events", "ap-tokyo-1", u, sizeof u));
    ck_assert_str_eq(u, "https://events.ap-tokyo-1.oci.oraclecloud.com");
    ck_assert(ism_oci_endpoint(NULL, "notification", "ap-tokyo-1", u, sizeof u));
    ck_assert_str_eq(u, "https://notification.ap-tokyo-1.oraclecloud.com");
    ck_assert(ism_oci_endpoint(NULL, "cloudguard", "ap-tokyo-1", u, sizeof u));
    ck_assert_str_eq(u, "https://cloudguard-cp-api.ap-tokyo-1.oci.oraclecloud.com");
    ck_assert(ism_oci_endpoint("", "objectstorage", "ap-osaka-1", u, sizeof u));
    ck_assert_str_eq(u, "https://objectstorage.ap-osaka-1.oraclecloud.com");
    ck_assert(ism_oci_endpoint("http://127.0.0.1:9000/", "cloudguard", "ap-tokyo-1", u, sizeof u));
    ck_assert_str_eq(u, "http://127.0.0.1:9000/cloudguard/ap-tokyo-1");
    ck_assert(!ism_oci_endpoint(NULL, "nosuch", "ap-tokyo-1", u, sizeof u));
    ck_assert(!ism_oci_endpoint(NULL, "iaas", "AP_TOKYO", u, sizeof u));
    ck_assert(!ism_oci_endpoint("http://127.0.0.1:9000", "iaas", "ap-tokyo-1", u, 10));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("oci_params");
    TCase *tc = tcase_create("params");
    tcase_add_test(tc, params_accepted_and_refused);
    tcase_add_test(tc, endpoints);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
