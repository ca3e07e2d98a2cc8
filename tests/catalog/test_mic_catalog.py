"""Tests for catalog/mic-audit.json (MIC 情報セキュリティ監査ガイドライン, 令和7年3月改定).

Run from the repository root: python3 -m unittest discover -s tests/catalog
The checks on the committed JSON need nothing outside the repository; the regeneration checks
need the seed documents in <repo>/../shared/seeds and are skipped when they are absent.
"""

import json
import os
import re
import sys
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CATALOG_DIR = os.path.join(ROOT, "catalog")
JSON_PATH = os.path.join(CATALOG_DIR, "mic-audit.json")
SEEDS = os.path.abspath(os.path.join(ROOT, "..", "shared", "seeds"))
SEED_FILE = "000_311cfbfcf088e472.txt"

sys.path.insert(0, CATALOG_DIR)

from gen import common  # noqa: E402

VALID_2022 = ({f"5.{i}" for i in range(1, 38)} | {f"6.{i}" for i in range(1, 9)}
              | {f"7.{i}" for i in range(1, 15)} | {f"8.{i}" for i in range(1, 35)})
PROFILE_SIZES = {"3.10": 1, "3.11": 17, "3.12": 9, "3.13": 13, "3.14": 13}


def load():
    with open(JSON_PATH, encoding="utf-8") as f:
        raw = f.read()
    return raw, json.loads(raw)


