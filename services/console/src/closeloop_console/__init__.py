"""Closeloop console: the agents' and supervisors' workbench (a backend-for-frontend)."""
