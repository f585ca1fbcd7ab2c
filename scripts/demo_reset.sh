#!/usr/bin/env bash
# Started by `make demo-reset`: throw the demo database away and start again from fresh demo data
# (then `make run` as usual). SQLite: the file is deleted. PostgreSQL: the public schema is dropped
# and created again, so every migration and seed runs as on a fresh machine. It asks first; set
# DEMO_RESET=yes to skip the question (a script, CI).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export DJANGO_SETTINGS_MODULE=wms.settings

if [ -z "${DATABASE_URL:-}" ]; then
  what="the SQLite demo database .run/touchline.sqlite3 and the file broker .run/broker"
else
  what="EVERY table in $(printf '%s' "$DATABASE_URL" | sed -E 's#//[^@/]*@#//#')"
fi
if [ "${DEMO_RESET:-}" != "yes" ]; then
  if [ ! -t 0 ]; then
    echo "make demo-reset deletes $what. Run it in a terminal, or with DEMO_RESET=yes." >&2
    exit 1
  fi
  read -r -p "This deletes $what and loads fresh demo data. Type yes to go on: " answer
  [ "$answer" = "yes" ] || { echo "Nothing deleted."; exit 1; }
fi

if [ -z "${DATABASE_URL:-}" ]; then
  rm -f .run/touchline.sqlite3 .run/celerybeat-schedule
  rm -rf .run/broker
else
  $PY - <<'PY'
import django
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("DROP SCHEMA public CASCADE")
    cursor.execute("CREATE SCHEMA public")
print(f"Dropped and re-created the public schema of {connection.settings_dict['NAME']}.")
PY
fi
$PY manage.py migrate --noinput -v0
$PY manage.py seed_demo
$PY manage.py seed_demo_labels
$PY manage.py verify_ledger
echo "Fresh demo data loaded. Start the server with: make run"
