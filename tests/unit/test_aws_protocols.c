/* test_aws_protocols.c — AWS answers in each protocol's documented shape (IAM and EC2 XML, S3
 * REST-XML, JSON 1.1, REST-JSON) to JSON; error bodies to (code, message, request id); the
 * pagination styles; junk (truncated XML, invalid JSON, a proxy's HTML, DTDs) as clear errors;
 * the throttling classifier; and signed requests through the engine, verified by a server. */
#include "httpd_test.h"
#include "ismap/aws.h"
#include "testutil.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static json_t *parse(ism_aws_protocol p, const char *body, const char *const *lists)
{
    ism_error e = {0};
    json_t *j = ism_aws_parse_response(p, body, strlen(body), lists, &e);
    ck_assert_msg(j != NULL, "%s", e.message);
    return j;
}

static const char *str_at(const json_t *root, const char *path)
{
    json_t *v = (json_t *)root;
    char buf[256], *save = NULL;
    ism_strlcpy(buf, path, sizeof buf);
    for (char *t = strtok_r(buf, ".", &save); t && v; t = strtok_r(NULL, ".", &save)) {
        char *end;
        long idx = strtol(t, &end, 10);
        v = *end == '\0' ? json_array_get(v, (size_t)idx) : json_object_get(v, t);
    }
    ck_assert_msg(json_is_string(v), "%s is not a string", path);
    return json_string_value(v);
}

static const char iam_list_users[] =
    "<ListUsersResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\n"
    "  <ListUsersResult>\n"
    "    <IsTruncated>true</IsTruncated>\n"
    "    <Marker>AAEAAXKsEXAMPLE/marker==</Marker>\n"
    "    <Users>\n"
    "      <member>\n"
    "        <Path>/division_abc/subdivision_xyz/engineering/</Path>\n"
    "        <UserName>Andrew</UserName>\n"
    "        <Arn>arn:aws:iam::123456789012:user/division_abc/subdivision_xyz/engineering/"
    "Andrew</Arn>\n"
    "        <UserId>AID2MAB8DPLSRHEXAMPLE</UserId>\n"
    "        <CreateDate>2012-09-05T19:38:48Z</CreateDate>\n"
    "        <PasswordLastUsed>2014-09-08T21:47:36Z</PasswordLastUsed>\n"
    "      </member>\n"
    "      <member>\n"
    "        <Path>/division_abc/subdivision_xyz/engineering/</Path>\n"
    "        <UserName>Jackie</UserName>\n"
    "        <Arn>arn:aws:iam::123456789012:user/division_abc/subdivision_xyz/engineering/"
    "Jackie</Arn>\n"
    "        <UserId>AIDIODR4TAW7CSEXAMPLE</UserId>\n"
    "        <CreateDate>2012-09-05T19:38:48Z</CreateDate>\n"
    "        <Tags/>\n"
    "      </member>\n"
    "    </Users>\n"
    "  </ListUsersResult>\n"
    "  <ResponseMetadata>\n"
    "    <RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId>\n"
    "  </ResponseMetadata>\n"
    "</ListUsersResponse>\n";

