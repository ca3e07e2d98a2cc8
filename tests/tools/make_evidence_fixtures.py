#!/usr/bin/env python3
"""make_evidence_fixtures.py — builds the evidence samples in tests/fixtures/evidence/.

Python standard library only. The samples tell one story: はまなすクラウド株式会社 offers
"Hamanasu 住民記録クラウド", a SaaS for resident records that is not on the ISMAP list; it
answers the 別紙 questionnaire (row texts taken from catalog/ismap-questionnaire.json), hands
over a SOC 2 Type II report with two exceptions and a carved-out data centre, ISO/IEC 27001
certificates of both editions, a 27017 certificate, Statements of Applicability and a CAIQ
extract. Example IaaS of エグザンプル・クラウド株式会社 is on the ISMAP list and valid. Every
name, number and text beyond the catalog's is invented for these tests.

The malformed samples are built by damaging good ones. Output is deterministic (fixed zip
timestamps), so re-running leaves git clean.

    python3 tests/tools/make_evidence_fixtures.py [outdir]
"""
import codecs
import csv
import io
import json
import os
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CATALOG = os.path.join(ROOT, "catalog")

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
NS_R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def load(name):
    with open(os.path.join(CATALOG, name + ".json"), encoding="utf-8") as f:
        return json.load(f)


# ---- a small XLSX writer ------------------------------------------------------------------------

def esc(s):
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def col_name(c):
    s = ""
    while c:
        c, r = divmod(c - 1, 26)
        s = chr(65 + r) + s
    return s


# Styles: 0 General, 1 yyyy/m/d (built-in 14), 2 m"月"d"日" (a date: Excel's 3-1 → 3月1日),
# 3 wrap text.
STYLES = (HEAD + f'<styleSheet {NS}><numFmts count="1">'
          '<numFmt numFmtId="164" formatCode="m&quot;月&quot;d&quot;日&quot;"/></numFmts>'
          '<fonts count="2"><font><sz val="11"/><name val="游ゴシック"/></font>'
          '<font><b/><sz val="11"/><name val="游ゴシック"/></font></fonts>'
          '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
          '<borders count="1"><border/></borders>'
          '<cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs>'
          '<cellXfs count="4"><xf numFmtId="0" xfId="0"/>'
          '<xf numFmtId="14" xfId="0" applyNumberFormat="1"/>'
          '<xf numFmtId="164" xfId="0" applyNumberFormat="1"/>'
          '<xf numFmtId="0" xfId="0" applyAlignment="1"><alignment wrapText="1"/></xf>'
          '</cellXfs></styleSheet>')


