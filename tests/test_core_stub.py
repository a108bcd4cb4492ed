"""``_core.pyi`` describes the compiled ``snnas._core`` exactly: the same public names, and for every
function and method the same keyword parameters (names, order, which are optional) as pybind11 reports.

When cpp/bindings.cpp gains a function, class or attribute, these tests name what the stub lacks; add it
to src/snnas/_core.pyi (typed as precisely as the binding checks its arguments).
"""

from __future__ import annotations

import ast
import builtins
import inspect
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import snnas._core as core

STUB = Path(core.__file__).with_name("_core.pyi")  # installed next to the extension (wheel.packages)

# Attributes of every extension module that the binding does not define (the import system sets them).
_IMPORT_SYSTEM = {"__doc__", "__file__", "__loader__", "__name__", "__package__", "__spec__"}


@dataclass(frozen=True)
class Params:
    """The parameters of one signature, ``self`` left out."""

    positional: tuple[str, ...]
    keyword_only: tuple[str, ...]
    optional: frozenset[str]  # those with a default

    @staticmethod
    def of(args: ast.arguments) -> Params:
        positional = [a.arg for a in (*args.posonlyargs, *args.args)]
        if positional[:1] == ["self"]:
            positional = positional[1:]
        n_pos_defaults = len(args.defaults)
        optional = set(positional[len(positional) - n_pos_defaults:]) if n_pos_defaults else set()
        optional |= {a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None}
        return Params(tuple(positional), tuple(a.arg for a in args.kwonlyargs), frozenset(optional))


def public(names: Any) -> set[str]:
    """The public names among ``names``: no leading underscore, plus the module's ``__version__``."""
    return {n for n in names if not n.startswith("_") or n == "__version__"} - _IMPORT_SYSTEM


def stub_tree() -> ast.Module:
    assert STUB.is_file(), f"{STUB} is missing: the package must ship the stub of its extension"
    return ast.parse(STUB.read_text(), str(STUB))


def stub_members(body: list[ast.stmt]) -> dict[str, ast.stmt]:
    """The names a module or class body of the stub defines."""
    out: dict[str, ast.stmt] = {}
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            out[node.name] = node
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            out[node.target.id] = node
        elif isinstance(node, ast.Assign):
            out.update((t.id, node) for t in node.targets if isinstance(t, ast.Name))
    return out


def pybind_params(obj: Any, qualname: str) -> Params:
    """The parameters of a pybind11 function from the first line of its ``__doc__``, e.g.
    ``simulate(*, row_ptr: object, ..., i_ext: object = None) -> dict`` (read as a Python def)."""
    doc = obj.__doc__ or ""
    first = doc.strip().splitlines()[0] if doc.strip() else ""
    name = qualname.rsplit(".", 1)[-1]
    assert first.startswith(name + "("), f"{qualname}: no pybind11 signature in __doc__: {first!r}"
    tree = ast.parse(f"def {first}: ...")
    fn = tree.body[0]
    assert isinstance(fn, ast.FunctionDef)
    return Params.of(fn.args)


def mismatch(where: str, in_module: set[str], in_stub: set[str]) -> str:
    missing, extra = sorted(in_module - in_stub), sorted(in_stub - in_module)
    lines = [f"{where}: src/snnas/_core.pyi does not match the compiled module"]
    if missing:
        lines.append(f"  in the module, missing from the stub: {missing}")
    if extra:
        lines.append(f"  in the stub, not in the module: {extra}")
    return "\n".join(lines)


