"""First-party guards: tako_rules."""
