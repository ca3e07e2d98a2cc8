"""Catalog "mic-audit": MIC 地方公共団体における情報セキュリティ監査に関するガイドライン (令和7年3月改定).

Source: seeds/000_311cfbfcf088e472.txt, text extracted from the PDF. Chapter 3 is one long table
(項目 | No. | 必須 | 監査項目 | 監査資料の例 | 監査実施の例 | ポリシーガイドラインの例文の番号 |
関連するJISQ27002番号 | 留意事項), one PDF row per text line, cells separated by tabs. Followed by
the model-specific tables 3.10-3.14, the 参考 table of cloud add-on items and the evidence index
(監査資料例一覧／索引).

Ids (stable, documented here):
  section       "3.1" .. "3.9.3"   headings of chapter 3 (table of contents), level 1 or 2
                "3.10" .. "3.14"   headings of the model-specific tables (parents of profile items)
                "C"                heading of the 参考 table (parent of the cloud items)
  item          "1" .. "421"       the main audit items, by their No.
  profile-item  "3.10-1", "3.11-1" .. "3.11-17", "3.12-1" .. "3.12-10" (no "3.12-7": the
                document has no No.7 there), "3.13-1" .. "3.13-13", "3.14-1" .. "3.14-13":
                "<table>-<No. as numbered in that table>"
  cloud-item    "C-1" .. "C-36"    the 参考 items, by their No.
  evidence type "E-1" .. "E-230"   the evidence index rows in document order

How rows are read (the extraction is damaged; every rule below is applied mechanically):
* Cells are cleaned of the extraction's HTML (<input type="checkbox"/> -> □, <input type="radio"/>
  -> ○, <p>, <ul ...> dropped) and whitespace is squashed. Columns are located from the
  evidence cell (the first cell starting with □): the cell before it is the item text, the
  cells after it are 監査実施の例, policy clause, JIS number and 留意事項; everything before the
  text is label / No. / 必須. A row without an evidence cell is anchored on its 監査実施の例
  cell (starting with 監査資料…); an empty cell before it is an empty evidence cell, otherwise
  the evidence column is missing on that page and evidence is null.
* A row with neither evidence nor procedure is a continuation: when it carries a No. (and maybe
  ○, a text fragment, a policy clause or JIS number) it belongs to the item row above it (the
  PDF printed the No. cell vertically centred and the extraction put it on its own line); when it
  carries no No. it is a heading row and is skipped.
* Two consecutive rows with the same procedure text whose texts (without their i)/Ⅱ)/(10)
  markers) are equal or one a prefix of the other are one item printed twice: the row without a
  printed No., or the second of two rows printing the same No., is dropped (main table line 938
  repeats No.216; 参考 line 1417 repeats the heading of No.1).
* Main items are numbered by sequence (the n-th item row is No. n). In 12 rows the printed No.
  is one less than the sequence: the number was printed on the line of the following item (the
  evidence index confirms the sequence; see notes). prop no_recovered is true when the No. was
  not printed beside the item (lost, or printed on another line). The model tables and the 参考
  table use their printed numbers (a missing one is the previous + 1); those run true except
  for the No.7 gap in 3.12.
* 必須 (prop mandatory, three-state, with prop mandatory_basis saying why) is read from the
  No./必須 cell pair, keyed by the No. printed in it: a ○ beside "N" marks item N (true); an
  empty 必須 cell gives false only where the page shows how it prints marks: the cell in its
  own column, at the start of the 監査項目 cell on a page whose other rows print "○ i)", or
  right after a No. pushed right by label cells on a page printing "N ○" that way. A page
  (header row to header row) whose header merges "No. 必須" into one cell and where no ○
  survived anywhere gives null: a lost ○ cannot be told from an empty cell there. When the
  pair is not found (No. lost, printed in the 必須 column) mandatory is null, unless a ○ stands
  in the item's own row without any No. (then true). Null is "unknown" (要確認), never false.
* Misplaced numbers: in the 12 rows whose printed No. is one less than the sequence (prop
  no_printed_as), the 必須 cell belongs to the row it is printed on, not to the printed
  number: the 再掲 tables print the same row of item 94 (iii) 支給以外の…社内ネットワーク接続) as
  "94 ○" where the main table prints "93 ○" (lines 770 / 1261, 1314, 1373). So 94, 167 and 251
  are true, 93, 166 and 249 unknown, 250 false (its own row, line 982). A ○ printed beside a
  No. in a 再掲 row must agree with the main item (checked).
* section: from the policy clause (4.1.(5)① -> 3.4.1, 1.(7) -> 3.1); an item without a
  readable clause takes the section of the item before it.
* evidence: the 監査資料の例 cell split on □; spaces the PDF line breaks left inside these names
  (next to Japanese characters) are removed so names match the evidence index.
* policy_clause: the clause cell with its whitespace removed, as one string ([] for "—", null
  when the cell is empty or missing). jis_q_27002_2022 / jis_q_27017: the reference numbers in
  printed order; [] for "—", null when the cell is empty. A text printed in the JIS column
  after the numbers is kept in jis_q_27002_2022_note.
* related: the item numbers cited as "No.n" / "No.n～m" in the 留意事項 (ranges expanded).
* The model tables 3.11-3.13 end with re-listed main items (再掲); these are profile refs
  {"item": main id, "relation": "re-listed"}, matched by printed No. or, when it is missing,
  by text similarity among the main items between the neighbouring printed numbers.

* title: the 監査項目 label, split from the requirement text at the space before an actor or a
  condition (統括…, CISO, …によって, …場合) or else at the first space; the section title and
  "No.N" when no label was printed. The text keeps the cell as printed.
* text_flags / text_note / repairs: "missing" when the cell has no sentence (only the label
  survived: TEXT_MISSING), "heading" when it holds a section heading (357), "merged" when it
  starts with two circled labels (32), "repaired" when an alias repair touched the item
  (each listed in repairs with field and count). The missing/merged sets are checked.

Every count (421, 36, the profile sizes, 230 evidence types, 23 re-listed items per model) is
checked after parsing. Run this file directly to write catalog/mic-audit.json.
"""

import difflib
import os
import re
import sys
from collections import OrderedDict

try:
    from . import common
except ImportError:  # run as a script
    import common

