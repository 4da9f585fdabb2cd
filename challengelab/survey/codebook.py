"""Codebooks: the declared questionnaire items of one survey round.

A codebook is a YAML or JSON file (see ``data/codebooks/2021.yaml``) validated by :class:`Codebook`.
Everything item-specific in challengelab (validation, dtypes, tests, figures) is driven by it, so a new
survey round needs a new codebook, not new code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from challengelab._paths import codebook_dir

ItemType = Literal["binary", "categorical", "ordinal", "numeric", "multi_select"]
Section = Literal["expertise", "environment", "strategy", "algorithm", "misc", "organizer"]
TableName = Literal["responses", "organizers"]

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")

#: Item names that are columns of the fixed survey tables and cannot be questionnaire items.
RESERVED_NAMES = frozenset(
    {"task_id", "team_id", "rank", "winner", "challenge_id", "task_category", "modality", "n_teams",
     "conference", "year", "name", "url", "metrics", "ranking_method"}
)


class Item(BaseModel):
    """One questionnaire item."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(description="snake_case column name")
    label: str = Field(description="the question as shown to people")
    section: Section
    type: ItemType
    table: TableName = "responses"
    levels: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False
    aliases: tuple[str, ...] = ()
    description: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Item:
        if not _NAME.match(self.name):
            raise ValueError(f"item name {self.name!r} must be snake_case (a-z, 0-9, _), starting with a letter")
        if self.name in RESERVED_NAMES:
            raise ValueError(f"item name {self.name!r} is reserved for a survey table column")
        needs_levels = self.type in ("categorical", "ordinal", "multi_select")
        if needs_levels and not self.levels:
            raise ValueError(f"item {self.name!r} of type {self.type} needs 'levels'")
        if not needs_levels and self.levels:
            raise ValueError(f"item {self.name!r} of type {self.type} takes no 'levels'")
        if self.levels and len(set(self.levels)) != len(self.levels):
            raise ValueError(f"item {self.name!r} has duplicate levels")
        if self.type == "multi_select" and any(";" in level for level in self.levels or ()):
            raise ValueError(f"multi_select levels of {self.name!r} must not contain ';' (the separator)")
        if self.type != "numeric" and (self.minimum is not None or self.maximum is not None or self.integer):
            raise ValueError(f"item {self.name!r}: minimum/maximum/integer apply to numeric items only")
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ValueError(f"item {self.name!r}: minimum {self.minimum} exceeds maximum {self.maximum}")
        return self

    def indicator_columns(self) -> dict[str, str]:
        """For a multi_select item: ``{level: column}`` of its derived boolean indicator columns."""
        if self.type != "multi_select":
            return {}
        return {level: f"{self.name}__{_slug(level)}" for level in self.levels or ()}


class Codebook(BaseModel):
    """A validated codebook: the items of one survey round."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    title: str = ""
    items: tuple[Item, ...]

    @model_validator(mode="after")
    def _unique(self) -> Codebook:
        seen: set[str] = set()
        for item in self.items:
            keys = (item.name, *item.aliases)
            for key in keys:
                if key in seen:
                    raise ValueError(f"name or alias {key!r} is used twice in the codebook")
                seen.add(key)
        return self

    def __getitem__(self, name: str) -> Item:
        for item in self.items:
            if item.name == name:
                return item
        raise KeyError(f"codebook {self.name!r} has no item {name!r}; items are: {', '.join(self.names())}")

    def __contains__(self, name: object) -> bool:
        return any(item.name == name for item in self.items)

    def names(self, *, section: str | Iterable[str] | None = None, type: str | Iterable[str] | None = None,
              table: str | None = None) -> list[str]:
        """Item names, optionally filtered by section, type and table (each a name or a collection)."""
        return [item.name for item in self.select(section=section, type=type, table=table)]

    def select(self, *, section: str | Iterable[str] | None = None, type: str | Iterable[str] | None = None,
               table: str | None = None) -> list[Item]:
        """Items, optionally filtered by section, type and table."""
        sections = {section} if isinstance(section, str) else set(section) if section is not None else None
        types = {type} if isinstance(type, str) else set(type) if type is not None else None
        return [
            item for item in self.items
            if (sections is None or item.section in sections)
            and (types is None or item.type in types)
            and (table is None or item.table == table)
        ]

    def aliases(self, table: str) -> dict[str, str]:
        """Map of every alias of the table's items to the item name."""
        return {alias: item.name for item in self.select(table=table) for alias in item.aliases}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


class CodebookError(ValueError):
    """A codebook file could not be read or is invalid."""


def available_codebooks() -> list[str]:
    """Names of the bundled codebooks."""
    return sorted(p.stem for p in codebook_dir().glob("*.y*ml")) + sorted(
        p.stem for p in codebook_dir().glob("*.json")
    )


def load_codebook(codebook: str | Path | Codebook = "2021") -> Codebook:
    """Load a codebook by bundled name (``"2021"``) or from a YAML/JSON file path.

    Examples
    --------
    >>> from challengelab import load_codebook
    >>> cb = load_codebook("2021")
    >>> cb["lead_degree"].levels
    ('bachelor', 'master', 'doctorate', 'professor')
    """
    if isinstance(codebook, Codebook):
        return codebook
    return _load_cached(str(codebook))


@lru_cache(maxsize=32)
def _load_cached(ref: str) -> Codebook:
    path = Path(ref)
    if not path.suffix:
        candidates = [codebook_dir() / f"{ref}{ext}" for ext in (".yaml", ".yml", ".json")]
        found = [p for p in candidates if p.exists()]
        if not found:
            raise CodebookError(
                f"no bundled codebook named {ref!r}; available: {', '.join(available_codebooks())}"
                " (or pass the path of a .yaml/.json file)"
            )
        path = found[0]
    if not path.exists():
        raise CodebookError(f"codebook file {path} does not exist")
    try:
        text = path.read_text(encoding="utf-8")
        raw = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, yaml.YAMLError, json.JSONDecodeError) as exc:
        raise CodebookError(f"cannot read codebook {path}: {exc}") from exc
    try:
        return Codebook.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'/'.join(str(p) for p in err['loc']) or '(top level)'}: {err['msg']}" for err in exc.errors()
        )
        raise CodebookError(f"codebook {path} is invalid: {problems}") from exc
