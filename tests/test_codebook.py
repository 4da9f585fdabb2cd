"""Codebooks: the bundled 2021 codebook and validation of codebook files."""

from __future__ import annotations

import json

import pytest

import challengelab
from challengelab import CodebookError, load_codebook

STRATEGY_ITEMS = ["augmentation", "preprocessing", "postprocessing", "data_curation", "multi_task", "multi_stage",
                  "ensembling", "k_fold_cv", "pretraining", "external_data", "metric_in_design",
                  "failure_analysis", "patch_based", "downsampling", "deep_learning", "standard_architecture"]


def test_2021_codebook_has_the_required_items():
    cb = load_codebook("2021")
    for name in STRATEGY_ITEMS + ["enough_time", "infrastructure_bottleneck"]:
        assert cb[name].type == "binary", name
    assert cb["lead_degree"].type == "ordinal"
    assert cb["lead_degree"].levels == ("bachelor", "master", "doctorate", "professor")
    assert {"computer science", "engineering", "physics", "mathematics", "medicine", "biology", "other"} <= set(
        cb["lead_background"].levels)
    assert {"knowledge exchange", "prize money", "publication", "other"} <= set(cb["motivation"].levels)
    assert cb["team_size"].integer and cb["team_size"].minimum == 1
    assert cb["lead_years_dl"].minimum == 0 and cb["hours_spent"].minimum == 0
    assert cb.names(table="organizers") == ["winner_exceeds_sota", "problem_solved"]


def test_unknown_item_lookup_names_the_item():
    with pytest.raises(KeyError, match="no item 'colour'"):
        load_codebook("2021")["colour"]


def _write(tmp_path, items, name="round"):
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps({"name": name, "items": items}))
    return path


@pytest.mark.parametrize(("item", "message"), [
    ({"name": "Bad Name", "label": "x", "section": "strategy", "type": "binary"}, "must be snake_case"),
    ({"name": "level_less", "label": "x", "section": "misc", "type": "categorical"}, "needs 'levels'"),
    ({"name": "rank", "label": "x", "section": "misc", "type": "numeric"}, "reserved"),
    ({"name": "x", "label": "x", "section": "nowhere", "type": "binary"}, "section"),
    ({"name": "x", "label": "x", "section": "misc", "type": "numeric", "minimum": 5, "maximum": 1}, "exceeds"),
])
def test_invalid_codebook_files_are_rejected_with_the_reason(tmp_path, item, message):
    with pytest.raises(CodebookError, match=message):
        load_codebook(_write(tmp_path, [item]))


def test_duplicate_alias_is_rejected(tmp_path):
    items = [{"name": "a", "label": "a", "section": "misc", "type": "binary", "aliases": ["Q1"]},
             {"name": "b", "label": "b", "section": "misc", "type": "binary", "aliases": ["Q1"]}]
    with pytest.raises(CodebookError, match="'Q1' is used twice"):
        load_codebook(_write(tmp_path, items))


def test_unknown_bundled_codebook_lists_the_available_ones():
    with pytest.raises(CodebookError, match="available: 2021"):
        load_codebook("1999")


def test_a_new_round_needs_only_a_new_codebook(tmp_path, small_tables):
    """A survey with other items loads by writing a codebook, without code changes."""
    from challengelab.survey.write import write_survey_workbook

    path = tmp_path / "round2025.yaml"
    path.write_text(
        "name: '2025'\n"
        "items:\n"
        "  - {name: foundation_model, label: Used a foundation model, section: strategy, type: binary,\n"
        "     aliases: ['Q7: foundation model?']}\n"
        "  - {name: gpu_hours, label: GPU hours, section: environment, type: numeric, minimum: 0}\n"
        "  - {name: winner_exceeds_sota, label: 'Exceeded SOTA?', section: organizer, table: organizers,\n"
        "     type: categorical, levels: ['yes', 'no']}\n")
    responses = small_tables["responses"][["task_id", "team_id", "rank"]].copy()
    responses["Q7: foundation model?"] = "yes"
    responses["gpu_hours"] = 12.5
    organizers = small_tables["organizers"][["task_id"]].assign(winner_exceeds_sota="no")
    workbook = write_survey_workbook(tmp_path / "s.xlsx", {**small_tables, "responses": responses,
                                                           "organizers": organizers}, codebook=path)
    survey = challengelab.load_survey(workbook, codebook=path)
    assert survey.items == ["foundation_model", "gpu_hours"]
    assert survey.strategy_items == ["foundation_model"]
    assert survey.responses["foundation_model"].all() and survey.responses["gpu_hours"].dtype == "Float64"
