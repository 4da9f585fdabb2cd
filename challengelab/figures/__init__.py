"""Plotly figures, shared by the dashboard and the reports.

- :mod:`challengelab.figures.survey` — survey figures (coverage, winning strategies, teams, models, organizers).
- :mod:`challengelab.figures.ranking` — ranking-robustness figures.

Every builder returns a :class:`plotly.graph_objects.Figure`; its caption is in ``fig.layout.meta["caption"]``
and the tidy table it draws is the table passed in (or returned by the matching ``*_table`` function), so
callers can offer it as CSV.
"""
