#!/usr/bin/env python3
"""make_xlsx.py — builds the tabular reader fixtures in tests/fixtures/readers/.

Python standard library only: XLSX files are zips of hand-written XML, so each fixture shows
exactly the markup the reader must handle (rich text with furigana, merged cells, formulas with
and without cached values, Japanese date formats...). The malformed ones are built by damaging
good ones. Output is deterministic (fixed zip timestamps), so re-running leaves git clean.

    python3 tests/tools/make_xlsx.py [outdir]
"""
import io
import os
import struct
import sys
import zipfile

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
NS_R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def content_types(sheets, extra=""):
    over = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
        f'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, sheets + 1))
    return (HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' + over + extra +
            '</Types>')


ROOT_RELS = (HEAD + f'<Relationships xmlns="{PKG_REL}">'
             f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/>'
             '</Relationships>')


def rels(items):
    """items: (id, type, target[, external])"""
    body = "".join(
        f'<Relationship Id="{i[0]}" Type="{REL}/{i[1]}" Target="{i[2]}"'
        + (' TargetMode="External"' if len(i) > 3 else "") + "/>" for i in items)
    return HEAD + f'<Relationships xmlns="{PKG_REL}">{body}</Relationships>'


def workbook(sheets, date1904=False):
    """sheets: (name, rId[, state])"""
    pr = '<workbookPr date1904="1"/>' if date1904 else '<workbookPr defaultThemeVersion="164011"/>'
    body = "".join(
        f'<sheet name="{s[0]}" sheetId="{n}" r:id="{s[1]}"'
        + (f' state="{s[2]}"' if len(s) > 2 else "") + "/>" for n, s in enumerate(sheets, 1))
    return (HEAD + f'<workbook {NS} {NS_R}>{pr}<bookViews><workbookView activeTab="0"/>'
            f'</bookViews><sheets>{body}</sheets><definedNames><definedName name="_xlnm.'
            'Print_Area" localSheetId="0">別紙!$A$1:$D$10</definedName></definedNames>'
            '</workbook>')


def sheet(rows, merges=(), extra=""):
    merge = ""
    if merges:
        merge = f'<mergeCells count="{len(merges)}">' + "".join(
            f'<mergeCell ref="{m}"/>' for m in merges) + "</mergeCells>"
    return (HEAD + f'<worksheet {NS} {NS_R}><dimension ref="A1:D10"/><sheetViews><sheetView '
            'workbookViewId="0"/></sheetViews><sheetFormatPr defaultRowHeight="18.75"/>'
            '<sheetData>' + "\n".join(rows) + '</sheetData>' + merge + extra +
            '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
            'footer="0.3"/></worksheet>')


def write_zip(path, parts, method=zipfile.ZIP_DEFLATED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in parts:
            info = zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0))
            info.compress_type = method
            z.writestr(info, data.encode("utf-8") if isinstance(data, str) else data)
    data = buf.getvalue()
    if path:
        with open(path, "wb") as f:
            f.write(data)
    return data


# ---- the main fixture: a questionnaire-like workbook --------------------------------------

SST = [
    "クラウドサービス要件確認",  # 0 title (merged A1:D1)
    "No.",  # 1
    "要件",  # 2
    "回答",  # 3
    "備考",  # 4
    None,  # 5 rich text with furigana, built below
    None,  # 6 plain text with furigana
    "○",  # 7
    "×",  # 8
    "一行目_x000D_\n二行目",  # 9 Excel's escape for CR
    "結合セル",  # 10
    "-",  # 11
    "バックアップ",  # 12
    "見出し _x005F_x0041_ 記号",  # 13 an escaped underscore keeps _x0041_ literal
]


