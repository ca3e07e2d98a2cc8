/* test_collector_ops.c — the AWS operations table as data: every entry well-formed (protocol,
 * method, an extractor, parents before children, per-resource entries with a parameter), the
 * operations the issue lists all present, names, paths, targets and pagination members as in
 * botocore's models, the generated output shapes identical to the models, endpoints per service
 * and region (and --endpoint-url), and requests as each protocol wants them. */
#include "ismap/aws.h"
#include "testutil.h"

#include <check.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#define BOTOCORE "/usr/lib/python3/dist-packages/botocore/data"

static size_t nops;
static const ism_aws_op *ops;

static void setup(void)
{
    ops = ism_aws_ops(&nops);
}

START_TEST(entries_are_well_formed)
{
    ck_assert_uint_ge(nops, 45);
    for (size_t i = 0; i < nops; i++) {
        const ism_aws_op *o = &ops[i];
        ck_assert_msg(o->extract != NULL, "%s has no extractor", o->name);
        ck_assert_msg(o->protocol <= ISM_AWS_REST_XML, "%s: protocol", o->name);
        ck_assert_msg(!strcmp(o->method, "GET") || !strcmp(o->method, "POST"), "%s", o->name);
        ck_assert_msg(o->path && o->path[0] == '/', "%s: path", o->name);
        ck_assert_msg(o->version && *o->version, "%s: version", o->name);
        ck_assert_msg((o->protocol == ISM_AWS_JSON) == (o->target != NULL), "%s: target", o->name);
        ck_assert_msg(!o->in_token || o->out_token, "%s: paging", o->name);
        ck_assert_msg(!o->limit_key || o->limit > 0, "%s: page size", o->name);
        ck_assert_ptr_eq(ism_aws_op_find(o->service, o->name), o);
        ck_assert(ism_aws_service_known(o->service));
        if (o->protocol != ISM_AWS_JSON && o->protocol != ISM_AWS_REST_JSON)
            ck_assert_msg(ism_aws_output_of(o) != NULL, "%s: no output shape", o->name);
        if (o->scope == ISM_AWS_SCOPE_PER_RESOURCE)
            ck_assert_msg(o->parent && o->param, "%s: per-resource needs parent and param",
                          o->name);
        if (o->parent) {
            const ism_aws_op *p = ism_aws_op_find(o->service, o->parent);
            ck_assert_msg(p != NULL, "%s: parent %s missing", o->name, o->parent);
            ck_assert_msg(p < o, "%s: parent %s must come first", o->name, o->parent);
            if (o->scope == ISM_AWS_SCOPE_PER_RESOURCE)
                ck_assert_msg(p->type && o->type && !strcmp(p->type, o->type),
                              "%s: writes %s over its parent's %s", o->name, o->type, p->type);
        }
        if (o->param && o->param[0] == '{')
            ck_assert_msg(strstr(o->path, o->param) != NULL, "%s: %s not in path", o->name,
                          o->param);
        if (o->type) ck_assert_msg(strchr(o->type, '.') != NULL, "%s: type", o->name);
    }
    ck_assert(!ism_aws_service_known("lambda"));
    ck_assert(ism_aws_op_find("ec2", "RunInstances") == NULL);
}
END_TEST

