#!/usr/bin/env bash
# Started by `make run`: migrate, load the demo, start a Celery worker and the web server.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export DJANGO_SETTINGS_MODULE=wms.settings

if [ -z "${DATABASE_URL:-}" ]; then
  echo "No DATABASE_URL: using SQLite at .run/touchline.sqlite3"
fi
if [ -z "${REDIS_URL:-}" ]; then
  echo "No REDIS_URL: Celery uses a file-system broker under .run/broker"
fi

$PY manage.py migrate --noinput -v0
$PY manage.py seed_demo
$PY manage.py seed_demo_labels  # the label station (compliance): printers, SSCC prefixes, a routing guide
$PY manage.py verify_ledger

# -B: the embedded beat runs the outbox sweeper (retries) and the channel pollers, which do
# nothing until an integration exists (README, "Amazon (SP-API)").
.venv/bin/celery -A wms worker -B --schedule=.run/celerybeat-schedule --loglevel=info \
  --concurrency=1 --pool=solo --logfile=.run/celery-worker.log &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true' EXIT INT TERM

cat <<MSG

  Touchline is starting on http://127.0.0.1:8000/
    sign in           http://127.0.0.1:8000/login/
    RF screens        http://127.0.0.1:8000/rf/   (480x800; type a barcode, then Enter)
    back office       http://127.0.0.1:8000/admin/
    API docs          http://127.0.0.1:8000/api/docs/
    OpenAPI schema    http://127.0.0.1:8000/api/schema/
  Demo logins (user / password):
    operator   / operator-demo     floor operator (RF badge BADGE-0001, PIN 1111)
    supervisor / supervisor-demo   supervisor     (RF badge BADGE-0002, PIN 2222)
    admin      / admin-demo        admin, back office
    northwind  / northwind-demo    brand user, Northwind Outdoor (NWO) only
    bluebird   / bluebird-demo     brand user, Bluebird Beauty (BBB) only
  Celery worker log: .run/celery-worker.log   ·   Ctrl-C stops both.
  Start again from fresh demo data: Ctrl-C, then  make demo-reset  (asks first), then  make run

MSG
$PY manage.py runserver 127.0.0.1:8000
