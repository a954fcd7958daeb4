"""Login, logout and the personal API tokens page."""