START_TEST(iam_query_xml)
{
    json_t *r = parse(ISM_AWS_QUERY, iam_list_users, NULL);
    json_t *res = json_object_get(r, "ListUsersResult");
    ck_assert_int_eq(json_array_size(json_object_get(res, "Users")), 2);
    ck_assert_str_eq(str_at(res, "Users.1.UserName"), "Jackie");
    ck_assert_str_eq(str_at(res, "Users.0.PasswordLastUsed"), "2014-09-08T21:47:36Z");
    ck_assert(
        json_is_null(json_object_get(json_array_get(json_object_get(res, "Users"), 1), "Tags")));
    ck_assert_str_eq(str_at(r, "ResponseMetadata.RequestId"),
                     "7a62c49f-347e-4fc4-9331-6e8eEXAMPLE");
    char *tok;
    ism_error e = {0};
    ck_assert(ism_aws_page_next(res, ISM_AWS_PAGE_MARKER, &tok, &e));
    ck_assert_str_eq(tok, "AAEAAXKsEXAMPLE/marker==");
    free(tok);
    json_decref(r);

    /* One member is still a list; the last page has no token; an empty list is null. */
    r = parse(ISM_AWS_QUERY,
              "<ListUsersResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
              "<ListUsersResult><IsTruncated>false</IsTruncated><Users><member><UserName>solo"
              "</UserName></member></Users></ListUsersResult></ListUsersResponse>",
              NULL);
    res = json_object_get(r, "ListUsersResult");
    ck_assert_int_eq(json_array_size(json_object_get(res, "Users")), 1);
    ck_assert(ism_aws_page_next(res, ISM_AWS_PAGE_MARKER, &tok, &e));
    ck_assert_ptr_null(tok);
    json_decref(r);
    r = parse(ISM_AWS_QUERY,
              "<ListUsersResponse><ListUsersResult><IsTruncated>true</IsTruncated><Users/>"
              "</ListUsersResult></ListUsersResponse>",
              NULL);
    res = json_object_get(r, "ListUsersResult");
    ck_assert(json_is_null(json_object_get(res, "Users")));
    /* Truncated without a marker must not end the listing silently. */
    ck_assert(!ism_aws_page_next(res, ISM_AWS_PAGE_MARKER, &tok, &e));
    ck_assert_int_eq(e.code, ISM_E_UPSTREAM);
    ck_assert_ptr_nonnull(strstr(e.message, "Marker"));
    json_decref(r);
    ism_error_clear(&e);
}
END_TEST

START_TEST(iam_summary_map)
{
    json_t *r = parse(ISM_AWS_QUERY,
                      "<GetAccountSummaryResponse xmlns=\"https://iam.amazonaws.com/doc/"
                      "2010-05-08/\"><GetAccountSummaryResult><SummaryMap>"
                      "<entry><key>Groups</key><value>31</value></entry>"
                      "<entry><key>AccountMFAEnabled</key><value>1</value></entry>"
                      "<entry><key>AccountAccessKeysPresent</key><value>0</value></entry>"
                      "</SummaryMap></GetAccountSummaryResult><ResponseMetadata><RequestId>"
                      "85cb9b90-ac28-11e4-a88d-97964EXAMPLE</RequestId></ResponseMetadata>"
                      "</GetAccountSummaryResponse>",
                      NULL);
    ck_assert_str_eq(str_at(r, "GetAccountSummaryResult.SummaryMap.AccountMFAEnabled"), "1");
    ck_assert_str_eq(str_at(r, "GetAccountSummaryResult.SummaryMap.AccountAccessKeysPresent"), "0");
    json_decref(r);
}
END_TEST

