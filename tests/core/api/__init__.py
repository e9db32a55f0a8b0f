"""The core resources in the JSON API (core/api/README.md)."""
