/* info.c — OCI as a provider, as data: its name, titles, the params of a collection and
 * the CLI's help (what it does is provider.c: include/ismap/provider.h says why the two are
 * apart). */
#include "ismap/provider.h"
#include "oci_int.h"

const ism_provider ism_provider_oci = {
    .name = "oci",
    .title = "OCI",
    .scope_noun = "compartment",
    .summary = "collect OCI settings (a tenancy or a compartment subtree) into a signed snapshot",
    .examples = "  ismapctl collect oci --wait\n"
                "  ismapctl collect oci --profile AUDIT --regions ap-tokyo-1,ap-osaka-1 --wait\n"
                "  ismapctl collect oci --compartment ocid1.compartment.oc1..xxxx --wait\n",
    .params = ism_oci_params,
    .permission_title = "POLICY (VERB RESOURCE-TYPE)",
    .entry_operation = "ListRegionSubscriptions",
};
