"""The actor registry: import, look-ups, curation (create, edit, approve, merge) and proposals."""