def sst_xml():
    items = []
    for i, s in enumerate(SST):
        if i == 5:
            # Rich text: two runs, then the phonetic guide (furigana), which is not text.
            items.append('<si><r><t>暗号化</t></r><r><rPr><b/><sz val="11"/>'
                         '<rFont val="游ゴシック"/></rPr><t>の実施</t></r>'
                         '<rPh sb="0" eb="3"><t>アンゴウカ</t></rPh>'
                         '<rPh sb="4" eb="6"><t>ジッシ</t></rPh>'
                         '<phoneticPr fontId="1"/></si>')
        elif i == 6:
            items.append('<si><t>ログの保管</t><rPh sb="2" eb="4"><t>ホカン</t></rPh>'
                         '<phoneticPr fontId="1"/></si>')
        else:
            items.append(f"<si><t>{s}</t></si>")
    return (HEAD + f'<sst {NS} count="{len(items) + 4}" uniqueCount="{len(items)}">' +
            "".join(items) + "</sst>")


STYLES = (HEAD + f'<styleSheet {NS}><numFmts count="4">'
          '<numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/>'
          '<numFmt numFmtId="165" formatCode="[$-411]ggge&quot;年&quot;m&quot;月&quot;d&quot;日'
          '&quot;"/>'
          '<numFmt numFmtId="166" formatCode="#,##0&quot;円&quot;;[Red]\\-#,##0&quot;円&quot;"/>'
          '<numFmt numFmtId="167" formatCode="yyyy/m/d\\ h:mm"/>'
          '</numFmts>'
          '<fonts count="1"><font><sz val="11"/><name val="游ゴシック"/></font></fonts>'
          '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
          '<borders count="1"><border/></borders>'
          # A named style with a date format must not make cellXfs[0] a date.
          '<cellStyleXfs count="2"><xf numFmtId="0"/><xf numFmtId="14"/></cellStyleXfs>'
          '<cellXfs count="11">'
          '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'  # 0 General
          '<xf numFmtId="14" xfId="0" applyNumberFormat="1"/>'  # 1 m/d/yyyy
          '<xf numFmtId="22" xfId="0" applyNumberFormat="1"/>'  # 2 m/d/yyyy h:mm
          '<xf numFmtId="164" xfId="0" applyNumberFormat="1"/>'  # 3 yyyy年m月d日
          '<xf numFmtId="165" xfId="0" applyNumberFormat="1"/>'  # 4 令和
          '<xf numFmtId="20" xfId="0" applyNumberFormat="1"/>'  # 5 h:mm
          '<xf numFmtId="166" xfId="0" applyNumberFormat="1"/>'  # 6 yen: not a date
          '<xf numFmtId="46" xfId="0" applyNumberFormat="1"/>'  # 7 [h]:mm:ss
          '<xf numFmtId="2" xfId="0" applyNumberFormat="1"/>'  # 8 0.00
          '<xf numFmtId="167" xfId="0" applyNumberFormat="1"/>'  # 9 yyyy/m/d h:mm
          '<xf numFmtId="58" xfId="1" applyNumberFormat="1"/>'  # 10 built-in ja era date
          '</cellXfs><cellStyles count="1"><cellStyle name="標準" xfId="0" builtinId="0"/>'
          '</cellStyles><dxfs count="1"><dxf><numFmt numFmtId="14" formatCode="0.0"/></dxf>'
          '</dxfs></styleSheet>')


def s(ref, idx, style=""):
    return f'<c r="{ref}" t="s"{style}><v>{idx}</v></c>'


