"""The crash suite: `python -m bot` killed with SIGKILL at named points and at random moments,
restarted, and checked against the durability invariants after every kill (see harness.py).

Fast part (CI): ``pytest tests/crash``. Whole run:
``python -m tests.crash --cycles 200 --report crash-report.md``.
"""
