"""The Streamlit dashboard (``challengelab dashboard``): pages in :mod:`challengelab.dashboard.views`,
state and caching in :mod:`challengelab.dashboard.state`, figures from :mod:`challengelab.figures.survey`."""
