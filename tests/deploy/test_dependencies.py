"""Every package declares what it imports: an image built from one package's metadata runs it."""

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

from tests.support.databases import ROOT

PACKAGES = [
    *sorted([*ROOT.glob("libs/*/pyproject.toml"), *ROOT.glob("services/*/pyproject.toml")]),
    ROOT / "gateway" / "pyproject.toml",
]
# Our own packages are installed editable, which records no module-to-distribution map.
OURS = {
    "contracts": "congvu-contracts",
    "eventbus": "congvu-eventbus",
    "servicekit": "congvu-servicekit",
    "devstack": "congvu-devstack",
    "gateway": "congvu-gateway",
    "plans": "congvu-plans",
    "visits": "congvu-visits",
    "citizen_feedback": "congvu-citizen-feedback",
    "reporting": "congvu-reporting",
}


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", re.split(r"[\[<>=!~ ;]", requirement)[0]).lower()


def _imported(src: Path) -> dict[str, str]:
    """Return the top-level modules the package's code imports, each with a file that does."""
    found: dict[str, str] = {}
    for path in sorted(src.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        # Imports for the type checker only (stubs) are not needed at run time.
        typing_only = {
            id(inner)
            for node in ast.walk(tree)
            if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING")
            for inner in ast.walk(node)
        }
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], str(path.relative_to(ROOT)))
    return found


@pytest.mark.parametrize("pyproject", PACKAGES, ids=lambda p: p.parent.name)
def test_a_package_declares_every_distribution_it_imports(pyproject: Path) -> None:
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    declared = {_name(r) for r in project.get("dependencies", [])}
    for extra in project.get("optional-dependencies", {}).values():
        declared |= {_name(r) for r in extra}
    declared.add(project["name"])
    distributions = packages_distributions()
    undeclared = {}
    for module, where in _imported(pyproject.parent / "src").items():
        if module in sys.stdlib_module_names:
            continue
        names = {_name(d) for d in distributions.get(module, [OURS.get(module, module)])}
        if not names & declared:
            undeclared[module] = where
    assert undeclared == {}, f"{project['name']} imports without declaring: {undeclared}"
