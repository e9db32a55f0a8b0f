"""The training API operations under a bounded property-based run (schemathesis, fixed seed): no
server error and no response that breaks its documented schema, with a curriculum, a course with
sessions, people enrolled and a trainer to read and write."""
from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from core.extensions import db
from core.tenancy import tenant_scope
from plugins.training_registry.models import Curriculum, CurriculumVersion, Trainer, VersionStatus
from tests.helpers import token_for

IDS = ("course_id", "session_id", "enrolment_id", "curriculum_id")


def test_training_operations_never_error_and_match_their_schema(app, tenant, staff, enrolled, people):
    with tenant_scope(tenant.id):
        curriculum = Curriculum(tenant_id=tenant.id, title_en="Access to information basics")
        curriculum.versions.append(CurriculumVersion(tenant_id=tenant.id, label="2025", status=VersionStatus.APPROVED))
        db.session.add_all([curriculum, Trainer(tenant_id=tenant.id, contact_id=people[1].id)])
        db.session.commit()
        ids = {"course_id": enrolled.id, "session_id": enrolled.sessions[0].id,
               "enrolment_id": enrolled.enrolments[0].id, "curriculum_id": curriculum.id}
    headers = token_for(staff, tenant)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    operations = [op for op in operations if "/training/" in op.path]
    assert len(operations) >= 14

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def call(case):
            case.path_parameters["tenant_slug"] = tenant.slug
            for name in IDS:
                if name in case.path_parameters:
                    case.path_parameters[name] = ids[name]
            case.call_and_validate(headers=headers, checks=[not_a_server_error, response_schema_conformance])

        call()
