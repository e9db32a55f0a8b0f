"""The test plugin's one model."""
from datetime import date

from sqlalchemy import Date, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.audit import Audited
from core.extensions import db
from core.tenancy import TenantScoped


class FieldVisit(TenantScoped, Audited, db.Model):
    __tablename__ = "visits_field_visit"
    __sensitive__ = {"notes"}          # may name the people met: never shared

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    visited_on: Mapped[date] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