class Book:
    """Sheets of cells: strings go to sharedStrings; ('n', v, style), ('f', formula, cached)."""

    def __init__(self):
        self.sst, self.index, self.sheets = [], {}, []

    def s(self, text):
        if text not in self.index:
            self.index[text] = len(self.sst)
            self.sst.append(text)
        return self.index[text]

    def add_sheet(self, name, rows, merges=(), state=None, hidden_rows=()):
        """rows: {rownum: {col: value}}"""
        xml = []
        for r in sorted(rows):
            cells = []
            for c in sorted(rows[r]):
                v, ref = rows[r][c], f"{col_name(c)}{r}"
                if isinstance(v, tuple) and v[0] == "n":
                    cells.append(f'<c r="{ref}" s="{v[2]}"><v>{v[1]}</v></c>')
                elif isinstance(v, tuple) and v[0] == "f":
                    cells.append(f'<c r="{ref}" t="str"><f>{esc(v[1])}</f><v>{esc(v[2])}</v></c>')
                elif v is not None and v != "":
                    cells.append(f'<c r="{ref}" t="s" s="3"><v>{self.s(v)}</v></c>')
            hid = ' hidden="1"' if r in hidden_rows else ""
            xml.append(f'<row r="{r}"{hid}>' + "".join(cells) + "</row>")
        merge = ""
        if merges:
            merge = f'<mergeCells count="{len(merges)}">' + "".join(
                f'<mergeCell ref="{m}"/>' for m in merges) + "</mergeCells>"
        body = (HEAD + f'<worksheet {NS} {NS_R}><sheetViews><sheetView workbookViewId="0"/>'
                '</sheetViews><sheetFormatPr defaultRowHeight="18.75"/><sheetData>' +
                "\n".join(xml) + "</sheetData>" + merge + "</worksheet>")
        self.sheets.append((name, body, state))

    def parts(self, sheet_override=None):
        n = len(self.sheets)
        ct = (HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
              '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
              'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
              '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.'
              'openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' + "".join(
                  f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
                  'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                  for i in range(1, n + 1)) + '</Types>')
        root = (HEAD + f'<Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" '
                f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        sheets = "".join(
            f'<sheet name="{esc(name)}" sheetId="{i}" r:id="rId{i}"'
            + (f' state="{state}"' if state else "") + "/>"
            for i, (name, _, state) in enumerate(self.sheets, 1))
        wb = (HEAD + f'<workbook {NS} {NS_R}><workbookPr/><sheets>{sheets}</sheets></workbook>')
        rels = (HEAD + f'<Relationships xmlns="{PKG_REL}">' + "".join(
            f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, n + 1)) +
            f'<Relationship Id="rId{n + 1}" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
            f'<Relationship Id="rId{n + 2}" Type="{REL}/styles" Target="styles.xml"/>'
            '</Relationships>')
        sst = (HEAD + f'<sst {NS} count="{len(self.sst)}" uniqueCount="{len(self.sst)}">' +
               "".join(f'<si><t xml:space="preserve">{esc(t)}</t></si>' for t in self.sst) +
               "</sst>")
        parts = [("[Content_Types].xml", ct), ("_rels/.rels", root), ("xl/workbook.xml", wb),
                 ("xl/_rels/workbook.xml.rels", rels), ("xl/sharedStrings.xml", sst),
                 ("xl/styles.xml", STYLES)]
        for i, (_, body, _) in enumerate(self.sheets, 1):
            parts.append((f"xl/worksheets/sheet{i}.xml", (sheet_override or {}).get(i, body)))
        return parts


def zip_bytes(parts):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts:
            info = zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data.encode("utf-8") if isinstance(data, str) else data)
    return buf.getvalue()


def excel_serial(iso):
    import datetime
    d = datetime.date.fromisoformat(iso)
    return (d - datetime.date(1899, 12, 30)).days


# ---- the questionnaire ------------------------------------------------------------------------------

def questionnaire_rows():
    """(no, item name, requirement, mark, remarks, ismap name as printed, ismap no as printed)"""
    cat = load("ismap-questionnaire")
    answers = {
        "3-1": "〇", "5-1": "○", "5-2": "O", "5-4": "ｏ", "5-5": "o", "5-16": "Ｏ",
    }
    remarks = {
        "5-3": "テレワークでの住民情報の取扱いを認めていないため該当なし",
        "5-17": "データセンターは北斗データセンター株式会社（ISMAP登録済みIaaS）を利用し、"
                "物理的セキュリティは同社の統制に依拠する。\n同社のISMAP登録及び第三者保証報告書を年1回確認する。",
        "5-18": "装置の設置・保守はIaaS事業者の責任範囲。当社は装置を保有しない。",
        "5-22": "ログは1年間保存し、改ざん検知を行う。",
    }
    marks = {"5-3": "該当なし", "5-17": "×", "5-18": "✕", "5-25": "×"}
    out = []
    for it in cat["items"]:
        if it["class"] == "section":
            out.append(("", it["title"]["ja"], "", "", "", "", ""))
            continue
        if it["class"] == "group":
            out.append((it["id"], it["title"]["ja"], it.get("text", {}).get("ja", ""), "", "",
                        "", ""))
            continue
        if it["class"] != "row":
            continue
        no, p = it["id"], it["props"]
        text = it.get("text", {}).get("ja", "")
        if no == "1":
            out.append((no, it["title"]["ja"], text, "機密性3B",
                        "情報の詳細：住民基本台帳に記録された氏名、住所、生年月日、性別及び個人番号",
                        "", ""))
        elif no == "2":
            out.append((no, it["title"]["ja"], text, "×", "ISMAPへの登録は申請準備中", "", ""))
        else:
            out.append((no, it["title"]["ja"], text, marks.get(no, answers.get(no, "○")),
                        remarks.get(no, ""), p["ismap_names"][0],
                        p["ismap_numbers_as_printed"][0]))
    return out


HEADERS = ["項番", "項目名", "概要要件", "適合状況 (○/×)", "備考（「×」の場合の代替対策の提示）",
           "ISMAP管理基準 項目名", "ISMAP管理基準番号"]


def questionnaire_xlsx(formula_row=None):
    """The 別紙 as a provider returns it: a cover sheet, a two-row header, section headings
    merged across, a page of rows, the header printed again, a second sheet, a hidden work
    sheet, 4-3 turned into a date by Excel and a 備考 spilling onto a second row."""
    b = Book()
    b.add_sheet("表紙", {1: {1: "クラウドサービス要件確認 回答書"},
                       3: {1: "回答者", 2: "はまなすクラウド株式会社"},
                       4: {1: "回答日", 2: ("n", excel_serial("2025-07-15"), 1)}})
    rows, merges, r = {}, ["A1:G1", "A3:A4", "B3:B4", "C3:C4", "D3:D4", "E3:E4", "F3:G3"], 1
    rows[1] = {1: "別紙 クラウドサービス要件確認"}

    def header(at):
        rows[at] = {1: "項番", 2: "項目名", 3: "概要要件", 4: "適合状況\n(○/×)",
                    5: "備考\n（「×」の場合の代替対策の提示）", 6: "ISMAP管理基準"}
        rows[at + 1] = {6: "項目名", 7: "番号"}
        if at != 3:
            merges.extend([f"A{at}:A{at + 1}", f"B{at}:B{at + 1}", f"C{at}:C{at + 1}",
                           f"D{at}:D{at + 1}", f"E{at}:E{at + 1}", f"F{at}:G{at}"])

    header(3)
    r = 5
    all_rows = questionnaire_rows()
    second = []
    for row in all_rows:
        no = row[0]
        if no == "5-21":
            header(r)
            r += 2
        if no in ("5-31", "5-32", "5-33", "5-34", "5-35", "5-36", "5-37"):
            second.append(row)
            continue
        if no == "":
            rows[r] = {1: row[1]}
            merges.append(f"A{r}:G{r}")
            r += 1
            continue
        cells = {1: no, 2: row[1], 3: row[2], 4: row[3], 5: row[4], 6: row[5], 7: row[6]}
        if no == "4-3":
            cells[1] = ("n", excel_serial("2025-04-03"), 2)  # Excel read "4-3" as 4月3日
        if no == formula_row:
            cells[4] = ("f", 'IF(TRUE,"○","×")', "○")
        if no == "5-17":
            first, rest = row[4].split("\n")
            cells[5] = first
            rows[r] = cells
            rows[r + 1] = {5: rest}
            merges.extend([f"A{r}:A{r + 1}", f"B{r}:B{r + 1}", f"C{r}:C{r + 1}", f"D{r}:D{r + 1}"])
            r += 2
            continue
        rows[r] = cells
        r += 1
    b.add_sheet("別紙", rows, merges)
    rows2 = {1: {1: "別紙（続き）"}, 2: {i + 1: h for i, h in enumerate(HEADERS)}}
    for i, row in enumerate(second, 3):
        rows2[i] = {c + 1: v for c, v in enumerate(row)}
    b.add_sheet("別紙（続き）", rows2)
    # An old draft left in a hidden sheet must not be read.
    b.add_sheet("作業用", {1: {i + 1: h for i, h in enumerate(HEADERS)},
                        2: {1: "5-1", 4: "×"}}, state="hidden")
    return zip_bytes(b.parts())


# ---- the 別紙 as printed (seed 004) --------------------------------------------------------------
# The form has no single header: row 1 and row 2 each sit under their own header row, and rows
# from 3 on under a section header whose first three columns carry one caption (no 項番 heading),
# printed again at a page break with (○/×) and 「ISMAP管理 基準番号」. After the form the criteria
# appendix (管理番号 | …) follows on the same sheet when a provider saves it as one CSV.

FORM_H1 = ["項番", "項目名", "概要要件", "機密性", "取り扱う（保存する）情報の詳細", "", ""]
FORM_H2 = ["項番", "項目名", "概要要件", "適合状況 (O/x)", "採用クラウドサービス企業",
           "採用クラウドサービス名称", "ISMAP or ISMAP-LIU"]
FORM_CAPTION = "「ISMAP管理基準が求めるセキュリティ対策」への適合状況"
FORM_H3 = [FORM_CAPTION, "", "", "適合状況 (O/x)", "備考（「×」の場合の代替対策の提示）",
           "ISMAP管理基準 項目名 (令和5年9月22日最終改定 ISMAP運営委員会)", "ISMAP管理基準番号"]
FORM_H3_PAGE = [FORM_CAPTION, "", "", "適合状況 (○/×)", "備考（「×」の場合の代替対策の提示）",
                "ISMAP管理基準 項目名 (令和5年9月22日最終改定 ISMAP運営委員会)", "ISMAP管理 基準番号"]
APPENDIX = [
    ["管理番号", "「ISMAP管理基準が求めるガバナンス基準」への適合状況（令和6年8月1日最終改定 ISMAP運営委員会）"],
    ["3", "情報セキュリティガバナンス"],
    ["3.1", "情報セキュリティガバナンスのプロセス"],
    ["3.1.2.1", "経営陣は、事業の取組みにおいて情報セキュリティ問題を考慮することを確実にする。"],
    [],
    ["管理番号", "「ISMAP管理基準が求める管理策基準」への適合状況 (令和6年8月1日最終改定 ISMAP運営委員会)", ""],
    ["5", "情報セキュリティのための方針群", ""],
    ["6", "情報セキュリティのための組織", ""],
    ["6.1", "内部組織", "管理目的：組織内で情報セキュリティの実施及び運用に着手し、これを統制するための管理上の枠組みを確立するため。"],
]


def form_lines(listed):
    """(kind, cells) lines of the printed form; kind 'head', 'caption' or 'row'. listed: row 2
    ○ naming a listed service in its own columns and rows from 3 on left blank; else row 2 ×
    and every row answered."""
    out = [("title", ["別紙 クラウドサービス要件確認"]), ("blank", []),
           ("title", ["1. クラウドサービスで扱う情報とISMAP準拠の確認"]), ("blank", []),
           ("head", FORM_H1)]
    for r in questionnaire_rows():
        no = r[0]
        if no == "":
            continue
        if no == "1":
            conf = "機密性3C" if listed else "機密性3B"
            det = "情報の詳細：職員の勤怠情報" if listed else r[4]
            out.append(("row1", [no, r[1], r[2], conf, det, "", ""]))
            out.append(("head", FORM_H2))
        elif no == "2":
            if listed:
                out.append(("row", [no, r[1], r[2], "○", "クラウド事業者名：（株）エービーシー",
                                    "クラウドサービス名：ＡＢＣ クラウド　プラットフォーム",
                                    "ISMAP"]))
            else:
                out.append(("row", [no, r[1], r[2], "×", "クラウド事業者名：",
                                    "クラウドサービス名：", ""]))
            out += [("blank", []), ("title", ["2. ISMAPに準拠しない場合の適合確認項目"]),
                    ("blank", []),
                    ("title", ["注意：管理策基準における統制目標「3桁の番号で表現される項目」、及び末尾に"
                               "Bが付された詳細管理策「4桁の番号で表現される項目」を原則として全て満たしていること。"]),
                    ("blank", []), ("head", FORM_H3)]
        else:
            if no == "5-7":
                out += [("blank", []), ("head", FORM_H3_PAGE)]
            mark, remarks = ("", "") if listed else (r[3], r[4])
            out.append(("row", [no, r[1], r[2], mark, remarks, r[5], r[6]]))
    return out


def form_csv(listed, appendix=True):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    for kind, cells in form_lines(listed):
        if kind == "row" and cells[0] == "5-18" and cells[3]:
            cells = cells[:3] + ["×"] + cells[4:]  # ✕ has no Shift_JIS code
        w.writerow(cells)
    if appendix:
        w.writerow([])
        for cells in APPENDIX:
            w.writerow(cells)
    return buf.getvalue()


def form_xlsx(listed):
    """The printed form in one sheet, merged as the template merges it: the title and section
    titles across A:G, row 1's details across E:G, the section header's caption across A:C."""
    b = Book()
    rows, merges = {}, []
    for r, (kind, cells) in enumerate(form_lines(listed), 1):
        if kind == "blank":
            continue
        rows[r] = {c + 1: v for c, v in enumerate(cells) if v}
        if kind == "title":
            merges.append(f"A{r}:G{r}")
        elif kind == "row1" or (kind == "head" and cells is FORM_H1):
            merges.append(f"E{r}:G{r}")
        elif kind == "head" and cells[0] == FORM_CAPTION:
            merges.append(f"A{r}:C{r}")
    b.add_sheet("別紙", rows, merges)
    return zip_bytes(b.parts())


def questionnaire_csv(rows, with_header=True, drop=None):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    headers = [h for i, h in enumerate(HEADERS) if i != drop]
    if with_header:
        w.writerow(headers)
    for row in rows:
        w.writerow([v for i, v in enumerate(row) if i != drop])
    return buf.getvalue()


def csv_rows():
    """The same answers as typed into a CSV: one header, no section headings."""
    rows = [r for r in questionnaire_rows() if r[0]]
    out = []
    for r in rows:
        r = list(r)
        if r[0] == "5-33":  # a provider's remark that a spreadsheet would run as a formula
            r[4] = '=HYPERLINK("http://example.invalid/","連絡窓口")'
        if r[0] == "5-18":
            r[3] = "×"  # ✕ has no Shift_JIS code
        out.append(r)
    return out


def questionnaire_json():
    rows = []
    for r in questionnaire_rows():
        if not r[0] or r[0] in ("3", "4", "5"):
            continue
        if r[0] == "1":
            rows.append({"no": "1", "confidentiality": "3B",
                         "details": "住民基本台帳に記録された氏名、住所、生年月日、性別及び個人番号"})
        elif r[0] == "2":
            rows.append({"no": "2", "answer": "×"})
        else:
            o = {"no": r[0], "answer": r[3]}
            if r[4]:
                o["remarks"] = r[4]
            o["ismap_no"], o["ismap_name"] = r[6], r[5]
            rows.append(o)
    return {"format": "ismap-questionnaire/1", "title": "Hamanasu 住民記録クラウド 回答",
            "answered_on": "2025-07-15", "rows": rows}


def listed_questionnaire_json():
    """A provider of a listed service answers row 2 ○ and leaves rows from 3 on blank."""
    cat = load("ismap-questionnaire")
    rows = [{"no": "1", "confidentiality": "3C", "details": "職員の勤怠情報"},
            {"no": "2", "answer": "○", "provider": "（株）エービーシー",
             "service": "ＡＢＣ クラウド　プラットフォーム", "list": "ISMAP"}]
    for it in cat["items"]:
        if it["class"] == "row" and it["id"] not in ("1", "2"):
            rows.append({"no": it["id"], "answer": ""})
    return {"format": "ismap-questionnaire/1", "rows": rows}


# ---- the ISMAP list ---------------------------------------------------------------------------------

LIST = [
    # reg no, service, provider, list, registered, audit period, expiry, regions
    ("C23-0101-1", "Example IaaS", "エグザンプル・クラウド株式会社", "ISMAP", "2023/6/1",
     "2024/4/1～2025/3/31", "", "東京、大阪"),
    ("C22-0087-1", "はまなす文書管理", "はまなすクラウド株式会社", "ISMAP-LIU", "2024/2/1",
     "2023/10/1～2024/9/30", "", "東京"),
    ("C21-0013-1", "オールド・ストレージ", "レガシー・システムズ株式会社", "ISMAP", "2021/8/1",
     "2022/1/1～2022/12/31", "", "東京"),
    ("C23-0155-2", "ＡＢＣ　クラウド　プラットフォーム", "株式会社エービーシー", "ISMAP",
     "2023/9/1", "2024/7/1～2025/6/30", "", "東京、大阪"),
    ("C24-0021-1", "北斗IaaS", "北斗データセンター株式会社", "ISMAP", "2024/3/1",
     "2024/1/1～2024/12/31", "2026/4/30", "札幌、東京"),
    ("L24-0004-1", "ミナト勤怠SaaS", "ミナトソフト(株)", "ISMAP-LIU", "2024/5/1",
     "2024/1/1～2024/12/31", "", "東京"),
]


def ismap_list_csv():
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["登録番号", "クラウドサービスの名称", "クラウドサービス事業者名", "リスト", "登録日",
                "外部監査の対象期間", "有効期限", "データセンターの所在地"])
    for e in LIST:
        w.writerow(e)
    return "\ufeff" + buf.getvalue()


