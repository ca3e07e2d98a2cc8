/* aws_int.h — helpers shared by the AWS protocol files (xml.c, protocol.c, engine glue). */
#ifndef ISMAP_AWS_INT_H
#define ISMAP_AWS_INT_H

#include "ismap/aws.h"

/* The first ~120 bytes of a body, control characters replaced, "..." when cut: safe to put
 * in an error message. */
void ism_aws_body_excerpt(const char *body, size_t len, char *out, size_t n);

#endif
