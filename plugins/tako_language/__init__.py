"""First-party guards: tako_language."""
