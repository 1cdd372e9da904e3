"""Accounts: sign-up, sign-in, profiles, password reset and server-side sessions."""

from tourism.accounts.views import bp

__all__ = ["bp"]
