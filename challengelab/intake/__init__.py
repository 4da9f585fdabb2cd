"""Intake: from a survey tool's raw export and the organizers' leaderboards to a validated round.

:mod:`~challengelab.intake.questionnaire` writes the codebook's questionnaire for REDCap or LimeSurvey;
:mod:`~challengelab.intake.readers` reads raw exports (REDCap, LimeSurvey, Qualtrics, SPSS, generic);
:mod:`~challengelab.intake.mapping` maps columns to items and answers to levels (exactly, or with a mapping
file that ``--suggest`` proposes); :mod:`~challengelab.intake.linking` links responses to leaderboard entries;
:mod:`~challengelab.intake.pipeline` runs it all and writes the round, the links, the review file and the key.
"""

from challengelab.intake.mapping import auto_mapping, load_mapping, mapping_yaml, suggest_mapping
from challengelab.intake.pipeline import IntakeError, IntakeResult, load_inputs, output_paths, run_intake, \
    write_intake
from challengelab.intake.questionnaire import limesurvey_structure, questionnaire_bytes, redcap_dictionary
from challengelab.intake.readers import Export, ExportError, read_export

__all__ = ["Export", "ExportError", "IntakeError", "IntakeResult", "auto_mapping", "limesurvey_structure",
           "load_inputs", "load_mapping", "mapping_yaml", "output_paths", "questionnaire_bytes", "read_export",
           "redcap_dictionary", "run_intake", "suggest_mapping", "write_intake"]
