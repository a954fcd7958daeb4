"""Accounts: login, users, personal API tokens."""
