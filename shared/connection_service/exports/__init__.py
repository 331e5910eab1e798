"""The export interface the platform's workers invoke (IAM-authorised Lambda invocations, no HTTP route)."""