FILE = "000_311cfbfcf088e472.txt"
REVISION = "2025-03-28"
CATALOG_ID = "mic-audit"

EXTRA_ALIASES = [
    ("戸内", "庁内", "OCR: 庁 read as 戸"),
    ("ファイイル", "ファイル", "OCR: イ doubled"),
    ("端末末", "端末", "OCR: 末 doubled"),
    ("CISQ", "CISO", "OCR: O read as Q"),
    ("有无", "有無", "OCR: 無 read as simplified 无"),
    ("水廻", "水準", "OCR: 準 read as 廻"),
    ("スпам", "スパム", "OCR: パム read as Cyrillic пам"),
    ("総括情報セキュリティ責任者", "統括情報セキュリティ責任者", "OCR: 統 read as 総"),
    ("によつて", "によって", "OCR: small っ read as つ"),
    ("であつて", "であって", "OCR: small っ read as つ"),
    ("關", "関", "OCR: 関 read as traditional 關"),
    ("揭", "掲", "OCR: 掲 read as variant 揭"),
    ("リリース返却", "リース返却", "OCR: リース read as リリース"),
    ("戶外", "庁外", "OCR: 庁 read as 戶 (traditional form of 戸)"),
    # All 27 in 監査実施の例 as "…へのインタビュアーにより/及び": an interview of the person, not
    # an interviewer (checked in build: INTERVIEW_RE must match every occurrence).
    ("へのインタビュアー", "へのインタビュー", "OCR: インタビュー read as インタビュアー"),
]
INTERVIEW_RE = re.compile(r"へのインタビュアー(?:により|及び)")
# Where the requirement text starts after the 監査項目 label: an actor or a condition.
OPENER_RE = re.compile(
    r"^(CISO|CSIRT|統括|総括|情報セキュリティ|情報システム|職員|最高|庁内|庁外|自治体|"
    r"クラウドサービス管理者|機密性|業務|委託|システム|ネットワーク|監査|外部|住民|各|全|すべて|"
    r"利用|必要|定期|電子|マイナ|管理区域|LGWAN|インターネット|パスワード|情報資産|当該|被監査|"
    r"研修|[^ ]{0,12}(によって|によつて|は、|が、|を、|に、|の際|場合))")
HEADING_RE = re.compile(r"^\d+\.\d+\.\s")
MERGED_RE = re.compile(r"^\s*[①-⑳][^ ]* (?=[①-⑳])")

# The three ○ flags two extractions disagree on, re-read in the seed (see "Misplaced numbers").
DISPUTED = {
    (93, 94): "line 770 prints '93 ○' on the row of iii) 社内ネットワーク接続 (No.94 by sequence); "
              "the 再掲 tables print that row as '94 ○', so the ○ is No.94's and No.93 (ii), "
              "no No. or 必須 cell printed in any table) is unknown",
    (166, 167): "line 876 prints '166 ○' on the row of iii) ネットワークのアクセス制御 (No.167 by "
                "sequence); read like the 93/94 row the 再掲 tables confirm: the ○ is No.167's, "
                "No.166 (ii), no cells printed) is unknown",
    (250, 251): "lines 982-984 print 249/250/251 on the rows of Nos.250/251/252; '250 ○' stands "
                "on the row of iii) セキュリティ機能の調査 (No.251), so No.251 is true and No.250 "
                "takes the empty cell of its own row (line 982)",
}
# Items whose 監査項目 cell lost its requirement text or merged two rows (checked against the
# seed when generating: the rules below must find exactly these).
TEXT_MISSING = ["29", "30", "31", "33", "34", "210", "211", "212", "213", "214", "215", "216",
                "357"]
TEXT_MERGED = ["32"]

EXPECTED = OrderedDict([("item", 421), ("cloud-item", 36), ("evidence_types", 230)])
PROFILE_SIZES = OrderedDict([("3.10", 1), ("3.11", 17), ("3.12", 9), ("3.13", 13), ("3.14", 13)])
RELISTED = 23

CHECKBOX = '<input type="checkbox"/>'
RADIO = '<input type="radio"/>'
NUMCELL = re.compile(r"^(\d{1,3})(?:\s*○)?$")
PROC_RE = re.compile(r"^(監査資料|教育の実施記録|統括情報セキュリティ責任者により)")
# opening marker of an item text: i) Ⅲ) ⅰ） い) 1) (10) ① (a stray ○ / 表 / 用 before it)
MARK_RE = re.compile(r"^\s*(?:○\s*)?(?:[表用]\s+)?"
                     r"(?:\(\d+\)|[ivxIVXⅰ-ⅻⅠ-Ⅻい1-9]{1,5}\s*[)）]|[①-⑳])\s*")
JIS_2022 = ({f"5.{i}" for i in range(1, 38)} | {f"6.{i}" for i in range(1, 9)}
            | {f"7.{i}" for i in range(1, 15)} | {f"8.{i}" for i in range(1, 35)})
J27017_RE = re.compile(r"^(?:CLD\.)?\d{1,2}\.\d{1,2}\.\d{1,2}$")
_NR = r"\d+(?:\s*[～~〜]\s*\d+)?"  # n or n～m
REL_RE = re.compile(r"No\.\s*(" + _NR + r"(?:\s*[、,]\s*(?:No\.\s*)?" + _NR + r")*)")
NONASCII = r"[^\x00-\x7f]"

