"""Password rules and hashing."""

import functools
from pathlib import Path

from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 10
# Long enough for any passphrase, short enough that hashing cannot be used to tie up a worker.
MAX_LENGTH = 128
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")

# Compared against when no account matches, so a missing account takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method="scrypt")


@functools.cache
def common_passwords() -> frozenset[str]:
    """Return the shipped list of common passwords, lower-cased."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def password_problem(password: str, *, email: str | None = None, name: str | None = None):
    """Return why a new password is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return _l("Use at least %(count)d characters.", count=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _l("Use at most %(count)d characters.", count=MAX_LENGTH)
    folded = password.casefold()
    if folded in common_passwords():
        return _l("This password is too common. Choose one that is harder to guess.")
    personal = {(email or "").casefold(), (email or "").split("@")[0].casefold(), (name or "").casefold()}
    if folded in personal - {""}:
        return _l("Do not use your email address or name as your password.")
    if len(set(password)) < 4:
        return _l("Use more varied characters.")
    return None


def hash_password(password: str) -> str:
    """Hash a password with scrypt."""
    return generate_password_hash(password, method="scrypt")


def check_password(password_hash: str | None, password: str) -> bool:
    """Check a password against a hash in constant work, even when there is no hash."""
    if not password_hash or len(password) > MAX_LENGTH:
        check_password_hash(_DUMMY_HASH, password[:MAX_LENGTH])
        return False
    return check_password_hash(password_hash, password)
