"""The examples in README.md and docs/*.md run, paste into a plain `python` REPL, and the
README's Quickstart agrees with .ci/run.

Shell blocks are not run.  A `>>>` transcript runs as a doctest.  Any other ```python block
runs as a script in a fresh process (a block that imports torch is skipped without it), and a
block that starts with `# test_*.py` is a user's test file and runs under pytest.
"""

import codeop
import doctest
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
README = (ROOT / "README.md").read_text()
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def name(page: Path) -> str:
    return page.relative_to(ROOT).as_posix()


def code_blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", text, flags=re.S | re.M)


def scripts(page: Path) -> list[str]:
    """The page's ```python blocks that are not `>>>` transcripts."""
    return [b for b in code_blocks(page.read_text(), "python") if not b.startswith(">>>")]


SCRIPTS = [
    pytest.param(page, block, id=f"{name(page)}:{number}")
    for page in PAGES
    for number, block in enumerate(scripts(page), start=1)
]


def test_the_readme_links_every_doc():
    for page in PAGES[1:]:
        assert f"({name(page)})" in README, f"README.md does not link {name(page)}"


def anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


@pytest.mark.parametrize("page", PAGES, ids=name)
def test_every_relative_link_and_picture_is_there(page):
    for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text()):
        if re.match(r"[a-z]+:", target):
            continue  # https:, mailto:
        path, _, fragment = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        assert linked.exists(), f"{name(page)}: {target}"
        if fragment:
            headings = re.findall(r"^#+ (.*)$", linked.read_text(), flags=re.M)
            assert fragment in {anchor(h) for h in headings}, f"{name(page)}: {target}"


def test_every_page_has_examples_only_in_known_languages():
    for page in PAGES:
        fences = re.findall(r"^```(\S*)$", page.read_text(), flags=re.M)
        opening = fences[::2]
        assert len(fences) % 2 == 0, name(page)
        assert set(opening) <= {"python", "bash", "text"}, (name(page), opening)


@pytest.mark.parametrize("page", PAGES, ids=name)
def test_transcripts_run(page):
    result = doctest.testfile(str(page), module_relative=False, optionflags=FLAGS)
    assert result.failed == 0


def test_the_readme_and_the_guides_have_transcripts():
    runs = {name(page): doctest.DocTestParser().get_examples(page.read_text()) for page in PAGES}
    assert runs["README.md"] and runs["docs/guide.md"] and runs["docs/nn.md"]


def pasted(lines: list[str]) -> None:
    """Type `lines` into a plain REPL (code.InteractiveConsole's rule, without running them):
    raise SyntaxError where the REPL would, and fail if a block is left open at the end."""
    buffer: list[str] = []
    for line in [*lines, ""]:  # the last Enter
        buffer.append(line)
        if codeop.compile_command("\n".join(buffer), "<paste>", "single") is not None:
            buffer = []  # complete: the REPL runs it (a blank line alone is complete too)
    assert buffer == [], f"a block is still open after: {buffer[-2:]}"


def typed_lines(transcript: str) -> list[str]:
    """What a user types at the prompts of a `>>>` transcript, blank `...` lines included."""
    typed: list[str] = []
    prompt = False
    for line in transcript.splitlines():
        if line.startswith(">>>") or (prompt and line.startswith("...")):
            typed.append(line[4:])
            prompt = True
        else:
            prompt = False  # output (a traceback's `...` too)
    return typed


@pytest.mark.parametrize("page", PAGES, ids=name)
def test_every_example_pastes_into_a_plain_repl(page):
    text = page.read_text()
    for transcript in [b for b in code_blocks(text, "python") if b.startswith(">>>")]:
        # Each `>>>` statement is typed after the last one finished: a `for`, `with` or
        # `def` needs its blank `...` line, or the next statement lands inside it.
        pasted(typed_lines(transcript))
    for block in scripts(page):
        pasted(block.splitlines())


def test_the_paste_check_catches_a_loop_without_its_blank_line():
    loop = ">>> for i in range(2):\n...     i\n"
    with pytest.raises(SyntaxError):
        pasted(typed_lines(loop + ">>> print(i)\n1\n"))
    pasted(typed_lines(loop + "...\n0\n1\n>>> print(i)\n1\n"))


@pytest.mark.parametrize(("page", "block"), SCRIPTS)
def test_scripts_run(page, block, tmp_path):
    if re.search(r"^import torch", block, flags=re.M):
        pytest.importorskip("torch")
    first = block.splitlines()[0]
    if re.fullmatch(r"# test_\w+\.py", first):
        (tmp_path / first[2:]).write_text(block)
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)]
    else:
        (tmp_path / "example.py").write_text(block)
        command = [sys.executable, str(tmp_path / "example.py")]
    run = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_users_test_file_runs_its_three_tests(tmp_path):
    page = ROOT / "docs" / "testing-gradients.md"
    (block,) = [b for b in scripts(page) if b.startswith("# test_my_ops.py")]
    (tmp_path / "test_my_ops.py").write_text(block)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "3 passed" in run.stdout


def test_quickstart_has_two_single_line_shell_blocks_and_ci_runs_the_second():
    quickstart = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    blocks = code_blocks(quickstart, "bash")
    assert len(blocks) == 2
    assert all(len(block.strip().splitlines()) == 1 for block in blocks)
    assert "python3 -m venv" in blocks[0] and "micrograd demo" in blocks[0]
    ci = (ROOT / ".ci" / "run").read_text()
    assert blocks[1].strip() in ci


def test_the_readme_is_a_front_door():
    assert len(README.splitlines()) <= 330
