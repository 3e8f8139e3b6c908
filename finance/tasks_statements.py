"""Celery tasks for period closes. Each takes ids and calls an idempotent service."""

from celery import shared_task

from finance.services.periods import period_close_run


@shared_task
def period_close_task(run_id: int) -> int:
    """Close the periods of a close run; return how many statements it created."""
    run = period_close_run(run_id=run_id)
    return run.statements_created
