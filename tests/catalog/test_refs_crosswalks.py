"""Tests of the reference catalogs (ISO/IEC 27001:2013/2022, ISO/IEC 27017, SOC 2) and the crosswalks.

Run from the repository root:  python3 -m unittest discover -s tests/catalog
The committed-file tests read catalog/*.json. A crosswalk test is skipped only while one of the
catalogs it joins is not committed yet; once they are, a missing crosswalk file fails.
The derivation tests use small synthetic catalogs and need no committed file.
"""

import copy
import json
import os
import sys
import unittest
from collections import OrderedDict

HERE = os.path.dirname(os.path.abspath(__file__))
CATALOG_DIR = os.path.normpath(os.path.join(HERE, "..", "..", "catalog"))
sys.path.insert(0, CATALOG_DIR)

from gen import common, crosswalks, refs  # noqa: E402

RELATIONSHIPS = {"equivalent-to", "equal-to", "subset-of", "superset-of", "intersects-with",
                 "no-relationship"}

# crosswalk id -> (source catalog, target catalog)
CROSSWALKS = {
    "xw-iso27001-2013-2022": ("iso27001-2013", "iso27001-2022"),
    "xw-ismap-iso27001-2013": ("ismap", "iso27001-2013"),
    "xw-ismap-iso27017": ("ismap", "iso27017"),
    "xw-mic-ismap": ("mic-audit", "ismap"),
    "xw-mic-cloud-ismap": ("mic-audit", "ismap"),
    "xw-soc2-iso27001-2013": ("soc2-tsc", "iso27001-2013"),
    "xw-soc2-ismap": ("soc2-tsc", "ismap"),
}
# Catalogs each crosswalk needs besides its own two (via chains, inputs).
CROSSWALK_INPUTS = {
    "xw-mic-ismap": ("iso27001-2022", "iso27001-2013"),
    "xw-mic-cloud-ismap": ("iso27017", "iso27001-2013"),
    "xw-soc2-ismap": ("iso27001-2013",),
}

_cache = {}


def load(cid):
    """The committed catalog/<cid>.json, or None when it is not there."""
    if cid not in _cache:
        path = os.path.join(CATALOG_DIR, cid + ".json")
        if not os.path.exists(path):
            _cache[cid] = None
        else:
            with open(path, encoding="utf-8") as f:
                _cache[cid] = json.load(f, object_pairs_hook=OrderedDict)
    return _cache[cid]


def ids(cat, cls=None):
    return [it["id"] for it in cat["items"] if cls is None or it["class"] == cls]


# ---------------------------------------------------------------------------------------------
# Reference catalogs (committed files)

