"""The scores sheet of a course: the maximum score of each test and a pre and a post score per
enrolled person, in one form. Values are typed text (blank: test not taken); learning.save_scores
reads and checks them, so the same rule serves every front door."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField


def score_input(label) -> StringField:
    return StringField(label, render_kw={"inputmode": "decimal", "autocomplete": "off", "size": 6})


class ScoresForm(FlaskForm):
    test_max_score = score_input(_l("Maximum score of each test"))

    def row(self, enrolment_id: int):
        """The (pre, post) fields of one enrolment."""
        return self[pre_name(enrolment_id)], self[post_name(enrolment_id)]


def pre_name(enrolment_id: int) -> str:
    return f"pre_{enrolment_id}"


def post_name(enrolment_id: int) -> str:
    return f"post_{enrolment_id}"


def scores_form(enrolment_ids: list[int], **kwargs) -> ScoresForm:
    """The sheet for these enrolments: a form class of its own with two fields per enrolment."""
    form_class = type("CourseScoresForm", (ScoresForm,), {})
    for enrolment_id in enrolment_ids:
        setattr(form_class, pre_name(enrolment_id), score_input(_l("Pre-test score")))
        setattr(form_class, post_name(enrolment_id), score_input(_l("Post-test score")))
    return form_class(**kwargs)
