"""`saasguard classify` with no flags on a terminal asks the I.7.1 questions."""
import os
import pty
import select
import time
import unittest

import sg


def converse(answers, lang="ja"):
    pid, fd = pty.fork()
    if pid == 0:
        env = dict(os.environ, LANG="C.UTF-8" if lang == "ja" else "en_US.UTF-8")
        os.execve(sg.binary(), [sg.binary(), "classify"], env)
    out = b""
    deadline = time.time() + 30
    pending = list(answers)
    while time.time() < deadline:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
            if pending and out.rstrip().endswith(b"]"):
                os.write(fd, (pending.pop(0) + "\n").encode())
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), out.decode("utf-8", "replace")


class ClassifyOnTerminal(unittest.TestCase):
    def test_asks_and_answers_pattern_2(self):
        # personal information yes (trade secrets is then not asked), must-run no,
        # partial loss yes
        code, out = converse(["yes", "no", "yes"])
        self.assertEqual(code, 0, out)
        self.assertIn("個人情報", out)
        self.assertIn("パターン 2", out)

    def test_english_and_low_availability(self):
        code, out = converse(["n", "n", "n", "n"], lang="en")
        self.assertEqual(code, 0, out)
        self.assertIn("Pattern 6", out)

    def test_reasks_on_a_bad_answer(self):
        code, out = converse(["perhaps", "yes", "yes"])
        self.assertEqual(code, 0, out)
        self.assertIn("はい / いいえ", out)
        self.assertIn("パターン 1", out)
        self.assertNotIn("営業秘密情報", out)  # decided by personal information

    def test_answers_in_japanese(self):
        # はい/いいえ as the prompt offers them: personal information はい, must-run いいえ,
        # partial loss はい -> pattern 2
        code, out = converse(["はい", "いいえ", "はい"])
        self.assertEqual(code, 0, out)
        self.assertIn("[はい/いいえ]", out)
        self.assertIn("パターン 2", out)
        self.assertIn("相対的な見出し", out)  # footnote 7 with every classification
