"""The Python examples of the docs run as written, and the package's PyPI page shows Python.

Every ```python block of README.md and of docs/*.md runs. The blocks of one file run in order in one
namespace, as a reader goes through the page, so a block may use what an earlier one defined; each
file starts afresh. Write each page's examples as a complete program (imports, `app`, stacks). After
the last block, every App the page made is synthesized, and it must hold a construct of this package.
"""
import ast
import importlib.metadata
import re
import textwrap
from pathlib import Path

import aws_cdk as cdk
import pytest
from constructs import Construct

from helpers import REPO

# A fenced block, possibly indented (in a list): its indentation, info string and body.
FENCE = re.compile(r"^( *)```(\w+)[^\n]*\n(.*?)^\1```[ \t]*$", re.S | re.M)


def python_blocks(text: str) -> list[tuple[int, str]]:
    """(line of the first line, source) of each ```python (or ```py) block."""
    return [
        (text.count("\n", 0, m.start(3)) + 1, textwrap.dedent(m.group(3)))
        for m in FENCE.finditer(text) if m.group(2) in ("python", "py")
    ]


def documents() -> list[Path]:
    """README.md and the pages of docs/ (if there are any) that hold Python examples."""
    pages = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    return [p for p in pages if p.is_file() and python_blocks(p.read_text())]


def test_the_readme_has_a_python_example():
    assert python_blocks((REPO / "README.md").read_text()), "README.md has no ```python example"


@pytest.mark.parametrize("page", documents(), ids=lambda p: str(p.relative_to(REPO)))
def test_the_python_examples_of_the_page_run_and_synthesize(page, tmp_path, monkeypatch):
    # GIVEN the examples, run where a relative cdk.out would land in a temporary directory
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__main__"}

    # WHEN each block runs (a traceback points at the page's own line), keeping every App it makes
    apps = {}
    for line, source in python_blocks(page.read_text()):
        exec(compile("\n" * (line - 1) + source, str(page), "exec"), namespace)
        apps.update((id(c.node.root), c.node.root) for c in namespace.values()
                    if isinstance(c, Construct) and isinstance(c.node.root, cdk.App))

    # THEN every app synthesizes, and uses this package
    assert apps, f"the examples of {page.name} make no App"
    for app in apps.values():
        assert Path(app.synth().directory, "manifest.json").is_file()
    assert any(type(c).__module__.startswith("cdk_secure_bucket") for app in apps.values() for c in app.node.find_all())


def test_the_pypi_page_shows_python():
    # jsii-pacmak translates the README's TypeScript examples with jsii-rosetta's tablet (.jsii.tabl.json,
    # written by `npx projen post-compile`). A `bucket.with(...)` would translate into invalid Python.
    description = importlib.metadata.metadata("cdk-secure-bucket").get_payload()
    blocks = python_blocks(description)
    assert blocks
    invalid = []
    for line, source in blocks:
        try:
            ast.parse(source)
        except SyntaxError as error:
            invalid.append(f"description line {line + (error.lineno or 1) - 1}: {error.msg}: {source.splitlines()[(error.lineno or 1) - 1]!r}")
    assert invalid == [], (
        "the PyPI description holds examples that are not Python (TypeScript left untranslated when the wheel is "
        "built without `npx projen post-compile`, or a translation that is not valid Python):\n" + "\n".join(invalid))
