"""Adapters: the only code that talks to AWS (DynamoDB, Secrets Manager, EventBridge, SQS)."""
