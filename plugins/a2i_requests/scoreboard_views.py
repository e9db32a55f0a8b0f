"""The public disclosure scoreboard page of a working group (/groups/<slug>/disclosure/): no login,
no tenant, 404 unless the group opted in. Figures come from scoreboard.py; the filters are the
statistics page's."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from core.i18n import current_locale
from core.plugins import Widget
from core.web import public
from plugins.a2i_requests import scoreboard
from plugins.a2i_requests.reports import GROUP_LABELS, StatisticsFilterForm, statistics_filters

scoreboard_bp = Blueprint("a2i_scoreboard", __name__, url_prefix="/groups", template_folder="templates")


class ScoreboardFilterForm(StatisticsFilterForm):
    """The statistics filters, grouped by kind of body unless asked otherwise."""

    group_by = SelectField(_l("Group by"), default="kind",
                           choices=lambda: [SelectChoice(value, label) for value, label in GROUP_LABELS.items()])


@scoreboard_bp.get("/<group_slug>/disclosure/")
@public
def disclosure(group_slug: str) -> tuple[str, int] | str:
    """How the public bodies answered the requests the group's members published: requests, answered
    on time, refused, no response and the median working days to answer, per kind, province or body."""
    group = scoreboard.public_group(group_slug) if len(group_slug) <= 64 else None
    if group is None:
        abort(404)
    form = ScoreboardFilterForm(request.args)
    valid = form.validate() if request.args else True
    members = scoreboard.publishing_members(group)
    context = dict(group=group, form=form, members=members, rows=None, total=None)
    if not valid:
        return render_template("a2i_requests/scoreboard.html", **context), 422
    group_by = form.group_by.data or "kind"
    context["rows"], context["total"] = scoreboard.scoreboard_table(
        members, group_by, locale=current_locale(), **statistics_filters(form))
    context["group_label"] = GROUP_LABELS[group_by]
    return render_template("a2i_requests/scoreboard.html", **context)


def scoreboard_panel(group) -> Widget | None:
    """On the group's page, for its members: a link to the public scoreboard once the group opted in."""
    if not group.public_scoreboard:
        return None
    return Widget(_l("Disclosure scoreboard"), "a2i_requests/group_scoreboard_panel.html",
                  {"url": url_for("a2i_scoreboard.disclosure", group_slug=group.slug)}, order=30)
