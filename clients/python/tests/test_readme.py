"""The README's Python example runs as written against a fresh server (only
the address substituted) and prints what the README says it prints."""

import os
import re
import subprocess
import sys

from conftest import PACKAGE, REPO


def test_the_readme_python_example(server):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Python client"):]
    example = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    expected = re.search(r"prints `([^`]*)` on a fresh server", section).group(1)
    code = example.replace("http://127.0.0.1:18180", server.url)
    env = dict(os.environ, PYTHONPATH=str(PACKAGE / "src"))
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert run.stderr == ""
    assert run.returncode == 0
    assert run.stdout.strip() == expected
