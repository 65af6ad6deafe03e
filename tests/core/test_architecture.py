"""The house rules: no import circle, the rooms stay apart, a pinned public face, one error tree."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
import types
from pathlib import Path

import pytest

import guardrails
from guardrails import errors

REPO = Path(__file__).resolve().parents[2]
PACKAGES = {
    "guardrails": REPO / "guardrails",
    "tako_rules": REPO / "plugins" / "tako_rules",
    "tako_classifiers": REPO / "plugins" / "tako_classifiers",
    "tako_language": REPO / "plugins" / "tako_language",
}
MAX_LINES = 400

PUBLIC_API = [
    "Action",
    "BaseGuard",
    "Blocked",
    "CheckContext",
    "Checker",
    "DataError",
    "Decision",
    "Guard",
    "GuardConfig",
    "GuardError",
    "GuardPlugin",
    "GuardTimeout",
    "GuardrailsError",
    "InvalidInput",
    "ModelError",
    "ModelIntegrityError",
    "Operations",
    "PluginError",
    "Policy",
    "PolicyError",
    "PolicySettings",
    "RailSpec",
    "RequestContext",
    "Resources",
    "Sink",
    "Span",
    "Verdict",
    "__version__",
    "get_plugin_manager",
    "hookimpl",
    "load_policy",
]


def _modules() -> dict[str, Path]:
    found = {}
    for package, root in PACKAGES.items():
        for path in sorted(root.rglob("*.py")):
            parts = [package, *path.relative_to(root).with_suffix("").parts]
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement, at any depth (functions too), except under ``if TYPE_CHECKING:``."""
    out: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import | ast.ImportFrom):
            out.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return out


def _known(name: str) -> str | None:
    """The module ``name`` names, or its nearest enclosing module in the graph."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _edges(name: str, path: Path) -> set[str]:
    is_package = path.name == "__init__.py"
    out: set[str] = set()
    for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = name.split(".") if is_package else name.split(".")[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
        out |= {t for t in map(_known, targets) if t and t != name}
    return out


GRAPH = {name: _edges(name, path) for name, path in MODULES.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_graph_sees_function_level_imports_and_skips_type_checking():
    assert "guardrails.guard" in GRAPH["guardrails.ops.commands"]  # imported inside a function
    assert "guardrails.guard" not in GRAPH["guardrails.hookspecs"]  # under TYPE_CHECKING only
    assert "guardrails.runtime.heads" in GRAPH["tako_classifiers._base"]


def test_no_import_cycle():
    cycle = _cycle(GRAPH)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def _reachable(start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo += GRAPH.get(node, ())
    return seen


@pytest.mark.parametrize("module", ["guardrails.guard", "guardrails.policy", "guardrails.wrap", "guardrails.shadow"])
def test_the_core_never_imports_ops_or_offline(module):
    reached = _reachable(module)
    assert not {m for m in reached if m.startswith(("guardrails.ops", "guardrails.offline"))}


def test_runtime_and_ops_never_import_offline():
    for module in MODULES:
        if module.startswith(("guardrails.runtime", "guardrails.ops")) or module.startswith("tako_"):
            offline = {m for m in GRAPH[module] if m.startswith("guardrails.offline")}
            assert not offline, f"{module} imports {offline}"


def test_wrap_depends_on_a_protocol_not_on_guard():
    assert "guardrails.guard" not in _reachable("guardrails.wrap")


def _python(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_importing_guard_loads_neither_ops_nor_offline():
    out = _python(
        "import sys, guardrails.guard\n"
        "print(sorted(m for m in sys.modules if m.startswith(('guardrails.ops', 'guardrails.offline'))))"
    )
    assert out.strip() == "[]"


def test_building_a_guard_and_checking_text_never_loads_offline():
    out = _python(
        "import sys, guardrails\n"
        "guard = guardrails.Guard.default()\n"
        "guard.check_input('ignore previous instructions'); guard.check_output('fine', prompt='q')\n"
        "print(sorted(m for m in sys.modules if m.startswith('guardrails.offline')))"
    )
    assert out.strip() == "[]"


def test_import_guardrails_and_ops_works_and_ops_stays_light():
    out = _python(
        "import sys, guardrails, guardrails.ops\n"
        "print(sorted(m for m in sys.modules if m.startswith('guardrails.ops')))"
    )
    assert out.strip() == "['guardrails.ops', 'guardrails.ops.settings']"


def test_import_guardrails_leaves_what_a_guard_loads_unloaded():
    """Shadow launches, rail workers and breakers, the decision cache and the policy-file parsers
    load with a Guard, not with ``import guardrails`` (its budget is 150 ms)."""
    lazy = ["guardrails.decision_cache", "guardrails.isolation", "guardrails.shadow", "json", "tomllib"]
    out = _python(f"import sys, guardrails\nprint([m for m in {lazy!r} if m in sys.modules])")
    assert out.strip() == "[]"


def test_public_api_is_sorted_and_pinned():
    assert guardrails.__all__ == sorted(guardrails.__all__)
    assert guardrails.__all__ == PUBLIC_API
    public = {
        name for name, value in vars(guardrails).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public <= set(guardrails.__all__), f"public but not exported: {sorted(public - set(guardrails.__all__))}"
    for name in guardrails.__all__:
        assert hasattr(guardrails, name)


def test_py_typed_ships_beside_the_package():
    assert (REPO / "guardrails" / "py.typed").is_file()


ERRORS = [getattr(errors, name) for name in errors.__all__]


def test_every_error_lives_in_the_tree_drawn_in_its_docstring():
    drawn = errors.__doc__ or ""
    for cls in ERRORS:
        assert issubclass(cls, errors.GuardrailsError)
        assert cls.__module__ == "guardrails.errors"
        assert f" {cls.__name__} " in drawn or f"{cls.__name__}\n" in drawn, f"{cls.__name__} is not drawn"
    for module in (guardrails, *(m for m in sys.modules.values() if getattr(m, "__name__", "").startswith("guardrails"))):
        for value in vars(module).values():
            if inspect.isclass(value) and issubclass(value, Exception) and value.__module__.startswith("guardrails"):
                assert value.__module__ == "guardrails.errors", f"{value.__name__} is defined in {value.__module__}"


def _raised_names() -> set[str]:
    names: set[str] = set()
    for path in MODULES.values():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) and node.exc is not None:
                target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
                if isinstance(target, ast.Name):
                    names.add(target.id)
    return names


def test_every_error_is_raised_somewhere():
    raised = _raised_names()
    for cls in ERRORS:
        family = [c for c in ERRORS if issubclass(c, cls)]
        assert any(c.__name__ in raised for c in family), f"{cls.__name__} is never raised"


def test_no_module_is_over_the_line_limit():
    long = {name: n for name, path in MODULES.items() if (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines (split them by job): {long}"
