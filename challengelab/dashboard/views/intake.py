"""Intake: a survey tool's raw export and the leaderboards in, a validated round and its links file out.

Upload the export, the tasks and the leaderboards (or take the bundled SYNTHETIC example), see how every column
was mapped and every row linked, decide the rows in review, and download the round and the links file.
"""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from challengelab.errors import issues_frame
from challengelab.intake.pipeline import IntakeError
from challengelab.intake.session import (Upload, candidate_entries, example_uploads, run_uploads, set_decision,
                                         suggestion_bytes)

FILES_KEY = "intake_files"  # role -> Upload
LINKS_KEY = "intake_links"  # the links table with the person's decisions
SYNTHETIC_KEY = "intake_synthetic"
RUN_KEY = "intake_run"  # (fingerprint, IntakeRun or list of issues)
ROLES = {"export": ("Survey-tool export", ["csv", "sav", "xlsx", "txt"]),
         "tasks": ("Tasks (one row per task)", ["csv", "xlsx"]),
         "leaderboards": ("Leaderboards (task_id, team, rank)", ["csv", "xlsx"]),
         "dictionary": ("REDCap dictionary or LimeSurvey structure (optional)", ["csv", "txt"]),
         "mapping": ("Mapping file (optional, from --suggest)", ["yaml", "yml"])}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _use_example() -> None:
    st.session_state[FILES_KEY] = example_uploads()
    st.session_state[SYNTHETIC_KEY] = True
    st.session_state.pop(LINKS_KEY, None)


def _clear() -> None:
    for key in (FILES_KEY, LINKS_KEY, RUN_KEY):
        st.session_state.pop(key, None)


def _collect_uploads() -> dict[str, Upload]:
    files = dict(st.session_state.get(FILES_KEY) or {})
    columns = st.columns(3)
    for position, (role, (label, types)) in enumerate(ROLES.items()):
        with columns[position % 3]:
            uploaded = st.file_uploader(label, type=types, key=f"intake_upload_{role}", max_upload_size=50)
        if uploaded is not None:
            upload = Upload(uploaded.name, uploaded.getvalue())
            if files.get(role) != upload:
                files[role] = upload
                st.session_state.pop(LINKS_KEY, None)
    st.session_state[FILES_KEY] = files
    return files


def _fingerprint(files: dict[str, Upload], links: pd.DataFrame | None, synthetic: bool) -> str:
    digest = hashlib.sha256(str(synthetic).encode())
    for role in sorted(files):
        digest.update(role.encode() + files[role].name.encode() + files[role].content)
    if links is not None:
        digest.update(links.to_csv(index=False).encode())
    return digest.hexdigest()


def _run(files: dict[str, Upload], synthetic: bool):
    """The intake of the current files and decisions, once per distinct input (kept in the session)."""
    links = st.session_state.get(LINKS_KEY)
    key = _fingerprint(files, links, synthetic)
    cached = st.session_state.get(RUN_KEY)
    if cached and cached[0] == key:
        return cached[1]
    try:
        with st.spinner("Mapping and linking ..."):
            outcome = run_uploads(files, links=links, synthetic=synthetic)
    except IntakeError as exc:
        outcome = exc.issues
    except Exception as exc:  # noqa: BLE001 - a broken upload must give a message, not a traceback
        outcome = [f"{type(exc).__name__}: {exc}"]
    st.session_state[RUN_KEY] = (key, outcome)
    return outcome


def _suggestion(files: dict[str, Upload]) -> bytes:
    try:
        return suggestion_bytes(files)
    except IntakeError as exc:
        return ("# no proposal: " + "; ".join(str(i) for i in exc.issues) + "\n").encode("utf-8")


def _suggestion_button(files: dict[str, Upload]) -> None:
    st.download_button("Download a mapping proposal (.yaml)", data=lambda: _suggestion(files),
                       file_name="mapping.yaml", mime="application/yaml", icon=":material/edit_note:",
                       key="intake_download_mapping", on_click="ignore",
                       help="Every column with the item it maps to (or rapidfuzz candidates); edit it and upload "
                            "it as the mapping file.")


def _show_problems(outcome) -> None:
    if outcome and isinstance(outcome[0], str):
        st.error(f"**The files could not be processed:** {outcome[0]}", icon=":material/error:")
        return
    st.error(f"**Nothing was written: {len(outcome)} problem(s).** Fix the files named below and upload them "
             "again.", icon=":material/error:")
    st.dataframe(issues_frame(outcome), hide_index=True, width="stretch")
    _suggestion_button(st.session_state.get(FILES_KEY) or {})


