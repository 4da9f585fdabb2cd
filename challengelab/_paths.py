"""Where the bundled data lives, in a source checkout and in an installed wheel."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir() -> Path:
    """The bundled ``data/`` folder (``challengelab/_bundled_data`` in a wheel, ``data/`` in a checkout)."""
    installed = _PACKAGE / "_bundled_data"
    if installed.is_dir():
        return installed
    return _PACKAGE.parent / "data"


def codebook_dir() -> Path:
    return data_dir() / "codebooks"


def example_dir() -> Path:
    return data_dir() / "example"


def reference_dir() -> Path:
    return data_dir() / "reference"


EXAMPLE_SURVEY_FILE = "survey_2021_synthetic.xlsx"
EXAMPLE_ASSESSMENT_FILE = "assessment_2021_synthetic.csv"
