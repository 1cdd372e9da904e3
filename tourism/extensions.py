"""Flask extensions, created unbound and attached in `create_app`."""

from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_caching import Cache
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names let Alembic drop and alter them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
babel = Babel()
cache = Cache()
bootstrap = Bootstrap5()
csrf = CSRFProtect()
login_manager = LoginManager()


def client_address() -> str:
    """Return the client's address as seen by our own proxies (see PROXY_COUNT)."""
    from flask import request

    # request.remote_addr is rewritten by ProxyFix only for trusted proxies, so a client's own
    # X-Forwarded-For header can never pick its rate-limit key.
    return request.remote_addr or "unknown"


limiter = Limiter(key_func=client_address)
