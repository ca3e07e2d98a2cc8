"""Catalogs "ismap" (ISMAP 管理基準) and "ismap-questionnaire" (別紙 クラウドサービス要件確認).

Source: seeds/004_54a01a566811c389.txt, a procurement attachment that holds the questionnaire
(lines up to the first "管理番号" header) followed by the ISMAP 管理基準 texts: governance criteria
(3.x), management criteria (4.x) and control criteria (chapters 5-18).

Catalog "ismap"
  ids are the numbers exactly as printed ("3.1.2.1", "4.4.1.1", "5.1", "6.3.P", "6.3.1.P",
  "10.1.1.9.PB", "9.4.2.2.B"); parent = the item whose number is this number minus its last
  numeric part (so "6.3.1.1.PB" -> "6.3.1.P" -> "6.3.P" -> "6"); level = count of numeric parts.
  classes: governance (3.x, all levels), management (4.x, all levels), chapter (5..18),
  objective (two-part numbers, text = the 管理目的 without its "管理目的：" label; 9.5.P prints
  none, so it has no text), control (three-part), detail (four-part, all end in B).
  Governance/management items up to level 3 carry a title (management titles without their
  trailing "[27001-...]" reference, which goes to prop "jisq27001_2014"); level-4 items and
  controls/details carry only text (the document prints no control names). Items without a title
  or text omit that key.
  props on every item: part (governance|management|control), cloud (number has a .P/.PB suffix =
  JIS Q 27017 cloud addition), baseline (suffix ends in B), must_meet (every control plus every
  B detail: 152), iso27002_2013 (the number itself for plain chapter/objective/control numbers,
  else null; details are not 27002 controls -> null, use the parent), iso27017 ("CLD."+number
  for .P objectives/controls, else null), jisq27001_2014 (management only: the bracketed
  JIS Q 27001:2014 clause reference as printed, or null).
  The management texts were extracted with HTML list markup (<p>, <ul ...>, <li>); the tags are
  removed (they are extraction residue, not published text), then whitespace is squashed.

Catalog "ismap-questionnaire"
  items: sections "sec-1", "sec-2" (class section; sec-2 text = the 注意 line), rows "1", "2",
  "3-1", "4-1".."4-6", "5-1".."5-37" (class row), the group rows "3", "4", "5" (class group,
  parents of "3-1", "4-x", "5-x"), and the confidentiality classes printed inside row 1's
  概要要件 as items "conf-3b", "conf-3c", "conf-2" (class confidentiality, parent "1",
  title "機密性 3 B" as printed, text = definition, prop examples = the (例：...) text).
  Row title = 項目名, text = 概要要件 (row 1 keeps its whole cell, including the classes).
  props.answer: "text" (row 1: 機密性 + 情報の詳細), "listing" (row 2: which ISMAP / ISMAP-LIU
  listed service), "mark" (○/× rows; 44), "none" (groups, sections).
  Mark rows: answer_column / remarks_column (header labels as printed),
  alternative_required_on_x (the remarks column asks for an alternative measure on ×),
  ismap_numbers_as_printed ("6.3P"), ismap_refs (ids in catalog "ismap": "6.3.P"),
  ismap_names (項目名 as printed in the form, 令和5年9月22日 revision), criteria_names (titles of
  the referenced items in the 令和6年8月1日 criteria texts) and name_mismatch (true when the two
  differ, e.g. 5-17).

Profiles: ismap has must-meet (152), governance, management, control, cloud; the questionnaire
has marked (the 44 ○/× rows). Both catalogs list both cited revisions (2023-09-22, 2024-08-01).
Repair beyond common.ALIASES: 償行 -> 慣行 (row 5-13), recorded in "repairs".

Every count is checked after parsing (ParseError on any difference). Run this file directly to
write catalog/ismap.json and catalog/ismap-questionnaire.json.
"""

import os
import re
import sys
from collections import OrderedDict

try:
    from . import common
except ImportError:  # run as a script
    import common

FILE = "004_54a01a566811c389.txt"

# Repairs specific to this file (see the report for the shared table).
EXTRA_ALIASES = [
    ("償行", "慣行", "OCR: 慣 read as 償 (criteria 9.3.1 reads 組織の慣行に従う)"),
]

EXPECTED_CLD = {
    "CLD.6.3", "CLD.9.5", "CLD.6.3.1", "CLD.8.1.5", "CLD.9.5.1", "CLD.9.5.2",
    "CLD.12.1.5", "CLD.12.4.5", "CLD.13.1.4",
}

