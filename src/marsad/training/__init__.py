"""Training commands: ``marsad train NAME`` rebuilds a shipped model from the shared data."""
