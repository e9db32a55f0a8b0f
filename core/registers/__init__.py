"""Shared reference data every module links to by id: places, institutions, the working-day
calendar, projects and contacts (with Do No Harm written once, here)."""
