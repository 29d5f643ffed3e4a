"""The house rules of the code (docs/architecture.md), read from the source with `ast`:
no import circles (counting imports inside functions), dependencies that run one way, small
modules, and views that leave the database to the services."""
import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "corrections"
#: The longest a module may grow before it holds more than one concern.
MAX_LINES = 400
#: Feature packages and what they must never import: workflow knows nothing of email, and
#: mail is a transport that knows nothing of the desk's domain.
FORBIDDEN = {
    "corrections.workflow": ("corrections.notifications", "corrections.mail",
                             "corrections.dashboard", "corrections.public"),
    "corrections.mail": ("corrections.notifications", "corrections.workflow",
                         "corrections.intake", "corrections.dashboard", "corrections.public",
                         "corrections.accounts", "corrections.sites"),
}
ROUTE_DECORATORS = {"route", "get", "post", "put", "delete", "patch"}


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.relative_to(PACKAGE).parts:
            continue
        parts = ["corrections", *path.relative_to(PACKAGE).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = modules()


def imports_of(name: str, path: Path) -> set[str]:
    """Every module of the package that `name` imports, anywhere in the file."""
    is_package = path.name == "__init__.py"
    here = name.split(".") if is_package else name.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = here[:len(here) - node.level + 1]
                base = ".".join(parent + ([node.module] if node.module else []))
            # `from package import module` imports the module; `from module import name` the module.
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base
                       for a in node.names]
        else:
            continue
        found.update(t for t in targets if t in MODULES and t != name)
    return found


GRAPH = {name: imports_of(name, path) for name, path in MODULES.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, result = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                result.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return result


def test_the_walker_sees_a_circle_when_there_is_one():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_walker_counts_imports_inside_functions():
    # notifications.links acts through the state machine from inside its functions too
    assert "corrections.workflow.transitions" in GRAPH["corrections.notifications.links"]
    assert "corrections.models" in GRAPH["corrections.workflow.transitions"]


def test_no_module_imports_another_in_a_circle():
    assert cycles(GRAPH) == []


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_dependencies_run_one_way(package):
    crossing = sorted(f"{name} imports {target}"
                      for name, targets in GRAPH.items() if name.startswith(package)
                      for target in targets if target.startswith(FORBIDDEN[package]))
    assert crossing == []


def test_every_feature_package_says_what_it_owns():
    packages = [name for name, path in MODULES.items() if path.name == "__init__.py"]
    silent = [name for name in packages
              if not ast.get_docstring(ast.parse(MODULES[name].read_text()))]
    assert silent == []


def test_no_module_is_longer_than_the_limit():
    long = {name: n for name, path in MODULES.items()
            if (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert long == {}


def is_view_module(tree: ast.Module) -> bool:
    return any(isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute)
               and d.func.attr in ROUTE_DECORATORS
               for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)
               for d in node.decorator_list)


def queries_in(tree: ast.Module) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and (node.value.id, node.attr) in {("db", "session"), ("sa", "select"),
                                                   ("db", "select"), ("sa", "update"),
                                                   ("sa", "delete"), ("sa", "insert")}):
            found.append(f"line {node.lineno}: {node.value.id}.{node.attr}")
    return found


def test_the_view_check_recognises_a_view_that_queries():
    tree = ast.parse("@bp.get('/')\ndef page():\n    return db.session.get(Site, 1)\n")
    assert is_view_module(tree) and queries_in(tree) == ["line 3: db.session"]


def test_views_leave_the_database_to_the_services():
    views = {name: ast.parse(path.read_text()) for name, path in MODULES.items()}
    views = {name: tree for name, tree in views.items() if is_view_module(tree)}
    assert len(views) >= 8  # the check looks at the real view modules
    querying = {name: found for name, tree in views.items() if (found := queries_in(tree))}
    assert querying == {}
