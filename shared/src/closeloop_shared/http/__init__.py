"""FastAPI building blocks shared by the services' HTTP APIs."""
