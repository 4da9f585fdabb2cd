"""Bounds on the work any input may cause (:class:`Limits`), and the environment variable that sets them.

A module of its own, without pandas, so that the command line can check ``--limits`` (and the dashboard launcher
can start) before anything heavy is imported; :mod:`challengelab.survey.read` applies the limits.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

#: The environment variable that sets the input limits for every command and the dashboard ("rows=500000,...").
LIMITS_ENV = "CHALLENGELAB_LIMITS"


@dataclass(frozen=True)
class Limits:
    """Bounds on the work any input may cause; a file beyond one is refused before it is read.

    Parameters
    ----------
    file_mb : float, default 50
        Size of each file given (workbook, zip, CSV or Parquet file), in MB (10**6 bytes).
    unpacked_mb : float, default 200
        Total unpacked size of the members of a zip file or workbook, in MB.
    ratio : float, default 100
        Unpacked size / packed size of any member larger than 1 MB (zip bombs have ratios of 1000 and more).
    rows : int, default 100000
        Rows per table (for CSV, blank lines between records count too).
    columns : int, default 1000
        Header columns per table.
    field_chars : int, default 32767
        Characters per cell (Excel's own cell limit).

    Examples
    --------
    >>> Limits.parse("rows=200000,file_mb=120")
    Limits(file_mb=120.0, unpacked_mb=200.0, ratio=100.0, rows=200000, columns=1000, field_chars=32767)
    """

    file_mb: float = 50.0
    unpacked_mb: float = 200.0
    ratio: float = 100.0
    rows: int = 100_000
    columns: int = 1_000
    field_chars: int = 32_767

    @classmethod
    def from_environment(cls) -> Limits:
        """The limits of ``$CHALLENGELAB_LIMITS`` (defaults when unset): every command and the dashboard use it."""
        import os

        return cls.parse(os.environ.get(LIMITS_ENV))

    @classmethod
    def parse(cls, text: str | None) -> Limits:
        """``"rows=200000,file_mb=120"`` -> Limits (unnamed limits keep their defaults)."""
        limits = cls()
        if not text or not text.strip():
            return limits
        kinds = {f.name: f.type for f in fields(cls)}
        changes: dict[str, float | int] = {}
        for part in text.split(","):
            name, _, value = part.partition("=")
            name = name.strip().lower().replace("-", "_")
            if name not in kinds or not value.strip():
                raise ValueError(f"unknown limit {part.strip()!r}; write NAME=VALUE with NAME one of "
                                 f"{', '.join(kinds)}")
            try:
                number = float(value) if "float" in str(kinds[name]) else int(value)
            except ValueError:
                raise ValueError(f"limit {name} needs a number, not {value.strip()!r}") from None
            if not number > 0:
                raise ValueError(f"limit {name} must be positive")
            changes[name] = number
        return replace(limits, **changes)

    def refusal(self, name: str, what: str) -> str:
        """The reason text of a refusal: what exceeded which limit, and how to raise it."""
        return (f"{what} exceeds the limit {name}={getattr(self, name):g}; if the file is genuine, raise it "
                f"with --limits {name}=N (Python: load_survey(..., limits=Limits({name}=N)))")


DEFAULT_LIMITS = Limits()
