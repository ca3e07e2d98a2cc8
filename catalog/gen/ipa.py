"""Catalog "ipa-benchmark": IPA 情報セキュリティ対策ベンチマーク (questions and check points).

Source: seeds/002_3881ab6a0a30d663.txt. The file has two parts: an overview listing the 27
questions under their 5 大項目, then the same questions again, each with a supplement in
parentheses, a 説明 and its 対策のポイント (check points).

Ids (stable, by position, never by the printed mark):
  area        "1".."5"            (大項目 number)
  question    "<area>-<n>"        e.g. "3-6": n-th question of the area, 1-based
  checkpoint  "<area>-<n>-<k>"    e.g. "1-1-3": k-th check point of the question, 1-based
Items: area (title = 大項目 heading), question (title = the question as printed in the detail
part, text = its 説明 without the "説明" label; props supplement = the parenthesised supplement,
overview_text / overview_line = the wording and line in the overview list, printed_number = the
circled number as printed), checkpoint (text = the check point as printed, including a trailing
（※）; props printed_number ("1." or "①"), added_in_27001_2014 (true for （※） items, which the
file's closing note says were added with JIS Q 27001:2014), note = a parenthesised explanation
printed under the check point, or null).

Questions are located by matching the start of their text to the overview, so a check point
numbered with circled digits (questions 1-7 and 3-5) is never taken for a question, and question
3-6, printed as ⑦ in the detail part (⑥ in the overview), is still the sixth.

Line breaks of the PDF are joined without a space when the line was wrapped (no trailing space)
and with one space otherwise; runs of whitespace are then squashed. Page numbers are dropped.

The 1-5 answer scale is not in the source file; the catalog's top-level "scale" gives our own
wording of IPA's 1-5 scoring and says so.

Every count (5 areas, 27 questions, 162 check points) is checked after parsing. Run this file
directly to write catalog/ipa-benchmark.json.
"""

import os
import re
import sys
from collections import OrderedDict

try:
    from . import common
except ImportError:  # run as a script
    import common

FILE = "002_3881ab6a0a30d663.txt"
REVISION = "undated"

EXTRA_ALIASES = [
    ("かバー", "カバー", "OCR: katakana カ read as hiragana か"),
]

CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
FW_DIGITS = "０１２３４５６７８９"
AREA_RE = re.compile(r"^大項目([0-9０-９])．(.*)$")
CIRC_RE = re.compile(r"^([" + CIRCLED + r"])\s*(.*)$")
NUM_RE = re.compile(r"^(\d+)\.\s*(.*)$")
PAGE_RE = re.compile(r"^\d+$")