def ismap_list_xlsx():
    """The list under other headers, as a later publication might have them: --map needed."""
    b = Book()
    rows = {1: {1: "ISMAP cloud service list (as of 2025-08-01)"},
            3: {1: "Reg No", 2: "Service Name", 3: "Vendor", 4: "List", 5: "Period End",
                6: "Regions"}}
    for i, e in enumerate(LIST, 4):
        end = e[5].split("～")[1].split("/")
        iso = f"{int(end[0]):04d}-{int(end[1]):02d}-{int(end[2]):02d}"
        rows[i] = {1: e[0], 2: e[1], 3: e[2], 4: e[3], 5: ("n", excel_serial(iso), 1), 6: e[7]}
    b.add_sheet("List", rows, ["A1:F1"])
    return zip_bytes(b.parts())


# ---- SOC 2 --------------------------------------------------------------------------------------

SOC2_TESTS = [
    ("CC1.1", "C-1.1", "行動規範を定め、全従業員が年1回誓約する。",
     "誓約記録をサンプル25件閲覧した。", "No exceptions noted."),
    ("CC2.1", "C-2.1", "セキュリティ関連情報を社内ポータルで周知する。",
     "ポータルの掲載内容を閲覧した。", "No exceptions noted."),
    ("CC3.1", "C-3.1", "年1回リスク評価を実施し経営会議で承認する。",
     "リスク評価書と議事録を閲覧した。", "No exceptions noted."),
    ("CC5.2", "C-5.2", "セキュリティ方針を年1回見直す。", "改訂履歴を閲覧した。",
     "No exceptions noted."),
    ("CC6.1", "C-6.1", "本番環境へのアクセスは多要素認証を必須とする。",
     "認証設定を閲覧し、ログイン試行を観察した。", "No exceptions noted."),
    ("CC6.2", "C-6.2", "アカウント発行は上長承認を要する。",
     "新規アカウント25件について承認記録を閲覧した。",
     "Exception noted: 2 of 25 sampled accounts were created before approval was recorded."),
    ("CC6.3", "C-6.3", "権限は四半期ごとに棚卸しする。", "棚卸記録4四半期分を閲覧した。",
     "No exceptions noted."),
    ("CC6.6", "C-6.6", "外部からの通信はWAFを経由させる。", "ネットワーク構成を閲覧した。",
     "No exceptions noted."),
    ("CC6.7", "C-6.7", "通信はTLS1.2以上で暗号化する。", "設定を閲覧した。", "No exceptions noted."),
    ("CC7.1", "C-7.1", "脆弱性スキャンを月次で実施する。", "スキャン結果12か月分を閲覧した。",
     "No exceptions noted."),
    ("CC7.2", "C-7.2", "セキュリティイベントを監視し、アラートを24時間以内に評価する。",
     "アラート40件をサンプル閲覧した。",
     "Exception noted: 3 of 40 sampled alerts were reviewed after more than 24 hours."),
    ("CC7.3", "C-7.3", "インシデント対応手順を定める。", "手順書と対応記録を閲覧した。",
     "No exceptions noted."),
    ("CC8.1", "C-8.1", "本番変更はレビューと承認を要する。", "変更25件の承認記録を閲覧した。",
     "No exceptions noted."),
    ("CC9.2", "C-9.2", "委託先のセキュリティを年1回評価する。", "評価記録を閲覧した。",
     "No exceptions noted."),
    ("A1.2", "C-A1.2", "日次バックアップを別リージョンに保管する。", "バックアップ記録を閲覧した。",
     "No exceptions noted."),
    ("A1.3", "C-A1.3", "年1回リストア訓練を行う。", "訓練記録を閲覧した。", "No exceptions noted."),
]

