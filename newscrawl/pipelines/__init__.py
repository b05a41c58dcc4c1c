"""Item pipelines: each one a step every item goes through, built from settings."""
