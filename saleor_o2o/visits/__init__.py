"""Store visits: appointments, reserve-to-try and store events.

Each part is a package of its own (`appointments`, `try_on`, `events`); they share
the store's hours and slot engines (`store.opening`, `store.slots`), the lifecycle
table (`core.lifecycle`), handover codes (`core.handover`) and the e-mail outbox
(`core.emails`).
"""
