"""Tests of catalog/ismap.json, ismap-questionnaire.json and ipa-benchmark.json.

Run from the repository root: python3 -m unittest discover -s tests/catalog
The first group reads only the committed JSON. The second group needs the source documents in
<repo>/../shared/seeds and is skipped when they are absent.
"""

import json
import os
import re
import sys
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CATALOG_DIR = os.path.join(REPO, "catalog")
SEEDS = os.path.normpath(os.path.join(REPO, "..", "shared", "seeds"))
NAMES = ("ismap", "ismap-questionnaire", "ipa-benchmark")


def load(cid):
    with open(os.path.join(CATALOG_DIR, cid + ".json"), encoding="utf-8") as f:
        return json.load(f)


class CommittedCatalogs(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cats = {cid: load(cid) for cid in NAMES}
        cls.ismap = cls.cats["ismap"]
        cls.q = cls.cats["ismap-questionnaire"]
        cls.ipa = cls.cats["ipa-benchmark"]
        cls.by = {cid: {it["id"]: it for it in c["items"]} for cid, c in cls.cats.items()}

    # ---- structure shared by the three catalogs

    def test_header(self):
        for cid, c in self.cats.items():
            with self.subTest(cid):
                self.assertEqual(c["format"], 1)
                self.assertEqual(c["kind"], "catalog")
                self.assertEqual(c["id"], cid)
                self.assertRegex(cid, r"^[a-z0-9-]+$")
                self.assertTrue(c["title"]["ja"])
                self.assertTrue(c["sources"])

    def test_ids_unique_and_parents_resolve_earlier(self):
        for cid, c in self.cats.items():
            seen = {}
            for it in c["items"]:
                with self.subTest(cid=cid, item=it["id"]):
                    self.assertNotIn(it["id"], seen)
                    p = it["parent"]
                    if p is not None:
                        self.assertIn(p, seen, "parent must be listed before the child")
                        self.assertEqual(it["level"], seen[p]["level"] + 1)
                    else:
                        self.assertEqual(it["level"], 1)
                    seen[it["id"]] = it

    def test_counts_field_matches_items(self):
        for cid, c in self.cats.items():
            counts = {}
            for it in c["items"]:
                counts[it["class"]] = counts.get(it["class"], 0) + 1
            self.assertEqual(c["counts"], counts, cid)

    def test_every_item_has_a_source_and_known_revision(self):
        for cid, c in self.cats.items():
            revs = {r["id"] for r in c["revisions"]}
            files = {s["file"] for s in c["sources"]}
            for it in c["items"]:
                src = it["source"]
                with self.subTest(cid=cid, item=it["id"]):
                    self.assertIn(src["file"], files)
                    self.assertIsInstance(src["line"], int)
                    self.assertGreater(src["line"], 0)
                    self.assertIn(src["revision"], revs)
                    self.assertTrue("title" in it or "text" in it)
                    for k, v in it["props"].items():
                        ok = v is None or isinstance(v, (str, int, float, bool)) or (
                            isinstance(v, list) and all(isinstance(x, str) for x in v))
                        self.assertTrue(ok, k)

    def test_profiles_list_own_items(self):
        for cid, c in self.cats.items():
            for p in c["profiles"]:
                for i in p["items"]:
                    self.assertIn(i, self.by[cid], f"{cid} profile {p['id']}")

    # ---- ismap

    def items_of(self, cls):
        return [it for it in self.ismap["items"] if it["class"] == cls]

    def test_ismap_control_counts(self):
        obj = self.items_of("objective")
        ctl = self.items_of("control")
        det = self.items_of("detail")
        self.assertEqual(len(obj), 37)
        self.assertEqual(len(ctl), 121)
        self.assertEqual(len(det), 31)
        self.assertEqual(sum(1 for i in det if i["id"].endswith(".PB")), 28)
        self.assertEqual(sum(1 for i in det if re.search(r"\d\.B$", i["id"])), 3)
        self.assertEqual(sum(1 for i in ctl if i["id"].endswith(".P")), 7)
        ids = {i["id"] for i in obj}
        self.assertIn("6.3.P", ids)
        self.assertIn("9.5.P", ids)
        self.assertEqual(len(self.items_of("chapter")), 14)
        self.assertEqual(self.ismap["counts"]["objective"], 37)
        self.assertEqual(self.ismap["counts"]["control"], 121)
        self.assertEqual(self.ismap["counts"]["detail"], 31)

    def test_ismap_governance_management_fourth_level(self):
        gov = [i for i in self.items_of("governance") if i["level"] == 4]
        mgt = [i for i in self.items_of("management") if i["level"] == 4]
        self.assertEqual(len(gov), 18)
        self.assertEqual(len(mgt), 64)
        self.assertTrue(all(i["id"].startswith("3.") for i in gov))
        self.assertTrue(all(i["id"].startswith("4.") for i in mgt))

    def test_ismap_must_meet(self):
        must = [i["id"] for i in self.ismap["items"] if i["props"]["must_meet"]]
        self.assertEqual(len(must), 152)
        expect = [i["id"] for i in self.ismap["items"]
                  if i["class"] == "control" or (i["class"] == "detail" and i["id"].endswith("B"))]
        self.assertEqual(must, expect)
        prof = {p["id"]: p for p in self.ismap["profiles"]}
        self.assertEqual(prof["must-meet"]["items"], must)

    def test_ismap_flags_and_numbers(self):
        b = self.by["ismap"]
        for it in self.ismap["items"]:
            iid = it["id"]
            self.assertEqual(it["props"]["cloud"], ".P" in iid, iid)
            self.assertEqual(it["props"]["baseline"], iid.endswith("B"), iid)
        self.assertEqual(b["5.1.1"]["props"]["iso27002_2013"], "5.1.1")
        self.assertEqual(b["18.2"]["props"]["iso27002_2013"], "18.2")
        self.assertIsNone(b["6.3.1.P"]["props"]["iso27002_2013"])
        self.assertEqual(b["6.3.1.P"]["props"]["iso27017"], "CLD.6.3.1")
        self.assertEqual(b["9.5.P"]["props"]["iso27017"], "CLD.9.5")
        cld = sorted(i["props"]["iso27017"] for i in self.ismap["items"] if i["props"]["iso27017"])
        self.assertEqual(cld, sorted(["CLD.6.3", "CLD.9.5", "CLD.6.3.1", "CLD.8.1.5", "CLD.9.5.1",
                                      "CLD.9.5.2", "CLD.12.1.5", "CLD.12.4.5", "CLD.13.1.4"]))
        self.assertEqual(b["10.1.1.9.PB"]["parent"], "10.1.1")
        self.assertEqual(b["6.3.1.1.PB"]["parent"], "6.3.1.P")
        self.assertEqual(b["6.3.1.P"]["parent"], "6.3.P")
        self.assertEqual(b["4.4.1"]["props"]["jisq27001_2014"], "5.3 / 5.1")

    def test_ismap_revisions(self):
        revs = {r["id"]: r["title"] for r in self.ismap["revisions"]}
        self.assertEqual(revs, {"2023-09-22": "令和5年9月22日", "2024-08-01": "令和6年8月1日"})
        self.assertTrue(all(i["source"]["revision"] == "2024-08-01" for i in self.ismap["items"]))

    def test_ismap_texts(self):
        b = self.by["ismap"]
        self.assertEqual(
            b["5.1"]["text"]["ja"],
            "情報セキュリティのための経営陣の方向性及び支持を、事業上の要求事項並びに関連する法令及び規制に従って提示するため。")
        self.assertEqual(b["5.1"]["title"]["ja"], "情報セキュリティのための経営陣の方向性")
        self.assertEqual(b["11.1"]["title"]["ja"], "セキュリティを保つべき領域")
        self.assertEqual(
            b["9.4.2.2.B"]["text"]["ja"],
            "強い認証及び識別情報の検証が必要な場合には、パスワードに代えて、暗号による手段、スマートカード、トークン、生体認証などの認証方法を用いる。")
        self.assertEqual(b["12.4.1.15.PB"]["text"]["ja"],
                         "クラウドサービス事業者は、クラウドサービス利用者に、ログ取得機能を提供する。")
        self.assertEqual(b["3.1.3.1"]["text"]["ja"], "経営陣は、その組織のリスク選好を決定する。")
        self.assertEqual(b["4.9"]["title"]["ja"], "情報セキュリティリスクコミュニケーション")
        self.assertNotIn("text", b["9.5.P"])  # the document prints no 管理目的 for 9.5.P
        for it in self.ismap["items"]:
            for k in ("title", "text"):
                if k in it:
                    self.assertNotRegex(it[k]["ja"], r"</?(p|ul|li)\b|\s\s|^\s|\s$", it["id"])

    # ---- questionnaire

    def test_questionnaire_rows(self):
        rows = [i["id"] for i in self.q["items"] if i["class"] == "row"]
        expect = (["1", "2", "3-1"] + [f"4-{n}" for n in range(1, 7)]
                  + [f"5-{n}" for n in range(1, 38)])
        self.assertEqual(rows, expect)
        marks = [i for i in self.q["items"] if i["props"].get("answer") == "mark"]
        self.assertEqual(len(marks), 44)
        self.assertEqual([i["id"] for i in marks], expect[2:])
        for i in marks:
            self.assertTrue(i["props"]["alternative_required_on_x"], i["id"])
            self.assertEqual(len(i["props"]["ismap_refs"]), len(i["props"]["ismap_names"]))
        self.assertEqual(self.by["ismap-questionnaire"]["1"]["props"]["answer"], "text")
        self.assertEqual(self.by["ismap-questionnaire"]["2"]["props"]["answer"], "listing")

    def test_questionnaire_refs_resolve(self):
        ismap_ids = self.by["ismap"]
        for it in self.q["items"]:
            for r in it["props"].get("ismap_refs", []):
                self.assertIn(r, ismap_ids, it["id"])
        qb = self.by["ismap-questionnaire"]
        self.assertEqual(qb["5-4"]["props"]["ismap_refs"], ["6.3.P"])
        self.assertEqual(qb["5-15"]["props"]["ismap_refs"], ["9.5.P"])
        self.assertEqual(qb["3-1"]["props"]["ismap_refs"], ["3.1"])
        self.assertEqual(qb["4-6"]["props"]["ismap_refs"], ["4.9"])
        self.assertEqual(qb["5-37"]["props"]["ismap_refs"], ["18.2"])

    def test_questionnaire_name_mismatch(self):
        qb = self.by["ismap-questionnaire"]
        p = qb["5-17"]["props"]
        self.assertTrue(p["name_mismatch"])
        self.assertEqual(p["ismap_names"], ["セキュリティを確保すべき領域"])
        self.assertEqual(p["criteria_names"], ["セキュリティを保つべき領域"])
        self.assertFalse(qb["5-16"]["props"]["name_mismatch"])
        for it in self.q["items"]:
            if "name_mismatch" in it["props"]:
                self.assertEqual(it["props"]["name_mismatch"],
                                 it["props"]["ismap_names"] != it["props"]["criteria_names"])

    def test_questionnaire_confidentiality(self):
        conf = [i for i in self.q["items"] if i["class"] == "confidentiality"]
        self.assertEqual([i["props"]["code"] for i in conf], ["3B", "3C", "2"])
        self.assertTrue(all(i["parent"] == "1" for i in conf))
        self.assertEqual(conf[2]["text"]["ja"],
                         "機密性 3 に相当する機密性は要しないが、直ちに一般に公表することを前提としない情報資産。")
        self.assertEqual(conf[2]["props"]["examples"], "政策検討に関する情報等")

    def test_questionnaire_repair_recorded(self):
        qb = self.by["ismap-questionnaire"]
        self.assertIn("サービスの慣行に従う", qb["5-13"]["text"]["ja"])
        self.assertIn({"from": "償行", "to": "慣行"},
                      [{"from": r["from"], "to": r["to"]} for r in self.q["repairs"]])

    # ---- IPA

    def test_ipa_counts(self):
        c = self.ipa["counts"]
        self.assertEqual((c["area"], c["question"], c["checkpoint"]), (5, 27, 162))
        qs = [i for i in self.ipa["items"] if i["class"] == "question"]
        per_area = {}
        for q in qs:
            per_area[q["parent"]] = per_area.get(q["parent"], 0) + 1
        self.assertEqual(per_area, {"1": 8, "2": 4, "3": 7, "4": 5, "5": 3})
        for cp in (i for i in self.ipa["items"] if i["class"] == "checkpoint"):
            self.assertEqual(self.by["ipa-benchmark"][cp["parent"]]["class"], "question")
            self.assertTrue(cp["id"].startswith(cp["parent"] + "-"))

    def test_ipa_texts(self):
        b = self.by["ipa-benchmark"]
        self.assertEqual(b["1"]["title"]["ja"], "情報セキュリティに対する組織的な取組状況")
        self.assertEqual(b["1-1-3"]["text"]["ja"], "ポリシーは全組織をカバーしているか")
        self.assertEqual(
            b["3-6"]["title"]["ja"],
            "通信ネットワークを流れるデータや、公開サーバ上のデータに対して、暗号化などの適切な保護策を実施していますか。")
        self.assertEqual(b["3-6"]["props"]["printed_number"], "⑦")
        self.assertEqual(b["1-7-7"]["text"]["ja"],
                         "採用から雇用、退職まで、従業員の管理を行う体制と責任が明確になっているか")
        self.assertTrue(b["4-5-8"]["props"]["added_in_27001_2014"])
        self.assertTrue(b["1-1"]["text"]["ja"].startswith("ポリシーや規程を組織にとって有効なものとするためには"))

    def test_ipa_scale(self):
        s = self.ipa["scale"]
        self.assertEqual([lv["value"] for lv in s["levels"]], [1, 2, 3, 4, 5])
        self.assertFalse(s["in_source"])
        self.assertIn("not in the source file", s["note"])


@unittest.skipUnless(os.path.isdir(SEEDS), "source documents not present at " + SEEDS)
class AgainstSources(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if CATALOG_DIR not in sys.path:
            sys.path.insert(0, CATALOG_DIR)
        from gen import common, ipa, ismap
        cls.common = common
        cls.built = {}
        for mod in (ismap, ipa):
            cls.built.update(mod.build(SEEDS))

    def test_regeneration_matches_committed(self):
        self.assertEqual(sorted(self.built), sorted(NAMES))
        for cid, obj in self.built.items():
            with open(os.path.join(CATALOG_DIR, cid + ".json"), encoding="utf-8") as f:
                committed = f.read()
            self.assertEqual(self.common.dump(self.common.tidy_catalog(obj)), committed,
                             f"{cid}.json differs from a fresh generation; run the generator")

    def test_regeneration_is_deterministic(self):
        from gen import ismap
        again = ismap.build(SEEDS)
        for cid, obj in again.items():
            self.assertEqual(self.common.dump(obj), self.common.dump(self.built[cid]))

    def test_source_lines_hold_item_starts(self):
        def squeeze(s):
            return re.sub(r"\s+|</?(?:p|ul|li)\b[^<>]*>", "", s)

        for cid in NAMES:
            c = load(cid)
            undo = [(r["to"], r["from"]) for r in c["repairs"]]
            files = {}
            for it in c["items"]:
                src = it["source"]
                if src["file"] not in files:
                    files[src["file"]] = self.common.read_lines(SEEDS, src["file"])
                line = squeeze(files[src["file"]][src["line"] - 1])
                start = squeeze((it.get("title") or it.get("text"))["ja"])[:8]
                variants = {start} | {start.replace(a, b) for a, b in undo}
                with self.subTest(cid=cid, item=it["id"], line=src["line"]):
                    self.assertTrue(any(v in line for v in variants),
                                    f"{start!r} not on line {src['line']}")
                    if re.match(r"^\d+(\.\d+)*(\.(P|PB|B))?$", it["id"]) and cid == "ismap":
                        self.assertTrue(files[src["file"]][src["line"] - 1].startswith(it["id"]))

    def test_texts_occur_in_source(self):
        def squeeze(s):
            return re.sub(r"\s+|</?(?:p|ul|li)\b[^<>]*>", "", s)

        for cid in NAMES:
            c = load(cid)
            blob = {}
            for it in c["items"]:
                f = it["source"]["file"]
                if f not in blob:
                    text = "\n".join(line for line in self.common.read_lines(SEEDS, f)
                                     if not re.fullmatch(r"\s*\d+\s*", line))
                    text = squeeze(text)
                    for r in c["repairs"]:
                        text = text.replace(r["from"], r["to"])
                    blob[f] = text
                for k in ("title", "text"):
                    if k in it:
                        with self.subTest(cid=cid, item=it["id"], field=k):
                            self.assertIn(squeeze(it[k]["ja"]), blob[f])


if __name__ == "__main__":
    unittest.main()
