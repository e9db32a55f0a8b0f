"""End-to-end tests: the real app served over HTTP and driven by a headless Chromium."""
