"""Item pipelines: cleaning, validation and the archive writer."""
