"""A real OpenID Connect provider for the single sign-on tests (django-oidc-provider).

A minimal Django project of its own, started as a second process on a loopback port by
``tests/accounts/sso_provider.py``; nothing in it is part of bwmo.
"""
