"""The use cases: one module per thing a caller can ask of the service, each a callable built once by the
composition root (bootstrap.py) from ports, so tests build the same ones over in-memory fakes."""