START_TEST(the_issue_operations_are_all_there)
{
    static const char *const want[] = {"sts GetCallerIdentity",
                                       "sts AssumeRole",
                                       "organizations ListAccounts",
                                       "iam GetAccountSummary",
                                       "iam GetAccountPasswordPolicy",
                                       "iam ListUsers",
                                       "iam ListMFADevices",
                                       "iam GenerateCredentialReport",
                                       "iam GetCredentialReport",
                                       "iam ListRoles",
                                       "iam ListAttachedUserPolicies",
                                       "ec2 DescribeRegions",
                                       "ec2 DescribeVpcs",
                                       "ec2 DescribeSubnets",
                                       "ec2 DescribeRouteTables",
                                       "ec2 DescribeInternetGateways",
                                       "ec2 DescribeNatGateways",
                                       "ec2 DescribeVpcPeeringConnections",
                                       "ec2 DescribeTransitGatewayAttachments",
                                       "ec2 DescribeSecurityGroups",
                                       "ec2 DescribeNetworkAcls",
                                       "ec2 DescribeFlowLogs",
                                       "ec2 GetEbsEncryptionByDefault",
                                       "ec2 DescribeVolumes",
                                       "ec2 DescribeInstances",
                                       "cloudtrail DescribeTrails",
                                       "cloudtrail GetTrailStatus",
                                       "cloudtrail GetEventSelectors",
                                       "kms ListKeys",
                                       "kms DescribeKey",
                                       "kms GetKeyRotationStatus",
                                       "s3 ListBuckets",
                                       "s3 GetBucketLocation",
                                       "s3 GetBucketEncryption",
                                       "s3 GetPublicAccessBlock",
                                       "s3 GetBucketVersioning",
                                       "s3 GetObjectLockConfiguration",
                                       "s3 GetBucketPolicyStatus",
                                       "config DescribeConfigurationRecorders",
                                       "config DescribeConfigurationRecorderStatus",
                                       "guardduty ListDetectors",
                                       "guardduty GetDetector",
                                       "backup ListBackupPlans",
                                       "backup GetBackupPlan",
                                       "logs DescribeLogGroups"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        char svc[32];
        const char *sp = strchr(want[i], ' ');
        memcpy(svc, want[i], (size_t)(sp - want[i]));
        svc[sp - want[i]] = '\0';
        ck_assert_msg(ism_aws_op_find(svc, sp + 1) != NULL, "missing %s", want[i]);
    }
}
END_TEST

START_TEST(error_code_lists)
{
    ck_assert(ism_aws_code_in("B", "A,B,C"));
    ck_assert(!ism_aws_code_in("AB", "A,B"));
    ck_assert(!ism_aws_code_in("", "A,,B"));
    ck_assert(!ism_aws_code_in("A", NULL));
    ck_assert(ism_aws_is_denied_code("AccessDenied"));
    ck_assert(ism_aws_is_denied_code("UnauthorizedOperation"));
    ck_assert(ism_aws_is_denied_code("AccessDeniedException"));
    ck_assert(!ism_aws_is_denied_code("Throttling"));
    ck_assert(ism_aws_is_not_enabled_code("OptInRequired"));
    const ism_aws_op *pab = ism_aws_op_find("s3", "GetPublicAccessBlock");
    ck_assert(ism_aws_code_in("NoSuchPublicAccessBlockConfiguration", pab->none_codes));
    ck_assert(ism_aws_code_in("NoSuchBucket", pab->none_codes));
}
END_TEST

/* ---- against botocore's models ------------------------------------------------------------ */
static char *model_dir(const char *service)
{
    char base[512];
    snprintf(base, sizeof base, BOTOCORE "/%s", service);
    DIR *d = opendir(base);
    if (!d) return NULL;
    char best[64] = "";
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.' && strcmp(e->d_name, best) > 0)
            ism_strlcpy(best, e->d_name, sizeof best);
    closedir(d);
    return ism_strdupf("%s/%s", base, best);
}

static json_t *load_model(const char *service, const char *file)
{
    char *dir = model_dir(service);
    if (!dir) return NULL;
    char *path = ism_strdupf("%s/%s", dir, file);
    json_t *j = json_load_file(path, 0, NULL);
    free(path);
    free(dir);
    return j;
}

static const char *proto_name(ism_aws_protocol p)
{
    static const char *const names[] = {"query", "ec2", "json", "rest-json", "rest-xml"};
    return names[p];
}

/* A request member's wire name: its locationName when it has one, else its name; EC2's query
 * serializer capitalizes the locationName ("nextToken" is sent as NextToken). */
