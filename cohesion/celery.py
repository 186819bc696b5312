import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cohesion.settings")

app = Celery("cohesion")
# Every CELERY_* Django setting configures Celery; JSON only, eager when no broker is set.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
