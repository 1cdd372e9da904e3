"""The department's back office: users and roles, the audit log and the mail outbox."""

from tourism.backoffice.views import bp

__all__ = ["bp"]