SHEET1 = sheet([
    f'<row r="1" spans="1:4">{s("A1", 0)}<c r="B1" s="0"/><c r="C1" s="0"/><c r="D1"/></row>',
    f'<row r="2">{s("A2", 1)}{s("B2", 2)}{s("C2", 3)}{s("D2", 4)}</row>',
    f'<row r="3"><c r="A3"><v>1</v></c>{s("B3", 5)}{s("C3", 7)}'
    '<c r="D3" t="inlineStr"><is><r><t>イン</t></r><r><rPr><i/></rPr><t>ライン</t></r>'
    '<rPh sb="0" eb="2"><t>いん</t></rPh></is></c></row>',
    f'<row r="4"><c r="A4"><v>2</v></c>{s("B4", 6)}{s("C4", 8)}'
    '<c r="D4" t="inlineStr"><is><t xml:space="preserve">  前後に空白  </t></is></c></row>',
    f'<row r="5"><c r="A5"><v>3</v></c>{s("B5", 9)}<c r="C5" t="b"><v>1</v></c>'
    '<c r="D5" t="b"><v>0</v></c></row>',
    f'<row r="6">{s("B6", 10)}<c r="C6"><f>A3+A4</f><v>3</v></c>'
    '<c r="D6" t="str"><f>B6&amp;"!"</f><v>結合セル!</v></c></row>',
    '<row r="7"><c r="C7"><f>SUM(A3:A5)</f></c><c r="D7" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
    '</row>',
    '<row r="8" hidden="1"><c r="A8" t="inlineStr"><is><t>hidden row</t></is></c></row>',
    '<row r="10"><c r="A10"><v>0.30000000000000004</v></c><c r="B10"><v>-0</v></c>'
    '<c r="C10"><v>1.5E-3</v></c><c r="D10"><v>12345678901234567890</v></c></row>',
    f'<row r="11">{s("A11", 13)}<c r="B11" t="str"><f>""</f><v></v></c>'
    '<c r="C11"><f t="shared" ref="C11:C12" si="0">A10*2</f><v>0.6</v></c></row>',
    '<row r="12"><c r="C12"><f t="shared" si="0"/></c></row>',
], merges=["A1:D1", "B6:B7"])

SHEET2 = sheet([
    f'<row r="1">{s("A1", 1)}{s("B1", 2)}{s("C1", 3)}{s("D1", 4)}</row>',
    f'<row r="2"><c r="A2"><v>4</v></c>{s("B2", 12)}{s("C2", 11)}</row>',
    # Cells without r: each follows the previous one.
    '<row><c><v>5</v></c><c t="s"><v>12</v></c><c t="inlineStr"><is><t>該当なし</t></is></c>'
    '</row>',
])


def date_cell(ref, v, style):
    return f'<c r="{ref}" s="{style}"><v>{v}</v></c>'


SHEET3 = sheet([
    f'<row r="{n}">{date_cell(f"A{n}", v, st)}</row>'
    for n, (v, st) in enumerate([
        ("45747", 1),  # 1: 2025-03-31 (built-in 14)
        ("45747.5", 2),  # 2: 2025-03-31T12:00:00 (built-in 22)
        ("43586", 3),  # 3: 2019-05-01 yyyy"年"m"月"d"日"
        ("43585", 4),  # 4: 2019-04-30 [$-411]ggge"年"...
        ("0.75", 5),  # 5: 18:00:00 (h:mm)
        ("45747", 6),  # 6: yen format: a number
        ("1.25", 7),  # 7: 30:00:00 ([h]:mm:ss)
        ("60", 1),  # 8: the phantom 1900-02-29: stays a number
        ("59", 1),  # 9: 1900-02-28
        ("61", 1),  # 10: 1900-03-01
        ("45747", 8),  # 11: 0.00: a number
        ("45748.25", 9),  # 12: 2025-04-01T06:00:00
        ("45747", 10),  # 13: built-in 58 (ja era)
    ], 1)
] + ['<row r="14"><c r="A14" t="d"><v>2025-03-31T00:00:00</v></c>'
     '<c r="B14" t="d"><v>2025-03-31T09:15:00</v></c></row>'])

SHEET4 = sheet(['<row r="1"><c r="A1" t="inlineStr"><is><t>作業用</t></is></c></row>'])

WB_RELS = [
    ("rId1", "worksheet", "worksheets/sheet1.xml"),
    ("rId2", "worksheet", "/xl/worksheets/sheet2.xml"),  # absolute target
    ("rId3", "worksheet", "worksheets/../worksheets/sheet3.xml"),
    ("rId4", "worksheet", "worksheets/sheet4.xml"),
    ("rId5", "chartsheet", "chartsheets/sheet1.xml"),
    ("rId6", "sharedStrings", "sharedStrings.xml"),
    ("rId7", "styles", "styles.xml"),
    ("rId8", "hyperlink", "https://www.ismap.go.jp/", True),
]

WB_SHEETS = [("別紙", "rId1"), ("別紙(続き)", "rId2"), ("日付", "rId3"),
             ("作業用", "rId4", "hidden"), ("グラフ", "rId5")]

CHART = (HEAD + f'<chartsheet {NS} {NS_R}><sheetViews><sheetView workbookViewId="0"/>'
         '</sheetViews></chartsheet>')


