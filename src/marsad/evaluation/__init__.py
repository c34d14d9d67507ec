"""Evaluation commands: ``marsad eval NAME`` prints held-out scores as JSON."""
