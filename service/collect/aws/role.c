/* role.c — the member role of an organization collection, as an operator may give it: a name
 * ("ReadOnlyAudit"), a name with a path ("security/ReadOnlyAudit", "/security/ReadOnlyAudit"),
 * or a role ARN ("arn:aws:iam::123456789012:role/security/ReadOnlyAudit", whose account is
 * replaced by each member's). Checked by IAM's own rules: a name is 1 to 64 of letters, digits
 * and _+=,.@-; a path is "/" or /.../ of at most 512 printable ASCII characters (no spaces). */
#include "ismap/aws.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define ROLE_NAME_MAX 64
#define ROLE_PATH_MAX 512

typedef struct role_parts {
    char partition[32];
    char path[ROLE_PATH_MAX + 2];
    char name[ROLE_NAME_MAX + 1];
} role_parts;

static bool name_char(char c)
{
    return isalnum((unsigned char)c) || strchr("_+=,.@-", c);
}

static bool parse(const char *spec, role_parts *p, ism_error *err)
{
    memset(p, 0, sizeof *p);
    strcpy(p->partition, "aws");
    if (!spec || !*spec)
        return ism_error_set(err, ISM_E_INVALID_PARAMS, "field 'role_name' is empty");
    const char *rest = spec;
    if (strncmp(spec, "arn:", 4) == 0) {
        /* arn:PARTITION:iam::ACCOUNT:role/PATH/NAME */
        const char *q = spec + 4, *c = strchr(q, ':');
        if (!c || (size_t)(c - q) == 0 || (size_t)(c - q) >= sizeof p->partition ||
            strncmp(c, ":iam::", 6) != 0)
            return ism_error_set(err, ISM_E_INVALID_PARAMS,
                                 "field 'role_name': '%.80s' is not an IAM role ARN "
                                 "(arn:aws:iam::123456789012:role/NAME)",
                                 spec);
        memcpy(p->partition, q, (size_t)(c - q));
        for (const char *x = p->partition; *x; x++)
            if (!islower((unsigned char)*x) && *x != '-')
                return ism_error_set(err, ISM_E_INVALID_PARAMS,
                                     "field 'role_name': bad partition in '%.80s'", spec);
        const char *acct = c + 6, *ac = strchr(acct, ':');
        size_t an = ac ? (size_t)(ac - acct) : 0;
        bool digits = an == 12;
        for (size_t i = 0; digits && i < an; i++)
            digits = isdigit((unsigned char)acct[i]);
        if (!ac || !(digits || (an == 1 && *acct == '*')) || strncmp(ac, ":role/", 6) != 0)
            return ism_error_set(err, ISM_E_INVALID_PARAMS,
                                 "field 'role_name': '%.80s' is not an IAM role ARN (the account "
                                 "must be 12 digits or *, then :role/)",
                                 spec);
        rest = ac + 5; /* "/PATH/NAME" */
    }
    const char *slash = strrchr(rest, '/');
    const char *name = slash ? slash + 1 : rest;
    size_t nn = strlen(name);
    if (nn == 0 || nn > ROLE_NAME_MAX)
        return ism_error_set(err, ISM_E_INVALID_PARAMS,
                             "field 'role_name': the role name must be 1 to %d characters "
                             "(got %zu in '%.80s')",
                             ROLE_NAME_MAX, nn, spec);
    for (const char *x = name; *x; x++)
        if (!name_char(*x))
            return ism_error_set(err, ISM_E_INVALID_PARAMS,
                                 "field 'role_name': the role name '%.64s' may hold only letters, "
                                 "digits and _+=,.@-",
                                 name);
    memcpy(p->name, name, nn + 1);
    /* The path: what comes before the name, with the leading and trailing slashes IAM uses. */
    size_t pl = slash ? (size_t)(slash - rest) : 0;
    const char *path = rest;
    if (pl && *path == '/') path++, pl--;
    if (pl + 2 > ROLE_PATH_MAX)
        return ism_error_set(err, ISM_E_INVALID_PARAMS,
                             "field 'role_name': the path may be at most %d characters",
                             ROLE_PATH_MAX);
    p->path[0] = '/';
    for (size_t i = 0; i < pl; i++) {
        char c = path[i];
        if (c < 0x21 || c > 0x7e || (c == '/' && (i == 0 || i + 1 == pl || path[i - 1] == '/')))
            return ism_error_set(err, ISM_E_INVALID_PARAMS,
                                 "field 'role_name': bad path in '%.80s' (printable ASCII without "
                                 "spaces or empty segments)",
                                 spec);
        p->path[1 + i] = c;
    }
    if (pl) p->path[1 + pl] = '/';
    return true;
}

bool ism_aws_role_spec_check(const char *spec, ism_error *err)
{
    role_parts p;
    return parse(spec, &p, err);
}

bool ism_aws_role_arn_for(const char *spec, const char *account, char *buf, size_t n)
{
    role_parts p;
    ism_error e = {0};
    bool ok = parse(spec, &p, &e);
    ism_error_clear(&e);
    if (!ok) {
        if (n) buf[0] = '\0';
        return false;
    }
    int w = snprintf(buf, n, "arn:%s:iam::%s:role%s%s", p.partition, account, p.path, p.name);
    return w > 0 && (size_t)w < n;
}
