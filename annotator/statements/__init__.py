"""Statements: streaming import and look-ups."""
