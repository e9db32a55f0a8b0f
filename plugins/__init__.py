"""Samaki's built-in domain modules; each is a pluggy plugin registered in setup.cfg."""