class ParseError(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise ParseError(f"{FILE}: {msg}")


def digit(s):
    if s in CIRCLED:
        return CIRCLED.index(s) + 1
    return int(s.translate(str.maketrans(FW_DIGITS, "0123456789")))


class Para:
    """Collects wrapped PDF lines: wrapped lines join directly, ended lines with a space."""

    def __init__(self, line=None, first=""):
        self.line = line
        self.text = ""
        self.prev_ended = False
        if first:
            self.add(first)

    def add(self, raw, ended=None):
        t = raw.strip()
        if ended is None:
            ended = raw != raw.rstrip()
        if self.text and self.prev_ended:
            self.text += " "
        self.text += t
        self.prev_ended = ended

    def value(self, fix):
        s = common.squash(self.text)
        return fix(s) if s else None


def key(s):
    """Comparison form of a question's opening: no spaces, full-width brackets."""
    s = re.sub(r"\s+", "", s).replace("(", "（").replace(")", "）")
    return s[:10]


def significant(lines, lo, hi):
    """(line number, raw line) for lines[lo:hi] that carry text (no blanks, no page numbers)."""
    for idx in range(lo, hi):
        raw = lines[idx]
        s = raw.strip()
        if not s or PAGE_RE.match(s):
            continue
        yield idx + 1, raw


def parse_overview(lines, hi):
    areas = []
    cur = None
    for lno, raw in significant(lines, 0, hi):
        s = raw.strip()
        m = AREA_RE.match(s)
        if m:
            areas.append({"n": digit(m.group(1)), "line": lno, "title": Para(lno, raw.lstrip()),
                          "questions": []})
            cur = areas[-1]["title"]
            continue
        m = CIRC_RE.match(s)
        check(areas, f"line {lno}: question before any 大項目")
        if m:
            q = {"printed": m.group(1), "line": lno, "text": Para(lno)}
            if m.group(2):
                q["text"].add(m.group(2) + raw[len(raw.rstrip()):])
            areas[-1]["questions"].append(q)
            cur = q["text"]
            continue
        cur.add(raw)
    return areas


def parse_detail(lines, lo, overview):
    """Walks the detail part; returns the area list with questions and check points."""
    expected = [(a["n"], i, q) for a in overview for i, q in enumerate(a["questions"], 1)]
    areas = []
    pos = 0            # index into expected of the next question
    q = None           # current question
    mode = None        # "question", "supplement", "explanation", "points", "note", "footer"
    cp = None          # current check point
    footer = None
    for lno, raw in significant(lines, lo, len(lines)):
        s = raw.strip()
        if mode == "footer":
            footer.add(raw)
            continue
        if s.startswith("注意）"):
            footer = Para(lno, raw)
            mode = "footer"
            continue
        m = AREA_RE.match(s)
        if m:
            n = digit(m.group(1))
            check(n == len(areas) + 1, f"line {lno}: 大項目 {n} out of sequence")
            areas.append({"n": n, "line": lno, "title": Para(lno, raw), "questions": []})
            q, cp, mode = None, None, "area"
            continue
        if mode == "area" and not CIRC_RE.match(s):
            areas[-1]["title"].add(raw)
            continue
        m = CIRC_RE.match(s)
        if m and pos < len(expected) and key(m.group(2)) == key(expected[pos][2]["text"].text):
            an, qn, ov = expected[pos]
            check(areas and areas[-1]["n"] == an, f"line {lno}: question {an}-{qn} in wrong area")
            pos += 1
            q = {"n": qn, "printed": m.group(1), "line": lno, "overview": ov,
                 "text": Para(lno, m.group(2) + raw[len(raw.rstrip()):]), "supplement": None,
                 "explanation": None, "points": []}
            areas[-1]["questions"].append(q)
            cp, mode = None, "question"
            continue
        check(q is not None, f"line {lno}: text outside a question: {s[:30]!r}")
        if mode in ("question", "supplement") and s.startswith("説明"):
            q["explanation"] = Para(lno, s[len("説明"):].lstrip() + raw[len(raw.rstrip()):])
            mode = "explanation"
            continue
        if mode == "question" and s[:1] in ("（", "("):
            q["supplement"] = Para(lno, raw)
            mode = "supplement"
            continue
        if mode in ("question", "supplement", "explanation") and s == "対策のポイント":
            check(q["explanation"] is not None, f"line {lno}: 対策のポイント before 説明")
            mode = "points"
            continue
        if mode in ("points", "point", "note"):
            m = NUM_RE.match(s) or CIRC_RE.match(s)
            if m:
                cp = {"printed": m.group(1) + ("." if NUM_RE.match(s) else ""),
                      "value": digit(m.group(1)), "line": lno,
                      "text": Para(lno, m.group(2) + raw[len(raw.rstrip()):]), "note": None}
                q["points"].append(cp)
                mode = "point"
                continue
            if s[:1] in ("（", "(") and cp is not None:
                cp["note"] = Para(lno, raw)
                mode = "note"
                continue
            check(cp is not None, f"line {lno}: text before the first check point")
            (cp["note"] if mode == "note" else cp["text"]).add(raw)
            continue
        target = {"question": q["text"], "supplement": q["supplement"],
                  "explanation": q["explanation"]}.get(mode)
        check(target is not None, f"line {lno}: unexpected line {s[:30]!r}")
        target.add(raw)
    check(pos == len(expected), f"found {pos} of {len(expected)} questions in the detail part")
    return areas, footer


def build(seeds_dir):
    lines = common.read_lines(seeds_dir, FILE)
    fix = common.Repairer(common.ALIASES + EXTRA_ALIASES)
    heads = [i for i, l in enumerate(lines) if AREA_RE.match(l.strip())]
    check(len(heads) == 10, f"expected each 大項目 twice, found {len(heads)} headings")
    detail_start = heads[5]
    overview = parse_overview(lines, detail_start)
    check([a["n"] for a in overview] == [1, 2, 3, 4, 5], "overview 大項目 out of sequence")
    areas, footer = parse_detail(lines, detail_start, overview)

    items = []
    printed_notes = []
    added = []
    for a, ov in zip(areas, overview):
        aid = str(a["n"])
        title = a["title"].value(fix)
        m = AREA_RE.match(title)
        check(m is not None, f"line {a['line']}: area heading unreadable")
        props = OrderedDict([("label", fix(f"大項目{m.group(1)}")),
                             ("overview_line", ov["line"])])
        items.append(make_item(aid, None, "area", 1, m.group(2).strip(), None, props, a["line"]))
        for q in a["questions"]:
            qid = f"{aid}-{q['n']}"
            if digit(q["printed"]) != q["n"]:
                printed_notes.append(f"question {qid} is printed as {q['printed']} at line "
                                     f"{q['line']} (as {q['overview']['printed']} in the overview)")
            props = OrderedDict()
            props["printed_number"] = q["printed"]
            props["supplement"] = q["supplement"].value(fix) if q["supplement"] else None
            props["overview_text"] = q["overview"]["text"].value(fix)
            props["overview_line"] = q["overview"]["line"]
            items.append(make_item(qid, aid, "question", 2, q["text"].value(fix),
                                   q["explanation"].value(fix), props, q["line"]))
            for k, cp in enumerate(q["points"], 1):
                cid = f"{qid}-{k}"
                check(cp["value"] == k, f"line {cp['line']}: check point {cid} printed as "
                                        f"{cp['printed']}")
                text = cp["text"].value(fix)
                props = OrderedDict()
                props["printed_number"] = cp["printed"]
                props["added_in_27001_2014"] = text.endswith("（※）")
                props["note"] = cp["note"].value(fix) if cp["note"] else None
                if props["added_in_27001_2014"]:
                    added.append(cid)
                items.append(make_item(cid, qid, "checkpoint", 3, None, text, props, cp["line"]))

    counts = common.count_classes(items)
    for cls, exp in (("area", 5), ("question", 27), ("checkpoint", 162)):
        check(counts.get(cls) == exp, f"parsed {counts.get(cls)} {cls} items, expected {exp}")
    ids = [it["id"] for it in items]
    check(len(ids) == len(set(ids)), "duplicate ids")
    check(footer is not None, "closing note (注意）) not found")
    footer_text = footer.value(fix)

    c = OrderedDict()
    c["format"] = 1
    c["kind"] = "catalog"
    c["id"] = "ipa-benchmark"
    c["title"] = OrderedDict([("ja", "情報セキュリティ対策ベンチマーク"),
                              ("en", "IPA Information Security Measures Benchmark")])
    c["publisher"] = "独立行政法人情報処理推進機構 (IPA)"
    c["revisions"] = [OrderedDict([
        ("id", REVISION), ("title", "版数・日付の記載なし"),
        ("note", "The file states no version or date. Its check points marked （※） were added "
                 "for JIS Q 27001:2014 (ISO/IEC 27001:2013), per its closing note at line "
                 f"{footer.line}.")])]
    notes = ["questions located by matching the overview wording"] + printed_notes
    c["sources"] = [OrderedDict([
        ("file", FILE), ("title", "情報セキュリティ対策ベンチマーク 質問項目と対策のポイント"),
        ("revision", REVISION),
        ("note", "; ".join(notes) + ". Wrapped PDF lines joined, page numbers dropped.")])]
    c["license_note"] = (
        "Japanese text carried verbatim (line wraps joined, whitespace squashed, OCR repairs "
        "listed under repairs) from IPA's published benchmark for reference in assessments; "
        "rights remain with IPA. The answer scale wording and English titles are ours.")
    c["repairs"] = fix.report()
    c["counts"] = counts
    c["scale"] = OrderedDict([
        ("min", 1), ("max", 5),
        ("in_source", False),
        ("note", "IPA's benchmark scores each question from 1 to 5. The scale is not in the "
                 "source file; the wording below is ismap-assess's own, not IPA's."),
        ("levels", [
            OrderedDict([("value", 1), ("ja", "実施していない（又は実施状況が分からない）"),
                         ("en", "Not implemented (or not known)")]),
            OrderedDict([("value", 2), ("ja", "実施に向けて検討している段階、又はごく一部のみ実施"),
                         ("en", "Being planned, or only marginally implemented")]),
            OrderedDict([("value", 3), ("ja", "一部を実施している"),
                         ("en", "Partly implemented")]),
            OrderedDict([("value", 4), ("ja", "ほぼ全てを実施している"),
                         ("en", "Mostly implemented")]),
            OrderedDict([("value", 5), ("ja", "全てを実施し、定期的に見直している"),
                         ("en", "Fully implemented and regularly reviewed")]),
        ]),
    ])
    c["profiles"] = [OrderedDict([
        ("id", "added-27001-2014"),
        ("title", OrderedDict([("ja", "JIS Q 27001:2014で追加された対策のポイント（※）"),
                               ("en", "Check points added for JIS Q 27001:2014 (marked ※)")])),
        ("items", added), ("refs", []),
        ("notes", f"{FILE} line {footer.line}: {footer_text}")])]
    c["evidence_types"] = []
    c["items"] = items
    return {"ipa-benchmark": c}


def make_item(iid, parent, cls, level, title, text, props, line):
    it = OrderedDict()
    it["id"] = iid
    it["parent"] = parent
    it["class"] = cls
    it["level"] = level
    if title:
        it["title"] = OrderedDict([("ja", title)])
    if text:
        it["text"] = OrderedDict([("ja", text)])
    it["props"] = props
    it["source"] = common.source(FILE, line, REVISION)
    return it


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    seeds = argv[1] if len(argv) > 1 else os.path.join(here, "..", "..", "..", "shared", "seeds")
    for cid, obj in build(seeds).items():
        with open(os.path.join(here, "..", cid + ".json"), "w", encoding="utf-8") as f:
            f.write(common.dump(obj))
        print(cid, dict(obj["counts"]))


if __name__ == "__main__":
    main(sys.argv)
