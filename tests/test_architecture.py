"""The layers of ARCHITECTURE.md hold: import-linter contracts, no private names across modules, module names.

Each check reads the source tree, so a new module that breaks a rule fails here with the rule's name.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "challengelab"


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "_bundled_data" not in p.parts)


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_import_contracts_hold():
    """lint-imports (import-linter) keeps every contract in pyproject.toml: layers, faces, cycles, privacy."""
    lint = Path(sys.executable).with_name("lint-imports")
    command = [str(lint)] if lint.exists() else [shutil.which("lint-imports") or "lint-imports"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "broken" not in done.stdout.lower().split("contracts:")[-1].split("\n")[0] or " 0 broken" in done.stdout


def _private_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = _module_name(path)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("challengelab"):
            if node.module == here:
                continue
            for alias in node.names:
                submodule = ROOT.joinpath(*node.module.split("."), alias.name)
                if submodule.with_suffix(".py").exists() or submodule.is_dir():
                    continue  # a private module of the package: the private_modules contract covers it
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    found.append(f"{here}: from {node.module} import {alias.name} (line {node.lineno})")
    return found


def test_no_private_name_is_imported_from_another_module():
    found = [line for path in _modules() for line in _private_imports(path)]
    assert found == []


def test_no_module_is_named_like_a_standard_library_module():
    clashes = [str(p.relative_to(ROOT)) for p in _modules() if p.stem in sys.stdlib_module_names]
    assert clashes == []


def test_architecture_document_names_every_package():
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    packages = sorted(p.parent.name for p in PACKAGE.glob("*/__init__.py"))
    assert packages, "no sub-packages found"
    missing = [name for name in packages if f"{name}/" not in text]
    assert missing == []


@pytest.mark.parametrize("path", [ROOT / "README.md", ROOT / "ARCHITECTURE.md"], ids=lambda p: p.name)
def test_layout_listings_name_existing_folders(path):
    """Every folder a layout listing names (``  survey/ ...`` or ``challengelab/survey/``) exists."""
    import re

    text = path.read_text(encoding="utf-8")
    named = set(re.findall(r"challengelab/([a-z_]+)/", text)) | set(re.findall(r"^ +([a-z_]+)/ ", text, re.M))
    assert named, f"{path.name} names no package folder"
    assert sorted(n for n in named if not (PACKAGE / n).is_dir() and not (ROOT / n).is_dir()) == []


def test_compiled_loops_are_not_loaded_by_import_challengelab():
    """numba (and the LLVM it brings) is loaded by the kernel that needs it, not by ``import challengelab``."""
    code = ("import sys, challengelab, challengelab.ranking, challengelab.stats; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('numba', 'llvmlite')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert out.strip() == "[]"
