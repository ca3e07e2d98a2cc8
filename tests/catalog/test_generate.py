"""The committed catalog/*.json equal a fresh run of catalog/generate.py over ../shared/seeds."""

import os
import subprocess
import sys
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SEEDS = os.environ.get("ISM_SHARED_DIR", os.path.join(ROOT, "..", "shared")) + "/seeds"


class Regenerate(unittest.TestCase):
    @unittest.skipUnless(os.path.isdir(SEEDS), "no ../shared/seeds beside the clone")
    def test_committed_equals_fresh_generation(self):
        r = subprocess.run([sys.executable, os.path.join(ROOT, "catalog", "generate.py"),
                            "--seeds", SEEDS, "--check"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("0 differ", r.stdout)


if __name__ == "__main__":
    unittest.main()
