"""Annotation: stances, the statement workspace, the stance row and its rendering."""
