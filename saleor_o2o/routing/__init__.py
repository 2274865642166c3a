"""Ship from the nearest store: ordinary shipped orders allocated nearest first.

Depends on ``core`` and ``store`` (whose reservations apply the plan); ``checkout``
calls it. Nothing below ``checkout`` imports it.
"""
