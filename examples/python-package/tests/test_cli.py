import contextlib
import io
import unittest

from greet.cli import main


class CLITests(unittest.TestCase):
    def test_one_line_per_name(self):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            self.assertEqual(main(["ada", "alan"]), 0)
        self.assertEqual(out.getvalue().splitlines(), ["hello, ada!", "hello, alan!"])
