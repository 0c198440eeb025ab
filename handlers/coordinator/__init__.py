"""The coordinator console (DESIGN §2): commands and buttons for the users in COORDINATOR_IDS.

Modules: `actions` (the handlers, registered by `bot/app.py` in their own group), `views` (queue,
case card, statistics), `alerts` (group alerts and patient notices, also for other features) and
`present` (names, dates and sizes as coordinators read them). Kept import-light on purpose:
`bot/downloads.py` and `bot/sla.py` use `present` and `alerts` without pulling the handlers in.
"""