NUM_RE = re.compile(r"^(\d+(?:\.\d+)*)(?:\.(PB|P|B))?(?=[ \t]|$)")
REV_RE = re.compile(r"令和(\d+)年(\d+)月(\d+)日最終改定")
TAG_RE = re.compile(r"</?(?:p|ul|ol|li|br)\b[^<>]*>")
REF27001_RE = re.compile(r"\s*\[27001-([^\[\]]*)\]")
CONF_SPLIT_RE = re.compile(r" (?=機密性 (?:3 B|3 C|2) )")
CONF_RE = re.compile(r"^機密性 (3 B|3 C|2) (.*?)\s*\(例：(.*)\)$")
PRINTED_NUM_RE = re.compile(r"^(\d+(?:\.\d+)*)(?:\.?(P))?$")


class ParseError(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise ParseError(f"{FILE}: {msg}")


def revision_of(text):
    """'令和6年8月1日最終改定' -> ('2024-08-01', '令和6年8月1日')."""
    m = REV_RE.search(text)
    if not m:
        return None
    y, mo, d = (int(g) for g in m.groups())
    return f"{2018 + y:04d}-{mo:02d}-{d:02d}", f"令和{y}年{mo}月{d}日"


def make_item(iid, parent, cls, level, title, text, props, src):
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
    it["source"] = src
    return it


class Text:
    """Accumulates the raw fragments of one item and cleans them once."""

    def __init__(self):
        self.parts = []

    def add(self, s):
        if s.strip():
            self.parts.append(s)

    def value(self, fix, stats):
        raw = " ".join(self.parts)
        n = len(TAG_RE.findall(raw))
        if n:
            stats["tags"] = stats.get("tags", 0) + n
            raw = TAG_RE.sub(" ", raw)
        out = common.squash(raw)
        return fix(out) if out else None


# --------------------------------------------------------------------------------------------
# ISMAP 管理基準


def parse_criteria(lines, start):
    """Returns raw entries for every numbered line of the criteria part (lines[start:])."""
    part = None
    entries = []
    headers = []
    cur = None
    for idx in range(start, len(lines)):
        line = lines[idx]
        lno = idx + 1
        if not line.strip():
            continue
        if line.startswith("管理番号\t"):
            if "ガバナンス基準" in line:
                part = "governance"
            elif "マネジメント基準" in line:
                part = "management"
            elif "管理策基準" in line:
                part = "control"
            else:
                raise ParseError(f"{FILE}:{lno}: unknown criteria header")
            headers.append((part, lno, line))
            cur = None
            continue
        if line.startswith("\t"):
            check(cur is not None, f"line {lno}: continuation without an item")
            for col in line.split("\t"):
                cur["extra"].add(col)
            continue
        m = NUM_RE.match(line)
        check(m is not None and part is not None, f"line {lno}: unrecognised line {line[:40]!r}")
        nums = tuple(int(x) for x in m.group(1).split("."))
        suffix = m.group(2) or ""
        rest = line[m.end():]
        # "3.1.1 概要\t" carries its title after a space; everything else is tab-separated.
        rest = rest[1:] if rest[:1] in (" ", "\t") else rest
        cols = rest.split("\t")
        cur = {"id": line[:m.end()], "nums": nums, "suffix": suffix, "part": part, "line": lno,
               "cols": cols, "extra": Text()}
        entries.append(cur)
    return entries, headers


def build_ismap(lines, fix, stats, revs):
    crit_start = next(i for i, l in enumerate(lines) if l.startswith("管理番号\t"))
    entries, headers = parse_criteria(lines, crit_start)
    check([h[0] for h in headers] == ["governance", "management", "control"],
          "expected governance, management and control headers in that order")
    crit_rev = None
    for _part, lno, line in headers:
        r = revision_of(line)
        check(r is not None, f"line {lno}: criteria header without a revision date")
        check(crit_rev in (None, r), f"line {lno}: criteria headers cite different revisions")
        crit_rev = r
        revs.setdefault(r, []).append(("criteria", lno))
    rev_id = crit_rev[0]

    items = []
    by_nums = {}
    for e in entries:
        nums, suffix, part = e["nums"], e["suffix"], e["part"]
        iid = e["id"]
        level = len(nums)
        check(nums not in by_nums, f"line {e['line']}: number {iid} printed twice")
        if level > 1:
            check(nums[:-1] in by_nums, f"line {e['line']}: {iid} has no parent")
            parent = by_nums[nums[:-1]]
        else:
            parent = None
        cols = e["cols"]
        title = None
        body = Text()
        ref27001 = None
        if part in ("governance", "management"):
            check(not suffix, f"line {e['line']}: suffix in {part} criteria")
            check(nums[0] == (3 if part == "governance" else 4),
                  f"line {e['line']}: {iid} outside its part")
            cls = part
            if level < 4:
                t = common.squash(TAG_RE.sub(" ", cols[0]))
                m = REF27001_RE.search(t)
                if m:
                    ref27001 = m.group(1).strip()
                    t = REF27001_RE.sub("", t).strip()
                title = fix(t)
                check(not any(c.strip() for c in cols[1:]), f"line {e['line']}: extra columns")
                check(title, f"line {e['line']}: {iid} without a title")
            else:
                for c in cols:
                    body.add(c)
                if part == "management":
                    m = REF27001_RE.search(TAG_RE.sub(" ", cols[0]))
                    if m:
                        ref27001 = m.group(1).strip()
            for p in e["extra"].parts:
                body.add(p)
        else:
            check(5 <= nums[0] <= 18, f"line {e['line']}: control number {iid} outside 5-18")
            check(not e["extra"].parts, f"line {e['line']}: unexpected continuation lines")
            cls = {1: "chapter", 2: "objective", 3: "control", 4: "detail"}.get(level)
            check(cls is not None, f"line {e['line']}: {iid} too deep")
            if cls == "detail":
                check(suffix in ("PB", "B"), f"line {e['line']}: detail {iid} without B suffix")
            else:
                check(suffix in ("", "P"), f"line {e['line']}: {iid} has suffix {suffix}")
            check(not (cls == "chapter" and suffix), f"line {e['line']}: chapter with suffix")
            if cls in ("chapter", "objective"):
                title = fix(common.squash(cols[0]))
                check(title, f"line {e['line']}: {iid} without a title")
                rest = [c for c in cols[1:] if c.strip()]
                if cls == "objective" and rest:
                    check(len(rest) == 1 and rest[0].startswith("管理目的："),
                          f"line {e['line']}: objective {iid}: unexpected column")
                    body.add(rest[0][len("管理目的："):])
                else:
                    check(not rest, f"line {e['line']}: {iid}: unexpected column")
            else:
                check(not any(c.strip() for c in cols[1:]), f"line {e['line']}: extra columns")
                body.add(cols[0])
        text = body.value(fix, stats)
        if cls in ("control", "detail"):
            check(text, f"line {e['line']}: {iid} without text")
        if level == 4 and part != "control":
            check(text, f"line {e['line']}: {iid} without text")

        cloud = "P" in suffix
        baseline = suffix.endswith("B")
        plain = ".".join(str(n) for n in nums)
        props = OrderedDict()
        props["part"] = "control" if part == "control" else part
        props["cloud"] = cloud
        props["baseline"] = baseline
        props["must_meet"] = cls == "control" or (cls == "detail" and baseline)
        props["iso27002_2013"] = plain if (part == "control" and not suffix
                                           and cls != "detail") else None
        props["iso27017"] = ("CLD." + plain) if suffix == "P" else None
        if part == "management":
            props["jisq27001_2014"] = ref27001
        src = common.source(FILE, e["line"], rev_id)
        it = make_item(iid, parent, cls, level, title, text, props, src)
        items.append(it)
        by_nums[nums] = iid
    return items, crit_rev


def check_ismap_counts(items):
    ids = [it["id"] for it in items]
    check(len(ids) == len(set(ids)), "duplicate ids")

    def n(pred):
        return sum(1 for it in items if pred(it))

    want = [
        ("governance items at level 4", n(lambda i: i["class"] == "governance" and i["level"] == 4), 18),
        ("management items at level 4", n(lambda i: i["class"] == "management" and i["level"] == 4), 64),
        ("chapters", n(lambda i: i["class"] == "chapter"), 14),
        ("objectives", n(lambda i: i["class"] == "objective"), 37),
        ("cloud objectives", n(lambda i: i["class"] == "objective" and i["props"]["cloud"]), 2),
        ("objectives with a 管理目的", n(lambda i: i["class"] == "objective" and "text" in i), 36),
        ("controls", n(lambda i: i["class"] == "control"), 121),
        (".P controls", n(lambda i: i["class"] == "control" and i["id"].endswith(".P")), 7),
        ("details", n(lambda i: i["class"] == "detail"), 31),
        (".PB details", n(lambda i: i["class"] == "detail" and i["id"].endswith(".PB")), 28),
        (".B details", n(lambda i: i["class"] == "detail" and re.search(r"\d\.B$", i["id"])), 3),
        ("must_meet", n(lambda i: i["props"]["must_meet"]), 152),
    ]
    for what, got, exp in want:
        check(got == exp, f"parsed {got} {what}, expected {exp}")
    cld = {i["props"]["iso27017"] for i in items if i["props"]["iso27017"]}
    check(cld == EXPECTED_CLD, f"CLD numbers {sorted(cld)} differ from ISO/IEC 27017's")
    for i in ("6.3.P", "9.5.P"):
        check(i in ids, f"objective {i} missing")


# --------------------------------------------------------------------------------------------
# 別紙 クラウドサービス要件確認


def normalise_ref(printed):
    """'6.3P' -> '6.3.P', '5.1' -> '5.1' (the form omits the dot before P)."""
    m = PRINTED_NUM_RE.match(printed)
    if not m:
        return None
    return m.group(1) + (".P" if m.group(2) else "")


def build_questionnaire(lines, fix, stats, revs, ismap_items):
    by_id = {it["id"]: it for it in ismap_items}
    end = next(i for i, l in enumerate(lines) if l.startswith("管理番号\t"))
    items = []
    header = None
    section = None
    doc_title = None
    form_rev = None
    conf_ids = []
    for idx in range(end):
        line = lines[idx]
        lno = idx + 1
        if not line.strip():
            continue
        cols = line.split("\t")
        if line.startswith("別紙"):
            doc_title = common.squash(line)
            continue
        m = re.match(r"^(\d+)\. (.+)$", line)
        if m and "\t" not in line:
            section = "sec-" + m.group(1)
            items.append(make_item(section, None, "section", 1, fix(common.squash(m.group(2))),
                                   None, OrderedDict([("answer", "none")]),
                                   common.source(FILE, lno, None)))
            continue
        if line.startswith("注意："):
            check(section is not None and items[-1]["id"] == section, f"line {lno}: stray note")
            sec = items[-1]
            items[-1] = make_item(sec["id"], None, "section", 1, sec["title"]["ja"],
                                  fix(common.squash(line)), sec["props"], sec["source"])
            continue
        if line.startswith("項番\t") or line.startswith("「ISMAP管理基準が求めるセキュリティ対策」"):
            header = [common.squash(c) for c in cols]
            header_line = lno
            if header[0] != "項番":
                r = revision_of(header[5])
                check(r is not None, f"line {lno}: ISMAP name column without a revision")
                check(form_rev in (None, r), f"line {lno}: form headers cite different revisions")
                form_rev = r
                revs.setdefault(r, []).append(("questionnaire", lno))
            continue
        m = re.match(r"^(\d+(?:-\d+)?)\t", line)
        check(m is not None, f"line {lno}: unrecognised line {line[:40]!r}")
        check(header is not None and section is not None, f"line {lno}: row before a header")
        rid = m.group(1)
        cols = [common.squash(c) for c in cols] + [""] * 7
        title = fix(cols[1])
        text = fix(cols[2])
        props = OrderedDict()
        parent = section if "-" not in rid else rid.split("-")[0]
        level = 2 if "-" not in rid else 3
        cls = "row"
        if header[0] == "項番":
            props["answer"] = "text" if header[3] == "機密性" else (
                "listing" if header[3].startswith("適合状況") and header[4].startswith("採用")
                else None)
            check(props["answer"] is not None, f"line {header_line}: unknown answer columns")
            props["answer_columns"] = [h for h in header[3:7] if h]
            props["answer_prompts"] = [fix(c) for c in cols[3:7] if c]
            props["alternative_required_on_x"] = False
        else:
            name, number = cols[5], cols[6]
            if not number:
                cls = "group"
                check(not name and "-" not in rid, f"line {lno}: group row with ISMAP columns")
                props["answer"] = "none"
            else:
                check(name and "-" in rid, f"line {lno}: row without an ISMAP name")
                ref = normalise_ref(number)
                check(ref in by_id, f"line {lno}: ISMAP number {number!r} not in the criteria")
                crit_name = by_id[ref].get("title", {}).get("ja")
                check(crit_name, f"line {lno}: ISMAP item {ref} has no title")
                props["answer"] = "mark"
                props["answer_column"] = header[3]
                props["remarks_column"] = header[4]
                props["alternative_required_on_x"] = ("×" in header[4] and "代替対策" in header[4])
                props["ismap_numbers_as_printed"] = [number]
                props["ismap_refs"] = [ref]
                props["ismap_names"] = [fix(name)]
                props["criteria_names"] = [crit_name]
                props["name_mismatch"] = fix(name) != crit_name
        src = common.source(FILE, lno, None)
        items.append(make_item(rid, parent, cls, level, title, text, props, src))
        if rid == "1":
            parts = CONF_SPLIT_RE.split(cols[2])
            check(len(parts) == 4, f"line {lno}: expected three confidentiality classes")
            for p in parts[1:]:
                cm = CONF_RE.match(p)
                check(cm is not None, f"line {lno}: unreadable class {p[:20]!r}")
                code = cm.group(1).replace(" ", "")
                cid = "conf-" + code.lower()
                conf_ids.append(cid)
                cprops = OrderedDict([("code", code), ("examples", fix(cm.group(3)))])
                items.append(make_item(cid, "1", "confidentiality", 3,
                                       fix("機密性 " + cm.group(1)), fix(cm.group(2)), cprops,
                                       common.source(FILE, lno, None)))
            items[-4]["props"]["answer_choices"] = conf_ids
    check(doc_title == "別紙 クラウドサービス要件確認", "document title not found")
    check(form_rev is not None, "questionnaire revision not found")
    for it in items:
        it["source"]["revision"] = form_rev[0]
    return items, form_rev, doc_title


def check_questionnaire(items, ismap_ids):
    rows = [it["id"] for it in items if it["class"] == "row"]
    expect = (["1", "2", "3-1"] + [f"4-{i}" for i in range(1, 7)]
              + [f"5-{i}" for i in range(1, 38)])
    check(rows == expect, f"questionnaire rows {rows} differ from the form's numbering")
    marks = [it for it in items if it["props"].get("answer") == "mark"]
    check(len(marks) == 44, f"parsed {len(marks)} ○/× rows, expected 44")
    check([it["id"] for it in items if it["class"] == "group"] == ["3", "4", "5"], "groups")
    check([it["id"] for it in items if it["class"] == "confidentiality"]
          == ["conf-3b", "conf-3c", "conf-2"], "confidentiality classes")
    for it in marks:
        for r in it["props"]["ismap_refs"]:
            check(r in ismap_ids, f"row {it['id']}: ISMAP ref {r} unknown")


# --------------------------------------------------------------------------------------------


def revisions_list(revs):
    out = []
    what = {"questionnaire": "the questionnaire's ISMAP 管理基準 項目名 column",
            "criteria": "the ISMAP 管理基準 texts (governance, management, control criteria)"}
    for (rid, title), uses in sorted(revs.items()):
        kinds = []
        for k, _ in uses:
            if k not in kinds:
                kinds.append(k)
        lines = ", ".join(str(l) for _, l in uses)
        note = ("ISMAP 管理基準 " + title + "最終改定 (ISMAP運営委員会), cited by "
                + " and ".join(what[k] for k in kinds) + f"; {FILE} lines {lines}.")
        out.append(OrderedDict([("id", rid), ("title", title), ("note", note)]))
    return out


def catalog(cid, title, publisher, revisions, sources, repairs, items, profiles):
    c = OrderedDict()
    c["format"] = 1
    c["kind"] = "catalog"
    c["id"] = cid
    c["title"] = title
    c["publisher"] = publisher
    c["revisions"] = revisions
    c["sources"] = sources
    c["license_note"] = (
        "Japanese text carried verbatim (whitespace squashed, OCR repairs listed under repairs) "
        "from the published document for reference in assessments; rights remain with the "
        "publishers. English titles are ours.")
    c["repairs"] = repairs
    c["counts"] = common.count_classes(items)
    c["profiles"] = profiles
    c["evidence_types"] = []
    c["items"] = items
    return c


def profile(pid, ja, en, items, notes):
    return OrderedDict([("id", pid), ("title", OrderedDict([("ja", ja), ("en", en)])),
                        ("items", items), ("refs", []), ("notes", notes)])


def build(seeds_dir):
    lines = common.read_lines(seeds_dir, FILE)
    revs = OrderedDict()

    fix_i = common.Repairer(common.ALIASES + EXTRA_ALIASES)
    stats_i = {}
    ismap_items, crit_rev = build_ismap(lines, fix_i, stats_i, revs)
    check_ismap_counts(ismap_items)
    ismap_ids = [it["id"] for it in ismap_items]

    fix_q = common.Repairer(common.ALIASES + EXTRA_ALIASES)
    stats_q = {}
    q_items, form_rev, doc_title = build_questionnaire(lines, fix_q, stats_q, revs, ismap_items)
    check_questionnaire(q_items, set(ismap_ids))
    check(len(revs) == 2, f"expected two cited revisions, found {sorted(revs)}")
    revisions = revisions_list(revs)

    note_line = next(i + 1 for i, l in enumerate(lines) if l.startswith("注意："))
    must = [it["id"] for it in ismap_items if it["props"]["must_meet"]]
    profiles = [
        profile("must-meet", "原則として全て満たすべき管理策（3桁の統制目標及び末尾Bの詳細管理策）",
                "Must meet: every three-digit control and every detailed control ending in B",
                must,
                f"{FILE} line {note_line}: " + fix_i(lines[note_line - 1].strip())),
        profile("governance", "ガバナンス基準", "Governance criteria",
                [it["id"] for it in ismap_items if it["class"] == "governance"],
                "All items of section 3."),
        profile("management", "マネジメント基準", "Management criteria",
                [it["id"] for it in ismap_items if it["class"] == "management"],
                "All items of section 4; 4.1 states they are in principle all to be implemented."),
        profile("control", "管理策基準", "Control criteria",
                [it["id"] for it in ismap_items if it["props"]["part"] == "control"],
                "Chapters 5-18 with their objectives, controls and B details."),
        profile("cloud", "クラウドサービス固有の管理策（.P）", "Cloud-specific items (JIS Q 27017)",
                [it["id"] for it in ismap_items if it["props"]["cloud"]],
                "Items numbered .P / .PB: additions from JIS Q 27017 (ISO/IEC 27017)."),
    ]
    src_note = (f"Criteria texts from line {ismap_items[0]['source']['line']} on; HTML list markup "
                f"left by the PDF extraction removed ({stats_i.get('tags', 0)} tags), whitespace "
                "squashed; management titles' [27001-...] references moved to prop jisq27001_2014.")
    ismap_cat = catalog(
        "ismap",
        OrderedDict([("ja", "ISMAP管理基準（ガバナンス基準・マネジメント基準・管理策基準）"),
                     ("en", "ISMAP control criteria (governance, management and control criteria)")]),
        "ISMAP運営委員会 (ISMAP steering committee), as reproduced in " + doc_title,
        revisions,
        [OrderedDict([("file", FILE), ("title", doc_title + " — ISMAP管理基準"),
                      ("revision", crit_rev[0]), ("note", src_note)])],
        fix_i.report(), ismap_items, profiles)

    mark = [it["id"] for it in q_items if it["props"].get("answer") == "mark"]
    q_cat = catalog(
        "ismap-questionnaire",
        OrderedDict([("ja", doc_title),
                     ("en", "Attachment: cloud service requirements check (procurement questionnaire)")]),
        "Issuing body not named in the source (a procurement attachment citing ISMAP運営委員会)",
        revisions,
        [OrderedDict([("file", FILE), ("title", doc_title), ("revision", form_rev[0]),
                      ("note", "The form itself is undated; its ISMAP 項目名 column cites the "
                               + form_rev[1] + " revision, so rows carry that revision.")])],
        fix_q.report(), q_items,
        [profile("marked", "○/×で回答する項目", "Rows answered ○/× (× needs an alternative measure)",
                 mark, "Section 2 rows with an ISMAP 管理基準番号.")])
    return {"ismap": ismap_cat, "ismap-questionnaire": q_cat}


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    seeds = argv[1] if len(argv) > 1 else os.path.join(here, "..", "..", "..", "shared", "seeds")
    out = os.path.join(here, "..")
    for cid, obj in build(seeds).items():
        with open(os.path.join(out, cid + ".json"), "w", encoding="utf-8") as f:
            f.write(common.dump(obj))
        print(cid, dict(obj["counts"]))


if __name__ == "__main__":
    main(sys.argv)
