"""The Streamlit dashboard (``challengelab dashboard``): pages in :mod:`challengelab.dashboard.views`,
state and caching in :mod:`challengelab.dashboard.state`, figures from :mod:`challengelab.figures.survey`."""

#: The largest upload, in MB: shown by the uploader and enforced by the server (``server.maxUploadSize``, set by
#: ``challengelab dashboard`` and by ``.streamlit/config.toml`` for ``streamlit run app.py``).
UPLOAD_LIMIT_MB = 50

#: The environment variable through which ``challengelab dashboard PATH`` passes PATH to the app.
DATA_ENV = "CHALLENGELAB_DATA"
