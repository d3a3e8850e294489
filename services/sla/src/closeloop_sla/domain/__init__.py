"""The pure SLA domain (standard library only): durations, business calendars and
working-time arithmetic, per-complaint clocks, policies, the lifecycle trigger table and
the ordered deadline index. Adapters and entry points build on these; nothing here does I/O.
"""