class CommittedCatalog(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.raw, cls.cat = load()
        cls.items = cls.cat["items"]
        cls.by_id = {it["id"]: it for it in cls.items}
        cls.main = [it for it in cls.items if it["class"] == "item"]
        cls.profiles = {p["id"]: p for p in cls.cat["profiles"]}

    def test_header(self):
        c = self.cat
        self.assertEqual(c["format"], 1)
        self.assertEqual(c["kind"], "catalog")
        self.assertEqual(c["id"], "mic-audit")
        self.assertEqual(c["revisions"][0]["id"], "2025-03-28")
        self.assertIn("令和7年3月28日", c["revisions"][0]["title"])
        self.assertEqual(c["sources"][0]["file"], SEED_FILE)
        self.assertEqual(c["counts"], dict(common.count_classes(self.items)))

    def test_canonical_serialization(self):
        self.assertEqual(common.dump(json.loads(self.raw)), self.raw)

    def test_main_items_numbered_1_to_421_once(self):
        ids = [it["id"] for it in self.main]
        self.assertEqual(len(ids), 421)
        self.assertEqual(sorted(ids, key=int), [str(n) for n in range(1, 422)])
        self.assertEqual(ids, [str(n) for n in range(1, 422)], "main items out of order")
        for it in self.main:
            self.assertEqual(it["props"]["no"], it["id"])
            self.assertIn(it["props"]["mandatory"], (True, False, None))
            self.assertIsInstance(it["props"]["no_recovered"], bool)
            self.assertRegex(it["props"]["section"], r"^3\.[1-9](\.\d)?$")
            self.assertEqual(it["parent"], it["props"]["section"])

    def test_ids_unique_and_parents_resolve(self):
        ids = [it["id"] for it in self.items]
        self.assertEqual(len(ids), len(set(ids)))
        seen = set()
        for it in self.items:
            if it["parent"] is not None:
                self.assertIn(it["parent"], seen, f"{it['id']}: parent not listed before it")
            seen.add(it["id"])
            src = it["source"]
            self.assertEqual((src["file"], src["revision"]), (SEED_FILE, "2025-03-28"))
            self.assertGreater(src["line"], 0)

    def test_sections(self):
        secs = [it["id"] for it in self.items if it["class"] == "section"]
        main_secs = [s for s in secs if re.match(r"^3\.[1-9](\.\d)?$", s)]
        self.assertEqual(len(main_secs), 36)
        self.assertEqual(main_secs[0], "3.1")
        self.assertEqual(main_secs[-1], "3.9.3")
        self.assertEqual(self.by_id["3.4.1"]["title"]["ja"], "サーバ等の管理")
        self.assertEqual(self.by_id["3.4.1"]["parent"], "3.4")

    def test_numbering_agrees_with_the_guidelines_cross_references(self):
        # The 留意事項 cite ranges such as "No.221～247" (access control) and
        # "No.343～346" (emergency response plans): the recovered numbering must put exactly
        # those items in the corresponding sections.
        spans = {}
        for it in self.main:
            spans.setdefault(it["parent"], []).append(int(it["id"]))
        for sec, lo, hi in (("3.6.2", 221, 247), ("3.6.4", 287, 307), ("3.7.3", 343, 346),
                            ("3.9.3", 420, 421), ("3.6.6", 320, 324)):
            self.assertEqual(spans[sec], list(range(lo, hi + 1)), sec)
        agree, total = map(int, self.cat["parse_stats"]["evidence_index_agreement"].split("/"))
        self.assertGreaterEqual(agree / total, 0.9)

    def test_profiles(self):
        for pid, n in PROFILE_SIZES.items():
            p = self.profiles[pid]
            self.assertEqual(len(p["items"]), n, pid)
            for iid in p["items"]:
                self.assertEqual(self.by_id[iid]["class"], "profile-item")
                self.assertEqual(self.by_id[iid]["parent"], pid)
                self.assertTrue(iid.startswith(pid + "-"))
        self.assertNotIn("3.12-7", self.by_id)
        self.assertIn("No.7", self.profiles["3.12"]["notes"])
        self.assertEqual(self.profiles["3.12"]["items"][-1], "3.12-10")
        n_profile_items = sum(1 for it in self.items if it["class"] == "profile-item")
        self.assertEqual(n_profile_items, sum(PROFILE_SIZES.values()))

    def test_relisted_refs_resolve(self):
        for pid in ("3.11", "3.12", "3.13"):
            refs = self.profiles[pid]["refs"]
            self.assertEqual(len(refs), 23, pid)
            for r in refs:
                self.assertEqual(r["relation"], "re-listed")
                self.assertEqual(self.by_id[r["item"]]["class"], "item")
            self.assertEqual([r["item"] for r in refs][:4], ["4", "85", "86", "88"])
            self.assertIn("91", [r["item"] for r in refs])  # printed without its No.
        for pid in ("3.10", "3.14", "cloud-addon"):
            self.assertEqual(self.profiles[pid]["refs"], [])

    def test_cloud_items(self):
        cloud = [it for it in self.items if it["class"] == "cloud-item"]
        self.assertEqual([it["id"] for it in cloud], [f"C-{n}" for n in range(1, 37)])
        self.assertEqual(self.profiles["cloud-addon"]["items"], [it["id"] for it in cloud])
        for it in cloud:
            refs = it["props"]["jis_q_27017"]
            self.assertTrue(refs, it["id"])
            for r in refs:
                self.assertRegex(r, r"^(CLD\.)?\d{1,2}\.\d{1,2}\.\d{1,2}$")
            self.assertTrue(it["text"]["ja"])
            self.assertTrue(it["props"]["evidence"])
            self.assertTrue(it["props"]["procedure"])
        self.assertEqual(self.by_id["C-22"]["props"]["jis_q_27017"], ["15.1.3", "CLD.12.4.5"])
        self.assertIn("CLD.6.3.1", self.by_id["C-8"]["props"]["jis_q_27017"])

    def test_jis_2022_numbers_valid(self):
        n = 0
        for it in self.items:
            refs = it["props"].get("jis_q_27002_2022")
            if refs is None:
                continue
            self.assertIn(it["class"], ("item", "profile-item"))
            for r in refs:
                self.assertIn(r, VALID_2022, f"{it['id']}: {r}")
                n += 1
        self.assertGreater(n, 500)

    def test_evidence_types(self):
        ets = self.cat["evidence_types"]
        self.assertGreaterEqual(len(ets), 200)
        self.assertEqual(len({e["id"] for e in ets}), len(ets))
        for e in ets:
            self.assertEqual(set(e), {"id", "name", "description", "applies_to", "source"})
            self.assertTrue(e["name"]["ja"])
            self.assertTrue(e["applies_to"], e["id"])
            for iid in e["applies_to"]:
                self.assertIn(iid, self.by_id)
        names = {e["name"]["ja"]: e for e in ets}
        self.assertEqual(names["CSIRT設置要綱"]["applies_to"], ["4"])
        self.assertIn("3.10-1", names["サービス利用契約書"]["applies_to"])

    def test_mandatory_null_reported(self):
        nulls = sum(1 for it in self.main if it["props"]["mandatory"] is None)
        stats = self.cat["parse_stats"]
        self.assertEqual(stats["mandatory_null"], nulls)
        self.assertEqual(stats["mandatory_true"]
                         + stats["mandatory_false"] + stats["mandatory_null"], 421)
        self.assertTrue(any(f"{nulls} main items have mandatory null" in n
                            for n in self.cat["notes"]))
        self.assertIs(self.by_id["1"]["props"]["mandatory"], True)
        self.assertIs(self.by_id["58"]["props"]["mandatory"], True)  # ○ on its own line
        self.assertIs(self.by_id["130"]["props"]["mandatory"], True)  # ○ after the text
        self.assertIs(self.by_id["98"]["props"]["mandatory"], None)

    def test_mandatory_three_state_with_basis(self):
        # Every audit item says why its 必須 value is what it is.
        for it in self.items:
            if it["class"] in ("item", "profile-item", "cloud-item"):
                self.assertTrue(it["props"].get("mandatory_basis"), it["id"])
        # Pages whose header merges "No. 必須" and where no ○ survived: empty is not false.
        merged_pages = ["29", "31", "32", "33", "34", "97", "99", "101", "103", "104", "105",
                        "106", "118", "119", "120", "121", "122", "123", "124", "304", "308",
                        "309", "310", "318", "319", "320", "322", "338", "340", "342", "377",
                        "378", "379", "380", "381"]
        self.assertEqual(len(merged_pages), 35)
        for i in merged_pages:
            p = self.by_id[i]["props"]
            self.assertIsNone(p["mandatory"], i)
            self.assertIn("merged the No. and 必須 columns", p["mandatory_basis"], i)
        # The 8 the seed supports although the cell is not in its normal place.
        for i in ["347", "350", "401", "402", "403", "404", "405", "406"]:
            p = self.by_id[i]["props"]
            self.assertIs(p["mandatory"], False, i)
            self.assertIn("empty 必須 cell", p["mandatory_basis"], i)
        # Disputed pairs: the ○ belongs to the row it is printed on (再掲 tables: 94 ○).
        want = {"93": None, "94": True, "166": None, "167": True, "250": False, "251": True}
        for i, v in want.items():
            p = self.by_id[i]["props"]
            self.assertIs(p["mandatory"], v, i)
            self.assertIn("Disputed pair", p["mandatory_basis"], i)
        self.assertIn("再掲", self.by_id["94"]["props"]["mandatory_basis"])
        self.assertEqual(self.by_id["94"]["props"]["no_printed_as"], "93")
        stats = self.cat["parse_stats"]
        self.assertEqual((stats["mandatory_true"], stats["mandatory_false"],
                          stats["mandatory_null"]), (104, 201, 116))

    def test_text_flags(self):
        missing = [it["id"] for it in self.main if "missing" in it["props"]["text_flags"]]
        self.assertEqual(missing, ["29", "30", "31", "33", "34", "210", "211", "212", "213",
                                   "214", "215", "216", "357"])
        self.assertIn("heading", self.by_id["357"]["props"]["text_flags"])
        self.assertIn("merged", self.by_id["32"]["props"]["text_flags"])
        for i in missing + ["32"]:
            self.assertTrue(self.by_id[i]["props"]["text_note"], i)
        # Every repaired item says so and lists its repairs.
        for it in self.items:
            p = it["props"]
            if "text_flags" in p:
                self.assertEqual("repaired" in p["text_flags"], bool(p.get("repairs")), it["id"])
        self.assertTrue(any("戶外→庁外" in r for r in self.by_id["84"]["props"]["repairs"]))
        interview = sum(1 for it in self.items for r in it["props"].get("repairs", [])
                        if r.startswith("へのインタビュアー→"))
        self.assertEqual(interview, 27)
        self.assertNotIn("インタビュアー", json.dumps(
            [{k: v for k, v in it["props"].items() if k != "repairs"} for it in self.items],
            ensure_ascii=False))
        self.assertNotIn("戶外", json.dumps([it.get("text") for it in self.items],
                                           ensure_ascii=False))

    def test_titles(self):
        t = lambda i: self.by_id[i]["title"]["ja"]  # noqa: E731
        for it in self.items:
            if it["class"] in ("item", "profile-item", "cloud-item"):
                self.assertTrue(it["title"]["ja"].strip(), it["id"])
                self.assertNotRegex(it["title"]["ja"], r"^\d+$", it["id"])
        self.assertEqual(t("1"), "組織体制、権限及び責任")
        self.assertEqual(t("347"), "例外措置に関わる基準及び対応手続")
        self.assertEqual(t("29"), "機器の取付け")
        self.assertEqual(t("32"), "基幹サーバーの冗長化")
        self.assertEqual(t("200"), "暗号化方法及び暗号鍵管理")
        labelled = sum(1 for it in self.main if not it["title"]["ja"].endswith(f"No.{it['id']}"))
        self.assertGreaterEqual(labelled, 415)

    def test_no_recovered(self):
        rec = [it["id"] for it in self.main if it["props"]["no_recovered"]]
        self.assertEqual(self.cat["parse_stats"]["no_recovered"], len(rec))
        self.assertTrue(70 <= len(rec) <= 100, len(rec))
        self.assertIn("1", rec)            # first page prints no No. column
        self.assertIn("94", rec)           # "93" printed on its line
        self.assertNotIn("421", rec)

    def test_item_texts(self):
        t = lambda i: self.by_id[i]["text"]["ja"]  # noqa: E731
        self.assertTrue(t("1").startswith(
            "i) 組織体制、権限及び責任 CISOによって、情報セキュリティ対策のための組織体制"))
        self.assertTrue(t("18").startswith("i) マイナンバー利用事務系と他の領域との分離"))
        self.assertTrue(t("216").startswith(
            "i) 組織が管理するアカウントでのソーシャルメディアサービスの利用"))
        self.assertTrue(t("217").startswith("ii) 機密性2以上の情報のソーシャルメディアサービスでの発信"))
        self.assertTrue(t("3.14-1").startswith("i) 無線セキュリティ規格"))
        self.assertIn("冗長化", t("32"))
        p = self.by_id["44"]["props"]
        self.assertEqual(p["policy_clause"], ["4.1.(5)①"])
        self.assertEqual(p["jis_q_27002_2022"], ["7.13"])
        self.assertEqual(self.by_id["34"]["props"]["related"], ["43", "44"])
        self.assertIn("機器保守・修理基準/手続", p["evidence"])

    def test_repairs(self):
        reps = {(r["from"], r["to"]): r["count"] for r in self.cat["repairs"]}
        self.assertGreater(reps[("マイナランバー", "マイナンバー")], 0)
        self.assertGreater(reps[("元長化", "冗長化")], 0)
        items = [dict(it, props={k: v for k, v in it["props"].items() if k != "repairs"})
                 for it in self.items]
        body = json.dumps([items, self.cat["evidence_types"]], ensure_ascii=False)
        for r in self.cat["repairs"]:
            self.assertGreater(r["count"], 0)
            self.assertFalse(r["from"] in body, f"unrepaired {r['from']!r} left in the items")


@unittest.skipUnless(os.path.isfile(os.path.join(SEEDS, SEED_FILE)), "seed documents absent")
class Regeneration(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        from gen import mic
        cls.mic = mic
        cls.raw, cls.cat = load()
        cls.built = mic.build(SEEDS)["mic-audit"]
        cls.lines = common.read_lines(SEEDS, SEED_FILE)

    def test_regeneration_equals_committed(self):
        self.assertEqual(common.dump(common.tidy_catalog(self.built)), self.raw)

    def test_source_line_holds_start_of_text(self):
        fix = common.Repairer(common.ALIASES + self.mic.EXTRA_ALIASES)
        squeeze = lambda s: re.sub(r"\s+", "", s)  # noqa: E731
        for it in self.cat["items"]:
            if "text" in it:
                start = it["text"]["ja"]
            else:
                start = it["title"]["ja"]
            raw = self.lines[it["source"]["line"] - 1]
            line = squeeze(fix(" ".join(self.mic.clean_cell(c) for c in raw.split("\t"))))
            self.assertIn(squeeze(start)[:10], line, f"{it['id']} line {it['source']['line']}")
        for e in self.cat["evidence_types"]:
            raw = self.lines[e["source"]["line"] - 1]
            self.assertIn(e["name"]["ja"][:6], squeeze(fix(self.mic.clean_cell(raw))))


if __name__ == "__main__":
    unittest.main()
