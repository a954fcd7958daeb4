"""The projects page, the lead's pages and the label scheme editor."""
