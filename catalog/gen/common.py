"""Shared helpers for the catalog generator: OCR repair table, source records, output."""

import json
import os
import re
from collections import OrderedDict

# OCR damage in the seed texts, repaired explicitly so every change is reviewable.
# Each entry: (damaged form, repaired form, why). Order matters: longer forms first.
ALIASES = [
    ("マイナナバー", "マイナンバー", "OCR: dropped ン"),
    ("マイナランバー", "マイナンバー", "OCR: ン read as ラン"),
    ("マインパンバー", "マイナンバー", "OCR: ナン read as ンパン"),
    ("マイナパンバー", "マイナンバー", "OCR: ン read as パン"),
    ("元長化", "冗長化", "OCR: 冗 read as 元"),
    ("戸外", "庁外", "OCR: 庁 read as 戸"),
]


class Repairer:
    """Applies ALIASES to text and counts each repair for the catalog's `repairs` list."""

    def __init__(self, aliases=None):
        self.aliases = list(aliases if aliases is not None else ALIASES)
        self.counts = OrderedDict()
        self.trace = None  # a list to collect (damaged, repaired, why, count) per call, or None

    def __call__(self, text):
        if text is None:
            return None
        for bad, good, _why in self.aliases:
            n = text.count(bad)
            if n:
                text = text.replace(bad, good)
                self.counts[(bad, good)] = self.counts.get((bad, good), 0) + n
                if self.trace is not None:
                    self.trace.append((bad, good, _why, n))
        return text

    def report(self):
        why = {(b, g): w for b, g, w in self.aliases}
        return [{"from": b, "to": g, "count": n, "why": why[(b, g)]}
                for (b, g), n in self.counts.items()]


def read_lines(seeds_dir, name):
    """Returns the seed file's lines (1-based index i -> lines[i-1]), newline stripped."""
    with open(os.path.join(seeds_dir, name), encoding="utf-8") as f:
        return f.read().split("\n")


def source(file, line, revision):
    return OrderedDict([("file", file), ("line", line), ("revision", revision)])


def squash(text):
    """Collapses runs of whitespace (PDF line breaks) into one space and trims."""
    return re.sub(r"[ \t\r\n\u3000]+", " ", text).strip()


# Japanese characters: kana, CJK ideographs and marks, full-width forms and CJK punctuation.
_JA = "\u3001-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uff60"
_JA_GAP = re.compile(f"(?<=[{_JA}]) (?=[{_JA}])")


def tidy_ja(text):
    """Removes a single space between two Japanese characters. In the seeds such a space is a
    line break inside a PDF table cell (情報 セキュリティ), not part of the text: Japanese is
    written without spaces. Applied to every text field of the output, after parsing."""
    return _JA_GAP.sub("", text) if isinstance(text, str) else text


def tidy_catalog(obj):
    """Applies tidy_ja to the human-readable strings of a catalog (titles, texts, string and
    string-list props, profile titles, evidence type names). Ids and sources are untouched."""
    def lang(d):
        return {k: tidy_ja(v) for k, v in d.items()} if isinstance(d, dict) else d

    def props(p):
        out = OrderedDict()
        for k, v in p.items():
            if isinstance(v, str):
                v = tidy_ja(v)
            elif isinstance(v, list):
                v = [tidy_ja(x) for x in v]
            out[k] = v
        return out

    for it in obj.get("items", []):
        for key in ("title", "text"):
            if key in it:
                it[key] = lang(it[key])
        if "props" in it:
            it["props"] = props(it["props"])
    for p in obj.get("profiles", []):
        if "title" in p:
            p["title"] = lang(p["title"])
    for e in obj.get("evidence_types", []):
        for key in ("name", "description"):
            if key in e:
                e[key] = lang(e[key])
    return obj


def count_classes(items):
    counts = OrderedDict()
    for it in items:
        counts[it["class"]] = counts.get(it["class"], 0) + 1
    return counts


def dump(obj):
    """Canonical serialization: the committed files are exactly this."""
    return json.dumps(obj, ensure_ascii=False, indent=1) + "\n"
