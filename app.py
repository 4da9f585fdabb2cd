"""challengelab dashboard — `challengelab dashboard [PATH]` (or `streamlit run app.py`).

Page config, navigation and the sidebar live in challengelab/dashboard/app.py so that an installed package can
start the same app; this file only runs it.
"""

from challengelab.dashboard.app import main

main()