SOC2_META = {
    "format": "soc2/1",
    "service_organization": "はまなすクラウド株式会社",
    "system": "Hamanasu 住民記録クラウド",
    "service_auditor": "あおば監査法人",
    "report_type": "Type II",
    "period": {"start": "2024-07-01", "end": "2025-06-30"},
    "opinion": "unqualified",
    "bridge_letter": {"date": "2025-08-31"},
    "categories": ["security", "availability"],
    "subservice_organizations": [
        {"name": "北斗データセンター株式会社", "services": "IaaS (データセンター及び基盤)",
         "method": "carve-out"}],
    "cuecs": [
        {"id": "CUEC-1", "description": "利用者は自組織の利用者アカウントを適時に登録・削除する。",
         "criteria": ["CC6.2"]},
        {"id": "CUEC-2", "description": "利用者は多要素認証を有効にし、認証情報を適切に管理する。",
         "criteria": ["CC6.1"]},
        {"id": "CUEC-3", "description": "利用者は提供される監査ログを定期的に確認する。",
         "criteria": ["CC7.2"]}],
}


def soc2_json():
    d = dict(SOC2_META)
    d["tests"] = [{"criterion": t[0], "control_id": t[1], "control": t[2], "test": t[3],
                   "result": t[4]} for t in SOC2_TESTS]
    return d