static const char *wire_in(json_t *model, const char *input_shape, const char *member)
{
    static char buf[128];
    json_t *m = json_object_get(
        json_object_get(json_object_get(json_object_get(model, "shapes"), input_shape), "members"),
        member);
    const char *ln = ism_json_getstr(m, "locationName");
    const char *proto = ism_json_getstr(json_object_get(model, "metadata"), "protocol");
    if (!ln || !strcmp(proto, "query")) return member;
    ism_strlcpy(buf, ln, sizeof buf);
    if (!strcmp(proto, "ec2") && buf[0] >= 'a' && buf[0] <= 'z') buf[0] = (char)(buf[0] - 32);
    return buf;
}

static void check_op_against_model(const ism_aws_op *o, json_t *model, json_t *pag)
{
    json_t *md = json_object_get(model, "metadata");
    json_t *mo = json_object_get(json_object_get(model, "operations"), o->name);
    ck_assert_msg(mo != NULL, "%s:%s not in the model", o->service, o->name);
    ck_assert_str_eq(ism_json_getstr(md, "protocol"), proto_name(o->protocol));
    json_t *http = json_object_get(mo, "http");
    ck_assert_str_eq(ism_json_getstr(http, "method"), o->method);
    if (o->protocol == ISM_AWS_REST_JSON || o->protocol == ISM_AWS_REST_XML)
        ck_assert_str_eq(ism_json_getstr(http, "requestUri"), o->path);
    if (o->protocol == ISM_AWS_JSON) {
        char t[256];
        snprintf(t, sizeof t, "%s.%s", ism_json_getstr(md, "targetPrefix"), o->name);
        ck_assert_str_eq(t, o->target);
        ck_assert_str_eq(ism_json_getstr(md, "jsonVersion"), o->version);
    } else {
        ck_assert_str_eq(ism_json_getstr(md, "apiVersion"), o->version);
    }
    json_t *p = json_object_get(json_object_get(pag, "pagination"), o->name);
    ck_assert_msg(!p == !o->in_token, "%s: paginated in the model: %s", o->name, p ? "yes" : "no");
    if (!p) return;
    const char *in_shape = ism_json_getstr(json_object_get(mo, "input"), "shape");
    const char *out_shape = ism_json_getstr(json_object_get(mo, "output"), "shape");
    ck_assert_str_eq(wire_in(model, in_shape, ism_json_getstr(p, "input_token")), o->in_token);
    const char *ot = ism_json_getstr(p, "output_token");
    ck_assert_msg(!strcmp(ot, o->out_token) || !strcmp(wire_in(model, out_shape, ot), o->out_token),
                  "%s: output token %s vs %s", o->name, ot, o->out_token);
    if (o->limit_key)
        ck_assert_str_eq(wire_in(model, in_shape, ism_json_getstr(p, "limit_key")), o->limit_key);
    char rk[64];
    ism_strlcpy(rk, o->result, sizeof rk);
    rk[strcspn(rk, ".")] = '\0';
    ck_assert_str_eq(ism_json_getstr(p, "result_key"), rk);
    const char *more = ism_json_getstr(p, "more_results");
    if (more)
        ck_assert_int_eq(o->paging, !strcmp(more, "IsTruncated") ? ISM_AWS_PAGE_MARKER
                                                                 : ISM_AWS_PAGE_NEXT_MARKER);
    else
        ck_assert_int_eq(o->paging, ISM_AWS_PAGE_NEXT_TOKEN);
}

START_TEST(names_and_pagination_match_botocore)
{
    char *probe = model_dir("ec2");
    if (!probe) return; /* botocore not installed: nothing to compare with */
    free(probe);
    for (size_t i = 0; i < nops; i++) {
        json_t *model = load_model(ops[i].service, "service-2.json");
        json_t *pag = load_model(ops[i].service, "paginators-1.json");
        ck_assert_msg(model != NULL, "no model for %s", ops[i].service);
        check_op_against_model(&ops[i], model, pag);
        json_decref(model);
        json_decref(pag);
    }
}
END_TEST

