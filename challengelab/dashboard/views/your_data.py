"""Your data: upload a survey, see every validation problem, switch the dashboard to it; get the template."""

from __future__ import annotations

import streamlit as st

import challengelab
from challengelab.dashboard import UPLOAD_LIMIT_MB, state, ui

RESULT_KEY = "_upload_result"


def _use_upload() -> None:
    result = st.session_state.get(RESULT_KEY)
    if result and result.get("survey") is not None:
        st.session_state[state.UPLOAD_KEY] = {"name": result["name"], "id": result["id"], "survey": result["survey"]}
        st.session_state[state.SOURCE_KEY] = "upload"
        state.reset_filters()


def _use_bundled() -> None:
    st.session_state[state.SOURCE_KEY] = "bundled"
    state.reset_filters()


def _validate(uploaded) -> dict:
    """Validate an upload once per file (kept in the session; reruns reuse the result)."""
    previous = st.session_state.get(RESULT_KEY)
    if previous and previous.get("file_id") == uploaded.file_id:
        return previous
    result = {"file_id": uploaded.file_id, "name": uploaded.name, "survey": None, "issues": [], "counts": {},
              "id": None}
    with st.spinner(f"Validating {ui.text(uploaded.name)} ..."):
        try:
            result["survey"], result["id"] = state.load_upload(uploaded.name, uploaded.getvalue())
        except challengelab.SurveyValidationError as exc:
            result["issues"], result["counts"] = exc.issues, exc.row_counts
        except challengelab.CodebookError as exc:
            result["issues"] = [challengelab.ValidationIssue(str(exc), file=uploaded.name)]
        except Exception as exc:  # noqa: BLE001 - a broken file must give a message, not a traceback
            result["issues"] = [challengelab.ValidationIssue(  # (no exception text: it may hold server paths)
                f"the file could not be read ({type(exc).__name__})", file=uploaded.name)]
    st.session_state[RESULT_KEY] = result
    return result


def template_panel(ctx: state.Context) -> None:
    st.markdown("**Start from the template**")
    st.caption("An empty workbook with the four sheets, drop-down lists for every coded answer and a sheet "
               "that explains each column.")
    st.download_button("Download the empty template (.xlsx)", data=state.template_bytes,
                       file_name="challengelab_survey_template.xlsx", on_click="ignore",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       icon=":material/download:", key="template_download")
    st.markdown("**Currently shown**")
    st.caption(f"{ui.text(ctx.source.label)} — {len(ctx.survey.tasks)} tasks, {len(ctx.survey.responses)} "
               "responses.")
    if ctx.source.id.startswith("upload:"):
        st.button("Back to the bundled example", on_click=_use_bundled, icon=":material/undo:")


def problems_panel(name: str, result: dict) -> None:
    """An invalid file: how many problems, rows read and rejected, the problems grouped by cause."""
    issues = result["issues"]
    errors = [i for i in issues if i.severity == "error"]
    st.error(f"**{ui.text(name)} is not valid: {len(errors)} problem{'s' if len(errors) != 1 else ''}.** "
             "Fix them in the file and upload it again; nothing else changed.", icon=":material/error:")
    if result["counts"]:
        st.caption("Rows: " + "; ".join(
            f"{table} {c['rows_in']} read, {c['rows_rejected']} rejected" for table, c in result["counts"].items()))
    ui.issues(issues)
    ui.table_download(state.issues_table(issues), name=f"{name}_problems",
                      label="Download every problem, one per row (CSV)", key="upload_problems")


def valid_panel(ctx: state.Context, name: str, result: dict) -> None:
    """A valid file: its size, its warnings, and the switch to show it on every page."""
    survey: challengelab.Survey = result["survey"]
    summary = survey.summary()
    st.success(f"**{ui.text(name)} is valid**: {summary['challenges']} challenges, {summary['tasks']} tasks, "
               f"{summary['responses']} responses, {summary['organizer_responses']} organizer answers.",
               icon=":material/check_circle:")
    if survey.is_synthetic:
        st.caption("This file says it is synthetic (simulated) data.")
    if survey.warnings:
        with st.expander(f"{len(survey.warnings)} warning(s) — the data loads, but check these", expanded=False):
            ui.issues(survey.warnings)
    if ctx.source.id == result["id"]:
        st.info("The whole dashboard shows this file now. Switch back in the sidebar at any time.",
                icon=":material/check:")
    else:
        st.button(f"Show {ui.text(name)} on every page", type="primary", on_click=_use_upload,
                  icon=":material/swap_horiz:", key="use_upload")


def render() -> None:
    ctx = state.context()
    ui.header(ctx, "Your data",
              "Check your own survey round and explore it here. Upload an Excel workbook (`.xlsx`, sheets "
              "`challenges`, `tasks`, `responses`, `organizers`) or a `.zip` of the four CSV files. Every "
              "problem is listed with its sheet, row, column and value; a valid file can replace the bundled "
              "example on every page — for your browser session only.")
    left, right = st.columns([3, 2])
    with right:
        template_panel(ctx)
    with left:
        uploaded = st.file_uploader("Survey file", type=["xlsx", "zip"], key="uploader",
                                    max_upload_size=UPLOAD_LIMIT_MB,
                                    help="Kept in this browser session only. While it is read it is written to "
                                         "a temporary file, which is removed straight away.")
        st.caption("Privacy: nothing you upload is stored on the server or shared with other sessions.")
    if uploaded is None:
        return
    result = _validate(uploaded)
    if result["survey"] is None:
        problems_panel(uploaded.name, result)
    else:
        valid_panel(ctx, uploaded.name, result)


if __name__ == "__main__":
    render()
