"""Use cases of the routing service: each reads what it needs, asks the pure domain what
to do, writes the outcome conditionally and publishes the resulting events."""
