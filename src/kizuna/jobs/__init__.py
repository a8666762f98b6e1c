"""The durable delivery outbox: jobs, their claim by workers, retries and dead letters."""
