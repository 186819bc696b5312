"""Driving the import wizard in tests as a coordinator would: upload, columns, words, check,
save; each step's proposals taken unless a test says otherwise."""

from django.urls import reverse

from workinggroups.models import ImportJob


def upload(client, url, file):
    return client.post(url, {"file": file})


def latest_job():
    return ImportJob.objects.order_by("-pk").first()


def columns_data(job, **changes):
    data = {"action": "columns"}
    data.update({f"column_{i}": key or "" for i, key in enumerate(job.mapping)})
    data.update(changes)
    return data


def words_data(response, words=None):
    """The words step's form as proposed; `words` changes {(field key, word as written): value}."""
    form = response.context["words_form"]
    data = {"action": "values"}
    for column in form.columns:
        for (_word, text, proposed), name in zip(column.words, column.fields, strict=True):
            data[name] = (words or {}).get((column.key, text), proposed)
    return data


def run_import(client, url, file, *, columns=None, words=None, save=True, capture):
    """Takes a file through the wizard; returns (job or None, last response). Stops where a
    step refuses (the response shows why) or, with save=False, at the checked preview."""
    response = upload(client, url, file)
    if response.status_code != 302:
        return None, response
    job = latest_job()
    job_url = reverse("workinggroups:import_job", args=[job.pk])
    with capture(execute=True):
        response = client.post(job_url, columns_data(job, **(columns or {})))
    if response.status_code != 302:
        return job, response
    job.refresh_from_db()
    with capture(execute=True):
        if job.status == ImportJob.Status.VALUES:
            response = client.get(job_url)
            response = client.post(job_url, words_data(response, words))
            if response.status_code != 302:
                return job, response
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED, job.status
    if save and not job.problem and not job.summary.get("refused"):
        with capture(execute=True):
            response = client.post(job_url, {"action": "save"})
        job.refresh_from_db()
    return job, client.get(job_url)


def refused(job):
    """The refused rows' (row, column label) pairs."""
    return sorted(
        (outcome.row, column)
        for outcome in job.outcomes.filter(outcome="refused")
        for column, _message in outcome.errors
    )