def questionnaire_parts(sheet2=SHEET2):
    return [
        ("[Content_Types].xml", content_types(4)),
        ("_rels/.rels", ROOT_RELS),
        ("xl/workbook.xml", workbook(WB_SHEETS)),
        ("xl/_rels/workbook.xml.rels", rels(WB_RELS)),
        ("xl/sharedStrings.xml", sst_xml()),
        ("xl/styles.xml", STYLES),
        ("xl/worksheets/sheet1.xml", SHEET1),
        ("xl/worksheets/sheet2.xml", sheet2),
        ("xl/worksheets/sheet3.xml", SHEET3),
        ("xl/worksheets/sheet4.xml", SHEET4),
        ("xl/chartsheets/sheet1.xml", CHART),
    ]


def minimal_parts(sheet_xml, date1904=False, with_sst=None, with_styles=False):
    """One worksheet; optional shared strings (xml or True for a stale relationship)."""
    wb_rels = [("rId1", "worksheet", "worksheets/sheet1.xml")]
    parts = [("[Content_Types].xml", content_types(1)), ("_rels/.rels", ROOT_RELS),
             ("xl/workbook.xml", workbook([("Sheet1", "rId1")], date1904)),
             ("xl/worksheets/sheet1.xml", sheet_xml)]
    if with_sst is not None:
        wb_rels.append(("rId2", "sharedStrings", "sharedStrings.xml"))
        if with_sst is not True:
            parts.append(("xl/sharedStrings.xml", with_sst))
    if with_styles:
        wb_rels.append(("rId3", "styles", "styles.xml"))
        parts.append(("xl/styles.xml", STYLES))
    parts.append(("xl/_rels/workbook.xml.rels", rels(wb_rels)))
    return parts


def patch_sizes(data, name, size):
    """Makes the named entry declare `size` uncompressed bytes in both its local header and
    the central directory, as a zip bomb would."""
    data = bytearray(data)
    raw = name.encode()
    pos = 0
    while True:
        pos = data.find(b"PK\x03\x04", pos)
        if pos < 0:
            break
        n = struct.unpack_from("<H", data, pos + 26)[0]
        if data[pos + 30:pos + 30 + n] == raw:
            struct.pack_into("<I", data, pos + 22, size)
        pos += 4
    pos = 0
    while True:
        pos = data.find(b"PK\x01\x02", pos)
        if pos < 0:
            break
        n = struct.unpack_from("<H", data, pos + 28)[0]
        if data[pos + 46:pos + 46 + n] == raw:
            struct.pack_into("<I", data, pos + 24, size)
        pos += 4
    return bytes(data)


