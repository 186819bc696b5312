# Import the Celery app so that shared_task binds to it and .delay() uses the configured broker.
from cohesion.celery import app as celery_app

__all__ = ("celery_app",)
