"""Scenarios: schema, loading, validation and transforms."""
