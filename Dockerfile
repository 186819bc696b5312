# One image for web, Celery worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
# Pango and a font with Cyrillic glyphs for WeasyPrint; gettext for the catalogues.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
      libharfbuzz-subset0 fonts-dejavu-core gettext \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# The locked runtime set, each file checked against its hash (see the Makefile).
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock
COPY . .
RUN DEBUG=true python manage.py compilemessages -v0 \
 && DEBUG=false SECRET_KEY=build-only STATIC_MANIFEST=true python manage.py collectstatic --noinput -v0

RUN useradd --create-home cohesion && mkdir -p /app/media /app/private-media \
 && chown cohesion /app/media /app/private-media
USER cohesion
EXPOSE 8000
CMD ["gunicorn", "cohesion.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
