"""Insights of the feedback service (R9): the read model built from events, the daily
report and its scheduled job, KPIs per department and agent, improvement actions and the
publishable service report. What the service wires is in ``insights.wiring``:

- ``INSIGHT_INDEXES`` — indexes of the insights collections;
- ``INSIGHT_TOPICS`` + ``insight_consumer(db)`` — a consumer group feeding
  ``project_insight_event``;
- ``daily_job_task(runtime)`` — the background daily report job;
- ``insights_router()`` and ``kpi_router()`` — the HTTP routes;
- ``InsightsSettings`` (``insights.settings``) — settings the service settings inherit.

This package module imports nothing, so importing the settings stays cheap; jieba and
matplotlib load on first use.
"""
