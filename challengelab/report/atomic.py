"""Write a report folder so that it appears complete or not at all (see :mod:`challengelab.outputs`).

This module keeps the report-side names; the mechanism (staging, manifest proof, ``--force``, leftovers) is
:mod:`challengelab.outputs`, shared with ``challengelab analyze``.
"""

from __future__ import annotations

from challengelab.outputs import (
    MANIFEST,
    OutputError,
    OutputExistsError,
    Stage,
    check_destination,
    remove_leftovers,
    staged_folder,
)

#: File that marks a folder as written by challengelab (it lists every file with its SHA-256).
MARKER = MANIFEST

__all__ = ["MARKER", "OutputError", "OutputExistsError", "Stage", "check_destination", "remove_leftovers",
           "staged_folder"]
