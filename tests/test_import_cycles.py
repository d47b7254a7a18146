"""No import cycles inside the project: every import counts, including those inside functions.

A function-local import only postpones a cycle to run time; it still ties the two modules
together, so the graph here is grimp's, which reads imports wherever they stand.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import grimp
import pytest

PACKAGES = ("vconsole", "screens", "widgets")


def import_cycles(*packages: str) -> list[list[str]]:
    """Every group of modules that import each other (strongly connected, two or more), each
    sorted, with the imports that close it, e.g. `a -> b (line 3)`."""
    graph = grimp.build_graph(*packages, cache_dir=None)
    edges = {m: graph.find_modules_directly_imported_by(m) for m in graph.modules}
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(start: str) -> None:
        # Tarjan's algorithm, iterative: the import graph is deep enough to hit recursion limits.
        work = [(start, iter(sorted(edges[start])))]
        order[start] = low[start] = len(order)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in order:
                    order[child] = low[child] = len(order)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], order[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == order[node]:
                group: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))

    for module in sorted(edges):
        if module not in order:
            visit(module)
    return [_describe(graph, group) for group in sorted(groups)]


def _describe(graph: grimp.ImportGraph, group: list[str]) -> list[str]:
    members = set(group)
    out = []
    for importer in group:
        for imported in sorted(graph.find_modules_directly_imported_by(importer) & members):
            lines = sorted(
                d["line_number"]
                for d in graph.get_import_details(importer=importer, imported=imported)
            )
            out.append(f"{importer} -> {imported} (line {', '.join(map(str, lines))})")
    return out


def test_the_project_has_no_import_cycle() -> None:
    cycles = import_cycles(*PACKAGES)
    assert cycles == [], "import cycles:\n" + "\n\n".join("\n".join(c) for c in cycles)


def _package(root: Path, name: str, modules: dict[str, str]) -> None:
    package = root / name
    package.mkdir()
    (package / "__init__.py").write_text("")
    for module, source in modules.items():
        (package / f"{module}.py").write_text(textwrap.dedent(source))


def test_a_cycle_closed_by_a_function_local_import_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _package(
        tmp_path,
        "cyclepkg",
        {
            "types": "from cyclepkg.loader import load\n",
            "loader": """
                def load():
                    from cyclepkg.types import load as again  # hidden in a function

                    return again
            """,
            "alone": "import cyclepkg.types\n",
        },
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert import_cycles("cyclepkg") == [
        [
            "cyclepkg.loader -> cyclepkg.types (line 3)",
            "cyclepkg.types -> cyclepkg.loader (line 1)",
        ]
    ]


def test_a_cycle_through_three_modules_is_one_group_and_a_chain_is_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _package(
        tmp_path,
        "ringpkg",
        {
            "a": "import ringpkg.b\n",
            "b": "import ringpkg.c\n",
            "c": "import ringpkg.a\n",
            "d": "import ringpkg.a\n",
        },
    )
    _package(
        tmp_path, "chainpkg", {"a": "import chainpkg.b\n", "b": "import chainpkg.c\n", "c": ""}
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    (ring,) = import_cycles("ringpkg")
    assert [line.split(" (")[0] for line in ring] == [
        "ringpkg.a -> ringpkg.b",
        "ringpkg.b -> ringpkg.c",
        "ringpkg.c -> ringpkg.a",
    ]
    assert import_cycles("chainpkg") == []
