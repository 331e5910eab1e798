"""The scheduled health check: a dispatcher that enqueues due connections, a worker that verifies them."""