def damage_entry(data, name):
    """Overwrites the middle of the named entry's compressed data."""
    data = bytearray(data)
    raw = name.encode()
    pos = data.find(b"PK\x03\x04")
    while pos >= 0:
        n, extra = struct.unpack_from("<HH", data, pos + 26)
        csize = struct.unpack_from("<I", data, pos + 18)[0]
        if data[pos + 30:pos + 30 + n] == raw:
            start = pos + 30 + n + extra
            for i in range(start + csize // 3, start + csize // 3 + 16):
                data[i] ^= 0x5A
            return bytes(data)
        pos = data.find(b"PK\x03\x04", pos + 4)
    raise SystemExit(f"no entry {name}")


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "readers")
    os.makedirs(out, exist_ok=True)
    p = lambda n: os.path.join(out, n)  # noqa: E731

    good = write_zip(p("questionnaire.xlsx"), questionnaire_parts())

    write_zip(p("date1904.xlsx"), minimal_parts(sheet([
        '<row r="1"><c r="A1" s="1"><v>0</v></c><c r="B1" s="1"><v>44285</v></c>'
        '<c r="C1" s="2"><v>44285.75</v></c></row>']), date1904=True, with_styles=True))

    # ---- malformed ----
    with open(p("truncated.xlsx"), "wb") as f:
        f.write(good[:len(good) // 2])
    with open(p("corrupt.xlsx"), "wb") as f:
        f.write(damage_entry(good, "xl/worksheets/sheet1.xml"))

    # A zip bomb in miniature: 8 MiB of spaces inside valid XML (about 8 KiB deflated) whose
    # headers declare 1000 bytes. Tests lower max_entry_bytes below 8 MiB to trip it.
    padding = " " * (8 << 20)
    bomb_sheet = sheet(['<row r="1"><c r="A1"><v>1</v></c></row>' + padding])
    bomb = write_zip(None, minimal_parts(bomb_sheet))
    with open(p("bomb.xlsx"), "wb") as f:
        f.write(patch_sizes(bomb, "xl/worksheets/sheet1.xml", 1000))

    write_zip(p("rows.xlsx"), minimal_parts(sheet([
        f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>' for n in range(1, 51)])))

    # Malformed XML on line 3 of the second worksheet.
    bad2 = (HEAD + f'<worksheet {NS}><sheetData><row r="1"><c r="A1"><v>1</v></c></row>\n'
            '<row r="2"><c r="A2"><v>2</v></c></rows>\n</sheetData></worksheet>')
    write_zip(p("badxml.xlsx"), questionnaire_parts(sheet2=bad2))

    # A t="s" cell in a workbook without any shared strings part.
    write_zip(p("nosst.xlsx"), minimal_parts(sheet([
        '<row r="1"><c r="A1"><v>1</v></c></row>',
        '<row r="3"><c r="B3" t="s"><v>0</v></c></row>'])))
    # The relationships name xl/sharedStrings.xml but the zip lacks it.
    write_zip(p("missingsst.xlsx"), minimal_parts(sheet([
        '<row r="1"><c r="A1" t="s"><v>0</v></c></row>']), with_sst=True))

    # Billion laughs: must be refused at the DOCTYPE, quickly.
    lol = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "' + f"&lol{i - 1};" * 10 + '">' for i in range(1, 10)).replace(
        "&lol0;", "&lol;") + f']>\n<worksheet {NS}><sheetData><row r="1"><c r="A1" '
        't="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>')
    write_zip(p("doctype.xlsx"), minimal_parts(lol))

    write_csv(out)


# ---- CSV fixtures -------------------------------------------------------------------------

CSV_ROWS = [
    ["No.", "要件", "回答", "備考"],
    ["1", "暗号化の実施", "○", "ｶﾞｲﾄﾞﾗｲﾝ参照"],
    ["2", "ソフトウェア表示", "×", "①NEC特殊文字"],  # ソ and 表 have 0x5C trail bytes in CP932
    ["3", "ログの保管", "－", ""],
]


def csv_text(rows, delim=",", eol="\n"):
    def q(f):
        if any(c in f for c in (delim, '"', "\n", "\r")):
            return '"' + f.replace('"', '""') + '"'
        return f
    return "".join(delim.join(q(f) for f in r) + eol for r in rows)


def write_csv(out):
    def w(name, data):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    w("utf8.csv", csv_text(CSV_ROWS).encode("utf-8"))
    w("utf8_bom.csv", b"\xef\xbb\xbf" + csv_text(CSV_ROWS, eol="\r\n").encode("utf-8"))
    w("cp932.csv", csv_text(CSV_ROWS, eol="\r\n").encode("cp932"))
    # Excel's "Unicode text": UTF-16LE with a BOM, tab-separated, CRLF.
    w("utf16le.txt", b"\xff\xfe" + csv_text(CSV_ROWS, "\t", "\r\n").encode("utf-16-le"))
    multiline = [
        ["id", "text", "note"],
        ["1", "一行目\r\n二行目", 'He said "yes", then left'],
        ["2", "a,b,c", ""],
        ["", "", ""],
        ["3", "末尾", "x"],
    ]
    w("multiline.csv", csv_text(multiline, eol="\r\n").encode("utf-8"))
    w("unterminated.csv", 'a,b\r\n1,2\r\n3,"open\r\nstill open\r\n'.encode("utf-8"))
    # 0xFF is not a byte of UTF-8 nor of CP932; it sits on line 3.
    w("invalid.csv", b"a,b\r\n1,2\r\n3,\xff\xfe\r\n")


if __name__ == "__main__":
    main()
