"""Lesson files: find them, check that a file is a lesson, and parse jupytext Markdown into blocks."""
from __future__ import annotations

import json
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

LESSON_DIR = Path(__file__).resolve().parent.parent / "lesson_files"
DEFAULT_OUT = Path("minigrad-out")
_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([\w+-]*)(.*)$")
_NAME = re.compile(r"^(\d{2})-([\w-]+)\.md$")


class LessonError(ValueError):
    """A lesson that cannot be found or parsed; the message says which and why."""


@dataclass
class Block:
    """One piece of a lesson: ``kind`` is "prose", "code" or "check".

    ``line`` is the 1-based line of the block's first line in the lesson file (for
    code: the line after the opening fence), so errors point into the .md file.
    """

    kind: str
    text: str
    line: int
    index: int = 0
    tags: tuple[str, ...] = ()

    @property
    def end_line(self) -> int:
        return self.line + max(self.text.count("\n"), 0)

    @property
    def runnable(self) -> bool:
        return self.kind in ("code", "check")

    def describe(self) -> str:
        return f"block {self.index} ({self.kind}, lines {self.line}-{self.end_line})"


@dataclass
class Lesson:
    """A parsed lesson: its title, where it came from, and its blocks in order."""

    title: str
    blocks: list[Block]
    path: Path | None = None
    number: int | None = None
    slug: str = ""
    runtime: float | None = None  # usual seconds of a --check run (front matter ``runtime``), shown by `lesson list`

    @property
    def filename(self) -> str:
        """The name code is compiled under: tracebacks and errors show it with .md line numbers."""
        return str(self.path) if self.path else f"<lesson {self.number or self.slug or self.title}>"

    @property
    def code_blocks(self) -> list[Block]:
        return [b for b in self.blocks if b.runnable]

    @property
    def checks(self) -> list[Block]:
        return [b for b in self.blocks if b.kind == "check"]


# -- finding lessons --------------------------------------------------------------------------
def short_title(title: str) -> str:
    """The title without its "Lesson 3 —" prefix (where the number is shown in its own column)."""
    return re.sub(r"^Lesson\s+\d+\s*[—:-]\s*", "", title)


def lesson_files(directory: Path | None = None) -> list[Path]:
    """Every ``NN-slug.md`` in the lesson folder, in lesson order."""
    folder = Path(directory) if directory else LESSON_DIR
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if _NAME.match(p.name))


def list_lessons(directory: Path | None = None) -> list[Lesson]:
    """All lessons, parsed (cheap: nothing is run)."""
    return [load_lesson(p) for p in lesson_files(directory)]


def find_lesson(spec: int | str | Path) -> Path:
    """The file of a lesson given its number (3, "3", "03"), its slug, or a path to a .md file."""
    text = str(spec).strip()
    candidate = Path(text).expanduser()
    if isinstance(spec, Path) or text.endswith((".md", ".ipynb")) or os.sep in text or candidate.exists():
        if candidate.is_dir():
            raise LessonError(f"{text} is a folder, not a lesson file")
        if candidate.exists():
            return candidate
        raise LessonError(f"no lesson file at {text!r}")
    files = lesson_files()
    if text.isdigit():
        number = int(text)
        for p in files:
            if int(p.name[:2]) == number:
                return p
        raise LessonError(f"there is no lesson {number}: lessons are {_numbers(files)} (try `minigrad lesson list`)")
    matches = [p for p in files if text.lower() in p.stem.lower()]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise LessonError(f"{text!r} matches several lessons: {', '.join(p.stem for p in matches)}")
    raise LessonError(f"no lesson called {text!r}: try `minigrad lesson list`")


def _numbers(files: list[Path]) -> str:
    nums = [int(p.name[:2]) for p in files]
    if not nums:
        return "none (the lesson folder is empty)"
    if nums == list(range(nums[0], nums[-1] + 1)):
        return f"{nums[0]}-{nums[-1]}"
    return ", ".join(map(str, nums))


MAX_LESSON_BYTES = 2_000_000  # the longest lesson is ~15 kB; anything this big is not one


def read_lesson_text(path: Path) -> str:
    """The text of a lesson file, or a one-line LessonError saying why the file is not a lesson."""
    if path.is_dir():
        raise LessonError(f"{path} is a folder, not a lesson file")
    if path.suffix == ".ipynb":
        raise LessonError(f"{path} is a notebook: open it in Jupyter (lessons run from their .md file)")
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):  # /dev/zero, a FIFO: reading could never end
            raise LessonError(f"{path} is not a lesson: it is a device or pipe, not a file")
        if info.st_size > MAX_LESSON_BYTES:
            raise LessonError(f"{path} is not a lesson: {info.st_size:,} bytes is far too large for one")
        with path.open("rb") as f:
            raw = f.read(MAX_LESSON_BYTES + 1)  # a file still growing is cut, not read without end
    except OSError as exc:
        raise LessonError(f"cannot read {path}: {exc.strerror or exc}") from None
    if b"\0" in raw:
        raise LessonError(f"{path} is not a lesson: it is a binary file, not Markdown")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise LessonError(f"{path} is not a lesson: it is not UTF-8 text") from None