class RefCatalogTest(unittest.TestCase):
    def cat(self, cid):
        c = load(cid)
        self.assertIsNotNone(c, f"catalog/{cid}.json is missing")
        return c

    def check_common(self, c):
        self.assertEqual(c["format"], 1)
        self.assertEqual(c["kind"], "catalog")
        self.assertEqual(dict(c["counts"]), dict(common.count_classes(c["items"])))
        seen = set()
        for it in c["items"]:
            self.assertNotIn(it["id"], seen, it["id"])
            if it["parent"] is not None:
                self.assertIn(it["parent"], seen, f"{it['id']}: parent not listed before it")
            seen.add(it["id"])
            self.assertTrue(it["title"].get("en") and it["title"].get("ja"), it["id"])
            self.assertEqual(it["source"]["file"], None)
            self.assertEqual(it["source"]["line"], None)
            self.assertTrue(it["source"]["revision"])
            for v in it["props"].values():
                self.assertTrue(v is None or isinstance(v, (str, int, float, bool, list)))
        for p in c["profiles"]:
            for i in p["items"]:
                self.assertIn(i, seen, f"profile {p['id']}: {i}")
        for s in c["sources"]:
            self.assertIsNone(s["file"])
            self.assertIn("titles", s["note"])

    def test_iso27001_2013(self):
        c = self.cat("iso27001-2013")
        self.check_common(c)
        ctl = ids(c, "control")
        self.assertEqual(len(ctl), 114)
        self.assertEqual(c["counts"]["control"], 114)
        self.assertEqual(c["counts"]["objective"], 35)
        self.assertEqual(c["counts"]["domain"], 14)
        self.assertEqual((ctl[0], ctl[-1]), ("A.5.1.1", "A.18.2.3"))
        self.assertEqual(ids(c, "domain"), [f"A.{n}" for n in range(5, 19)])
        for x in ("A.6.1.3", "A.9.2.5", "A.12.6.2", "A.14.2.3"):
            self.assertIn(x, ctl)
        items = {it["id"]: it for it in c["items"]}
        for x in ctl:
            self.assertEqual(items[x]["parent"], x.rsplit(".", 1)[0])
            self.assertEqual(items[items[x]["parent"]]["class"], "objective")
        clauses = ids(c, "clause")
        self.assertEqual((clauses[0], clauses[-1]), ("4.1", "10.2"))
        self.assertEqual(len(clauses), 22)
        for x in ("6.1.2", "6.1.3", "7.5.3"):
            self.assertEqual(items[x]["class"], "subclause")

    def test_iso27001_2022(self):
        c = self.cat("iso27001-2022")
        self.check_common(c)
        ctl = ids(c, "control")
        want = ([f"A.5.{i}" for i in range(1, 38)] + [f"A.6.{i}" for i in range(1, 9)]
                + [f"A.7.{i}" for i in range(1, 15)] + [f"A.8.{i}" for i in range(1, 35)])
        self.assertEqual(ctl, want)
        self.assertEqual(c["counts"]["control"], 93)
        themes = {it["id"]: it["props"]["theme"] for it in c["items"] if it["class"] == "theme"}
        self.assertEqual(themes, {"A.5": "organizational", "A.6": "people", "A.7": "physical",
                                  "A.8": "technological"})
        new = {it["id"] for it in c["items"] if it["props"].get("new_in_2022") is True}
        self.assertEqual(new, {"A.5.7", "A.5.23", "A.5.30", "A.7.4", "A.8.9", "A.8.10", "A.8.11",
                               "A.8.12", "A.8.16", "A.8.23", "A.8.28"})

    def test_iso27017(self):
        c = self.cat("iso27017")
        self.check_common(c)
        self.assertEqual(ids(c, "control"), ["CLD.6.3.1", "CLD.8.1.5", "CLD.9.5.1", "CLD.9.5.2",
                                             "CLD.12.1.5", "CLD.12.4.5", "CLD.13.1.4"])
        self.assertEqual(ids(c, "objective"), ["CLD.6.3", "CLD.9.5"])
        self.assertEqual(c["counts"]["control"], 7)

    def test_soc2(self):
        c = self.cat("soc2-tsc")
        self.check_common(c)
        cc = [i for i in ids(c) if i.startswith("CC") and "." in i]
        self.assertEqual(len(cc), 33)
        self.assertEqual(c["counts"]["criterion"], 33)
        self.assertEqual(ids(c, "criterion"), cc)
        self.assertIn("CC9.2", cc)
        extra = ids(c, "additional-criterion")
        self.assertEqual([i for i in extra if i.startswith("A1")], ["A1.1", "A1.2", "A1.3"])
        self.assertEqual([i for i in extra if i.startswith("C1")], ["C1.1", "C1.2"])
        self.assertEqual(len([i for i in extra if i.startswith("PI1")]), 5)
        self.assertEqual(len([i for i in extra if i.startswith("P") and not i.startswith("PI")]), 18)
        prof = {p["id"]: p["items"] for p in c["profiles"]}
        self.assertEqual(prof["security"], cc)

    def test_generator_is_deterministic_and_asserts_counts(self):
        a = {k: common.dump(v) for k, v in refs.build(None).items()}
        b = {k: common.dump(v) for k, v in refs.build(None).items()}
        self.assertEqual(a, b)
        self.assertEqual(sorted(a), ["iso27001-2013", "iso27001-2022", "iso27017", "soc2-tsc"])
        saved = refs.ISO27001_2013_ANNEX_A
        try:
            refs.ISO27001_2013_ANNEX_A = saved.replace("A.18.2.3|Technical compliance checks|"
                                                       "技術的な準拠の点検\n", "")
            with self.assertRaises(SystemExit):
                refs.build_iso27001_2013()
        finally:
            refs.ISO27001_2013_ANNEX_A = saved