SECTION_EN = {
    "3.1": "Organisation",
    "3.2": "Classification and management of information assets",
    "3.3": "Improving the resilience of the information system as a whole",
    "3.4": "Physical security",
    "3.4.1": "Management of servers and other equipment",
    "3.4.2": "Management of controlled areas (computer rooms etc.)",
    "3.4.3": "Management of communication lines and line equipment",
    "3.4.4": "Management of staff terminals and electronic media",
    "3.5": "Human security",
    "3.5.1": "Rules staff must observe",
    "3.5.2": "Training and drills",
    "3.5.3": "Reporting information security incidents",
    "3.5.4": "Management of IDs, passwords and the like",
    "3.6": "Technical security",
    "3.6.1": "Management of computers and networks",
    "3.6.2": "Access control",
    "3.6.3": "System development, introduction and maintenance",
    "3.6.4": "Protection against malicious programs",
    "3.6.5": "Protection against unauthorised access",
    "3.6.6": "Collecting security information",
    "3.7": "Operations",
    "3.7.1": "Monitoring information systems",
    "3.7.2": "Checking compliance with the information security policy",
    "3.7.3": "Response to breaches",
    "3.7.4": "Exceptions",
    "3.7.5": "Legal compliance",
    "3.7.6": "Disciplinary action",
    "3.8": "Outsourcing and external (cloud) services",
    "3.8.1": "Outsourcing",
    "3.8.2": "Outsourcing of information-system work",
    "3.8.3": "Use of external (cloud) services handling information of confidentiality 2 or above",
    "3.8.4": "Use of external (cloud) services not handling information of confidentiality 2 "
             "or above",
    "3.9": "Evaluation and review",
    "3.9.1": "Audit",
    "3.9.2": "Self-assessment",
    "3.9.3": "Review of the information security policy and related rules",
    "3.10": "Additional audit items when a municipality procures its own municipal information "
            "security cloud",
    "3.11": "Additional audit items for the α' model",
    "3.12": "Additional audit items for the β model",
    "3.13": "Additional audit items for the β' model",
    "3.14": "Audit items for wireless LAN in the My Number business domain",
    "C": "Reference: additional audit items when a municipality builds and runs standardized "
         "systems on a cloud service itself",
}


