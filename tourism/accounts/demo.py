"""Demo establishments and one demo account per role, for local use only."""

from tourism.accounts import services
from tourism.core.permissions import SITE_ROLES
from tourism.lodging.demo import load_demo_establishments
from tourism.sites.demo import load_demo_sites

# Published in the README: never load these where the site is reachable by others.
DEMO_PASSWORD = "lamdong-demo-2026"  # noqa: S105 - a documented demo password

DEMO_ACCOUNTS = (
    # email, role, display name, establishment (or tourist site, for a site manager), locale
    ("tourist@demo.lamdong.travel", "tourist", "Minh Anh", None, "vi"),
    ("staff@demo.lamdong.travel", "lodging_staff", "Lễ tân Đồi Thông", "doi-thong-homestay", "vi"),
    ("manager@demo.lamdong.travel", "lodging_manager", "Quản lý Đồi Thông", "doi-thong-homestay", "vi"),
    ("site@demo.lamdong.travel", "site_manager", "Quản lý KDL Langbiang", "langbiang", "vi"),
    ("officer@demo.lamdong.travel", "officer", "Cán bộ Sở Du lịch", None, "vi"),
    ("admin@demo.lamdong.travel", "admin", "Quản trị hệ thống", None, "en"),
)


def load_demo_accounts() -> dict[str, int]:
    """Create the demo establishments and accounts that are missing; return how many were added."""
    # Lodging and site accounts belong to the demo establishments and sites, so those come first.
    added = {"establishments": load_demo_establishments(), "sites": load_demo_sites(), "accounts": 0}
    for email, role, name, belongs_to, locale in DEMO_ACCOUNTS:
        if services.find_by_email(email) is None:
            site = role in SITE_ROLES
            services.create_user(
                email, DEMO_PASSWORD, role, display_name=name, locale=locale,
                establishment_slug=None if site else belongs_to, site_slug=belongs_to if site else None,
            )
            added["accounts"] += 1
    return added
