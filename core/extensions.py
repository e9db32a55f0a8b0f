"""Flask extensions: created here unbound, bound to the app in the factory."""
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints so Alembic migrations are stable across SQLite and PostgreSQL.
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
login_manager = LoginManager()
babel = Babel()
csrf = CSRFProtect()
migrate = Migrate()


def init_extensions(app, plugins) -> None:
    """Bind every extension to `app`; `plugins` supplies translation and migration folders."""
    from pathlib import Path

    from core import i18n
    from core.api import api
    from core.i18n_catalogs import compile_catalogues
    from core.audit import install_audit_listeners
    from core.auth.loaders import install_user_loaders
    from core.permissions import PermissionRegistry
    from core.tenancy import install_tenant_guards

    core_dir = Path(__file__).resolve().parent
    translation_dirs = [str(core_dir / "translations")]
    for module in plugins.modules.values():
        plugin_translations = Path(module.__file__).resolve().parent / "translations"
        if plugin_translations.is_dir():
            translation_dirs.append(str(plugin_translations))
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(translation_dirs)
    compile_catalogues([Path(d) for d in translation_dirs])

    db.init_app(app)
    install_tenant_guards()
    install_audit_listeners()
    from core.sharing import install_sharing_listener
    install_sharing_listener()
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    i18n.install_number_filters(app)
    login_manager.init_app(app)
    install_user_loaders(login_manager)
    migrate.init_app(app, db, directory=str(core_dir.parent / "migrations"))
    api.init_app(app)
    plugins.permissions = PermissionRegistry(
        [p for result in plugins.pm.hook.samaki_permissions() for p in result or []])


@migrate.configure
def _plugin_version_branches(config):
    """Each plugin owns an Alembic version branch in its own package; tell Alembic where they are."""
    import os

    from flask import current_app

    from core.plugins import migration_dirs

    config.set_main_option("path_separator", "os")
    config.set_main_option("version_path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join(migration_dirs(current_app.extensions["samaki"].pm)))
    return config
