"""The dashboard app (challengelab/dashboard/app.py) with the *Ranking robustness* page in its navigation.

Used by tests/test_dashboard_ranking_robustness.py until the page is listed in ``app.PAGES`` itself; the
navigation is patched for this run only and restored afterwards.
"""

from challengelab.dashboard import app

ENTRY = ("ranking_robustness.py", "Ranking robustness", ":material/stacked_line_chart:", "ranking-robustness")

original = app.PAGES
if ENTRY[0] not in [page[0] for pages in original.values() for page in pages]:
    app.PAGES = {**original, "Rankings": [*original.get("Rankings", []), ENTRY]}
try:
    app.main()
finally:
    app.PAGES = original
