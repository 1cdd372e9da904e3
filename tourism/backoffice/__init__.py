"""The department's back office: users and roles, the audit log and the mail outbox."""

from tourism.backoffice.views import bp

__all__ = ["bp"]
from tourism.backoffice import (
    establishments,  # noqa: F401  (licensing pages on the blueprint)
    lodging_reports,  # noqa: F401  (adds its routes to bp)
)
