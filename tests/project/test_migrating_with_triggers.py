"""A development database (SQLite) that already has the figures' and the summary's triggers
migrates forwards and backwards: SQLite alters a column by remaking its table, and refuses the
rename while a trigger names a table that is, for that moment, gone. The triggers are dropped
before migrations and put back (and the summary rebuilt) after."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def manage(database: Path, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "DEBUG": "true",
        "DJANGO_SETTINGS_MODULE": "cohesion.settings",
    }
    env.pop("REDIS_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_an_existing_sqlite_database_migrates_back_and_forth_with_its_triggers(tmp_path):
    database = tmp_path / "dev.sqlite3"
    for step in (
        ("migrate", "--noinput"),
        # Back past the migrations that remake the people's and groups' tables, and forth.
        ("migrate", "workinggroups", "0006", "--noinput"),
        ("migrate", "--noinput"),
        ("rebuild_summaries", "--check"),
    ):
        done = manage(database, *step)
        assert done.returncode == 0, (step, done.stdout[-2000:], done.stderr[-3000:])
    assert "agrees" in done.stdout