static const char ec2_describe_instances[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<DescribeInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">\n"
    "  <requestId>8f7724cf-496f-496e-8fe3-example</requestId>\n"
    "  <reservationSet>\n"
    "    <item>\n"
    "      <reservationId>r-1234567890abcdef0</reservationId>\n"
    "      <ownerId>123456789012</ownerId>\n"
    "      <groupSet/>\n"
    "      <instancesSet>\n"
    "        <item>\n"
    "          <instanceId>i-1234567890abcdef0</instanceId>\n"
    "          <imageId>ami-bff32ccc</imageId>\n"
    "          <instanceState><code>16</code><name>running</name></instanceState>\n"
    "          <groupSet><item><groupId>sg-e4076980</groupId>"
    "<groupName>SecurityGroup1</groupName></item></groupSet>\n"
    "          <tagSet><item><key>Name</key><value>web-01</value></item></tagSet>\n"
    "          <metadataOptions><httpTokens>optional</httpTokens>"
    "<httpEndpoint>enabled</httpEndpoint></metadataOptions>\n"
    "        </item>\n"
    "      </instancesSet>\n"
    "    </item>\n"
    "  </reservationSet>\n"
    "  <nextToken>eyJ2IjoiMSIsImMiOiJFWEFNUExFIn0=</nextToken>\n"
    "</DescribeInstancesResponse>\n";

START_TEST(ec2_xml)
{
    json_t *r = parse(ISM_AWS_EC2, ec2_describe_instances, NULL);
    ck_assert_str_eq(str_at(r, "requestId"), "8f7724cf-496f-496e-8fe3-example");
    ck_assert_str_eq(str_at(r, "reservationSet.0.instancesSet.0.instanceState.name"), "running");
    ck_assert_str_eq(str_at(r, "reservationSet.0.instancesSet.0.tagSet.0.value"), "web-01");
    ck_assert_str_eq(str_at(r, "reservationSet.0.instancesSet.0.metadataOptions.httpTokens"),
                     "optional");
    json_t *gs =
        json_object_get(json_array_get(json_object_get(r, "reservationSet"), 0), "groupSet");
    ck_assert(json_is_array(gs) && json_array_size(gs) == 0); /* empty *Set is [] */
    char *tok;
    ism_error e = {0};
    ck_assert(ism_aws_page_next(r, ISM_AWS_PAGE_NEXT_TOKEN, &tok, &e));
    ck_assert_str_eq(tok, "eyJ2IjoiMSIsImMiOiJFWEFNUExFIn0=");
    free(tok);
    json_decref(r);
}
END_TEST

static const char *const s3_lists[] = {"Contents", "CommonPrefixes", NULL};

START_TEST(s3_rest_xml)
{
    json_t *r =
        parse(ISM_AWS_REST_XML,
              "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
              "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
              "<Name>example-bucket</Name><Prefix>a b</Prefix><KeyCount>1</KeyCount>"
              "<MaxKeys>1</MaxKeys><IsTruncated>true</IsTruncated>"
              "<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</"
              "NextContinuationToken>"
              "<Contents><Key>a b/1.txt</Key><LastModified>2024-05-01T12:00:00.000Z</LastModified>"
              "<ETag>&quot;599bab3ed2c697f1d26842727561fd94&quot;</ETag><Size>857</Size>"
              "<StorageClass>STANDARD</StorageClass></Contents></ListBucketResult>",
              s3_lists);
    ck_assert_str_eq(str_at(r, "Contents.0.Key"), "a b/1.txt"); /* one item, still a list */
    ck_assert_str_eq(str_at(r, "Contents.0.ETag"), "\"599bab3ed2c697f1d26842727561fd94\"");
    char *tok;
    ism_error e = {0};
    ck_assert(ism_aws_page_next(r, ISM_AWS_PAGE_CONTINUATION, &tok, &e));
    ck_assert_str_eq(tok, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
    free(tok);
    json_decref(r);

    /* ListObjects v1 without a delimiter: no NextMarker, the last key continues. */
    r = parse(ISM_AWS_REST_XML,
              "<ListBucketResult><IsTruncated>true</IsTruncated>"
              "<Contents><Key>k1</Key></Contents><Contents><Key>k2</Key></Contents>"
              "</ListBucketResult>",
              NULL);
    ck_assert(ism_aws_page_next(r, ISM_AWS_PAGE_NEXT_MARKER, &tok, &e));
    ck_assert_str_eq(tok, "k2");
    free(tok);
    json_decref(r);
    r = parse(ISM_AWS_REST_XML,
              "<ListAllMyBucketsResult><Owner><ID>abc</ID></Owner><Buckets>"
              "<Bucket><Name>b1</Name><CreationDate>2019-12-11T23:32:47+00:00</CreationDate>"
              "</Bucket><Bucket><Name>b2</Name></Bucket></Buckets></ListAllMyBucketsResult>",
              NULL);
    ck_assert_str_eq(str_at(r, "Buckets.Bucket.1.Name"), "b2");
    json_decref(r);
}
END_TEST

START_TEST(json_protocols)
{
    json_t *r = parse(ISM_AWS_JSON,
                      "{\"trailList\": [{\"Name\": \"org-trail\", \"IsMultiRegionTrail\": true,"
                      " \"LogFileValidationEnabled\": true, \"HomeRegion\": \"ap-northeast-1\"}]}",
                      NULL);
    ck_assert(json_is_true(json_object_get(json_array_get(json_object_get(r, "trailList"), 0),
                                           "LogFileValidationEnabled")));
    char *tok;
    ism_error e = {0};
    ck_assert(ism_aws_page_next(r, ISM_AWS_PAGE_NEXT_TOKEN, &tok, &e));
    ck_assert_ptr_null(tok);
    json_decref(r);
    /* KMS ListKeys: Truncated (a real boolean) and NextMarker. */
    r = parse(ISM_AWS_JSON,
              "{\"Keys\": [{\"KeyArn\": \"arn:aws:kms:ap-northeast-1:111122223333:key/"
              "1234abcd-12ab-34cd-56ef-1234567890ab\", \"KeyId\": "
              "\"1234abcd-12ab-34cd-56ef-1234567890ab\"}], \"NextMarker\": \"eyJtYXJrZXIiOjF9\","
              " \"Truncated\": true}",
              NULL);
    ck_assert(ism_aws_page_next(r, ISM_AWS_PAGE_NEXT_MARKER, &tok, &e));
    ck_assert_str_eq(tok, "eyJtYXJrZXIiOjF9");
    free(tok);
    json_decref(r);
    /* GuardDuty ListDetectors (REST-JSON): lower-case nextToken; "" means done. */
    r = parse(ISM_AWS_REST_JSON,
              "{\"detectorIds\": [\"12abc34d567e8fa901bc2d34eexample\"], \"nextToken\": \"n2\"}",
              NULL);
    ck_assert(ism_aws_page_next(r, ISM_AWS_PAGE_NEXT_TOKEN, &tok, &e));
    ck_assert_str_eq(tok, "n2");
    free(tok);
    json_decref(r);
    r = parse(ISM_AWS_REST_JSON, "{\"detectorIds\": [], \"nextToken\": \"\"}", NULL);
    ck_assert(ism_aws_page_next(r, ISM_AWS_PAGE_NEXT_TOKEN, &tok, &e));
    ck_assert_ptr_null(tok);
    json_decref(r);
    r = parse(ISM_AWS_JSON, "", NULL); /* some operations answer with no body */
    ck_assert(json_is_object(r) && json_object_size(r) == 0);
    json_decref(r);
    ck_assert(!ism_aws_page_next(json_array_get(NULL, 0), ISM_AWS_PAGE_NEXT_TOKEN, &tok, &e));
    ism_error_clear(&e);
}
END_TEST

static void expect_unparseable(ism_aws_protocol p, const char *body, const char *hint)
{
    ism_error e = {0};
    json_t *j = ism_aws_parse_response(p, body, strlen(body), NULL, &e);
    ck_assert_msg(j == NULL, "accepted: %s", body);
    ck_assert_int_eq(e.code, ISM_E_UPSTREAM);
    ck_assert_msg(strncmp(e.message, "unparseable response: ", 22) == 0, "%s", e.message);
    ck_assert_msg(strstr(e.message, hint) != NULL, "%s lacks %s", e.message, hint);
    ism_error_clear(&e);
}

START_TEST(junk_is_a_clear_error)
{
    expect_unparseable(ISM_AWS_QUERY,
                       "<ListUsersResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
                       "<ListUsersResult><Users><member><UserName>And",
                       "<ListUsersResponse");
    expect_unparseable(ISM_AWS_EC2,
                       "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
                       "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>"
                       "\r\n</body>\r\n</html>\r\n",
                       "502 Bad Gateway");
    expect_unparseable(ISM_AWS_REST_XML, "", "empty body");
    expect_unparseable(ISM_AWS_REST_XML, "just text", "not well-formed");
    expect_unparseable(ISM_AWS_JSON, "{\"trailList\": [", "not valid JSON");
    expect_unparseable(ISM_AWS_REST_JSON, "<html><body>Service Unavailable</body></html>",
                       "<html>");
    expect_unparseable(ISM_AWS_JSON, "\x01\x02\xff binary", "??");
    /* Entities from a DTD are never expanded nor fetched. */
    expect_unparseable(ISM_AWS_REST_XML,
                       "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM "
                       "\"file:///etc/passwd\">]><r>&x;</r>",
                       "DTD");
    expect_unparseable(ISM_AWS_REST_XML,
                       "<!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;"
                       "&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]><l>&c;</l>",
                       "unparseable"); /* libxml2 or our DTD rule: either way, refused */
    /* A long body is cut in the message. */
    char big[4000];
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    ism_error e = {0};
    ck_assert_ptr_null(ism_aws_parse_response(ISM_AWS_JSON, big, strlen(big), NULL, &e));
    ck_assert_ptr_nonnull(strstr(e.message, "..."));
    ck_assert_int_lt(strlen(e.message), 400);
    ism_error_clear(&e);
}
END_TEST

static void expect_error(ism_aws_protocol p, long status, const ism_http_headers *h,
                         const char *body, const char *code, const char *msg_part,
                         const char *reqid)
{
    ism_aws_error_info info;
    bool ok = ism_aws_parse_error(p, status, h, body, strlen(body), &info);
    ck_assert_msg(ok, "%s: %s", body, info.message);
    ck_assert_str_eq(info.code, code);
    ck_assert_msg(strstr(info.message, msg_part) != NULL, "%s", info.message);
    ck_assert_str_eq(info.request_id, reqid);
}

START_TEST(error_bodies)
{
    expect_error(ISM_AWS_QUERY, 400, NULL,
                 "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\n"
                 "  <Error>\n    <Type>Sender</Type>\n    <Code>Throttling</Code>\n"
                 "    <Message>Rate exceeded</Message>\n  </Error>\n"
                 "  <RequestId>9a1b2c3d-EXAMPLE</RequestId>\n</ErrorResponse>",
                 "Throttling", "Rate exceeded", "9a1b2c3d-EXAMPLE");
    expect_error(ISM_AWS_EC2, 503, NULL,
                 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error>"
                 "<Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message>"
                 "</Error></Errors><RequestID>d7f5e2b1-EXAMPLE</RequestID></Response>",
                 "RequestLimitExceeded", "limit exceeded", "d7f5e2b1-EXAMPLE");
    expect_error(ISM_AWS_REST_XML, 404, NULL,
                 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchBucket</Code>"
                 "<Message>The specified bucket does not exist</Message><BucketName>nope"
                 "</BucketName><RequestId>4442587FB7D0A2F9</RequestId><HostId>EXAMPLEhost="
                 "</HostId></Error>",
                 "NoSuchBucket", "does not exist", "4442587FB7D0A2F9");
    ism_http_headers h = {0};
    ism_http_headers_add(&h, "x-amzn-RequestId", "b25f48e8-84fd-11e6-80d1-EXAMPLE");
    expect_error(ISM_AWS_JSON, 400, &h,
                 "{\"__type\":\"com.amazonaws.kms#NotFoundException\",\"message\":\"Key "
                 "'arn:aws:kms:ap-northeast-1:111122223333:key/x' does not exist\"}",
                 "NotFoundException", "does not exist", "b25f48e8-84fd-11e6-80d1-EXAMPLE");
    expect_error(ISM_AWS_JSON, 400, &h,
                 "{\"__type\":\"ThrottlingException\",\"Message\":\"Rate exceeded\"}",
                 "ThrottlingException", "Rate exceeded", "b25f48e8-84fd-11e6-80d1-EXAMPLE");
    /* REST-JSON: the header names the error, the body only explains it. */
    ism_http_headers_add(&h, "x-amzn-ErrorType",
                         "BadRequestException:http://internal.amazon.com/coral/"
                         "com.amazonaws.guardduty/");
    expect_error(ISM_AWS_REST_JSON, 400, &h,
                 "{\"message\":\"The request is rejected because the input detectorId is not "
                 "owned by the current account.\",\"__type\":\"InvalidInputException\"}",
                 "BadRequestException", "not owned", "b25f48e8-84fd-11e6-80d1-EXAMPLE");
    expect_error(ISM_AWS_REST_JSON, 400, &h, "", "BadRequestException", "",
                 "b25f48e8-84fd-11e6-80d1-EXAMPLE");
    ism_http_headers_clear(&h);
}
END_TEST

START_TEST(error_bodies_that_are_not)
{
    ism_aws_error_info info;
    const char *html = "<html><body><h1>502 Bad Gateway</h1><hr></body></html>";
    ck_assert(!ism_aws_parse_error(ISM_AWS_QUERY, 502, NULL, html, strlen(html), &info));
    ck_assert_str_eq(info.code, "");
    ck_assert_ptr_nonnull(strstr(info.message, "unparseable response: HTTP 502"));
    ck_assert_ptr_nonnull(strstr(info.message, "502 Bad Gateway"));
    const char *trunc = "<ErrorResponse><Error><Code>Thrott";
    ck_assert(!ism_aws_parse_error(ISM_AWS_QUERY, 400, NULL, trunc, strlen(trunc), &info));
    ck_assert_ptr_nonnull(strstr(info.message, "unparseable response"));
    const char *wellformed = "<html><body>maintenance</body></html>";
    ck_assert(
        !ism_aws_parse_error(ISM_AWS_REST_XML, 503, NULL, wellformed, strlen(wellformed), &info));
    ck_assert_ptr_nonnull(strstr(info.message, "<Error><Code>"));
    const char *badjson = "{\"__type\": ";
    ck_assert(!ism_aws_parse_error(ISM_AWS_JSON, 500, NULL, badjson, strlen(badjson), &info));
    ck_assert_ptr_nonnull(strstr(info.message, "not valid JSON"));
    ck_assert(!ism_aws_parse_error(ISM_AWS_REST_XML, 404, NULL, "", 0, &info));
    ck_assert_str_eq(info.code, "404"); /* S3 HEAD: the status is all there is */
}
END_TEST

static ism_http_class classify(long status, const char *hdr, const char *body)
{
    ism_http_headers h = {0};
    if (hdr) ism_http_headers_add(&h, "x-amzn-ErrorType", hdr);
    ism_http_result r = {
        .status = status, .headers = &h, .body = (char *)body, .body_len = strlen(body)};
    ism_http_class dflt = status == 429                   ? ISM_HTTP_THROTTLED
                          : status >= 500                 ? ISM_HTTP_SERVER_ERROR
                          : status >= 200 && status < 300 ? ISM_HTTP_OK
                                                          : ISM_HTTP_CLIENT_ERROR;
    ism_http_class c = ism_aws_http_classify(&r, dflt, NULL);
    ism_http_headers_clear(&h);
    return c;
}

START_TEST(throttling_classifier)
{
    ck_assert_int_eq(classify(400, NULL,
                              "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
                              "<Message>Rate exceeded</Message></Error></ErrorResponse>"),
                     ISM_HTTP_THROTTLED);
    ck_assert_int_eq(classify(503, NULL,
                              "<Response><Errors><Error><Code>RequestLimitExceeded</Code>"
                              "</Error></Errors></Response>"),
                     ISM_HTTP_THROTTLED);
    ck_assert_int_eq(classify(503, NULL, "<Error><Code>SlowDown</Code></Error>"),
                     ISM_HTTP_THROTTLED);
    ck_assert_int_eq(classify(400, NULL, "{\"__type\":\"ThrottlingException\"}"),
                     ISM_HTTP_THROTTLED);
    ck_assert_int_eq(classify(429, "TooManyRequestsException", ""), ISM_HTTP_THROTTLED);
    ck_assert_int_eq(classify(400, NULL, "<Error><Code>RequestTimeout</Code></Error>"),
                     ISM_HTTP_SERVER_ERROR);
    ck_assert_int_eq(classify(500, NULL, "<Error><Code>InternalError</Code></Error>"),
                     ISM_HTTP_SERVER_ERROR);
    ck_assert_int_eq(classify(403, NULL,
                              "<ErrorResponse><Error><Code>AccessDenied</Code></Error>"
                              "</ErrorResponse>"),
                     ISM_HTTP_CLIENT_ERROR);
    ck_assert_int_eq(classify(502, NULL, "<html><hr></html>"), ISM_HTTP_SERVER_ERROR);
    ck_assert_int_eq(classify(200, NULL, "<Error><Code>SlowDown</Code></Error>"), ISM_HTTP_OK);
}
END_TEST

/* ---- signed requests end to end: engine + signer → server + verifier ------------------- */
#define AK "AKIDEXAMPLE"
#define SK "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

static bool lookup(const char *ak, const char *token, char *secret, size_t n, void *arg)
{
    (void)arg;
    (void)token;
    if (strcmp(ak, AK) != 0) return false;
    ism_strlcpy(secret, SK, n);
    return true;
}

static int throttle_first; /* the verifying server throttles this many requests first */

static void verifying_server(const httpd_req *req, httpd_resp *resp, void *arg)
{
    (void)arg;
    static char body[2048];
    ism_aws_verify_input vi = {.method = req->method,
                               .target = req->target,
                               .headers = &req->headers,
                               .body = req->body,
                               .body_len = req->body_len,
                               .now = time(NULL),
                               .lookup = lookup,
                               .protocol = ISM_AWS_QUERY};
    ism_aws_verify_result vr;
    if (!ism_aws_sigv4_verify(&vi, &vr)) {
        snprintf(body, sizeof body,
                 "<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message>"
                 "</Error><RequestId>rid-1</RequestId></ErrorResponse>",
                 vr.code, vr.message);
        *resp = (httpd_resp){.status = 403, .body = body};
    } else if (throttle_first > 0) {
        throttle_first--;
        *resp = (httpd_resp){.status = 400,
                             .body = "<ErrorResponse><Error><Code>Throttling</Code><Message>Rate "
                                     "exceeded</Message></Error></ErrorResponse>"};
    } else {
        *resp = (httpd_resp){.status = 200, .body = iam_list_users};
    }
    ism_aws_verify_result_free(&vr);
}

typedef struct call {
    ism_http_class cls;
    int attempts;
    long status;
    ism_aws_error_info err;
    json_t *doc;
} call;

static void on_done(ism_http_result *r, void *arg)
{
    call *c = arg;
    c->cls = r->cls;
    c->attempts = r->attempts;
    c->status = r->status;
    if (r->cls == ISM_HTTP_OK)
        c->doc = ism_aws_parse_response(ISM_AWS_QUERY, r->body, r->body_len, NULL, NULL);
    else
        ism_aws_parse_error(ISM_AWS_QUERY, r->status, r->headers, r->body, r->body_len, &c->err);
}

static void call_iam(httpd_test *srv, ism_http_engine *eng, ism_aws_signer *signer, call *c)
{
    char url[128];
    ism_http_headers h = {0};
    ism_http_headers_add(&h, "Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
    const char *body = "Action=ListUsers&Version=2010-05-08&PathPrefix=%2Fdivision_abc%2F";
    ism_http_request rq = {.method = "POST",
                           .url = httpd_test_url(srv, "/", url, sizeof url),
                           .headers = &h,
                           .body = body,
                           .body_len = strlen(body),
                           .signer = ism_aws_http_sign,
                           .signer_arg = signer,
                           .classify = ism_aws_http_classify,
                           .done = on_done,
                           .done_arg = c};
    ism_error e = {0};
    ck_assert_msg(ism_http_submit(eng, &rq, &e), "%s", e.message);
    ck_assert(ism_http_run(eng, &e));
    ism_http_headers_clear(&h);
}

START_TEST(signed_through_the_engine)
{
    setenv("NO_PROXY", "127.0.0.1", 1);
    httpd_test *srv = httpd_test_start(verifying_server, NULL);
    ism_error e = {0};
    ism_http_engine *eng = ism_http_engine_new(
        &(ism_http_config){.allow_http_loopback = true, .backoff_base_ms = 5}, &e);
    ism_aws_signer good = {.region = "us-east-1", .service = "iam", .creds = {AK, SK, NULL}};
    throttle_first = 2;
    call c = {0};
    call_iam(srv, eng, &good, &c);
    ck_assert_int_eq(c.cls, ISM_HTTP_OK);
    ck_assert_int_eq(c.attempts, 3); /* throttled twice (400 Throttling), each re-signed */
    ck_assert_str_eq(str_at(c.doc, "ListUsersResult.Users.0.UserName"), "Andrew");
    json_decref(c.doc);

    ism_aws_signer bad = {
        .region = "us-east-1", .service = "iam", .creds = {AK, "not-the-secret", NULL}};
    call d = {0};
    call_iam(srv, eng, &bad, &d);
    ck_assert_int_eq(d.cls, ISM_HTTP_CLIENT_ERROR);
    ck_assert_int_eq(d.attempts, 1);
    ck_assert_int_eq(d.status, 403);
    ck_assert_str_eq(d.err.code, "SignatureDoesNotMatch");
    ck_assert_str_eq(d.err.request_id, "rid-1");

    ism_aws_signer unknown = {
        .region = "us-east-1", .service = "iam", .creds = {"AKIDNOBODY", SK, NULL}};
    call u = {0};
    call_iam(srv, eng, &unknown, &u);
    ck_assert_str_eq(u.err.code, "InvalidClientTokenId");

    /* Ten minutes of clock skew is still accepted; twenty is not. */
    ism_aws_signer skewed = good;
    skewed.clock_offset_s = -1200;
    call s = {0};
    call_iam(srv, eng, &skewed, &s);
    ck_assert_str_eq(s.err.code, "SignatureDoesNotMatch");
    ck_assert_ptr_nonnull(strstr(s.err.message, "expired"));
    skewed.clock_offset_s = -600;
    call s2 = {0};
    call_iam(srv, eng, &skewed, &s2);
    ck_assert_int_eq(s2.cls, ISM_HTTP_OK);
    json_decref(s2.doc);
    ism_http_engine_free(eng);
    httpd_test_stop(srv);
}
END_TEST

int main(void)
{
    ism_log_open(NULL, ISM_LOG_WARN, NULL);
    Suite *s = suite_create("aws_protocols");
    TCase *tc = tcase_create("aws_protocols");
    tcase_add_test(tc, iam_query_xml);
    tcase_add_test(tc, iam_summary_map);
    tcase_add_test(tc, ec2_xml);
    tcase_add_test(tc, s3_rest_xml);
    tcase_add_test(tc, json_protocols);
    tcase_add_test(tc, junk_is_a_clear_error);
    tcase_add_test(tc, error_bodies);
    tcase_add_test(tc, error_bodies_that_are_not);
    tcase_add_test(tc, throttling_classifier);
    tcase_add_test(tc, signed_through_the_engine);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