def load_lesson(spec: int | str | Path) -> Lesson:
    """Find and parse a lesson (number, slug or path); a file that is not a lesson is refused."""
    path = find_lesson(spec)
    lesson = parse_lesson(read_lesson_text(path), path=path)
    if not lesson.code_blocks:
        raise LessonError(f"{path} is not a lesson: it has no ```python cell to run")
    return lesson


# -- parsing ------------------------------------------------------------------------------------
def front_matter(text: str) -> tuple[dict[str, str], int]:
    """The top-level ``key: value`` pairs of a YAML front matter, and how many lines it takes.

    Only plain top-level scalars are read (``number``, ``title``); nested blocks such as
    ``jupyter:`` belong to the notebook tools. No front matter gives ``({}, 0)``.
    """
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return {}, 0
    meta: dict[str, str] = {}
    for i, line in enumerate(lines[1:], 2):
        if line.strip() in ("---", "..."):
            return meta, i
        m = re.match(r"^([A-Za-z_][\w-]*):\s*(.*?)\s*$", line)
        if m and m.group(2):
            meta[m.group(1)] = _yaml_scalar(m.group(2))
    raise LessonError("the front matter (---) at line 1 is never closed")


def _yaml_scalar(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        try:
            return str(json.loads(value))
        except ValueError:
            return value[1:-1]
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1].replace("''", "'")
    return re.sub(r"\s+#.*$", "", value)  # an unquoted value ends where a comment starts


def _cell_tags(options: str) -> tuple[str, ...]:
    """The ``tags=[...]`` of a jupytext fence line such as ``python tags=["check"]``."""
    m = re.search(r"\btags\s*=\s*(\[[^\]]*\])", options)
    if not m:
        return ()
    try:
        tags = json.loads(m.group(1))
    except ValueError:
        raise LessonError(f"cannot read the cell tags {m.group(1)} (write them as tags=[\"check\"])") from None
    return tuple(str(t) for t in tags)


def parse_lesson(text: str, path: Path | str | None = None) -> Lesson:
    """Split a jupytext-Markdown lesson into prose, code and check blocks with their line numbers."""
    path = Path(path) if path else None
    try:
        meta, skip = front_matter(text)
    except LessonError as exc:
        raise LessonError(f"{path or 'lesson'}: {exc}") from None
    lines = text.splitlines()
    blocks: list[Block] = []
    prose: list[str] = []
    prose_start = skip + 1
    title = meta.get("title", "")
    i = skip
    while i < len(lines):
        line = lines[i]
        fence = _FENCE.match(line)
        if not fence:
            if not prose:
                prose_start = i + 1
            prose.append(line)
            if not title and line.startswith("# "):
                title = line[2:].strip()
            i += 1
            continue
        marker, lang = fence.group(2), fence.group(3).lower()
        start = i + 1
        j = start
        while j < len(lines) and not lines[j].strip().startswith(marker[0] * len(marker)):
            j += 1
        if j == len(lines):
            raise LessonError(f"{path or 'lesson'}: line {i + 1}: the {marker}{lang} fence is never closed")
        body = lines[start:j]
        if lang in ("python", "py", "python3"):
            _flush_prose(blocks, prose, prose_start)
            prose = []
            try:
                tags = _cell_tags(fence.group(4))
            except LessonError as exc:
                raise LessonError(f"{path or 'lesson'}: line {i + 1}: {exc}") from None
            first = next((b.strip() for b in body if b.strip()), "")
            kind = "check" if "check" in tags or re.match(r"#\s*check\b", first) else "code"
            blocks.append(Block(kind, "\n".join(body), start + 1, tags=tags))
        else:  # a shown-only fence stays part of the prose around it
            if not prose:
                prose_start = i + 1
            prose.extend(lines[i:j + 1])
        i = j + 1
    _flush_prose(blocks, prose, prose_start)
    for n, block in enumerate(blocks, 1):
        block.index = n
    number, slug = None, ""
    if path and (m := _NAME.match(path.name)):
        number, slug = int(m.group(1)), m.group(2)
    if str(meta.get("number", "")).isdigit():
        number = int(meta["number"])
    try:
        runtime = float(meta["runtime"]) if "runtime" in meta else None
    except ValueError:
        runtime = None
    return Lesson(title or (path.stem if path else "lesson"), blocks, path, number, slug, runtime)


def _flush_prose(blocks: list[Block], prose: list[str], start: int) -> None:
    # trim blank lines at both ends but keep the line number of the first kept line
    while prose and not prose[0].strip():
        prose.pop(0)
        start += 1
    while prose and not prose[-1].strip():
        prose.pop()
    if prose:
        blocks.append(Block("prose", "\n".join(prose), start))



def defined_names(code: str) -> set[str]:
    """The global names a block of code binds (assignments, def, class, import, for, with), outside function bodies.

    The REPL uses it to warn before a lesson replaces the learner's own variables.
    """
    import ast

    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    names: set[str] = set()
    todo: list[ast.AST] = list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            continue  # a function's own locals are not the namespace's
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names if a.name != "*")
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        if isinstance(node, (ast.Lambda, ast.GeneratorExp, ast.ListComp, ast.SetComp, ast.DictComp)):
            continue  # their variables are their own
        todo.extend(ast.iter_child_nodes(node))
    return names
