"""HTTP routes of insights: the daily report, KPIs, improvement actions, the service
report."""
