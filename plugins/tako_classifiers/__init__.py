"""First-party guards: tako_classifiers."""
