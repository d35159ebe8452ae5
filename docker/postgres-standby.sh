#!/bin/bash
# Region B's PostgreSQL: a hot standby of region A, fed only through the Toxiproxy link.
# First start: base backup of the writer endpoint through the link; every start: stream on.
# Runs as the postgres user of the postgres:15 image; PGPASSWORD comes from compose.
set -euo pipefail

LINK="host=127.0.0.1 port=15432 user=replicator sslmode=disable"
DATA=/var/lib/postgresql/data/standby
# Hot standby refuses to start with less than the primary has of these.
MATCH_PRIMARY="'max_connections','max_worker_processes','max_wal_senders',
               'max_prepared_transactions','max_locks_per_transaction'"
export PGCONNECT_TIMEOUT=5

if [ ! -s "$DATA/PG_VERSION" ]; then
    # Built aside and moved in whole, so a start cut short is redone, never half used.
    NEW="$DATA.new"
    rm -rf "$NEW"
    # Region A may still be electing a leader, or the link may not be up yet.
    until pg_basebackup -d "$LINK application_name=region_b" -D "$NEW" -X stream -c fast \
            -R --no-password; do
        echo "region-b standby: base backup through the link failed, retrying" >&2
        rm -rf "$NEW"
        sleep 2
    done
    primary=$(psql -d "$LINK dbname=postgres" -XAt -c \
        "select format('%s = %L', name, setting) from pg_settings
          where name in ($MATCH_PRIMARY)")
    # The copy is of a Patroni node: its config files name region A's port, paths and
    # recovery settings. pg_basebackup -R put primary_conninfo (through the link) and
    # standby.signal in place; everything else this standby runs with is written here.
    rm -f "$NEW"/postgresql.conf "$NEW"/postgresql.base.conf "$NEW"/patroni.dynamic.json \
          "$NEW"/postmaster.opts
    cat > "$NEW/postgresql.conf" <<EOF
$primary
port = 5435
listen_addresses = '127.0.0.1'
hot_standby = on
hot_standby_feedback = on
recovery_target_timeline = 'latest'
wal_receiver_status_interval = '1s'
cluster_name = 'region-b'
shared_buffers = '32MB'
EOF
    chmod 700 "$NEW"
    rm -rf "$DATA"
    mv "$NEW" "$DATA"
fi

exec postgres -D "$DATA"
