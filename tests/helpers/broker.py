"""Helpers for tests that point Saleor's Celery app at a real broker."""


def drop_broker_connections(app) -> None:
    """Forget the app's broker connections, so the next message uses the new URL."""
    from kombu import pools

    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
    # kombu keeps pools per broker in a global registry: a closed one left there
    # would be handed to the next eager task ("Acquire on closed pool").
    pools.reset()