class ParseError(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise ParseError(f"{FILE}: {msg}")


def clean_cell(c):
    """One table cell as text: extraction HTML dropped, whitespace squashed."""
    c = c.replace(CHECKBOX, "□").replace(RADIO, "○")
    c = re.sub(r"</?p>", " ", c)
    c = re.sub(r'<[uo]l style="list-style-type: none">', " ", c)
    return common.squash(c)


def compact(s):
    """Drops whitespace next to Japanese characters (PDF line breaks inside a name)."""
    s = common.squash(s)
    s = re.sub(r"(?<=" + NONASCII + r")\s+", "", s)
    return re.sub(r"\s+(?=" + NONASCII + r")", "", s)


def strip_mark(s):
    return MARK_RE.sub("", s, count=1)


class Row:
    """One table line with an item's cells (text, evidence, procedure, ...)."""

    def __init__(self, line, cells):
        self.line = line
        self.cells = cells
        e = next((k for k, c in enumerate(cells) if c.startswith("□")), None)
        if e is not None:
            t, ev, p = e - 1, cells[e], e + 1
        else:
            p = next((k for k, c in enumerate(cells) if k > 0 and PROC_RE.match(c)), None)
            if p is None:
                self.kind = "cont"
                return
            if cells[p - 1] == "":
                t, ev = p - 2, ""
            else:
                t, ev = p - 1, None
        self.kind = "row"
        get = lambda k: cells[k] if k < len(cells) else ""  # noqa: E731
        self.lead = cells[:t]
        self.text = cells[t]
        self.ev = ev
        self.proc = get(p)
        self.pol = get(p + 1)
        self.jis = get(p + 2)
        self.notes = common.squash(" ".join(cells[p + 3:]))

    def shape(self):
        """How this line prints its No./必須 pair when not in the normal place: "text" (No. cell
        right before the 監査項目 cell: the page prints ○ at the start of that cell), "shifted"
        (label cells push the No. right and the 必須 cell follows it), or None."""
        cells = self.cells if self.kind == "cont" else self.lead
        idx = [k for k, c in enumerate(cells) if NUMCELL.match(c) and "○" not in c]
        if not idx:
            return None
        k = idx[0]
        if self.kind == "row" and k == len(cells) - 1 and not self.pair()[2]:
            return "text"
        if self.kind == "cont" and k not in (1, 3) and k + 1 < len(cells) \
                and cells[k + 1] in ("", "○"):
            return "shifted"
        return None

    def page_marks(self):
        """(○ at the start of the 監査項目 cell, a No. cell followed by a ○ cell) on this line."""
        text_mark = self.kind == "row" and self.text.startswith("○")
        cells = self.cells
        pair_mark = any(NUMCELL.match(cells[k]) and cells[k + 1] == "○"
                        for k in range(len(cells) - 1))
        return text_mark, pair_mark

    def pair(self):
        """(printed No. or None, ○ seen, 必須 cell in its normal place) for this line."""
        if self.kind == "cont":
            cells = self.cells
            circle = any("○" in c for c in cells)
            hits = [(k, int(NUMCELL.match(c).group(1))) for k, c in enumerate(cells)
                    if NUMCELL.match(c)]
            if not hits:
                return None, circle, False
            k, n = hits[0]
            return n, circle, k in (1, 3)
        lead = self.lead
        circle = (any("○" in c for c in lead) or self.text.startswith("○")
                  or self.text.endswith(" ○"))
        nums = [int(NUMCELL.match(c).group(1)) for c in lead if NUMCELL.match(c)]
        known = ((len(lead) == 3 and NUMCELL.match(lead[1]) and lead[2] in ("", "○"))
                 or (len(lead) == 2 and NUMCELL.match(lead[1]))
                 or (len(lead) == 4 and NUMCELL.match(lead[2]) and lead[3] in ("", "○")))
        return (nums[0] if nums else None), circle, bool(known)


class Pair:
    """The No./必須 cells as one line prints them, with the page the line is on."""

    def __init__(self, row):
        self.n, self.circle, self.known = row.pair()
        self.line = row.line
        self.page = row.page
        self.shape = row.shape()
        self.key = self.n  # the item this 必須 cell belongs to (see build: misplaced numbers)

    def readable(self):
        """Whether an empty 必須 cell here can be read as "not mandatory"."""
        if self.known:
            return True
        if self.shape == "text":
            return self.page["text_marks"] > 0
        if self.shape == "shifted":
            return self.page["pair_marks"] > 0
        return False


class Entry:
    """An item as read from the table: its first row plus continuation rows."""

    def __init__(self, row):
        self.row = row
        self.line = row.line
        self.text = re.sub(r"^○\s*|\s+○$", "", row.text)
        self.ev = row.ev
        self.proc = row.proc
        self.pol = row.pol
        self.jis = row.jis
        self.notes = row.notes
        self.pairs = [Pair(row)]
        self.cont_lines = []
        self.no = None
        self.printed_as = None

    def add_cont(self, row):
        """Takes what a continuation row carries: No./○ (as a pair), a text fragment, and a
        policy clause and JIS number printed in their own columns."""
        self.cont_lines.append(row.line)
        self.pairs.append(Pair(row))
        cells = row.cells
        idx = [k for k, c in enumerate(cells) if NUMCELL.match(c)]
        rest = cells[idx[0] + 1:] if idx else list(cells)
        for k in range(len(rest) - 1):
            if re.match(r"^\d+\.", rest[k]) and (rest[k + 1] == "—"
                                                 or re.match(r"^\d+\.\d+", rest[k + 1])):
                if not self.pol:
                    self.pol = rest[k]
                if not self.jis:
                    self.jis = rest[k + 1]
                rest = rest[:k]
                break
        texts = [c for c in rest if c and c != "○"]
        if texts:
            self.text = common.squash(self.text + " " + " ".join(texts))

    def printed(self):
        return [p.n for p in self.pairs if p.n is not None]


def table(lines, lo, hi, warn):
    """Entries of the table rows in lines lo..hi-1 (1-based numbers)."""
    entries = []
    page = new_page(lo, False)
    for lno in range(lo, hi):
        raw = lines[lno - 1]
        if not raw.strip():
            continue
        cells = [clean_cell(c) for c in raw.split("\t")]
        if cells[0] == "項目" and len(cells) > 1 and cells[1].startswith("No."):
            # The header row starts a page. "No. 必須" in one cell: the extraction merged the
            # two columns on this page.
            page = new_page(lno, "必須" in cells[1])
            continue
        check("\t" in raw, f"line {lno}: text line inside a table: {raw[:40]!r}")
        row = Row(lno, cells)
        row.page = page
        tm, pm = row.page_marks()
        page["text_marks"] += tm
        page["pair_marks"] += pm
        page["marks"] += row.pair()[1]
        if row.kind == "cont":
            n, circle, _ = row.pair()
            if n is None and not circle:
                continue  # heading row (e.g. 技術的対策, 6.1. ...)
            check(entries, f"line {lno}: continuation row before any item row")
            entries[-1].add_cont(row)
            continue
        if entries and is_duplicate(entries[-1], row):
            prev = entries[-1]
            pn = prev.row.pair()[0]
            rn = row.pair()[0]
            if pn is None and rn is not None:
                warn.append(f"line {prev.line} dropped: heading row repeating line {lno} "
                            f"(No.{rn})")
                entries[-1] = Entry(row)
            else:
                warn.append(f"line {lno} dropped: repeats line {prev.line}"
                            + (f" (printed No.{rn} again)" if rn is not None else ""))
            continue
        entries.append(Entry(row))
    return entries


def new_page(line, merged):
    return {"line": line, "merged": merged, "marks": 0, "text_marks": 0, "pair_marks": 0}


def is_duplicate(prev, row):
    if not row.proc or row.proc != prev.row.proc:
        return False
    a, b = strip_mark(prev.row.text), strip_mark(row.text)
    return bool(a and b) and (a.startswith(b) or b.startswith(a))


def mandatory(no, entry, pairs_by_no):
    """(True / False / None, basis): 必須 as the seed shows it for item `no`, and why. None is
    "unknown": the seed does not show the cell, so the value is not guessed."""
    ps = pairs_by_no.get(no, [])
    hit = next((p for p in ps if p.circle), None)
    if hit:
        moved = f" (printed as No.{hit.n}; see no_printed_as)" if hit.n != no else ""
        return True, f"○ in the 必須 cell beside No.{no}{moved}, line {hit.line}."
    empty = [p for p in ps if p.readable()]
    if empty:
        p = empty[0]
        pg = p.page
        if pg["merged"] and pg["marks"] == 0:
            return None, (f"No.{no} (line {p.line}) has an empty 必須 cell, but on its page (header "
                          f"line {pg['line']}) the extraction merged the No. and 必須 columns and "
                          "no ○ survived anywhere on the page: a lost ○ cannot be ruled out.")
        how = {None: "in its own column",
               "text": "at the start of the 監査項目 cell, where this page prints its ○ marks",
               "shifted": "right after the No. cell pushed right by label cells, where this page "
                          "prints its ○ marks"}[None if p.known else p.shape]
        page = (f"the page (header line {pg['line']}) shows {pg['marks']} ○" if pg["marks"]
                else f"the page (header line {pg['line']}) prints 必須 as its own column and "
                     "marks no item")
        return False, f"No.{no} printed with an empty 必須 cell {how}, line {p.line}; {page}."
    own = next((p for p in entry.pairs if p.n is None and p.circle), None)
    if not ps and own:
        return True, f"○ in the item's own row without a printed No., line {own.line}."
    if not ps:
        why = (f"No.{no} is not printed beside the item (its number comes from the row "
               "sequence), so its 必須 cell is not in the extraction")
    else:
        why = (f"No.{no} is printed (line {ps[0].line}) but not beside a 必須 cell that can be "
               "located (the No. stands in the 必須 column or label cells shifted the row)")
    return None, why + ": unknown, not guessed."


def evidence_list(ev):
    if not ev:
        return None
    names = [compact(x) for x in ev.split("□")]
    return [x for x in names if x]


def policy_list(pol):
    pol = pol.strip()
    if not pol:
        return None
    if pol == "—":
        return []
    return [re.sub(r"\s+", "", pol)]


def jis_split(cell, valid, lno):
    """Reference numbers at the start of a JIS cell, and any text printed after them."""
    cell = cell.strip()
    if not cell:
        return None, None
    if cell.startswith("—"):
        rest = cell[1:].strip()
        return [], (rest or None)
    toks = cell.split()
    refs, k = [], 0
    while k < len(toks):
        t = toks[k]
        # a number wrapped inside the cell ("CLD.12.4. 5")
        while t.endswith(".") and k + 1 < len(toks) and re.match(r"^\d", toks[k + 1]):
            k += 1
            t += toks[k]
        t = re.sub(r"^CLD\.?", "CLD.", t)
        if not valid(t):
            break
        if t not in refs:
            refs.append(t)
        k += 1
    note = " ".join(toks[k:]) or None
    check(refs, f"line {lno}: no reference number in JIS cell {cell!r}")
    return refs, note


def related(notes, limit):
    out = []
    for m in REL_RE.finditer(notes or ""):
        for part in re.split(r"[、,]", m.group(1)):
            nums = [int(x) for x in re.findall(r"\d+", part)]
            if len(nums) == 2 and nums[0] <= nums[1]:
                rng = range(nums[0], nums[1] + 1)
            else:
                rng = nums[:1]
            for n in rng:
                if 1 <= n <= limit and str(n) not in out:
                    out.append(str(n))
    return sorted(out, key=int)


def section_of(pol, sections):
    m = re.match(r"^(\d+)\.(\d+)?", pol or "")
    if not m:
        return None
    ch = int(m.group(1))
    sid = f"3.{ch}" + (f".{m.group(2)}" if m.group(2) and ch >= 4 else "")
    return sid if sid in sections else None


def find_line(lines, pred, start=1, what=""):
    for lno in range(start, len(lines) + 1):
        if pred(lines[lno - 1]):
            return lno
    raise ParseError(f"{FILE}: {what} not found")


def toc(lines):
    """Chapter 3 headings from the table of contents: id -> (title, line)."""
    end = find_line(lines, lambda s: s.strip() == "【付録】", what="【付録】")
    secs = OrderedDict()
    for lno in range(1, end):
        s = lines[lno - 1]
        m = re.match(r"^(3\.\d+(?:\.\d+)?)\.\s*(.+?)\t\d+$", s)
        if m:
            secs[m.group(1)] = (common.squash(m.group(2)), lno)
        m = re.match(r"^(参考)\s*(.+?)\t\d+$", s)
        if m:
            secs["C"] = (common.squash(s.split("\t")[0]), lno)
    return secs


def number_printed(entries, where):
    """Profile / 参考 tables: printed No. where present, else previous + 1."""
    prev = 0
    gaps = []
    for e in entries:
        own = [n for n in e.printed() if n > prev]
        n = own[0] if own else prev + 1
        check(n > prev, f"{where} line {e.line}: No.{n} does not follow No.{prev}")
        gaps.extend(range(prev + 1, n))
        e.no = n
        e.recovered = not own
        prev = n
    return gaps


def props_for(e, no, pairs_by_no, section, jis_key, jis_valid, limit):
    p = OrderedDict()
    p["section"] = section
    p["no"] = str(no)
    p["no_recovered"] = e.recovered
    if getattr(e, "printed_as", None) is not None:
        p["no_printed_as"] = str(e.printed_as)
    p["mandatory"], p["mandatory_basis"] = mandatory(no, e, pairs_by_no)
    p["evidence"] = evidence_list(e.ev)
    p["procedure"] = e.proc or None
    p["policy_clause"] = policy_list(e.pol)
    refs, jnote = jis_split(e.jis, jis_valid, e.line)
    p[jis_key] = refs
    if jnote:
        p[jis_key + "_note"] = jnote
    if e.notes:
        p["notes"] = e.notes
    p["related"] = related(e.notes, limit)
    return p


def make_item(iid, parent, cls, level, title, text, props, line):
    it = OrderedDict()
    it["id"] = iid
    it["parent"] = parent
    it["class"] = cls
    it["level"] = level
    if title:
        it["title"] = title
    if text:
        it["text"] = OrderedDict([("ja", text)])
    it["props"] = props
    it["source"] = common.source(FILE, line, REVISION)
    return it


def pairs_index(entries):
    idx = {}
    for e in entries:
        for p in e.pairs:
            if p.key is not None:
                idx.setdefault(p.key, []).append(p)
    return idx


def match_relisted(rows, main, where):
    """Main item ids re-listed by the rows of a 再掲 table, in order, without repeats."""
    keyed = {int(m.no): m for m in main}

    def sim(e, m):
        """Share of the main item's heading (or procedure) opening found in the row."""
        row = re.sub(r"\s+", "", " ".join(e.row.cells))
        best = 0.0
        proc = (m.proc or "").split("により、", 1)[-1]  # skip the common opening
        for key in (strip_mark(m.text), proc):
            key = re.sub(r"\s+", "", key)[:20]
            if key:
                lm = difflib.SequenceMatcher(None, key, row, autojunk=False).find_longest_match(
                    0, len(key), 0, len(row))
                best = max(best, lm.size / len(key))
        return best

    printed = [e.printed()[0] if e.printed() else None for e in rows]
    out = []
    for k, e in enumerate(rows):
        n = printed[k]
        if n is not None:
            check(n in keyed and sim(e, keyed[n]) >= 0.5,
                  f"{where} line {e.line}: re-listed No.{n} does not match the main item")
        else:
            lo = max([p for p in printed[:k] if p is not None], default=0)
            hi = min([p for p in printed[k + 1:] if p is not None], default=max(keyed))
            cands = [keyed[i] for i in range(lo + 1, hi + 1) if i in keyed]
            check(cands, f"{where} line {e.line}: no candidate for an unnumbered row")
            best = max(cands, key=lambda m: (sim(e, m), -int(m.no)))
            check(sim(e, best) >= 0.5, f"{where} line {e.line}: no main item matches")
            n = int(best.no)
        if str(n) not in out:
            out.append(str(n))
    return out


class Main:
    """Numbered main item: the entry plus its id (kept apart from Entry for clarity)."""

    def __init__(self, e):
        self.e = e
        self.no = str(e.no)
        self.text = e.text
        self.proc = e.proc


def build(seeds_dir):
    lines = common.read_lines(seeds_dir, FILE)
    fix = common.Repairer(common.ALIASES + EXTRA_ALIASES)
    warn = []

    # --- title page and table of contents ---------------------------------------------
    rev_line = find_line(lines, lambda s: re.match(r"^令和\s*7\s*年\s*3\s*月\s*28\s*日\s*改\s*定", s),
                         what="revision date")
    made_line = find_line(lines, lambda s: re.match(r"^平成\s*15\s*年\s*12\s*月\s*25\s*日", s),
                          what="first edition date")
    secs = toc(lines)
    main_secs = [s for s in secs if s not in ("3.10", "3.11", "3.12", "3.13", "3.14", "C")]
    check(len(main_secs) == 36 and main_secs[0] == "3.1" and main_secs[-1] == "3.9.3",
          f"table of contents: {len(main_secs)} chapter-3 sections")
    check(all(s in secs for s in PROFILE_SIZES) and "C" in secs, "model table headings missing")

    # --- table boundaries ----------------------------------------------------------------
    start = find_line(lines, lambda s: s.startswith("実際の情報セキュリティ監査項目を、次頁以降に記載"),
                      what="start of the audit item table")
    marks = [k for k in range(start, len(lines) + 1)
             if lines[k - 1].rstrip().endswith("次頁以降に示す。")]
    check(len(marks) == 6, f"expected 6 table introductions, found {len(marks)}")
    keys = ["自治体情報セキュリティクラウド", "α", "B", "B'", "無線", "参考"]
    for k, w in zip(marks, keys):
        check(w in lines[k - 1], f"line {k}: expected a table introduction mentioning {w}")
    relists = [k for k in range(marks[1], marks[4]) if lines[k - 1].startswith("※")]
    check(len(relists) == 3, f"expected 3 再掲 notes, found {len(relists)}")
    appendix = find_line(lines, lambda s: s.strip() == "付録", start=marks[5], what="付録")

    # --- main table ----------------------------------------------------------------------
    entries = table(lines, start + 1, marks[0], warn)
    check(len(entries) == EXPECTED["item"], f"parsed {len(entries)} main items, expected 421")
    mismatch = []
    for k, e in enumerate(entries, 1):
        e.no = k
        e.recovered = k not in e.printed()
        other = [n for n in e.printed() if n != k]
        if other:
            mismatch.append(f"line {e.line}: No.{k} printed as {other[0]}")
            e.printed_as = other[0]
            # The 必須 cell on this line is the row's own (see MISPLACED_NO).
            for p in e.pairs:
                if p.n == other[0]:
                    p.key = k
    check(entries[-1].printed() == [421], "last main row is not No.421")
    pairs = pairs_index(entries)

    items = []
    sec_items = OrderedDict()

    def add_section(sid):
        title, lno = secs[sid]
        parent = sid.rsplit(".", 1)[0] if sid.count(".") == 2 else None
        it = make_item(sid, parent, "section", 2 if parent else 1,
                       OrderedDict([("ja", fix(title)), ("en", SECTION_EN[sid])]), None,
                       OrderedDict(), lno)
        sec_items[sid] = it
        items.append(it)

    order = {s: k for k, s in enumerate(main_secs)}
    cur = None
    mand_null = 0
    for e in entries:
        sid = section_of(e.pol, order)
        if sid is None:
            check(cur is not None, f"line {e.line}: first item without a section")
            sid = cur
        check(cur is None or order[sid] >= order[cur],
              f"line {e.line}: section {sid} after {cur}")
        if sid != cur:
            chain = [sid] if sid.count(".") == 1 else [sid.rsplit(".", 1)[0], sid]
            for s in chain:
                if s not in sec_items:
                    add_section(s)
            cur = sid
        p = props_for(e, e.no, pairs, sid, "jis_q_27002_2022", lambda t: t in JIS_2022, 421)
        mand_null += p["mandatory"] is None
        title, text, props = describe(str(e.no), e.text, p, fix,
                                      f"{sec_items[sid]['title']['ja']} No.{e.no}")
        items.append(make_item(str(e.no), sid, "item", sec_items[sid]["level"] + 1, title,
                               text, props, e.line))
    for s in main_secs:
        check(s in sec_items, f"section {s} has no items")
    main = [Main(e) for e in entries]
    recovered = sum(e.recovered for e in entries)

    # --- model-specific tables -----------------------------------------------------------
    bounds = OrderedDict([
        ("3.10", (marks[0] + 1, marks[1], None)),
        ("3.11", (marks[1] + 1, relists[0], (relists[0] + 1, marks[2]))),
        ("3.12", (marks[2] + 1, relists[1], (relists[1] + 1, marks[3]))),
        ("3.13", (marks[3] + 1, relists[2], (relists[2] + 1, marks[4]))),
        ("3.14", (marks[4] + 1, marks[5], None)),
    ])
    profiles = []
    relisted_sets = []
    relisted_marks = OrderedDict()
    prof_null = 0
    for pid, (lo, hi, rl) in bounds.items():
        ents = table(lines, lo, hi, warn)
        gaps = number_printed(ents, pid)
        check(len(ents) == PROFILE_SIZES[pid],
              f"table {pid}: parsed {len(ents)} items, expected {PROFILE_SIZES[pid]}")
        add_section(pid)
        ppairs = pairs_index(ents)
        ids = []
        for e in ents:
            p = props_for(e, e.no, ppairs, pid, "jis_q_27002_2022", lambda t: t in JIS_2022,
                          421)
            prof_null += p["mandatory"] is None
            iid = f"{pid}-{e.no}"
            ids.append(iid)
            title, text, props = describe(iid, e.text, p, fix, f"{fix(secs[pid][0])} No.{e.no}")
            items.append(make_item(iid, pid, "profile-item", 2, title, text, props, e.line))
        refs = []
        notes = [f"{secs[pid][0]} (line {lo - 1})."]
        if gaps:
            notes.append("The document has no No." + ", ".join(map(str, gaps))
                         + " in this table (numbers run "
                         + ", ".join(str(e.no) for e in ents) + ").")
        if rl:
            rows = table(lines, rl[0], rl[1], warn)
            for r in rows:
                for pr in r.pairs:
                    if pr.n is not None and pr.circle:
                        relisted_marks.setdefault(str(pr.n), []).append(pr.line)
            rel = match_relisted(rows, main, pid)
            check(len(rel) == RELISTED, f"table {pid}: {len(rel)} re-listed items, "
                                        f"expected {RELISTED}")
            relisted_sets.append(rel)
            refs = [OrderedDict([("item", r), ("relation", "re-listed"),
                                 ("note", f"再掲, lines {rl[0]}-{rl[1] - 1}")]) for r in rel]
            notes.append(f"Ends with {len(rel)} main items re-listed (再掲) as organisational and "
                         f"human measures to be implemented for the α'/β/β' models (line "
                         f"{rl[0] - 1}); they are refs, not copies.")
        profiles.append(OrderedDict([
            ("id", pid), ("title", OrderedDict([("ja", fix(secs[pid][0])),
                                                 ("en", SECTION_EN[pid])])),
            ("items", ids), ("refs", refs), ("notes", " ".join(notes))]))
    check(all(r == relisted_sets[0] for r in relisted_sets),
          "the three 再掲 tables re-list different items")
    main_by_id = {it["id"]: it for it in items if it["class"] == "item"}
    for pair, why in DISPUTED.items():
        for no in pair:
            mp = main_by_id[str(no)]["props"]
            mp["mandatory_basis"] += f" Disputed pair {pair[0]}/{pair[1]}, re-read: {why}."
    for no, at in relisted_marks.items():
        mp = main_by_id[no]["props"]
        check(mp["mandatory"] is not False, f"再掲 lines {at} print No.{no} ○ but the main "
                                            "table gives false")
        lines_at = ", ".join(f"line {x}" for x in at)
        if mp["mandatory"]:
            mp["mandatory_basis"] += f" Confirmed by the 再掲 tables ({lines_at} print No.{no} ○)."
        else:
            # The model tables re-print the row with a ○; that is the model table's mark, not
            # the main table's cell, so it is evidence for the reviewer, not the value.
            mp["mandatory_basis"] += (f" The 再掲 tables print No.{no} ○ ({lines_at}): likely "
                                      "mandatory, to be confirmed against the published PDF.")

    # --- 参考: cloud add-on items -----------------------------------------------------------
    ents = table(lines, marks[5] + 1, appendix, warn)
    gaps = number_printed(ents, "参考")
    check(len(ents) == EXPECTED["cloud-item"] and not gaps,
          f"参考 table: parsed {len(ents)} items (gaps {gaps}), expected 36")
    add_section("C")
    cpairs = pairs_index(ents)
    cids = []
    for e in ents:
        p = props_for(e, e.no, cpairs, "C", "jis_q_27017",
                      lambda t: bool(J27017_RE.match(t)), 421)
        iid = f"C-{e.no}"
        cids.append(iid)
        title, text, props = describe(iid, e.text, p, fix, f"{fix(secs['C'][0])} No.{e.no}")
        items.append(make_item(iid, "C", "cloud-item", 2, title, text, props, e.line))
    profiles.append(OrderedDict([
        ("id", "cloud-addon"),
        ("title", OrderedDict([("ja", fix(secs["C"][0])), ("en", SECTION_EN["C"])])),
        ("items", cids), ("refs", []),
        ("notes", f"The 36 参考 items (line {marks[5]}): audit items to add when a municipality "
                  "builds and runs standardized systems (標準準拠システム) on a cloud service "
                  "itself; references are JIS Q 27017 numbers (CLD.x and 27002:2013-style "
                  "x.y.z).")]))

    # --- evidence index -------------------------------------------------------------------
    idx_end = find_line(lines, lambda s: s.strip() == "実施要綱（例）", start=appendix,
                        what="end of the evidence index")
    known = {it["id"] for it in items}
    prefix = {"": "", "自": "3.10-", "α'": "3.11-", "β": "3.12-", "β'": "3.13-"}
    evidence_types = []
    agree = total = 0
    by_id = {it["id"]: it for it in items}
    for lno in range(appendix, idx_end):
        cells = lines[lno - 1].split("\t")
        if len(cells) != 4 or cells[0].strip() == "索引":
            continue
        name = compact(clean_cell(cells[1]))
        desc = clean_cell(cells[2])
        applies = []
        for tok in re.split(r"[,、，]", cells[3]):
            t = re.sub(r"\s+", "", tok).replace("’", "'")
            if not t:
                continue
            m = re.match(r"^(自|α'|β'|β)?(\d+)$", t)
            check(m, f"line {lno}: unreadable item reference {tok!r}")
            iid = prefix[m.group(1) or ""] + m.group(2)
            check(iid in known, f"line {lno}: evidence index cites unknown item {t}")
            if iid not in applies:
                applies.append(iid)
        fname = fix(name)
        for iid in applies:
            if "-" in iid:
                continue
            total += 1
            ev = by_id[iid]["props"]["evidence"] or []
            agree += fname in ev
        evidence_types.append(OrderedDict([
            ("id", f"E-{len(evidence_types) + 1}"),
            ("name", OrderedDict([("ja", fname)])),
            ("description", OrderedDict([("ja", fix(desc))])),
            ("applies_to", applies),
            ("source", common.source(FILE, lno, REVISION))]))
    check(len(evidence_types) == EXPECTED["evidence_types"],
          f"parsed {len(evidence_types)} evidence types, expected 230")
    check(agree >= 0.9 * total, f"evidence index agrees with item numbering on only "
                                f"{agree}/{total} references")

    for lno in range(start + 1, len(lines) + 1):
        for m in re.finditer("インタビュアー", lines[lno - 1]):
            check(INTERVIEW_RE.match(lines[lno - 1], m.start() - 2),
                  f"line {lno}: インタビュアー not in the form 'へのインタビュアーにより/及び': "
                  "review before repairing it")
    flagged = {f: [it["id"] for it in items if it["class"] == "item"
                   and f in it["props"].get("text_flags", [])] for f in ("missing", "merged")}
    check(flagged["missing"] == TEXT_MISSING, f"items with missing text {flagged['missing']}")
    check(flagged["merged"] == TEXT_MERGED, f"items with merged labels {flagged['merged']}")

    counts = common.count_classes(items)
    check(counts.get("item") == 421 and counts.get("cloud-item") == 36
          and counts.get("profile-item") == sum(PROFILE_SIZES.values()),
          f"counts {dict(counts)}")
    ids = [it["id"] for it in items]
    check(len(ids) == len(set(ids)), "duplicate ids")
    seen = set()
    for it in items:
        check(it["parent"] is None or it["parent"] in seen, f"{it['id']}: parent not before it")
        seen.add(it["id"])

    c = OrderedDict()
    c["format"] = 1
    c["kind"] = "catalog"
    c["id"] = CATALOG_ID
    c["title"] = OrderedDict([
        ("ja", "地方公共団体における情報セキュリティ監査に関するガイドライン（令和7年3月改定）"),
        ("en", "Guidelines for Information Security Audits in Local Governments "
               "(revised March 2025)")])
    c["publisher"] = "総務省 (Ministry of Internal Affairs and Communications, MIC)"
    c["revisions"] = [OrderedDict([
        ("id", REVISION), ("title", "令和7年3月28日 改定"),
        ("note", f"Title page (lines {made_line}-{rev_line}): 平成15年12月25日 策定, "
                 "令和7年3月28日 改定.")])]
    c["sources"] = [OrderedDict([
        ("file", FILE),
        ("title", "地方公共団体における情報セキュリティ監査に関するガイドライン（令和7年3月改定）"),
        ("revision", REVISION),
        ("note", "Text extracted from the published PDF; chapter 3 audit item table, the "
                 "model-specific tables 3.10-3.14, the 参考 cloud add-on table and the "
                 "監査資料例一覧／索引.")])]
    c["license_note"] = (
        "Japanese text carried verbatim (extraction HTML dropped, whitespace squashed, spaces "
        "inside evidence names removed, OCR repairs listed under repairs) from MIC's published "
        "guideline for reference in assessments; rights remain with MIC. English titles are ours.")
    c["repairs"] = fix.report()
    c["counts"] = counts
    c["parse_stats"] = OrderedDict([
        ("main_items", len(entries)),
        ("no_recovered", recovered),
        ("no_printed_on_wrong_line", len(mismatch)),
        ("mandatory_null", mand_null),
        ("mandatory_true", sum(1 for it in items if it["class"] == "item"
                               and it["props"]["mandatory"] is True)),
        ("mandatory_false", sum(1 for it in items if it["class"] == "item"
                                and it["props"]["mandatory"] is False)),
        ("profile_mandatory_null", prof_null),
        ("cloud_mandatory_null", sum(1 for it in items if it["class"] == "cloud-item"
                                     and it["props"]["mandatory"] is None)),
        ("evidence_index_agreement", f"{agree}/{total}"),
    ])
    c["notes"] = [
        f"{recovered} of the 421 main items had no No. printed beside them; their numbers "
        "come from the row sequence (prop no_recovered).",
        f"{mand_null} main items have mandatory null: the seed does not show their 必須 cell "
        "(unknown, shown as 要確認; prop mandatory_basis says why for each item).",
        "Items whose requirement text is missing, merged or repaired carry prop text_flags "
        "(missing, heading, merged, repaired), text_note and repairs; titles are the 監査項目 "
        "label (or the section title and No. when no label was printed).",
        "No. printed on the following item's line (sequence used): " + "; ".join(mismatch) + ".",
        f"The evidence index (監査資料例一覧／索引) names, for {agree} of its {total} references "
        "to main items, an evidence document that the numbered item lists.",
    ] + warn
    c["profiles"] = profiles
    c["evidence_types"] = evidence_types
    c["items"] = items
    return {CATALOG_ID: c}


def fixprops(p, fix, log=None):
    out = OrderedDict()
    for k, v in p.items():
        fix.trace = []
        if isinstance(v, str):
            v = fix(v)
        elif isinstance(v, list):
            v = [fix(x) for x in v]
        if log is not None:
            log.extend((k,) + t for t in fix.trace)
        fix.trace = None
        out[k] = v
    return out


def label_of(text):
    """The 監査項目 label printed before the requirement text (the cell's first line), or None.
    The boundary is the space before an actor/condition opening the text; else the first space
    (a short fragment after it is the label's wrapped end: 対応 手続)."""
    t = strip_mark(text).strip()
    if "。" not in t:
        return t or None
    spaces = [m.start() for m in re.finditer(" ", t)]
    cut = next((k for k in spaces if OPENER_RE.match(t[k + 1:])), None)
    if cut is None and spaces:
        cut = spaces[0]
        rest = t[cut + 1:].split(" ")
        if len(rest) > 1 and len(rest[0]) <= 4 and "。" not in rest[0]:
            cut += 1 + len(rest[0])
    if cut is None or cut > 60:
        return None
    label = t[:cut].strip()
    return label if label and "。" not in label else None


def describe(iid, text, props, fix, fallback):
    """title, repaired text and props of one audit item, with its text flags: missing (only the
    label survived), heading (the cell holds a section heading), merged (two rows' labels in one
    cell), repaired (OCR repairs applied; listed in prop repairs)."""
    log = []
    fix.trace = []
    fixed = fix(text)
    log.extend(("text",) + t for t in fix.trace)
    fix.trace = None
    props = fixprops(props, fix, log)
    flags, notes = [], []
    bare = strip_mark(text).strip()
    title = None
    if HEADING_RE.match(bare):
        flags += ["missing", "heading"]
        notes.append(f"The 監査項目 cell holds the section heading '{bare}': the requirement text "
                     "was not extracted (see the procedure, 監査実施の例).")
        title = bare
    elif MERGED_RE.search(text):
        flags.append("merged")
        notes.append("The 監査項目 cell merges the labels of two rows (the extraction joined an "
                     "unnumbered row to this one); the last label is the item's.")
        title = label_of(MERGED_RE.sub("", text, count=1))
    elif "。" not in bare:
        flags.append("missing")
        notes.append("Only the 監査項目 label survived extraction: the requirement text is "
                     "missing (see the procedure, 監査実施の例).")
        title = bare
    else:
        title = label_of(text)
    if log:
        flags.append("repaired")
        notes.append("OCR repairs applied: see prop repairs.")
    props["text_flags"] = flags
    if notes:
        props["text_note"] = " ".join(notes)
    if log:
        props["repairs"] = [f"{b}→{g} ×{n} in {k} ({why})" for k, b, g, why, n in log]
    title = fix(title) if title else fallback
    return OrderedDict([("ja", title)]), fixed, props


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    seeds = argv[1] if len(argv) > 1 else os.path.join(here, "..", "..", "..", "shared", "seeds")
    for cid, obj in build(seeds).items():
        with open(os.path.join(here, "..", cid + ".json"), "w", encoding="utf-8") as f:
            f.write(common.dump(obj))
        print(cid, dict(obj["counts"]), dict(obj["parse_stats"]))


if __name__ == "__main__":
    main(sys.argv)
