"""Projects: settings, labels, guidelines, team, assignments, progress and the annotator's queue."""
