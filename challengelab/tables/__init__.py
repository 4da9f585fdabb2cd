"""Tables for people: what every face (report, dashboard, CLI, CSV/Excel) shows, decided once.

:mod:`~challengelab.tables.disclosure` holds the small-cell rule, :mod:`~challengelab.tables.published` the
comparison with the published 2021 figures.
"""
