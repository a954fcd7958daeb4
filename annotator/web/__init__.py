"""The web frame: access checks, error pages, security headers, htmx helpers, the form loop."""