# ---------------------------------------------------------------------------------------------
# Committed crosswalks

class CommittedCrosswalkTest(unittest.TestCase):
    def xw(self, xid):
        src, tgt = CROSSWALKS[xid]
        needed = (src, tgt) + CROSSWALK_INPUTS.get(xid, ())
        missing = [c for c in needed if load(c) is None]
        if missing:
            self.skipTest(f"{xid}: catalog(s) {missing} not committed yet")
        x = load(xid)
        self.assertIsNotNone(x, f"catalog/{xid}.json is missing although its catalogs exist")
        return x, load(src), load(tgt)

    def check_rows(self, xid):
        x, src, tgt = self.xw(xid)
        self.assertEqual(x["kind"], "crosswalk")
        self.assertEqual(x["id"], xid)
        self.assertEqual((x["source_catalog"], x["target_catalog"]), CROSSWALKS[xid])
        sids, tids = set(ids(src)), set(ids(tgt))
        pairs = set()
        for r in x["maps"]:
            key = (r["source"], r["target"])
            self.assertIn(r["source"], sids, f"{xid}: {key}")
            self.assertIn(r["target"], tids, f"{xid}: {key}")
            self.assertIn(r["relationship"], RELATIONSHIPS, f"{xid}: {key}")
            self.assertIn(r["method"], ("automation", "human", "hybrid"))
            self.assertTrue(r["rationale"].strip(), f"{xid}: {key}")
            self.assertTrue(0 < r["confidence"] <= 1)
            self.assertIsInstance(r["via"], list)
            for v in r["via"]:
                cid, _, iid = v.partition(":")
                cat = load(cid)
                self.assertIsNotNone(cat, f"{xid}: via {v}")
                self.assertIn(iid, set(ids(cat)), f"{xid}: via {v}")
            if r["method"] == "hybrid":
                self.assertTrue(r["via"], f"{xid}: {key} hybrid without via")
            self.assertNotIn(key, pairs, f"{xid}: duplicate {key}")
            pairs.add(key)
        self.assertEqual(x["maps"], crosswalks.sort_rows(x["maps"]), f"{xid}: rows not sorted")
        return x, src, tgt

    def test_rows_resolve_all_crosswalks(self):
        for xid in sorted(CROSSWALKS):
            with self.subTest(xid=xid):
                self.check_rows(xid)

    def test_2013_2022_covers_all_114(self):
        x, iso13, iso22 = self.check_rows("xw-iso27001-2013-2022")
        sources = {r["source"] for r in x["maps"]}
        self.assertEqual(sources, set(ids(iso13, "control")))
        self.assertEqual(len(sources), 114)
        for c in ("A.6.1.3", "A.9.2.5", "A.12.6.2", "A.14.2.3"):
            self.assertIn(c, sources)
        targets = {r["target"] for r in x["maps"]}
        new = {it["id"] for it in iso22["items"] if it["props"].get("new_in_2022")}
        self.assertEqual(targets, set(ids(iso22, "control")) - new)
        self.assertTrue(all(r["method"] == "human" for r in x["maps"]))
        # Spot checks of the published correspondence.
        got = {(r["source"], r["target"]) for r in x["maps"]}
        for pair in [("A.6.1.3", "A.5.5"), ("A.9.2.5", "A.5.18"), ("A.12.6.2", "A.8.19"),
                     ("A.14.2.3", "A.8.32"), ("A.18.2.3", "A.5.36"), ("A.18.2.3", "A.8.8"),
                     ("A.11.2.5", "A.7.10"), ("A.6.2.1", "A.8.1"), ("A.16.1.1", "A.5.24")]:
            self.assertIn(pair, got)

    def test_soc2_coverage(self):
        x, soc2, iso13 = self.check_rows("xw-soc2-iso27001-2013")
        annex = set(ids(iso13, "control"))
        reached = {r["source"] for r in x["maps"] if r["target"] in annex}
        for i in ids(soc2):
            if i.startswith(("CC", "A1", "C1")) and "." in i:
                self.assertIn(i, reached, f"{i} has no Annex A control")

    def test_ismap_iso27001_2013(self):
        x, ismap, iso13 = self.check_rows("xw-ismap-iso27001-2013")
        rows = {(r["source"], r["target"]): r for r in x["maps"]}
        for it in ismap["items"]:
            num = it["props"].get("iso27002_2013")
            if it["class"] == "control" and num:
                r = rows.get((it["id"], "A." + num))
                self.assertIsNotNone(r, it["id"])
                self.assertEqual(r["relationship"], "equivalent-to")
        mapped = {r["source"] for r in x["maps"]}
        self.assertFalse([i for i in mapped if i.endswith(".P")], "'.P' items belong to 27017")
        for r in x["maps"]:
            self.assertEqual(r["method"], "automation")

    def test_ismap_iso27017(self):
        x, ismap, iso17 = self.check_rows("xw-ismap-iso27017")
        targets = {r["target"] for r in x["maps"] if r["relationship"] == "equivalent-to"}
        self.assertEqual(targets, set(ids(iso17)))

    def test_derived_rows_are_hybrid(self):
        for xid in ("xw-mic-ismap", "xw-mic-cloud-ismap", "xw-soc2-ismap"):
            with self.subTest(xid=xid):
                x, _s, _t = self.check_rows(xid)
                self.assertTrue(x["maps"], f"{xid} is empty")
                for r in x["maps"]:
                    self.assertEqual(r["method"], "hybrid")


