"""Simulated data, calibrated to published aggregates and always labelled synthetic.

:func:`~challengelab.synthetic.survey.simulate_survey` makes a survey round, and
:func:`~challengelab.synthetic.assessment.simulate_assessment` per-case results for its leaderboards.
"""
