"""Every message a caller can read is written in Vietnamese too: checked in the source.

A domain error, an `Invalid.field`, a `FieldError` and a `problem_response` with a detail
each take the English text and, as `vi=`, the Vietnamese; a domain error takes its title
from its status, never its own; a custom pydantic error type has its Vietnamese in
`servicekit.messages`.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

from servicekit.messages import VIETNAMESE

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("libs", "gateway", "services")
# Being rewritten by others right now: their messages get `vi=` when that work lands.
# Empty this list as each file is converted (the test fails on a path that no longer needs it).
NOT_YET_BILINGUAL: list[str] = []


def _sources() -> Iterator[tuple[str, ast.Module]]:
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*.py")):
            if ".venv" in path.parts or "versions" in path.parts:
                continue
            relative = path.relative_to(ROOT).as_posix()
            yield relative, ast.parse(path.read_text(encoding="utf-8"), filename=relative)


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _error_classes(modules: list[tuple[str, ast.Module]]) -> set[str]:
    """Return the names of DomainError and every class that derives from it, at any depth."""
    classes = [
        (node.name, {_name(base) for base in node.bases})
        for _, module in modules
        for node in ast.walk(module)
        if isinstance(node, ast.ClassDef)
    ]
    found = {"DomainError"}
    while True:
        more = {name for name, bases in classes if bases & found} - found
        if not more:
            return found
        found |= more


def _keywords(call: ast.Call) -> set[str | None]:
    # `**options` may carry `vi`: a call passing them is given the benefit of the doubt.
    return {keyword.arg for keyword in call.keywords}


def _lacks_vi(call: ast.Call, errors: set[str]) -> str | None:
    """Return what `call` builds if it is a message without `vi=`, else None."""
    func, keywords = call.func, _keywords(call)
    if "vi" in keywords or None in keywords:
        return None
    name = _name(func)
    if isinstance(func, ast.Attribute) and func.attr == "field" and _name(func.value) in errors:
        return f"{_name(func.value)}.field"
    if name in errors or name == "FieldError":
        return name
    if name == "problem_response" and "detail" in keywords:
        return name
    return None


def _findings(module: ast.Module, errors: set[str]) -> list[str]:
    """Return, in line order, each message of `module` without Vietnamese, and each own title."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(module):
        if isinstance(node, ast.Call) and (built := _lacks_vi(node, errors)) is not None:
            found.append((node.lineno, f"{built}(...) without vi="))
        if isinstance(node, ast.ClassDef) and {_name(b) for b in node.bases} & errors:
            for statement in node.body:
                targets = (
                    statement.targets
                    if isinstance(statement, ast.Assign)
                    else [statement.target]
                    if isinstance(statement, ast.AnnAssign)
                    else []
                )
                if any(_name(target) == "title" for target in targets):
                    found.append((statement.lineno, f"{node.name} sets its own title"))
    return [f"{line}: {what}" for line, what in sorted(found)]


def test_every_message_has_its_vietnamese() -> None:
    modules = list(_sources())
    errors = _error_classes(modules)
    findings = {path: _findings(module, errors) for path, module in modules}
    missing = [
        f"{path}:{line}"
        for path, lines in findings.items()
        if path not in NOT_YET_BILINGUAL
        for line in lines
    ]
    assert not missing, "messages without Vietnamese (add vi=...):\n" + "\n".join(missing)
    converted = [path for path in NOT_YET_BILINGUAL if not findings.get(path)]
    assert not converted, f"bilingual now, take them off NOT_YET_BILINGUAL: {converted}"


def test_every_custom_error_type_has_its_vietnamese() -> None:
    untranslated = [
        f"{path}:{node.lineno}: {node.args[0].value}"
        for path, module in _sources()
        for node in ast.walk(module)
        if isinstance(node, ast.Call)
        and _name(node.func) == "PydanticCustomError"
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and node.args[0].value not in VIETNAMESE
    ]
    assert not untranslated, "add these types to servicekit.messages.VIETNAMESE:\n" + "\n".join(
        untranslated
    )


def test_the_scan_sees_what_it_should() -> None:
    module = ast.parse(
        "class Gone(NotFound):\n    title = 'Gone away'\n"
        "raise Gone('x')\n"
        "raise Gone('x', vi='y')\n"
        "raise Invalid.field(['body', 'a'], 'x')\n"
        "FieldError(loc=['query', 'q'], msg='x')\n"
        "problem_response(request, status=403, detail='x')\n"
        "problem_response(request, status=403)\n"
    )
    errors = {"DomainError", "NotFound", "Invalid", "Gone"}
    assert _findings(module, errors) == [
        "2: Gone sets its own title",
        "3: Gone(...) without vi=",
        "5: Invalid.field(...) without vi=",
        "6: FieldError(...) without vi=",
        "7: problem_response(...) without vi=",
    ]
