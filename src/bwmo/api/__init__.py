"""The REST API under /api/v1/ (NL API Design Rules): read access for registered API clients.

Every endpoint reads through the owning app's selectors, with the API client's account as the
user, so the API sees exactly what the screens would show that account (docs/api.md).
"""
