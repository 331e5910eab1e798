"""What every HTTP handler shares: the principal from JWT claims, problem+json errors, JSON shaping."""
