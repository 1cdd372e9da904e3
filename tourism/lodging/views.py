"""The lodging blueprints with every module's routes on them (create_app registers these)."""

from tourism.lodging import (  # noqa: F401  (imported for the routes they add)
    declaration_views,
    desk_views,
    directory_views,
    import_views,
    profile_views,
    report_views,
    token_views,
)
from tourism.lodging.blueprint import bp, directory_bp

__all__ = ["bp", "directory_bp"]
