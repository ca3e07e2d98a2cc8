/* dispatch_int.h — the request pipeline's internal steps, shared by dispatch.c, auth.c and
 * params.c. */
#ifndef AWSEMU_DISPATCH_INT_H
#define AWSEMU_DISPATCH_INT_H

#include "emu.h"

void emu_form_parse(json_t *params, const char *s, size_t n);
bool emu_parse_params(emu_ctx *c);
bool emu_route_op(emu_ctx *c);
/* Finds the service from the SigV4 credential scope (or guesses the protocol for an error). */
bool emu_identify(emu_ctx *c, ism_aws_protocol *guess);
/* Verifies the signature and sets c->who and c->account. */
bool emu_authenticate(emu_ctx *c);
/* Region rules: opt-in regions not enabled, service control policies limiting regions. */
bool emu_region_allowed(emu_ctx *c);
/* The protocol's AccessDenied for the caller and operation (`why` appended to the message). */
json_t *emu_access_denied(emu_ctx *c, const char *why);

#endif