def soc2_csv(tests=SOC2_TESTS):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    m = SOC2_META
    for k, v in [("service_organization", m["service_organization"]), ("system", m["system"]),
                 ("service_auditor", m["service_auditor"]), ("report_type", "Type II"),
                 ("period_start", "2024/7/1"), ("period_end", "令和7年6月30日"),
                 ("opinion", "無限定適正"), ("bridge_letter_date", "2025-08-31"),
                 ("subservice_organization", "北斗データセンター株式会社; IaaS; 除外方式")]:
        w.writerow([k, v])
    for c in m["cuecs"]:
        w.writerow(["cuec", f'{c["id"]}; {c["description"]}; {" ".join(c["criteria"])}'])
    w.writerow([])
    w.writerow(["規準", "統制番号", "統制の記述", "実施した検証手続", "検証結果"])
    for t in tests:
        w.writerow(t)
    return "\ufeff" + buf.getvalue()


# ---- ISO/IEC 27001 / 27017 -------------------------------------------------------------------

def kv_csv(pairs):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["項目", "値"])
    for k, v in pairs:
        w.writerow([k, v])
    return buf.getvalue()


CERT_2022 = {
    "certification_body": "日本認証サービス株式会社", "accreditation_body": "ISMS-AC",
    "certificate_number": "HCI-27001-0042", "standard": "ISO/IEC 27001:2022",
    "organization": "はまなすクラウド株式会社",
    "scope": "Hamanasu 住民記録クラウドの開発、運用及び保守（本社及び大阪開発センター）",
    "issue_date": "2024-04-01", "expiry_date": "2027-03-31",
    "sites": ["東京都千代田区（本社）", "大阪府大阪市（開発センター）"],
}

