"""Samaki: case and advocacy management for a network of Cambodian civil-society organisations."""
from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from core.config import Settings, UnsafeConfiguration, check_production_safety
from core.web import RecordIdConverter


def create_app(config: dict | None = None) -> Flask:
    from core.api import api, api_config_defaults
    from core.cli import register_cli
    from core.plugins import load_plugins, register_blueprints
    from core.ratelimits import init_rate_limits
    from core.uploads import init_storage
    from core.web import register_error_handlers, register_request_handlers

    app = Flask(__name__, instance_relative_config=True)
    app.url_map.converters["int"] = RecordIdConverter
    app.config.update(api_config_defaults())
    app.config.from_mapping(Settings.from_env().as_flask_config())   # SAMAKI_* variables, safe defaults
    app.config.update(config or {})                                  # tests pass overrides here
    problems = check_production_safety(app.config)
    if problems:
        raise UnsafeConfiguration("Samaki will not start in production mode:\n- " + "\n- ".join(problems))
    if app.config.get("TRUSTED_PROXIES"):                             # real client address behind nginx
        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    plugins = load_plugins(app)                                       # entry points -> pluggy manager
    init_rate_limits(app)                                             # API limits, checked before anything else
    bind_extensions(app, plugins)                                     # db, login, babel, csrf, migrate, api
    register_request_handlers(app)                                    # tenant resolution, locale, guards
    register_blueprints(app, plugins, api)
    register_error_handlers(app)                                      # HTML pages and problem+json
    init_storage(app)                                                 # uploaded files: folder or S3 bucket
    register_cli(app, plugins)                                        # flask init, demo, audit verify…
    return app


def bind_extensions(app: Flask, plugins) -> None:
    """Bind every extension to `app` and install the core's listeners; `plugins` supplies
    translation and migration folders and permissions."""
    from pathlib import Path

    from core import i18n, rls
    from core.api import api
    from core.audit import install_audit_listeners
    from core.auth.loaders import install_user_loaders
    from core.extensions import babel, csrf, db, login_manager, migrate
    from core.i18n_catalogs import compile_catalogues
    from core.migrations import plugin_version_branches
    from core.permissions import PermissionRegistry
    from core.sharing import install_sharing_listener
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
    install_tenant_guards()                       # the ORM's tenant wall
    with app.app_context():
        rls.install(db.engine, db.metadata)       # PostgreSQL's, under it
    install_audit_listeners()
    install_sharing_listener()
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    i18n.install_number_filters(app)
    login_manager.init_app(app)
    install_user_loaders(login_manager)
    migrate.init_app(app, db, directory=str(core_dir.parent / "migrations"))
    if plugin_version_branches not in migrate.configure_callbacks:
        migrate.configure(plugin_version_branches)
    api.init_app(app)
    plugins.permissions = PermissionRegistry(
        [p for result in plugins.pm.hook.samaki_permissions() for p in result or []])