def _resolve(links: pd.DataFrame) -> None:
    """Decide one row in review: link it to one of its candidates (or any entry), or reject it."""
    pending = links[links["status"] == "review"]
    if pending.empty:
        st.success("No row waits for a decision.", icon=":material/task_alt:")
        return
    st.markdown("**Decide a row in review**")
    labels = {r.response: f"row {r.row}: team {r.team_answer or '(none)'!r} — {r.reason}"
              for r in pending.itertuples()}
    response = st.selectbox("Row", list(labels), format_func=labels.get, key="intake_resolve_row")
    row = pending[pending["response"] == response].iloc[0]
    options = candidate_entries(row["candidates"])
    if row["task_id"] and row["team"] and (row["task_id"], row["team"]) not in options:
        options.insert(0, (row["task_id"], row["team"]))
    left, right = st.columns([3, 1])
    with left:
        entry = st.selectbox("Leaderboard entry", options, format_func=lambda e: f"{e[0]} / {e[1]}",
                             key="intake_resolve_entry", disabled=not options,
                             placeholder="no candidate — reject, or fix the links file by hand")
    with right:
        st.write("")
        link = st.button("Link", icon=":material/link:", disabled=not options, key="intake_link", type="primary")
        reject = st.button("Reject", icon=":material/block:", key="intake_reject")
    if link and entry:
        st.session_state[LINKS_KEY] = set_decision(links, response, "link", task_id=entry[0], team=entry[1])
        st.rerun()
    if reject:
        st.session_state[LINKS_KEY] = set_decision(links, response, "reject")
        st.rerun()


def _downloads(run) -> None:
    files = run.files
    left, middle, review, right = st.columns(4)
    left.download_button("Download the round (.xlsx)", data=files["round"].content, file_name=files["round"].name,
                         mime=XLSX, icon=":material/download:", key="intake_download_round", on_click="ignore",
                         type="primary")
    middle.download_button("Links file (.csv)", data=files["links"].content,
                           file_name=files["links"].name, mime="text/csv", icon=":material/download:",
                           key="intake_download_links", on_click="ignore")
    review.download_button("Review file (.csv)", data=files["review"].content,
                           file_name=files["review"].name, mime="text/csv", icon=":material/download:",
                           key="intake_download_review", on_click="ignore",
                           help="Every row not linked, with its reason and candidates.")
    right.download_button("Team key (.csv)", data=files["key"].content, file_name=files["key"].name,
                          mime="text/csv", icon=":material/key:", key="intake_download_key", on_click="ignore",
                          help="Team names and their pseudonymous ids: keep it private.")


def _show(run) -> None:
    result = run.result
    counts = result.counts()
    if result.metadata.get("synthetic") == "true":
        st.warning("**Synthetic data.** These files are marked as simulated; the round says so too.",
                   icon=":material/science:")
    cells = st.columns(4)
    for cell, (label, key) in zip(cells, (("Rows read", "rows_read"), ("Linked", "linked"),
                                          ("For review", "review"), ("Rejected", "rejected"))):
        cell.metric(label, counts[key])
    summary = result.survey.summary()
    st.caption(f"Read as a {result.export.format} export. The round is valid: {summary['challenges']} challenges, "
               f"{summary['tasks']} tasks, {summary['responses']} responses, {summary['organizer_responses']} "
               "organizer answers; team names are replaced by pseudonymous ids.")
    review, mapping = st.tabs(["Link review", "Column mapping"])
    with review:
        order = result.links["status"].map({"review": 0, "rejected": 1, "linked": 2})
        shown = result.links.assign(_order=order).sort_values(["_order", "row"], kind="stable")[
            ["row", "status", "reason", "team_answer", "challenge_answer", "task_answer", "task_id", "team",
             "score", "decision", "candidates"]]
        st.caption("Rows waiting for a decision first; every raw row is listed.")
        st.dataframe(shown, hide_index=True, width="stretch", key="intake_links_table",
                     column_config={"reason": st.column_config.TextColumn(width="large"),
                                    "candidates": st.column_config.TextColumn(width="large")})
        _resolve(result.links)
    with mapping:
        st.dataframe(result.mapping.table(), hide_index=True, width="stretch", key="intake_mapping_table")
        _suggestion_button(st.session_state.get(FILES_KEY) or {})
        if result.warnings:
            st.caption(f"{len(result.warnings)} warning(s), e.g. unmapped columns:")
            st.dataframe(issues_frame(result.warnings), hide_index=True, width="stretch")
    _downloads(run)


def render() -> None:
    st.title("Intake: from a survey tool to a round")
    st.markdown("Upload the raw export of the survey tool (REDCap, LimeSurvey, Qualtrics, SPSS `.sav` or a plain "
                "CSV/Excel table), the tasks and the final leaderboards. Every column is mapped to the codebook, "
                "every answer linked to its leaderboard entry, and every row ends **linked**, **for review** or "
                "**rejected** with its reason. Nothing is stored on the server.")
    left, right = st.columns([1, 3])
    left.button("Use the SYNTHETIC example", on_click=_use_example, icon=":material/science:",
                key="intake_example")
    right.button("Start over", on_click=_clear, icon=":material/restart_alt:", key="intake_clear")
    files = _collect_uploads()
    synthetic = st.checkbox("Mark the round as synthetic (simulated) data", key=SYNTHETIC_KEY)
    missing = [ROLES[r][0] for r in ("export", "tasks", "leaderboards") if r not in files]
    if missing:
        st.info("Still needed: " + ", ".join(missing) + ".", icon=":material/upload_file:")
        return
    st.caption("Files: " + ", ".join(f"{u.name}" for u in files.values()))
    outcome = _run(files, synthetic)
    if isinstance(outcome, list):
        _show_problems(outcome)
        return
    _show(outcome)


if __name__ == "__main__":
    render()