# ---------------------------------------------------------------------------------------------
# Derivation functions on synthetic catalogs

def synth_item(iid, parent, cls, props=None, title=None, text=None):
    it = OrderedDict([("id", iid), ("parent", parent), ("class", cls),
                      ("level", len(iid.split("."))), ("props", props or {})])
    if title:
        it["title"] = {"ja": title}
    if text:
        it["text"] = {"ja": text}
    return it


def synth_ismap():
    n = lambda num: {"iso27002_2013": num, "iso27017": None}  # noqa: E731
    p = lambda cld: {"iso27002_2013": None, "iso27017": cld}  # noqa: E731
    none = {"iso27002_2013": None, "iso27017": None}
    items = [
        synth_item("4", None, "management", {"jisq27001_2014": None}),
        synth_item("4.3", "4", "management", {"jisq27001_2014": None},
                   text="凡例 4.4 確立 [27001-4] 4.4.1 役割 [27001-5.3 / 5.1]"),
        synth_item("4.4", "4", "management", {"jisq27001_2014": "4.4"}),
        synth_item("4.4.1", "4.4", "management", {"jisq27001_2014": "5.3 / 5.1"}),
        synth_item("4.4.1.1", "4.4.1", "management", {"jisq27001_2014": "5.1b) / 5.1e)"}),
        synth_item("4.4.1.2", "4.4.1", "management", {"jisq27001_2014": "5.3"}),
        synth_item("4.4.8", "4.4", "management", {}, title="リスク対応 [27001-6.]"),
        synth_item("4.4.8.1", "4.4.8", "management", {"jisq27001_2014": "6.1.3a)"}),
        synth_item("4.5.5.3", "4.4", "management", {"jisq27001_2014": None},
                   text="参照のない基準"),
        synth_item("4.5.4.1", "4.4", "management", {"jisq27001_2014": "8.1"}),
        synth_item("4.5.4.2", "4.4", "management", {"jisq27001_2014": "8.1"}),
        synth_item("4.6.1.1", "4.4", "management", {"jisq27001_2014": "10.2 / 9.3"}),
        synth_item("5", None, "chapter", n("5")),
        synth_item("5.1", "5", "objective", n("5.1")),
        synth_item("5.1.1", "5.1", "control", n("5.1.1")),
        synth_item("5.1.1.3.B", "5.1.1", "detail", none),
        synth_item("6", None, "chapter", n("6")),
        synth_item("6.3.P", "6", "objective", p("CLD.6.3")),
        synth_item("6.3.1.P", "6.3.P", "control", p("CLD.6.3.1")),
        synth_item("6.3.1.1.PB", "6.3.1.P", "detail", none),
        synth_item("9", None, "chapter", n("9")),
        synth_item("9.1", "9", "objective", n("9.1")),
        synth_item("9.1.1", "9.1", "control", n("9.1.1")),
        synth_item("9.1.2", "9.1", "control", n("9.1.2")),
        synth_item("9.4", "9", "objective", n("9.4")),
        synth_item("9.4.1", "9.4", "control", n("9.4.1")),
        synth_item("9.4.1.8.PB", "9.4.1", "detail", none),
        synth_item("9.5.P", "9", "objective", p("CLD.9.5")),
        synth_item("9.5.1.P", "9.5.P", "control", p("CLD.9.5.1")),
        synth_item("12", None, "chapter", n("12")),
        synth_item("12.6", "12", "objective", n("12.6")),
        synth_item("12.6.1", "12.6", "control", n("12.6.1")),
        synth_item("18", None, "chapter", n("18")),
        synth_item("18.2", "18", "objective", n("18.2")),
        synth_item("18.2.2", "18.2", "control", n("18.2.2")),
        synth_item("18.2.3", "18.2", "control", n("18.2.3")),
    ]
    return {"id": "ismap", "kind": "catalog", "items": items}


