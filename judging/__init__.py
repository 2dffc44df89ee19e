"""How entries are evaluated: rubrics, panels, assignment, scores, rankings, awards, certificates."""
