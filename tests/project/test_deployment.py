"""docker-compose.yml describes the full stack, and its commands point at real modules."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_compose_describes_the_full_stack():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "web", "worker", "beat", "mailpit"} <= set(services)
    assert "gunicorn cohesion.wsgi" in services["web"]["command"]
    assert services["worker"]["command"].startswith("celery -A cohesion worker")
    assert services["beat"]["command"].startswith("celery -A cohesion beat")
    for name in ("web", "worker", "beat", "migrate"):
        environment = services[name]["environment"]
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert environment["REDIS_URL"].startswith("redis://redis:")
        assert environment["DEBUG"] == "false"
        assert "SECRET_KEY" in environment


def test_celery_app_is_loaded_with_the_project():
    import cohesion

    assert cohesion.celery_app.main == "cohesion"
    assert cohesion.celery_app.conf.task_serializer == "json"
