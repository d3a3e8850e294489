"""The console's pages (server-rendered HTML; htmx for partial updates)."""
