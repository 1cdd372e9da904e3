"""Demo establishments and one demo account per role, for local use only."""

from tourism.accounts import services
from tourism.lodging.demo import load_demo_establishments

# Published in the README: never load these where the site is reachable by others.
DEMO_PASSWORD = "lamdong-demo-2026"  # noqa: S105 - a documented demo password

DEMO_ACCOUNTS = (
    # email, role, display name, establishment, locale
    ("tourist@demo.lamdong.travel", "tourist", "Minh Anh", None, "vi"),
    ("staff@demo.lamdong.travel", "lodging_staff", "Lễ tân Đồi Thông", "doi-thong-homestay", "vi"),
    ("manager@demo.lamdong.travel", "lodging_manager", "Quản lý Đồi Thông", "doi-thong-homestay", "vi"),
    ("officer@demo.lamdong.travel", "officer", "Cán bộ Sở Du lịch", None, "vi"),
    ("admin@demo.lamdong.travel", "admin", "Quản trị hệ thống", None, "en"),
)


def load_demo_accounts() -> dict[str, int]:
    """Create the demo establishments and accounts that are missing; return how many were added."""
    # Lodging accounts belong to the demo establishments, so those come first.
    added = {"establishments": load_demo_establishments(), "accounts": 0}
    for email, role, name, establishment, locale in DEMO_ACCOUNTS:
        if services.find_by_email(email) is None:
            services.create_user(
                email, DEMO_PASSWORD, role, display_name=name, establishment_slug=establishment, locale=locale
            )
            added["accounts"] += 1
    return added
