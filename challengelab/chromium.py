"""Where the system's Chromium is: one answer for the PDF and PNG reports, the report browser checks and the
dashboard's browser tests. Nothing is ever downloaded: without a Chromium those features say so and step aside.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

#: Environment variables that may name the executable, in the order they are read.
VARIABLES = ("CHALLENGELAB_CHROMIUM", "CHROMIUM", "BROWSER_PATH")
NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    """The Chromium/Chrome executable: ``$CHALLENGELAB_CHROMIUM``, ``$CHROMIUM``, ``$BROWSER_PATH``, then
    ``chromium``, ``chromium-browser``, ``google-chrome`` on PATH. None when there is none."""
    for variable in VARIABLES:
        value = os.environ.get(variable)
        if value and Path(value).is_file() and os.access(value, os.X_OK):
            return value
    for name in NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None