static const char *type_of(const char *botocore_type)
{
    static const char *const map[][2] = {{"string", "s"},  {"timestamp", "s"}, {"blob", "s"},
                                         {"boolean", "b"}, {"integer", "i"},   {"long", "i"},
                                         {"float", "d"},   {"double", "d"},    {"structure", "S"},
                                         {"list", "L"},    {"map", "M"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(map[i][0], botocore_type)) return map[i][1];
    return "?";
}

static const char *our_type(ism_aws_type t)
{
    static const char *const names[] = {"s", "b", "i", "d", "S", "L", "M"};
    return names[t];
}

/* Walks a model shape and our shape side by side. */
static void same_shape(json_t *shapes, const char *name, unsigned short ours, int depth)
{
    if (depth > 40) return;
    json_t *m = json_object_get(shapes, name);
    const ism_aws_shape *s = &ism_aws_shapes[ours];
    ck_assert_msg(!strcmp(type_of(ism_json_getstr(m, "type")), our_type(s->type)),
                  "shape %s: type %s vs ours %s", name, ism_json_getstr(m, "type"),
                  our_type(s->type));
    if (s->type == ISM_AWS_T_STRUCT) {
        size_t k = 0;
        const char *mn;
        json_t *mm;
        json_object_foreach(json_object_get(m, "members"), mn, mm)
        {
            const char *loc = ism_json_getstr(mm, "location");
            if (loc &&
                (!strcmp(loc, "header") || !strcmp(loc, "headers") || !strcmp(loc, "statusCode")))
                continue;
            ck_assert_msg(k < s->b, "shape %s: more members than ours", name);
            const ism_aws_member *our = &ism_aws_members[s->a + k++];
            ck_assert_str_eq(our->name, mn);
            const char *ln = ism_json_getstr(mm, "locationName");
            ck_assert_str_eq(our->wire, ln ? ln : mn);
            same_shape(shapes, ism_json_getstr(mm, "shape"), our->shape, depth + 1);
        }
        ck_assert_uint_eq(k, s->b);
    } else if (s->type == ISM_AWS_T_LIST) {
        json_t *mem = json_object_get(m, "member");
        const char *ln = ism_json_getstr(mem, "locationName");
        ck_assert_str_eq(s->name, ln ? ln : "member");
        same_shape(shapes, ism_json_getstr(mem, "shape"), s->a, depth + 1);
    } else if (s->type == ISM_AWS_T_MAP) {
        same_shape(shapes, ism_json_getstr(json_object_get(m, "value"), "shape"), s->a, depth + 1);
    }
}

START_TEST(output_shapes_match_botocore)
{
    char *probe = model_dir("ec2");
    if (!probe) return;
    free(probe);
    for (size_t i = 0; i < ism_aws_noutputs; i++) {
        const ism_aws_output *o = &ism_aws_outputs[i];
        ck_assert_msg(ism_aws_op_find(o->service, o->operation) != NULL, "%s", o->operation);
        json_t *model = load_model(o->service, "service-2.json");
        json_t *mo = json_object_get(json_object_get(model, "operations"), o->operation);
        json_t *out = json_object_get(mo, "output");
        const char *wrapper = ism_json_getstr(out, "resultWrapper");
        ck_assert_msg(!wrapper == !o->wrapper && (!wrapper || !strcmp(wrapper, o->wrapper)),
                      "%s wrapper", o->operation);
        same_shape(json_object_get(model, "shapes"), ism_json_getstr(out, "shape"), o->shape, 0);
        json_decref(model);
    }
}
END_TEST

/* ---- endpoints and requests ----------------------------------------------------------------- */
static void endpoint_is(const char *svc, const char *op, const char *region, const char *url,
                        const char *resource, const char *want, const char *want_sign)
{
    const char *sr = NULL;
    char *u =
        ism_aws_endpoint(ism_aws_op_find(svc, op), region, "ap-northeast-3", url, resource, &sr);
    ck_assert_str_eq(u, want);
    ck_assert_str_eq(sr, want_sign);
    free(u);
}

START_TEST(endpoints)
{
    endpoint_is("iam", "ListUsers", "global", NULL, NULL, "https://iam.amazonaws.com/",
                "us-east-1");
    endpoint_is("organizations", "ListAccounts", "global", NULL, NULL,
                "https://organizations.us-east-1.amazonaws.com/", "us-east-1");
    endpoint_is("sts", "GetCallerIdentity", "global", NULL, NULL,
                "https://sts.ap-northeast-3.amazonaws.com/", "ap-northeast-3");
    endpoint_is("ec2", "DescribeRegions", "global", NULL, NULL,
                "https://ec2.ap-northeast-3.amazonaws.com/", "ap-northeast-3");
    endpoint_is("ec2", "DescribeVpcs", "ap-northeast-1", NULL, NULL,
                "https://ec2.ap-northeast-1.amazonaws.com/", "ap-northeast-1");
    endpoint_is("logs", "DescribeLogGroups", "ap-northeast-1", NULL, NULL,
                "https://logs.ap-northeast-1.amazonaws.com/", "ap-northeast-1");
    endpoint_is("s3", "ListBuckets", "global", NULL, NULL, "https://s3.us-east-1.amazonaws.com/",
                "us-east-1");
    endpoint_is("s3", "GetBucketLocation", "global", NULL, "city-logs",
                "https://city-logs.s3.us-east-1.amazonaws.com/?location", "us-east-1");
    endpoint_is("s3", "GetBucketEncryption", "ap-northeast-1", NULL, "city-logs",
                "https://city-logs.s3.ap-northeast-1.amazonaws.com/?encryption", "ap-northeast-1");
    endpoint_is("s3", "GetBucketEncryption", "ap-northeast-1", NULL, "city.logs",
                "https://s3.ap-northeast-1.amazonaws.com/city.logs?encryption", "ap-northeast-1");
    endpoint_is("s3", "GetObjectLockConfiguration", "ap-northeast-1", "http://127.0.0.1:4566/",
                "city-logs", "http://127.0.0.1:4566/city-logs?object-lock", "ap-northeast-1");
    endpoint_is("guardduty", "GetDetector", "ap-northeast-1", NULL, "abc 1",
                "https://guardduty.ap-northeast-1.amazonaws.com/detector/abc%201",
                "ap-northeast-1");
    endpoint_is("iam", "ListUsers", "global", "http://127.0.0.1:9", NULL, "http://127.0.0.1:9/",
                "us-east-1");
}
END_TEST

START_TEST(requests_per_protocol)
{
    ism_aws_call_req r;
    ism_error e = {0};
    ck_assert(ism_aws_build_request(ism_aws_op_find("iam", "ListMFADevices"), "global",
                                    "ap-northeast-1", NULL, "alice+admin", "m/1", &r, &e));
    ck_assert_str_eq(r.url, "https://iam.amazonaws.com/");
    ck_assert_str_eq(r.body, "Action=ListMFADevices&Version=2010-05-08&UserName=alice%2Badmin"
                             "&Marker=m%2F1&MaxItems=1000");
    ck_assert_uint_eq(r.body_len, strlen(r.body));
    ck_assert(strstr(ism_http_headers_get(&r.headers, "Content-Type"), "x-www-form-urlencoded"));
    ism_aws_call_req_free(&r);

    ck_assert(ism_aws_build_request(ism_aws_op_find("ec2", "DescribeRegions"), "global",
                                    "ap-northeast-1", NULL, NULL, NULL, &r, &e));
    ck_assert_str_eq(r.body, "Action=DescribeRegions&Version=2016-11-15");
    ism_aws_call_req_free(&r);
    ck_assert(ism_aws_build_request(ism_aws_op_find("ec2", "DescribeRouteTables"), "ap-northeast-1",
                                    "ap-northeast-1", NULL, NULL, NULL, &r, &e));
    ck_assert_str_eq(r.body, "Action=DescribeRouteTables&Version=2016-11-15&MaxResults=100");
    ism_aws_call_req_free(&r);

    ck_assert(ism_aws_build_request(ism_aws_op_find("kms", "GetKeyRotationStatus"),
                                    "ap-northeast-1", "ap-northeast-1", NULL, "key-1", NULL, &r,
                                    &e));
    ck_assert_str_eq(r.body, "{\"KeyId\":\"key-1\"}");
    ck_assert_str_eq(ism_http_headers_get(&r.headers, "X-Amz-Target"),
                     "TrentService.GetKeyRotationStatus");
    ck_assert_str_eq(ism_http_headers_get(&r.headers, "Content-Type"),
                     "application/x-amz-json-1.1");
    ism_aws_call_req_free(&r);
    ck_assert(ism_aws_build_request(ism_aws_op_find("cloudtrail", "DescribeTrails"),
                                    "ap-northeast-1", "ap-northeast-1", NULL, NULL, NULL, &r, &e));
    ck_assert_str_eq(r.body, "{\"includeShadowTrails\":true}");
    ism_aws_call_req_free(&r);
    ck_assert(ism_aws_build_request(ism_aws_op_find("logs", "DescribeLogGroups"), "ap-northeast-1",
                                    "ap-northeast-1", NULL, NULL, "tok", &r, &e));
    ck_assert_str_eq(r.body, "{\"limit\":50,\"nextToken\":\"tok\"}");
    ism_aws_call_req_free(&r);

    ck_assert(ism_aws_build_request(ism_aws_op_find("guardduty", "ListDetectors"), "ap-northeast-1",
                                    "ap-northeast-1", NULL, NULL, "a=b", &r, &e));
    ck_assert_str_eq(r.url, "https://guardduty.ap-northeast-1.amazonaws.com/detector?maxResults=50"
                            "&nextToken=a%3Db");
    ck_assert_ptr_null(r.body);
    ism_aws_call_req_free(&r);
    ck_assert(ism_aws_build_request(ism_aws_op_find("s3", "GetBucketPolicyStatus"),
                                    "ap-northeast-1", "ap-northeast-1", "http://127.0.0.1:1", "b1",
                                    NULL, &r, &e));
    ck_assert_str_eq(r.url, "http://127.0.0.1:1/b1?policyStatus");
    ck_assert_str_eq(r.sign_region, "ap-northeast-1");
    ism_aws_call_req_free(&r);
    ck_assert(ism_aws_build_request(ism_aws_op_find("backup", "GetBackupPlan"), "ap-northeast-1",
                                    "ap-northeast-1", NULL, "plan-1", NULL, &r, &e));
    ck_assert_str_eq(r.url, "https://backup.ap-northeast-1.amazonaws.com/backup/plans/plan-1/");
    ism_aws_call_req_free(&r);
}
END_TEST

/* The documented policy allows every action the table calls (GetCallerIdentity needs none). */
START_TEST(the_documented_policy_covers_the_table)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/docs/aws-permissions.md", tu_source_dir());
    ism_error e = {0};
    char *doc = ism_read_file(path, 1 << 20, NULL, &e);
    ck_assert_msg(doc != NULL, "%s", e.message);
    for (size_t i = 0; i < nops; i++) {
        char action[128], quoted[140];
        if (!strcmp(ops[i].name, "GetCallerIdentity")) continue;
        snprintf(quoted, sizeof quoted, "\"%s\"", ism_aws_op_action(&ops[i], action, 128));
        ck_assert_msg(strstr(doc, quoted) != NULL, "%s is not in docs/aws-permissions.md", action);
    }
    free(doc);
    char a[64];
    ck_assert_str_eq(ism_aws_op_action(ism_aws_op_find("s3", "ListBuckets"), a, sizeof a),
                     "s3:ListAllMyBuckets");
    ck_assert_str_eq(ism_aws_op_action(ism_aws_op_find("ec2", "DescribeVpcs"), a, sizeof a),
                     "ec2:DescribeVpcs");
}
END_TEST