CERT_2013 = [("認証機関", "日本認証サービス株式会社"), ("認定機関", "ISMS-AC"),
             ("登録番号", "HCI-27001-0017"), ("規格", "JIS Q 27001:2014 (ISO/IEC 27001:2013)"),
             ("組織名", "はまなすクラウド株式会社"), ("適用範囲", "旧 住民記録システムのホスティング"),
             ("発行日", "2023/1/16"), ("有効期限", "2026年1月15日")]


def cert_27017_xlsx():
    b = Book()
    rows = {1: {1: "ISO/IEC 27017 認証情報"},
            2: {1: "certification_body", 2: "日本認証サービス株式会社"},
            3: {1: "accreditation_body", 2: "ISMS-AC"},
            4: {1: "certificate_number", 2: "HCI-27017-0008"},
            5: {1: "standard", 2: "ISO/IEC 27017:2015"},
            6: {1: "base_certificate", 2: "HCI-27001-0042"},
            7: {1: "scope", 2: "Hamanasu 住民記録クラウドのクラウドサービス提供"},
            8: {1: "issue_date", 2: ("n", excel_serial("2024-04-01"), 1)},
            9: {1: "expiry_date", 2: "令和9年3月31日"}}
    b.add_sheet("certificate", rows)
    return zip_bytes(b.parts())


