#!/usr/bin/env python3
"""Rebuilds catalog/*.json from the source documents in ../shared/seeds.

Usage: catalog/generate.py [--seeds DIR] [--out DIR] [--check]
  --check  regenerate in memory and exit 1 if any committed file differs.
Python 3 standard library only; runs at catalog-generation time, never at run time.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from gen import common  # noqa: E402
from gen import ismap, ipa, mic, refs, crosswalks  # noqa: E402


def build_all(seeds):
    out = {}
    for mod in (ismap, ipa, mic, refs):
        for cid, obj in mod.build(seeds).items():
            if cid in out:
                raise SystemExit(f"generate: catalog id {cid} produced twice")
            out[cid] = common.tidy_catalog(obj)
    for cid, obj in crosswalks.build(seeds, out).items():
        out[cid] = obj
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default=os.path.join(here, "..", "..", "shared", "seeds"))
    ap.add_argument("--out", default=here)
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    if not os.path.isdir(a.seeds):
        print(f"generate: no seeds folder at {a.seeds}", file=sys.stderr)
        return 2
    cats = build_all(a.seeds)
    bad = 0
    for cid, obj in sorted(cats.items()):
        path = os.path.join(a.out, cid + ".json")
        text = common.dump(obj)
        if a.check:
            try:
                with open(path, encoding="utf-8") as f:
                    same = f.read() == text
            except FileNotFoundError:
                same = False
            if not same:
                print(f"generate: {path} differs from a fresh generation", file=sys.stderr)
                bad += 1
        else:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
    if a.check:
        print(f"generate: {len(cats)} files checked, {bad} differ")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
