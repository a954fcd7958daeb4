"""Plain service functions: a session and the acting user in, models out; flush, never commit."""