def soa_2022_csv():
    cat = load("iso27001-2022")
    excluded = {"A.7.1", "A.7.2", "A.7.3", "A.7.4", "A.7.5", "A.7.6", "A.7.8", "A.7.11",
                "A.7.12", "A.7.13"}
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["standard", "ISO/IEC 27001:2022"])
    w.writerow(["certificate", "HCI-27001-0042"])
    w.writerow([])
    w.writerow(["管理策", "管理策名", "適用", "適用・除外の理由", "実施状況", "関連文書"])
    for it in cat["items"]:
        if it["class"] != "control":
            continue
        c = it["id"]
        if c in excluded:
            w.writerow([c, it["title"]["ja"], "除外",
                        "物理的セキュリティはIaaS事業者（北斗データセンター株式会社）の責任範囲", "", ""])
        elif c in ("A.8.25", "A.8.28"):
            w.writerow([c, it["title"]["ja"], "適用", "開発を行うため", "一部実施", "SDL-001"])
        else:
            w.writerow([c, it["title"]["ja"], "適用", "リスク対応のため", "実施済", "ISMS-POL-001"])
    return buf.getvalue()


def soa_27017_json():
    cat = load("iso27017")
    return {"format": "soa/1", "standard": "ISO/IEC 27017:2015", "certificate": "HCI-27017-0008",
            "controls": [{"control": it["id"], "applicable": True, "status": "implemented",
                          "document": "CLD-POL-001"}
                         for it in cat["items"] if it["class"] == "control"]}


# ---- CAIQ v4 (our own wording; the IDs follow CCM v4) ------------------------------------------

CAIQ = [
    ("A&A-01.1", "監査・保証の方針を定め、承認し、周知しているか。", "Yes", "CSP-owned",
     "監査方針を年1回見直している。", "", "A&A-01"),
    ("A&A-02.1", "独立した監査を少なくとも年1回受けているか。", "Yes", "CSP-owned",
     "SOC 2 Type II を年1回取得している。", "", "A&A-02"),
    ("BCR-08.1", "データのバックアップを定期的に取得しているか。", "Yes", "Shared CSP and CSC",
     "日次バックアップを別リージョンに保管する。", "利用者は業務データの独自エクスポートを必要に応じて行う。",
     "BCR-08"),
    ("CEK-03.1", "保存データを暗号化しているか。", "Yes", "CSP-owned", "AES-256で暗号化する。",
     "", "CEK-03"),
    ("CEK-10.1", "利用者が暗号鍵を管理できるか。", "No", "CSP-owned",
     "鍵は事業者が管理する。利用者管理鍵は未提供。", "", "CEK-10"),
    ("DCS-01.1", "データセンターの物理的セキュリティ方針があるか。", "NA", "3rd-party outsourced",
     "IaaS事業者に委託。", "", "DCS-01"),
    ("DSP-07.1", "データ保護を設計段階から考慮しているか。", "Yes", "CSP-owned",
     "設計レビューで確認する。", "", "DSP-07"),
    ("IAM-02.1", "強固なパスワード方針を定めているか。", "Yes", "Shared CSP and CSC",
     "パスワード要件をシステムで強制する。", "利用者は自組織のパスワード方針を設定する。", "IAM-02"),
    ("IAM-14.1", "多要素認証を提供しているか。", "Yes", "Shared CSP and CSC",
     "管理画面に多要素認証を提供する。", "利用者は多要素認証を全利用者に有効化する。", "IAM-14"),
    ("LOG-05.1", "監査ログを監視しているか。", "Yes", "Shared CSP and CSC", "24時間監視する。",
     "利用者は提供される操作ログを定期的に確認する。", "LOG-05"),
    ("SEF-07.1", "インシデントを利用者に通知する手順があるか。", "Yes", "CSP-owned",
     "72時間以内に通知する。", "", "SEF-07"),
    ("STA-07.1", "サプライチェーンの目録を維持しているか。", "No", "CSP-owned",
     "整備中（2025年度中に完了予定）。", "", "STA-07"),
    ("TVM-07.1", "脆弱性スキャンを実施しているか。", "Yes", "CSP-owned", "月次で実施する。", "",
     "TVM-07"),
]


def caiq_csv():
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["Question ID", "Question", "CSP CAIQ Answer", "SSRM Control Ownership",
                "CSP Implementation Description (Optional/Recommended)",
                "CSC Responsibilities (Optional/Recommended)", "CCM Control ID"])
    for q in CAIQ:
        w.writerow(q)
    return buf.getvalue()


# ---- malformed --------------------------------------------------------------------------------------

