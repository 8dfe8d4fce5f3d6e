#!/bin/sh
# One-shot (the airflow-init service): migrate Airflow's metadata database and set the admin's
# password. Airflow 3's simple auth manager reads users from AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS
# and passwords from this JSON file (shared with the api-server through the airflow-home volume).
set -eu
airflow db migrate
python - <<'PY'
import json, os
path = os.environ["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"]
with open(path, "w") as handle:
    json.dump({os.environ["AIRFLOW_ADMIN_USER"]: os.environ["AIRFLOW_ADMIN_PASSWORD"]}, handle)
print(f"admin user {os.environ['AIRFLOW_ADMIN_USER']} ready")
PY
touch "$AIRFLOW_HOME/shared/.initialised"
