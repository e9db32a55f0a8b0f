"""Samaki: case and advocacy management for a network of Cambodian civil-society organisations."""
from __future__ import annotations

from flask import Flask

from core.config import Settings, UnsafeConfiguration, check_production_safety
from core.web import RecordIdConverter


def create_app(config: dict | None = None) -> Flask:
    from core.api import api, api_config_defaults
    from core.cli import register_cli
    from core.extensions import init_extensions
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
    plugins = load_plugins(app)                                       # entry points -> pluggy manager
    init_rate_limits(app)                                             # API limits, checked before anything else
    init_extensions(app, plugins)                                     # db, login, babel, csrf, migrate, api
    register_request_handlers(app)                                    # tenant resolution, locale, guards
    register_blueprints(app, plugins, api)
    register_error_handlers(app)                                      # HTML pages and problem+json
    init_storage(app)                                                 # uploaded files: folder or S3 bucket
    register_cli(app, plugins)                                        # flask init, demo, audit verify…
    return app
