"""Every message textkit shows a user has an English form (textkit/messages.py).

The messages are written in Finnish where they are raised (`TextkitError(...)`), collected
(`warnings.append(...)`) or reported as build progress (`report_progress`, `progress`). This test reads textkit's source, finds every such message — also
those built in a helper function or a local variable, and the local pieces put into them — and
checks that textkit.messages has its English form, that the English form is used for it (not
a more general entry's), that it keeps every value of the message, and that the Finnish text
is Finnish (an entry whose English equals its source text is a message left in English). So a
new message without an English form fails here, with the template to add.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conftest import ROOT
from textkit import messages

PACKAGE = ROOT / "textkit"


# ---------------------------------------------------------------- reading the source


def _trees() -> dict[Path, ast.Module]:
    return {path: ast.parse(path.read_text(encoding="utf-8")) for path in sorted(PACKAGE.rglob("*.py"))}


def _functions(trees: dict[Path, ast.Module]) -> dict[str, list[ast.AST]]:
    found: dict[str, list[ast.AST]] = {}
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found.setdefault(node.name, []).append(node)
    return found


def _assigned(name: str, scope: ast.AST) -> list[ast.expr]:
    values = []
    for node in ast.walk(scope):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            values.append(node.value)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == name \
                and node.value is not None:
            values.append(node.value)
        elif isinstance(node, ast.NamedExpr) and node.target.id == name:
            values.append(node.value)
    return values


class _Walker:
    """The Finnish templates (each interpolated value as `{}`) an expression can produce."""

    def __init__(self, trees: dict[Path, ast.Module]):
        self.functions = _functions(trees)
        self.pieces: set[tuple[str, str]] = set()   # (template, where) of values put into messages

    def templates(self, expr: ast.expr, scopes: tuple[ast.AST, ...], where: str, seen: tuple = ()) -> list[str]:
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return [_literal(expr.value)]
        if isinstance(expr, ast.JoinedStr):
            out = [""]
            for value in expr.values:
                if isinstance(value, ast.Constant):
                    out = [t + _literal(value.value) for t in out]
                else:
                    out = [t + "{}" for t in out]
                    self._piece(value.value, scopes, where, seen)
            return out
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
            left = self.templates(expr.left, scopes, where, seen) or ["{}"]
            right = self.templates(expr.right, scopes, where, seen) or ["{}"]
            return [a + b for a in left for b in right]
        if isinstance(expr, ast.IfExp):
            return self.templates(expr.body, scopes, where, seen) + self.templates(expr.orelse, scopes, where, seen)
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr in ("replace", "strip"):
            return self.templates(expr.func.value, scopes, where, seen)
        if isinstance(expr, ast.Name) and expr.id not in seen:
            return [t for scope in scopes for value in _assigned(expr.id, scope)
                    for t in self.templates(value, scopes, where, seen + (expr.id,))]
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id in self.functions \
                and expr.func.id not in seen:
            out = []
            for function in self.functions[expr.func.id]:
                for node in ast.walk(function):
                    if isinstance(node, ast.Return) and node.value is not None:
                        out += self.templates(node.value, (function, scopes[-1]), where, seen + (expr.func.id,))
            return out
        return []

    def _piece(self, expr: ast.expr, scopes: tuple[ast.AST, ...], where: str, seen: tuple) -> None:
        # A local or module-level text put into a message ("Tarkoititko: …?") is shown too.
        if isinstance(expr, ast.Name) and expr.id not in seen:
            for scope in scopes:
                for value in _assigned(expr.id, scope):
                    for template in self.templates(value, scopes, where, seen + (expr.id,)):
                        if " " in template.replace("{}", "X").strip():   # words, not a file name
                            self.pieces.add((template, where))


def _literal(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def _enclosing(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> list[ast.AST]:
    scopes = []
    while node in parents:
        node = parents[node]
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.Module)):
            scopes.append(node)
    return scopes


def _message_argument(node: ast.AST) -> ast.expr | None:
    """The message of a call that shows one: TextkitError(message), warnings.append(message),
    report_progress(progress, fraction, message) and progress(fraction, message)."""
    if not isinstance(node, ast.Call):
        return None
    func, args = node.func, node.args
    if isinstance(func, ast.Name) and func.id == "TextkitError" and args:
        return args[0]
    if isinstance(func, ast.Attribute) and func.attr == "append" and isinstance(func.value, ast.Name) \
            and func.value.id == "warnings" and args:
        return args[0]
    if isinstance(func, ast.Name) and func.id == "report_progress" and len(args) == 3:
        return args[2]
    if isinstance(func, ast.Name) and func.id == "progress" and len(args) == 2:
        return args[1]
    return None


def _passed_through(expr: ast.expr, scopes: tuple[ast.AST, ...]) -> bool:
    if not (isinstance(expr, ast.Name) and scopes
            and isinstance(scopes[0], (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))):
        return False
    arguments = scopes[0].args
    names = {a.arg for a in arguments.args + arguments.kwonlyargs + arguments.posonlyargs}
    return expr.id in names and not _assigned(expr.id, scopes[0])


def source_messages() -> dict[str, str]:
    """Finnish template -> where it is (file:line), for every message in textkit/."""
    trees = _trees()
    walker = _Walker(trees)
    found: dict[str, str] = {}
    for path, tree in trees.items():
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):
            argument = _message_argument(node)
            if argument is None:
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            scopes = tuple(_enclosing(node, parents))
            if _passed_through(argument, scopes):
                continue   # a message handed on (its callers' messages are checked where they are)
            templates = walker.templates(argument, scopes, where)
            assert templates, f"{where}: the message is built in a way this test cannot read; build it " \
                              "from an f-string, a local variable or a helper function that returns one"
            for template in templates:
                found.setdefault(template, where)
    for template, where in walker.pieces:
        found.setdefault(template, where)
    return found


SOURCE = source_messages()


# ---------------------------------------------------------------- the checks


def test_the_walker_finds_the_messages_of_every_stage():
    files = {where.split(":")[0] for where in SOURCE.values()}
    for stage in ("textkit/query.py", "textkit/corpus.py", "textkit/export.py", "textkit/excerpts.py",
                  "textkit/parse/structure.py", "textkit/ui.py", "textkit/build.py"):
        assert stage in files
    assert len(SOURCE) > 150
    assert "Tarkoititko: {}?" in SOURCE                    # a piece put into a helper's message


def test_every_message_has_an_english_form():
    missing = sorted(f"{where}: {template!r}" for template, where in SOURCE.items() if template not in messages.ENGLISH)
    assert not missing, "add the English form of these messages to textkit/messages.py ENGLISH:\n" + "\n".join(missing)


def test_no_english_form_is_left_without_its_message():
    stale = sorted(template for template in messages.ENGLISH if template not in SOURCE)
    assert not stale, "these ENGLISH entries match no message any more (changed or removed):\n" + "\n".join(stale)


@pytest.mark.parametrize("template", sorted(SOURCE))
def test_each_message_translates_with_its_own_entry_and_keeps_its_values(template):
    if template not in messages.ENGLISH:
        pytest.fail(f"{SOURCE[template]}: no English form for {template!r}")
    english = messages.ENGLISH[template]
    values = [f"⟨arvo{i}⟩" for i in range(len(messages.slots(template)))]
    message = template.format(*values)
    assert messages.to_english(message) == english.format(*values)
    for value in values:
        assert value in english.format(*values)
    if any(c.isalpha() for c in "".join(messages.slots(template, text=True))):
        assert english != template, f"{SOURCE[template]}: the message is in English in Finnish mode; write it in Finnish"
    assert messages.to_english(message, "fi") == message


def test_a_message_put_inside_another_is_translated_too():
    inner = "Tiedosto 'x.pdf' on tyhjä."
    outer = f"raportti.pdf: {inner}"
    assert messages.to_english(outer) == "raportti.pdf: The file 'x.pdf' is empty."


def test_an_unknown_message_is_shown_as_it_is():
    assert messages.to_english("jotain aivan muuta") == "jotain aivan muuta"
