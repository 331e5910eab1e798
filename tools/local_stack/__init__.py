"""The local stack: moto, the Intacct simulator, the HTTP API and the health-check loop, on 127.0.0.1."""
