"""Benchmarks: a seeded data generator at network scale and a load run against gunicorn + PostgreSQL."""
