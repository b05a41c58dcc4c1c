"""Every SQL statement of the store is parameterized: the source builds no SQL from values, and
hostile strings in every text field of an item go in and come back verbatim, on SQLite and on
PostgreSQL. (tests/store/test_store.py covers hostile titles, summaries, tags and ids.)"""

from __future__ import annotations

import ast
import re
from itertools import cycle
from pathlib import Path
from typing import Any

from newscrawl import store as store_package
from tests.samples import sample_item
from tests.store.conftest import backend, store  # noqa: F401  # the store on both back ends

STORE_SOURCES = sorted(Path(store_package.__file__).parent.glob("*.py"))
SQL = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|WHERE|VALUES|FROM)\b")
# The one formatting of SQL that involves a value: the placeholder list of a batched lookup.
PLACEHOLDER_LIST = re.compile(r"""(['"]), \1\.join\((['"])\?\2 \* len\(\w+\)\)""")
HOSTILE = [
    "'); DROP TABLE articles;--",
    '"; DROP TABLE article_versions; --',
    "' OR '1'='1",
    "1; DELETE FROM articles WHERE ''=''",
    "*/ SELECT pg_sleep(5) /*",
    "%s %(title)s %% {} {0} ? ?1 $1 :name @x",
    "\\'; \\\\ \\x00 \\u0000 E'\\047'",
    "$$; DROP TABLE articles; $$",
    "\t\r\n\x07\x1b\x1f\x7f",
    "美国之音 \u200b\u2028\u2029\ufeff 🙂 ﷽",
    "x" * 20_000,
]


class SqlBuilding(ast.NodeVisitor):
    """Finds SQL built by formatting (f-strings, ``.format()``, ``%``) with anything but
    constants: literals, UPPER_CASE module constants, ``self.<attribute>`` set to a literal in
    the class (the placeholder, the JSON type), local names only ever set to literals, and the
    placeholder list ``", ".join("?" * len(ids))``."""

    def __init__(self, tree: ast.Module):
        self.constants = {
            target.id: statement.value
            for statement in tree.body if isinstance(statement, ast.Assign)
            for target in statement.targets if isinstance(target, ast.Name)
        }
        self.attributes = {
            target.id
            for node in ast.walk(tree) if isinstance(node, ast.ClassDef)
            for statement in node.body if isinstance(statement, ast.Assign) and _is_text(statement.value)
            for target in statement.targets if isinstance(target, ast.Name)
        }
        self.function: ast.AST = tree
        self.offending: list[str] = []

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        outer, self.function = self.function, node
        self.generic_visit(node)
        self.function = outer

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        template = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
        fields = [v.value for v in node.values if isinstance(v, ast.FormattedValue)]
        self._check(node, template, fields)

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Attribute) and node.func.attr == "format":
            # A template the source does not spell out (a loop variable) counts as SQL.
            template = self._text(node.func.value)
            values = [*node.args, *(k.value for k in node.keywords)]
            self._check(node, "SELECT" if template is None else template, values)
        self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if isinstance(node.op, ast.Mod):
            self._check(node, self._text(node.left) or "", [node.right])
        self.generic_visit(node)

    def _text(self, node: ast.expr) -> str | None:
        """The text of a string literal or of the module constant a name refers to."""
        if isinstance(node, ast.Name) and node.id in self.constants:
            node = self.constants[node.id]
        if _is_text(node) or isinstance(node, ast.JoinedStr):
            return ast.unparse(node)
        return None

    def _check(self, node: ast.expr, template: str, values: list[ast.expr]) -> None:
        if SQL.search(template) and not all(map(self._is_constant, values)):
            self.offending.append(f"line {node.lineno}: {ast.unparse(node)}")

    def _is_constant(self, node: ast.expr) -> bool:
        if _is_text(node) or PLACEHOLDER_LIST.fullmatch(ast.unparse(node)):
            return True
        if isinstance(node, ast.Name) and node.id.isupper():
            return node.id in self.constants
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
            return node.attr in self.attributes
        if isinstance(node, ast.Name):
            values = list(self._local_values(node.id))
            return bool(values) and all(map(self._is_constant, values))
        return False

    def _local_values(self, name: str):
        """What a local name is set to in the current function (tuple unpacking and
        ``a if c else b`` of tuples followed)."""
        for statement in ast.walk(self.function):
            if not isinstance(statement, ast.Assign):
                continue
            for target in statement.targets:
                if isinstance(target, ast.Name) and target.id == name:
                    yield statement.value
                elif isinstance(target, ast.Tuple):
                    names = [t.id if isinstance(t, ast.Name) else None for t in target.elts]
                    if name in names:
                        yield from _elements(statement.value, names.index(name))


def _is_text(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _elements(node: ast.expr, index: int):
    if isinstance(node, ast.IfExp):
        yield from _elements(node.body, index)
        yield from _elements(node.orelse, index)
    elif isinstance(node, ast.Tuple):
        yield node.elts[index]
    else:
        yield node  # unknown: _is_constant refuses it


def sql_building(source: str) -> list[str]:
    finder = SqlBuilding(ast.parse(source))
    finder.visit(ast.parse(source))
    return finder.offending


def test_the_store_builds_no_sql_from_values():
    offending = [f"{path.name} {found}" for path in STORE_SOURCES for found in sql_building(path.read_text("utf-8"))]
    assert offending == []


def test_the_check_finds_sql_built_from_values():
    source = '''
QUERY = "SELECT item FROM articles WHERE article_id = {id}"
COLUMNS = "article_id, title"
class Store:
    placeholder = "?"
    def good(self, connection, ids, since):
        where, params = ("WHERE published_at >= ?", (since,)) if since else ("", ())
        connection.execute(f"SELECT {COLUMNS} FROM articles WHERE article_id IN ({', '.join('?' * len(ids))})")
        connection.execute(QUERY.format(id=self.placeholder) + where, params)
    def bad(self, connection, article_id, title, since):
        connection.execute(f"SELECT * FROM articles WHERE article_id = '{article_id}'")
        connection.execute(QUERY.format(id=article_id))
        connection.execute("DELETE FROM articles WHERE title = '%s'" % title)
        where = f"WHERE published_at >= '{since}'" if since else ""
        connection.execute(QUERY.format(id=where))
        connection.execute("SELECT 1 FROM articles WHERE url = ?", (title,))
'''
    assert [found.split(":")[0] for found in sql_building(source)] == [
        "line 11", "line 12", "line 13", "line 14", "line 15",
    ]


def hostile_copy(value: Any, strings: cycle) -> Any:
    """``value`` with every string in it replaced by the next hostile string."""
    if isinstance(value, str):
        return next(strings)
    if isinstance(value, list):
        return [hostile_copy(v, strings) for v in value]
    if isinstance(value, dict):
        return {k: hostile_copy(v, strings) for k, v in value.items()}
    return value


def test_hostile_strings_in_every_text_field_come_back_verbatim(store):  # noqa: F811
    item = hostile_copy(sample_item("7600001") | {"duplicate_of": "", "previous_hash": ""}, cycle(HOSTILE))
    item["article_id"] = "'); DROP TABLE articles;--"
    assert store.save(item).status == "new"
    assert store.save(item).status == "unchanged"  # the lookup by a hostile id finds it
    (stored,) = store.iter_items()
    assert stored == item | {"version": 1, "previous_hash": None}
    assert store.versions(item["article_id"]) == [stored]
    assert store.latest(item["article_id"]).published_at == item["published_at"]
    assert store.count() == 1
