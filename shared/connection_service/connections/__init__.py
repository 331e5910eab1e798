"""The connection domain: model, transitions, policies, ports and use cases. No AWS, no HTTP."""