START_TEST(role_names_paths_and_arns)
{
    char arn[700];
    ism_error e = {0};
    static const char *const ok[][2] = {
        {"ReadOnlyAudit", "arn:aws:iam::712345670002:role/ReadOnlyAudit"},
        {"security/ReadOnlyAudit", "arn:aws:iam::712345670002:role/security/ReadOnlyAudit"},
        {"/security/ReadOnlyAudit", "arn:aws:iam::712345670002:role/security/ReadOnlyAudit"},
        {"org/sec/Audit+Role=1,a.b@c-d",
         "arn:aws:iam::712345670002:role/org/sec/Audit+Role=1,a.b@c-d"},
        {"arn:aws:iam::123456789012:role/security/ReadOnlyAudit",
         "arn:aws:iam::712345670002:role/security/ReadOnlyAudit"},
        {"arn:aws-us-gov:iam::*:role/ReadOnlyAudit",
         "arn:aws-us-gov:iam::712345670002:role/ReadOnlyAudit"},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        ck_assert_msg(ism_aws_role_spec_check(ok[i][0], &e), "%s: %s", ok[i][0], e.message);
        ck_assert(ism_aws_role_arn_for(ok[i][0], "712345670002", arn, sizeof arn));
        ck_assert_str_eq(arn, ok[i][1]);
    }
    char long_name[80];
    memset(long_name, 'a', 65);
    long_name[65] = '\0';
    static const char *const bad[] = {
        "",
        "security/",                            /* no name */
        "sec//Audit",                           /* empty path segment */
        "sec ret/Audit",                        /* space in the path */
        "Read Only",                            /* space in the name */
        "Audit#1",                              /* not an IAM name character */
        "arn:aws:iam::12345:role/Audit",        /* account not 12 digits */
        "arn:aws:iam::123456789012:user/Audit", /* not a role */
        "arn:aws:s3:::bucket",                  /* not IAM */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_msg(!ism_aws_role_spec_check(bad[i], &e), "'%s' was accepted", bad[i]);
        ck_assert_int_eq(e.code, ISM_E_INVALID_PARAMS);
        ck_assert_ptr_nonnull(strstr(e.message, "role_name"));
        ism_error_clear(&e);
    }
    ck_assert(!ism_aws_role_spec_check(long_name, &e));
    ism_error_clear(&e);
    /* The job's params take them too. */
    json_t *p = json_pack("{s:b, s:s}", "org", 1, "role_name",
                          "arn:aws:iam::123456789012:role/security/ReadOnlyAudit");
    ck_assert_msg(ism_aws_collect_check(p, &e), "%s", e.message);
    json_object_set_new(p, "role_name", json_string("security/ReadOnlyAudit"));
    ck_assert_msg(ism_aws_collect_check(p, &e), "%s", e.message);
    json_object_set_new(p, "role_name", json_string("security//ReadOnlyAudit"));
    ck_assert(!ism_aws_collect_check(p, &e));
    ism_error_clear(&e);
    json_decref(p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("collector_ops");
    TCase *tc = tcase_create("ops");
    tcase_add_unchecked_fixture(tc, setup, NULL);
    tcase_add_test(tc, entries_are_well_formed);
    tcase_add_test(tc, the_issue_operations_are_all_there);
    tcase_add_test(tc, error_code_lists);
    tcase_add_test(tc, names_and_pagination_match_botocore);
    tcase_add_test(tc, output_shapes_match_botocore);
    tcase_add_test(tc, endpoints);
    tcase_add_test(tc, requests_per_protocol);
    tcase_add_test(tc, the_documented_policy_covers_the_table);
    tcase_add_test(tc, role_names_paths_and_arns);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
