"""Complaint insights (R9): the daily analysis, KPIs per department and per agent, and the
periodic service report, computed from facts the read model gathered from events. Pure:
standard library only."""
