"""Authentication: login and logout, throttling, password reset, user loading from sessions and API tokens."""
