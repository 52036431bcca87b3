"""Real servers for the integration tests, started by the suite itself on 127.0.0.1."""
