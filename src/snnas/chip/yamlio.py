"""Read a YAML chip file with line numbers, duplicate-key detection and YAML 1.2 floats.

PyYAML follows YAML 1.1, where ``1e-9`` is a *string* (1.1 needs a dot and a signed exponent). Chip
files are full of such figures, so the loader here resolves floats the YAML 1.2 way. It also records the
line of every key and value so problems can point at them, and reports duplicate keys, which PyYAML
would silently resolve to the last one.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from snnas.errors import ChipSpecError, ChipSpecProblem

__all__ = ["MAX_FILE_BYTES", "YamlDocument", "dump_yaml", "parse_yaml", "read_yaml"]

MAX_FILE_BYTES = 1 << 20  # a chip file is a few kB; refuse anything that cannot be one

_FLOAT_TAG = "tag:yaml.org,2002:float"
_FLOAT_RE = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
    |[-+]?\.[0-9_]+(?:[eE][-+]?[0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 float resolution (class-local: the global SafeLoader is untouched)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _FLOAT_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(_FLOAT_TAG, _FLOAT_RE, list("-+0123456789."))

Path_ = tuple[Any, ...]


class YamlDocument:
    """Parsed data plus the 1-based line of every path (mapping keys and sequence indices)."""

    def __init__(self, data: Any, lines: dict[Path_, int], source: str) -> None:
        self.data = data
        self.lines = lines
        self.source = source

    def line_of(self, path: Path_) -> int | None:
        """Line of ``path``, or of its nearest ancestor that the file spells out."""
        for n in range(len(path), -1, -1):
            if path[:n] in self.lines:
                return self.lines[path[:n]]
        return None


def _walk(node: yaml.Node, path: Path_, lines: dict[Path_, int], problems: list[ChipSpecProblem], source: str,
          loader: _Loader) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            try:
                key = loader.construct_object(key_node, deep=True)
            except yaml.YAMLError:
                key = key_node.value
            line = key_node.start_mark.line + 1
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                key = repr(key)
            if key in seen:
                shown = ".".join(str(p) for p in (*path, key))
                problems.append(ChipSpecProblem(shown, f"duplicate key (first given on line {seen[key]})",
                                                source, line))
                continue
            seen[key] = line
            lines[path + (key,)] = line
            _walk(value_node, (*path, key), lines, problems, source, loader)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*path, i), lines, problems, source, loader)


_KEY_RE = re.compile(r"^(\s*)(?:-\s+)?([A-Za-z_][\w.]*)\s*:")


def _field_at(text: str, line: int) -> str:
    """Best-effort dotted path of the key on or above ``line`` (1-based), from indentation alone.

    Used only when the YAML does not parse, so the message can still name the field being written.
    """
    stack: list[tuple[int, str]] = []
    for raw in text.splitlines()[:line]:
        if "\t" in raw[: len(raw) - len(raw.lstrip())]:
            continue
        m = _KEY_RE.match(raw)
        if not m or raw.lstrip().startswith("#"):
            continue
        indent = len(m.group(1))
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, m.group(2)))
    return ".".join(k for _, k in stack)


def parse_yaml(text: str, source: str = "<string>") -> YamlDocument:
    """Parse one YAML document; raises ChipSpecError for syntax errors and duplicate keys."""
    loader = _Loader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark is not None else None
            what = " ".join(str(exc.problem or exc).split())
            ctx_mark = exc.context_mark if exc.context_mark is not None else mark
            field = _field_at(text, ctx_mark.line + 1) if ctx_mark is not None else ""
            raise ChipSpecError.single(field, f"not valid YAML: {what}", source, line=line) from None
        except yaml.YAMLError as exc:
            raise ChipSpecError.single("", f"not valid YAML: {exc}", source) from None
        if node is None:
            raise ChipSpecError.single("", "the file is empty; expected a chip description mapping", source)
        lines: dict[Path_, int] = {}
        problems: list[ChipSpecProblem] = []
        _walk(node, (), lines, problems, source, loader)
        if problems:
            raise ChipSpecError(problems)
        try:
            data = loader.construct_document(node)
        except yaml.YAMLError as exc:
            raise ChipSpecError.single("", f"not valid YAML: {' '.join(str(exc).split())}", source) from None
    finally:
        loader.dispose()
    return YamlDocument(data, lines, source)


def read_yaml(path: str | Path) -> YamlDocument:
    """Read and parse a chip file; every failure is a ChipSpecError naming the file."""
    p = Path(path)
    source = str(p)
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ChipSpecError.single("", f"file is {size} bytes; a chip file is at most {MAX_FILE_BYTES}", source)
        raw = p.read_bytes()
    except OSError as exc:
        raise ChipSpecError.single("", f"cannot read file: {exc.strerror or exc}", source) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ChipSpecError.single("", f"not UTF-8 text (byte {exc.start}); expected a YAML file", source) from None
    return parse_yaml(text, source)


class _Dumper(yaml.SafeDumper):
    """Block style, keys in schema order."""


def dump_yaml(data: Any) -> str:
    """Render a chip mapping as YAML that :func:`parse_yaml` reads back to the same data."""
    text: str = yaml.dump(data, Dumper=_Dumper, sort_keys=False, default_flow_style=None, allow_unicode=True,
                          width=100)
    return text