def compare_signatures(obj: Any, node: ast.FunctionDef, qualname: str) -> list[str]:
    """The differences between the stub's ``node`` and what pybind11 reports for ``obj``."""
    real, stub = pybind_params(obj, qualname), Params.of(node.args)
    problems = []
    if real.positional != stub.positional:
        problems.append(f"{qualname}: positional parameters {list(real.positional)} in the module, "
                        f"{list(stub.positional)} in the stub")
    if set(real.keyword_only) != set(stub.keyword_only):
        problems.append(f"{qualname}: keyword parameters missing from the stub: "
                        f"{[p for p in real.keyword_only if p not in stub.keyword_only]}, not in the module: "
                        f"{[p for p in stub.keyword_only if p not in real.keyword_only]}")
    elif real.keyword_only != stub.keyword_only:
        problems.append(f"{qualname}: keyword parameters in another order than the module's "
                        f"{list(real.keyword_only)}")
    if real.optional != stub.optional:
        problems.append(f"{qualname}: optional in the module {sorted(real.optional)}, "
                        f"in the stub {sorted(stub.optional)}")
    return problems


def check_attribute(value: Any, node: ast.stmt, qualname: str) -> list[str]:
    """A stub attribute annotated with a builtin type (``str``, ``dict[str, int]``, ...) holds one."""
    if not isinstance(node, ast.AnnAssign):
        return []
    ann = node.annotation.value if isinstance(node.annotation, ast.Subscript) else node.annotation
    tp = getattr(builtins, ann.id, None) if isinstance(ann, ast.Name) else None
    if isinstance(tp, type) and not isinstance(value, tp):
        return [f"{qualname}: annotated {ast.unparse(node.annotation)} in the stub, "
                f"is {type(value).__name__} in the module"]
    return []


def check_namespace(real: ModuleType | type, body: list[ast.stmt], where: str) -> list[str]:
    """Names, signatures and attribute types of a module or class against a stub body."""
    members = stub_members(body)
    names = public(vars(real)) if isinstance(real, type) else public(dir(real))
    stub_names = public(members)
    problems = [] if names == stub_names else [mismatch(where, names, stub_names)]
    for name in sorted(names & stub_names):
        value, node, qualname = inspect.getattr_static(real, name), members[name], f"{where}.{name}"
        if isinstance(node, ast.ClassDef):
            if not isinstance(value, type):
                problems.append(f"{qualname}: a class in the stub, {type(value).__name__} in the module")
            else:
                problems += check_namespace(value, node.body, qualname)
        elif isinstance(node, ast.FunctionDef):
            is_property = any(isinstance(d, ast.Name) and d.id == "property" for d in node.decorator_list)
            if is_property != isinstance(value, property):
                problems.append(f"{qualname}: {'a' if is_property else 'not a'} property in the stub, "
                                f"{type(value).__name__} in the module")
            elif not is_property:
                problems += compare_signatures(getattr(real, name), node, qualname)
        else:
            problems += check_attribute(value, node, qualname)
    return problems


def test_stub_matches_the_compiled_module() -> None:
    problems = check_namespace(core, stub_tree().body, "snnas._core")
    assert not problems, "\n".join(problems)


def test_the_check_sees_a_missing_name_and_a_wrong_parameter() -> None:
    """The comparison itself: a stub without one function, with one parameter renamed, fails, naming both."""
    source = STUB.read_text()
    assert "    t_hop_y: float,\n" in source and "def build_info(" in source
    broken = ast.parse(source.replace("    t_hop_y: float,\n", "    t_hop_z: float,\n"))
    broken.body = [n for n in broken.body if not (isinstance(n, ast.FunctionDef) and n.name == "build_info")]
    problems = "\n".join(check_namespace(core, broken.body, "snnas._core"))
    assert "missing from the stub: ['build_info']" in problems
    assert "async_event_timing: keyword parameters missing from the stub: ['t_hop_y'], not in the module: " \
           "['t_hop_z']" in problems


@pytest.mark.parametrize("name", sorted(n for n in public(dir(core)) if callable(getattr(core, n))))
def test_every_function_reports_a_pybind11_signature(name: str) -> None:
    """The signature check reads ``__doc__``: every function and method must carry one."""
    obj = getattr(core, name)
    targets = [(obj, name)]
    if isinstance(obj, type):
        targets = [(getattr(obj, m), f"{name}.{m}") for m in public(vars(obj))
                   if not isinstance(inspect.getattr_static(obj, m), property)]
    for fn, qualname in targets:
        pybind_params(fn, qualname)
