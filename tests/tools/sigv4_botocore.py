#!/usr/bin/python3
"""sigv4_botocore.py — signs requests with botocore (AWS's own signer) for test_sigv4.c.

Run with Debian's /usr/bin/python3 (python3-botocore). Reads a JSON list of cases from the file
named on the command line:
  {"method", "url", "headers": [[name, value], ...], "body", "service", "region",
   "access_key", "secret_key", "token" (optional), "timestamp": "YYYYMMDDTHHMMSSZ"}
and prints a JSON list, one object per case: {"authorization", "x-amz-date",
"x-amz-content-sha256" (S3 only), "x-amz-security-token" (when a token was given)}.
Exit 77 when botocore cannot be imported (the C test then skips).
"""
import datetime
import json
import sys
import types

try:
    import botocore.auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
except ImportError:
    sys.exit(77)


def fixed_clock(stamp):
    """botocore reads datetime.datetime.utcnow(); pin it to the case's time."""
    fixed = datetime.datetime.strptime(stamp, "%Y%m%dT%H%M%SZ")

    class Clock(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return fixed

    botocore.auth.datetime = types.SimpleNamespace(datetime=Clock)


def sign(case):
    fixed_clock(case["timestamp"])
    creds = Credentials(case["access_key"], case["secret_key"], case.get("token"))
    cls = botocore.auth.S3SigV4Auth if case["service"] == "s3" else botocore.auth.SigV4Auth
    signer = cls(creds, case["service"], case["region"])
    req = AWSRequest(method=case["method"], url=case["url"],
                     data=case.get("body", "").encode("utf-8"))
    for name, value in case.get("headers", []):
        req.headers[name] = value
    signer.add_auth(req)
    out = {"authorization": req.headers["Authorization"], "x-amz-date": req.headers["X-Amz-Date"]}
    for name in ("X-Amz-Content-SHA256", "X-Amz-Security-Token"):
        if name in req.headers:
            out[name.lower()] = req.headers[name]
    return out


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        cases = json.load(f)
    json.dump([sign(c) for c in cases], sys.stdout)


if __name__ == "__main__":
    main()
