#!/usr/bin/env python3
"""make_corpus.py — (re)builds the seed corpus in tests/fuzz/corpus/<target>/: copies of the small
fixtures each reader or importer already has (tests/fixtures), plus seeds written here for the
targets that have no fixture files (AWS answers, request envelopes, snapshot files). Seeds are
small (under 16 KiB each) and named by content, so running this again changes nothing.
Python 3 standard library only. Usage: tests/fuzz/make_corpus.py [corpus-dir]"""
import hashlib
import json
import os
import sqlite3
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIX = os.path.join(ROOT, "tests", "fixtures")
MAX_SEED = 16 * 1024


def put(corpus, target, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > MAX_SEED:
        return
    d = os.path.join(corpus, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def fixture(*parts):
    with open(os.path.join(FIX, *parts), "rb") as f:
        return f.read()


def tables(corpus):
    for name in sorted(os.listdir(os.path.join(FIX, "readers"))):
        data = fixture("readers", name)
        if name.endswith(".xlsx"):
            put(corpus, "fuzz_xlsx", data)
        elif name.endswith((".csv", ".txt")):
            put(corpus, "fuzz_csv", data)
            put(corpus, "fuzz_csv", b"\x84" + data)  # forced comma delimiter, UTF-8
    for name in sorted(os.listdir(os.path.join(FIX, "evidence"))):
        if name.endswith(".xlsx"):
            put(corpus, "fuzz_xlsx", fixture("evidence", name))


IMPORTERS = {
    "questionnaire": ["questionnaire.json", "questionnaire_listed.json", "questionnaire.xlsx",
                      "questionnaire_utf8.csv", "questionnaire_cp932.csv", "bad_duplicate.csv",
                      "bad_unknown_row.csv", "bad_formula.xlsx", "bad_truncated.xlsx"],
    "ismap_list": ["ismap_list.csv", "ismap_list_mapped.xlsx", "bad_serial_date.csv",
                   "bad_text_date.csv"],
    "soc2": ["soc2_type2.json", "soc2_type2.csv", "bad_soc2.csv"],
    "iso_cert": ["iso27001_2022.json", "iso27001_2013.csv", "iso27017.xlsx"],
    "soa": ["soa_2022.csv", "soa_27017.json"],
    "caiq": ["caiq.csv"],
}


def importers(corpus):
    for kind, names in IMPORTERS.items():
        for name in names:
            put(corpus, "fuzz_import_" + kind, fixture("evidence", name))
        put(corpus, "fuzz_import_" + kind, "{}")
        put(corpus, "fuzz_import_" + kind, "a,b\n1,2\n")


AWS_XML = [
    # selector byte: protocol = byte % 3 (query, EC2, REST-XML); 0x40 flat lists; 0x80 headers
    (0, '<ListUsersResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListUsersResult>'
        '<IsTruncated>true</IsTruncated><Marker>m1</Marker><Users><member><UserName>alice'
        '</UserName><Arn>arn:aws:iam::123456789012:user/alice</Arn></member></Users>'
        '</ListUsersResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata>'
        '</ListUsersResponse>'),
    (0, '<GetAccountSummaryResponse><GetAccountSummaryResult><SummaryMap><entry><key>Users</key>'
        '<value>3</value></entry><entry><key>AccountMFAEnabled</key><value>1</value></entry>'
        '</SummaryMap></GetAccountSummaryResult></GetAccountSummaryResponse>'),
    (0, '<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded'
        '</Message></Error><RequestId>r2</RequestId></ErrorResponse>'),
    (1, '<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>'
        'r3</requestId><reservationSet><item><instancesSet><item><instanceId>i-1</instanceId>'
        '<metadataOptions><httpTokens>required</httpTokens></metadataOptions></item>'
        '</instancesSet></item></reservationSet><nextToken>t2</nextToken>'
        '</DescribeInstancesResponse>'),
    (1, '<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>slow down</Message>'
        '</Error></Errors><RequestID>r4</RequestID></Response>'),
    (0x42, '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws'
           '.com/doc/2006-03-01/"><Name>b</Name><IsTruncated>true</IsTruncated><Contents><Key>a'
           '</Key></Contents><Contents><Key>b</Key></Contents><NextContinuationToken>c'
           '</NextContinuationToken></ListBucketResult>'),
    (2, '<Error><Code>NoSuchBucketPolicy</Code><Message>none</Message><RequestId>r5</RequestId>'
        '</Error>'),
    (2, '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'),
    (0x80, '<html><body>502 Bad Gateway</body></html>'),
]

AWS_JSON = [
    # selector byte: protocol = byte % 2 (JSON, REST-JSON); 0x80 adds x-amzn-ErrorType
    (0, {"Trails": [{"Name": "t", "IsMultiRegionTrail": True}], "NextToken": "n"}),
    (0, {"__type": "com.amazonaws.kms#ThrottlingException", "message": "slow"}),
    (1, {"detectorIds": ["d1"], "nextToken": ""}),
    (1, {"Code": "AccessDeniedException", "Message": "no"}),
    (0x81, {"message": "throttled"}),
    (0, {"Keys": [], "Truncated": True, "NextMarker": "k"}),
]


def aws(corpus):
    for sel, body in AWS_XML:
        put(corpus, "fuzz_aws_xml", bytes([sel]) + body.encode())
    for sel, body in AWS_JSON:
        put(corpus, "fuzz_aws_json", bytes([sel]) + json.dumps(body).encode())
    put(corpus, "fuzz_aws_json", b"\x00")
    put(corpus, "fuzz_aws_json", b"\x01{\"a\": [1, 2, {\"b\": null}]")


ENVELOPES = [
    # first byte: 1 = the trusted local socket, 0 = remote (tokens from @ADMIN@ / @AUDITOR@)
    (1, {"op": "ping", "id": "1"}),
    (1, {"op": "status", "id": 2}),
    (0, {"op": "ping"}),
    (0, {"op": "status", "token": "@AUDITOR@", "id": "a"}),
    (0, {"op": "token.list", "token": "@ADMIN@"}),
    (0, {"op": "token.create", "token": "@ADMIN@", "params": {"name": "n", "role": "viewer",
                                                            "org": "org-b"}}),
    (1, {"op": "ops.list"}),
    (1, {"op": "jobs.list", "params": {"state": "queued"}}),
    (1, {"op": "jobs.submit", "params": {"kind": "diag.wait", "params": {"ms": 1}}}),
    (1, {"op": "catalog.list"}),
    (1, {"op": "catalog.items", "params": {"catalog": "ismap", "limit": 3}}),
    (1, {"op": "catalog.search", "params": {"q": "暗号"}}),
    (1, {"op": "checks.list"}),
    (1, {"op": "subject.create", "params": {"kind": "service", "name": "s", "provider": "p"}}),
    (1, {"op": "subject.list"}),
    (1, {"op": "evidence.kinds"}),
    (1, {"op": "evidence.import", "params": {"kind": "soc2", "subject": "s", "name": "r.json",
                                            "content_base64": "e30="}}),
    (1, {"op": "screening.get", "params": {"subject": "s"}}),
    (1, {"op": "assessment.create", "params": {"name": "a", "frameworks": ["ismap"]}}),
    (1, {"op": "matrix.get", "params": {"assessment": "x"}}),
    (1, {"op": "judgment.add", "params": {"catalog": "ismap", "item": "5.1.1", "status": "met"}}),
    (1, {"op": "waiver.list"}),
    (1, {"op": "snapshot.list"}),
    (0, {"op": "collect.aws", "token": "@AUDITOR@", "params": {"accounts": ["123456789012"]}}),
    (1, {"op": "nope", "id": None}),
]


def rpc(corpus):
    for sel, env in ENVELOPES:
        put(corpus, "fuzz_rpc", bytes([sel]) + json.dumps(env, ensure_ascii=False).encode())
    for raw in [b"", b"{", b"[]", b"{\"op\": 1}", b"{\"op\": \"ping\", \"op\": \"ping\"}",
                b"{\"op\": \"ping\", \"params\": []}", b"\"\xff\xfe\""]:
        put(corpus, "fuzz_rpc", b"\x01" + raw)


SNAP_SQL = """
CREATE TABLE manifest(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE resources(provider TEXT NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL,
  service TEXT NOT NULL, type TEXT NOT NULL, id TEXT NOT NULL, arn TEXT,
  data TEXT NOT NULL, PRIMARY KEY(provider, account, region, type, id));
CREATE TABLE calls(seq INTEGER PRIMARY KEY, provider TEXT, account TEXT, region TEXT,
  service TEXT, operation TEXT, status TEXT, http_status INTEGER, attempts INTEGER,
  latency_ms INTEGER, error_code TEXT, error_message TEXT, request_id TEXT, started TEXT);
CREATE TABLE coverage(provider TEXT NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL,
  service TEXT NOT NULL, operation TEXT NOT NULL, state TEXT NOT NULL, reason TEXT,
  PRIMARY KEY(provider, account, region, operation));
"""


def snapshot_file(manifest, resources=(), calls=(), coverage=()):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "s.db")
        db = sqlite3.connect(path)
        db.execute("PRAGMA page_size=512")
        db.executescript(SNAP_SQL)
        db.executemany("INSERT INTO manifest VALUES(?,?)", manifest.items())
        db.executemany("INSERT INTO resources VALUES(?,?,?,?,?,?,?,?)", resources)
        db.executemany("INSERT INTO calls(provider,account,region,service,operation,status,"
                       "http_status,attempts,latency_ms) VALUES(?,?,?,?,?,?,?,?,?)", calls)
        db.executemany("INSERT INTO coverage VALUES(?,?,?,?,?,?,?)", coverage)
        db.commit()
        db.execute("VACUUM")
        db.close()
        with open(path, "rb") as f:
            return f.read()


def snapshots(corpus):
    man = {"format": "1", "id": "snap-1", "provider": "aws", "state": "sealed",
           "created": "2025-06-30T00:00:00Z", "scope": "{}", "tool": "ismap-assess"}
    acct = "123456789012"
    res = [("aws", acct, "ap-northeast-1", "ec2", "ec2.instance", "i-1", None,
            json.dumps({"MetadataOptions": {"HttpTokens": "optional"}})),
           ("aws", acct, "global", "iam", "iam.user", "alice", "arn:aws:iam::1:user/alice",
            "not json")]
    calls = [("aws", acct, "ap-northeast-1", "ec2", "DescribeInstances", "ok", 200, 1, 12)]
    cov = [("aws", acct, "ap-northeast-1", "ec2", "DescribeInstances", "complete", None)]
    put(corpus, "fuzz_snapshot", snapshot_file(man, res, calls, cov))
    put(corpus, "fuzz_snapshot", snapshot_file(dict(man, format="2")))
    put(corpus, "fuzz_snapshot", snapshot_file({"format": "1"}))
    put(corpus, "fuzz_snapshot", b"SQLite format 3\x00")
    put(corpus, "fuzz_snapshot", b"")


def main():
    corpus = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "fuzz", "corpus")
    for fn in (tables, importers, aws, rpc, snapshots):
        fn(corpus)
    for t in sorted(os.listdir(corpus)):
        print("%-26s %3d seeds" % (t, len(os.listdir(os.path.join(corpus, t)))))


if __name__ == "__main__":
    main()
