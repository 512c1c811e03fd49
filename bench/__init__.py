"""The benchmark: a deterministic archive generator, a bare view and the runner (`make bench`)."""
