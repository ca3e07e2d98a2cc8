"""Every standard reference a catalog item carries resolves to an item of the reference
catalogs: MIC items' JIS Q 27002:2022 numbers, the cloud add-on items' JIS Q 27017 numbers,
and ISMAP items' ISO/IEC 27002:2013 and 27017 numbers."""

import json
import os
import unittest

CAT = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                   "catalog")


def ids(name):
    with open(os.path.join(CAT, name + ".json"), encoding="utf-8") as f:
        c = json.load(f)
    return c, {i["id"] for i in c["items"]}


class ReferencesResolve(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.mic, _ = ids("mic-audit")
        cls.ismap, _ = ids("ismap")
        _, cls.iso22 = ids("iso27001-2022")
        _, cls.iso13 = ids("iso27001-2013")
        _, cls.cld = ids("iso27017")

    def test_mic_jis_2022_numbers(self):
        n = 0
        for it in self.mic["items"]:
            for ref in it["props"].get("jis_q_27002_2022") or []:
                n += 1
                with self.subTest(item=it["id"], ref=ref):
                    self.assertIn("A." + ref, self.iso22)
        self.assertGreater(n, 500)

    def test_mic_cloud_jis_27017_numbers(self):
        n = 0
        for it in self.mic["items"]:
            if it["class"] != "cloud-item":
                continue
            for ref in it["props"].get("jis_q_27017") or []:
                n += 1
                with self.subTest(item=it["id"], ref=ref):
                    self.assertTrue(ref in self.cld or "A." + ref in self.iso13,
                                    f"{ref} is neither a CLD control nor a 27002:2013 control")
        self.assertGreater(n, 36)

    def test_ismap_standard_numbers(self):
        for it in self.ismap["items"]:
            p = it["props"]
            if p.get("iso27002_2013"):
                self.assertIn("A." + p["iso27002_2013"], self.iso13, it["id"])
            if p.get("iso27017"):
                self.assertIn(p["iso27017"], self.cld, it["id"])


if __name__ == "__main__":
    unittest.main()