def bomb_xlsx():
    """A sheet that inflates to 40 MiB (over the importers' 32 MiB per part) from a few KiB."""
    b = Book()
    b.add_sheet("別紙", {1: {i + 1: h for i, h in enumerate(HEADERS)}})
    pad = (HEAD + f'<worksheet {NS}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>項番'
           '</t></is></c></row>' + " " * (40 << 20) + "</sheetData></worksheet>")
    return zip_bytes(b.parts(sheet_override={1: pad}))


def huge_xlsx():
    """A sheet whose last row is 500,000: over the importers' 100,000 rows."""
    b = Book()
    rows = {1: {i + 1: h for i, h in enumerate(HEADERS)}, 2: {1: "1", 4: "機密性2"},
            500000: {1: "5-1", 4: "○"}}
    b.add_sheet("別紙", rows)
    return zip_bytes(b.parts())


def write(out, name, data):
    path = os.path.join(out, name)
    mode = "wb" if isinstance(data, bytes) else "w"
    kw = {} if mode == "wb" else {"encoding": "utf-8", "newline": ""}
    with open(path, mode, **kw) as f:
        f.write(data)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "fixtures", "evidence")
    os.makedirs(out, exist_ok=True)
    rows = csv_rows()
    good_xlsx = questionnaire_xlsx()
    write(out, "questionnaire.xlsx", good_xlsx)
    write(out, "questionnaire_cp932.csv", questionnaire_csv(rows).encode("cp932"))
    write(out, "questionnaire_utf8.csv", "\ufeff" + questionnaire_csv(rows))
    write(out, "questionnaire.json", json.dumps(questionnaire_json(), ensure_ascii=False, indent=1))
    write(out, "questionnaire_listed.json",
          json.dumps(listed_questionnaire_json(), ensure_ascii=False, indent=1))
    # The 別紙 as printed: its own header rows per section, merged cells, a page-break header,
    # the criteria appendix after the form in the CSVs.
    write(out, "form_answered.xlsx", form_xlsx(listed=False))
    write(out, "form_listed.xlsx", form_xlsx(listed=True))
    write(out, "form_answered_utf8.csv", "\ufeff" + form_csv(listed=False))
    write(out, "form_answered_cp932.csv", form_csv(listed=False).encode("cp932"))
    write(out, "form_listed_cp932.csv", form_csv(listed=True).encode("cp932"))
    write(out, "ismap_list.csv", ismap_list_csv())
    write(out, "ismap_list_mapped.xlsx", ismap_list_xlsx())
    write(out, "soc2_type2.json", json.dumps(soc2_json(), ensure_ascii=False, indent=1))
    write(out, "soc2_type2.csv", soc2_csv())
    write(out, "iso27001_2022.json", json.dumps(CERT_2022, ensure_ascii=False, indent=1))
    write(out, "iso27001_2013.csv", kv_csv(CERT_2013))
    write(out, "iso27017.xlsx", cert_27017_xlsx())
    write(out, "soa_2022.csv", soa_2022_csv())
    write(out, "soa_27017.json", json.dumps(soa_27017_json(), ensure_ascii=False, indent=1))
    write(out, "caiq.csv", caiq_csv())
    write(out, "contract.pdf", b"%PDF-1.4\n% Hamanasu service agreement (test sample)\n%%EOF\n")
    # Malformed: each must be refused with a precise error, importing nothing.
    write(out, "bad_truncated.xlsx", good_xlsx[: len(good_xlsx) // 2])
    write(out, "bad_bomb.xlsx", bomb_xlsx())
    write(out, "bad_huge.xlsx", huge_xlsx())
    write(out, "bad_formula.xlsx", questionnaire_xlsx(formula_row="5-8"))
    write(out, "bad_eucjp.csv", questionnaire_csv(rows).encode("euc_jp"))
    dup = rows[:]
    dup.insert(20, dup[[r[0] for r in dup].index("5-12")])
    write(out, "bad_duplicate.csv", questionnaire_csv(dup))
    write(out, "bad_missing_column.csv", questionnaire_csv(rows, drop=3))
    unk = [list(r) for r in rows]
    unk.append(["5-38", "管理策基準", "存在しない行", "○", "", "", ""])
    unk[[r[0] for r in unk].index("5-9")][3] = "✓"
    write(out, "bad_unknown_row.csv", questionnaire_csv(unk))
    write(out, "bad_serial_date.csv",
          kv_csv([(k, "46112" if k == "有効期限" else v) for k, v in CERT_2013]))
    write(out, "bad_text_date.csv",
          kv_csv([(k, "2025/02/30" if k == "有効期限" else v) for k, v in CERT_2013]))
    bad_tests = SOC2_TESTS[:3] + [("CC10.1", "C-X", "存在しない規準", "閲覧した。",
                                   "No exceptions noted."),
                                  ("CC6.1", "C-Y", "結果欄が空", "閲覧した。", "")]
    write(out, "bad_soc2.csv", soc2_csv(bad_tests))


if __name__ == "__main__":
    main()
