#!/bin/sh
# One-shot, before the Temporal server starts: creates Temporal's two PostgreSQL databases if they
# are missing and brings their schemas up to the version the pinned admin-tools image ships.
# Safe to run again: setup-schema keeps a newer version, update-schema applies only what is missing.
set -eu
: "${POSTGRES_SEEDS:?}" "${POSTGRES_USER:?}" "${SQL_PASSWORD:?}"
sql() { temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "${DB_PORT:-5432}" -u "$POSTGRES_USER" "$@"; }

for db in temporal temporal_visibility; do
  # `create` fails when the database exists (a restart); any other failure stops setup-schema below.
  sql --db "$db" create 2>/dev/null || echo "database $db exists"
done
sql --db temporal setup-schema -v 0.0
sql --db temporal update-schema -d /etc/temporal/schema/postgresql/v12/temporal/versioned
sql --db temporal_visibility setup-schema -v 0.0
sql --db temporal_visibility update-schema -d /etc/temporal/schema/postgresql/v12/visibility/versioned
echo 'Temporal schemas are up to date'