def synth_mic():
    items = [
        synth_item("3.6", None, "section"),
        synth_item("1", "3.6", "item", {"jis_q_27002_2022": ["5.15", "8.9", "9.99"]}),
        synth_item("2", "3.6", "item", {"jis_q_27002_2022": ["8.8"]}),
        synth_item("3", "3.6", "item", {"jis_q_27002_2022": None}),
        synth_item("4", "3.6", "item", {"jis_q_27002_2022": []}),
        synth_item("3.11-1", "3.6", "profile-item", {"jis_q_27002_2022": ["8.3"]}),
        synth_item("C", None, "section"),
        synth_item("C-1", "C", "cloud-item",
                   {"jis_q_27017": ["CLD.9.5.1", "9.4.1", "6.3.1", "1.2.3"]}),
        synth_item("C-2", "C", "cloud-item", {"jis_q_27017": ["CLD.12.4.5"]}),
    ]
    return {"id": "mic-audit", "kind": "catalog", "items": items}


class DerivationTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        r = refs.build(None)
        cls.iso13, cls.iso22 = r["iso27001-2013"], r["iso27001-2022"]
        cls.iso17, cls.soc2 = r["iso27017"], r["soc2-tsc"]
        cls.ismap, cls.mic = synth_ismap(), synth_mic()
        cls.cats = dict(r)
        cls.cats.update({"ismap": cls.ismap, "mic-audit": cls.mic})
        cls.out = crosswalks.build(None, cls.cats)

    def pairs(self, xid):
        return {(r["source"], r["target"]): r for r in self.out[xid]["maps"]}

    def test_compose_and_reverse(self):
        c = crosswalks.compose
        self.assertEqual(c(["equal-to", "equal-to"]), "equal-to")
        self.assertEqual(c(["equal-to", "equivalent-to"]), "equivalent-to")
        self.assertEqual(c(["subset-of", "equivalent-to"]), "subset-of")
        self.assertEqual(c(["superset-of", "superset-of"]), "superset-of")
        self.assertEqual(c(["subset-of", "superset-of"]), "intersects-with")
        self.assertEqual(c(["intersects-with", "equivalent-to"]), "intersects-with")
        self.assertEqual(c(["no-relationship", "equal-to"]), "no-relationship")
        self.assertEqual(crosswalks.reverse_rel("subset-of"), "superset-of")
        self.assertEqual(crosswalks.reverse_rel("intersects-with"), "intersects-with")
        with self.assertRaises(ValueError):
            c([])

    def test_natural_sort(self):
        got = sorted(["A.5.10", "A.5.2", "A.18.1.1", "A.5.1.1", "CC10.1", "CC2.1"],
                     key=crosswalks.natkey)
        self.assertEqual(got, ["A.5.1.1", "A.5.2", "A.5.10", "A.18.1.1", "CC2.1", "CC10.1"])

    def test_every_output_is_valid_and_deterministic(self):
        self.assertEqual(sorted(self.out), sorted(CROSSWALKS))
        again = crosswalks.build(None, copy.deepcopy(self.cats))
        for xid, x in self.out.items():
            self.assertEqual(common.dump(x), common.dump(again[xid]), xid)

    def test_ismap_annex_a_by_number(self):
        m = self.pairs("xw-ismap-iso27001-2013")
        self.assertEqual(m[("5.1.1", "A.5.1.1")]["relationship"], "equivalent-to")
        self.assertEqual(m[("5.1", "A.5.1")]["relationship"], "equivalent-to")
        self.assertEqual(m[("5", "A.5")]["relationship"], "equivalent-to")
        self.assertEqual(m[("5.1.1.3.B", "A.5.1.1")]["relationship"], "subset-of")
        self.assertEqual(m[("9.4.1.8.PB", "A.9.4.1")]["relationship"], "subset-of")
        srcs = {s for s, _t in m}
        for p in ("6.3.P", "6.3.1.P", "6.3.1.1.PB", "9.5.P", "9.5.1.P"):
            self.assertNotIn(p, srcs)

    def test_ismap_management_from_printed_references(self):
        m = self.pairs("xw-ismap-iso27001-2013")
        self.assertEqual(m[("4.4.1.1", "5.1")]["relationship"], "subset-of")   # lettered items
        self.assertEqual(m[("4.4.1.2", "5.3")]["relationship"], "equivalent-to")  # sole citer
        self.assertEqual(m[("4.4.1", "5.3")]["relationship"], "intersects-with")  # heading
        self.assertEqual(m[("4.4.1", "5.1")]["relationship"], "intersects-with")
        self.assertEqual(m[("4.4.8", "6")]["relationship"], "intersects-with")  # "6." truncated
        self.assertIn("truncated", m[("4.4.8", "6")]["rationale"])
        self.assertEqual(m[("4.4.8.1", "6.1.3")]["relationship"], "subset-of")
        self.assertEqual(m[("4.5.4.1", "8.1")]["relationship"], "subset-of")  # shared clause
        self.assertEqual(m[("4.6.1.1", "9.3")]["relationship"], "intersects-with")  # several
        srcs = {s for s, _t in m}
        self.assertNotIn("4.3", srcs)      # legend with several brackets
        self.assertNotIn("4.5.5.3", srcs)  # no reference printed: left out, not guessed
        self.assertNotIn("4", srcs)
        for (s, _t), r in m.items():
            if s.startswith("4."):
                self.assertIn("[27001-", r["rationale"])

    def test_parse_clause_refs(self):
        clause_ids = set(ids(self.iso13, "clause")) | set(ids(self.iso13, "subclause")) \
            | set(ids(self.iso13, "section"))
        p = crosswalks.parse_clause_refs
        self.assertEqual([r[:2] for r in p("6.1.2a) / 6.1.2b)", clause_ids)], [("6.1.2", True)])
        self.assertEqual([r[:2] for r in p("5.1g", clause_ids)], [("5.1", True)])
        self.assertEqual([r[0] for r in p("10.2 / 8.2 / 9", clause_ids)], ["10.2", "8.2", "9"])
        self.assertEqual([r[0] for r in p("6.1.2.9", clause_ids)], ["6.1.2"])
        self.assertEqual(p("99.1 / x", clause_ids), [])

    def test_ismap_iso27017(self):
        m = self.pairs("xw-ismap-iso27017")
        self.assertEqual(m[("6.3.P", "CLD.6.3")]["relationship"], "equivalent-to")
        self.assertEqual(m[("6.3.1.P", "CLD.6.3.1")]["relationship"], "equivalent-to")
        self.assertEqual(m[("6.3.1.1.PB", "CLD.6.3.1")]["relationship"], "subset-of")
        self.assertEqual(m[("9.5.1.P", "CLD.9.5.1")]["relationship"], "equivalent-to")
        self.assertFalse([k for k in m if k[0] == "9.4.1.8.PB"])

    def test_mic_chain(self):
        m = self.pairs("xw-mic-ismap")
        r = m[("1", "9.1.1")]
        self.assertEqual(r["via"], ["iso27001-2022:A.5.15", "iso27001-2013:A.9.1.1"])
        self.assertEqual(r["relationship"], "intersects-with")
        self.assertEqual(r["method"], "hybrid")
        self.assertLess(r["confidence"], 0.7)
        self.assertIn(("1", "9.1.2"), m)             # A.5.15 also carries A.9.1.2
        self.assertFalse([k for k in m if k[0] == "3" or k[0] == "4"])
        # 8.8 <- A.12.6.1 (subset) and A.18.2.3 (intersects): both ISMAP controls, rated apart.
        self.assertGreater(m[("2", "12.6.1")]["confidence"], m[("2", "18.2.3")]["confidence"])
        self.assertEqual(m[("3.11-1", "9.4.1")]["via"], ["iso27001-2022:A.8.3", "iso27001-2013:A.9.4.1"])
        prov = self.out["xw-mic-ismap"]["provenance"]
        self.assertIn("1: 9.99", prov)               # unknown reference reported, not mapped
        self.assertNotIn("1: 8.9", prov)             # new-in-2022 control: known, just no 2013 source

    def test_mic_cloud_chain(self):
        m = self.pairs("xw-mic-cloud-ismap")
        self.assertEqual(m[("C-1", "9.5.1.P")]["via"], ["iso27017:CLD.9.5.1"])
        self.assertEqual(m[("C-1", "9.4.1")]["via"], ["iso27001-2013:A.9.4.1"])
        self.assertEqual(m[("C-1", "6.3.1.P")]["via"], ["iso27017:CLD.6.3.1"])  # prefix-less CLD
        self.assertIn("without the CLD prefix", m[("C-1", "6.3.1.P")]["rationale"])
        self.assertFalse([k for k in m if k[1] == "6.3.1.1.PB"])  # details are not targets
        self.assertFalse([k for k in m if k[0] == "C-2"])         # no ISMAP item carries CLD.12.4.5
        self.assertIn("C-1: 1.2.3", self.out["xw-mic-cloud-ismap"]["provenance"])

    def test_soc2_ismap_chain(self):
        m = self.pairs("xw-soc2-ismap")
        r = m[("CC6.1", "9.1.1")]
        self.assertEqual(r["via"], ["iso27001-2013:A.9.1.1"])
        self.assertEqual(r["relationship"], "intersects-with")
        self.assertIn(("CC4.2", "18.2.2"), m)
        # Clause rows reach management criteria that cite the clause (not headings).
        self.assertIn(("CC1.3", "4.4.1.2"), m)
        self.assertNotIn(("CC1.3", "4.4.1"), m)
        for (s, t), r in m.items():
            self.assertIn(t, set(ids(self.ismap)))
            self.assertIn(s, set(ids(self.soc2)))

    def test_soc2_table_coverage_is_enforced(self):
        table = [(c, t) for c, t in crosswalks.SOC2_ISO if c != "CC9.2"]
        with self.assertRaises(crosswalks.CrosswalkError):
            crosswalks.rows_soc2_iso(self.soc2, self.iso13, table)
        table = [(c, t) for c, t in crosswalks.SOC2_ISO if c != "PI1.1"]
        crosswalks.rows_soc2_iso(self.soc2, self.iso13, table)  # PI is optional

    def test_2013_2022_table_is_checked(self):
        lines = crosswalks.XW_2013_2022.strip().split("\n")
        short = "\n".join(l for l in lines if not l.startswith("A.12.6.2|"))
        with self.assertRaises(crosswalks.CrosswalkError):
            crosswalks.rows_2013_2022(self.iso13, self.iso22, short)
        bad = crosswalks.XW_2013_2022.replace("A.6.1.3|A.5.5|", "A.6.1.3|A.5.99|")
        with self.assertRaises(crosswalks.CrosswalkError):
            crosswalks.rows_2013_2022(self.iso13, self.iso22, bad)
        new_hit = crosswalks.XW_2013_2022.replace("A.6.1.4|A.5.6|", "A.6.1.4|A.5.6 A.5.7|")
        with self.assertRaises(crosswalks.CrosswalkError):
            crosswalks.rows_2013_2022(self.iso13, self.iso22, new_hit)

    def test_validate_rejects_unknown_items(self):
        x = copy.deepcopy(self.out["xw-ismap-iso27017"])
        x["maps"][0]["target"] = "CLD.99.9.9"
        with self.assertRaises(crosswalks.CrosswalkError):
            crosswalks.validate(x, self.ismap, self.iso17)
        x = copy.deepcopy(self.out["xw-ismap-iso27017"])
        x["maps"][0]["relationship"] = "similar-to"
        with self.assertRaises(crosswalks.CrosswalkError):
            crosswalks.validate(x, self.ismap, self.iso17)
        x = copy.deepcopy(self.out["xw-ismap-iso27017"])
        x["maps"].reverse()
        with self.assertRaises(crosswalks.CrosswalkError):
            crosswalks.validate(x, self.ismap, self.iso17)

    def test_bad_ismap_number_fails(self):
        bad = copy.deepcopy(self.ismap)
        bad["items"].append(synth_item("9.9.9", "9", "control", {"iso27002_2013": "9.9.9"}))
        with self.assertRaises(crosswalks.CrosswalkError):
            crosswalks.rows_ismap_annex_a(bad, self.iso13)
        bad = copy.deepcopy(self.ismap)
        bad["items"].append(synth_item("9.6.P", "9", "objective", {"iso27017": "CLD.9.6"}))
        with self.assertRaises(crosswalks.CrosswalkError):
            crosswalks.rows_ismap_cld(bad, self.iso17)

    def test_missing_catalogs(self):
        only_refs = dict(refs.build(None))
        with self.assertRaises(crosswalks.CrosswalkError):
            crosswalks.build(None, only_refs)
        part = crosswalks.build(None, only_refs, require=False)
        self.assertEqual(sorted(part), ["xw-iso27001-2013-2022", "xw-soc2-iso27001-2013"])
        only_refs["ismap"] = self.ismap
        part = crosswalks.build(None, only_refs, require=False)
        self.assertNotIn("xw-mic-ismap", part)
        self.assertIn("xw-soc2-ismap", part)


if __name__ == "__main__":
    unittest.main()
