#!/usr/bin/env bash
# Where a stored message goes (issue 22): a fresh PostgreSQL 15 of its own (initdb into a temporary
# folder, fsync and synchronous_commit on, pg_stat_statements and auto_explain loaded), then
# bench/ChatBench's store profile: the product's store code writes a fixed sequence of 1:1 messages
# with each writer (one transaction per message, batches of 16 and 128, the group commit store as
# deployed) and prints per stored message WAL bytes, commits, statements, heap tuples and index
# entries per table and index, bytes on disk; then the plan of every read the store runs.
#
# Counts, not timings: they repeat on a shared machine. Autovacuum is off so that nothing but the
# workload writes; checkpoints are spaced out so that none falls inside a measured phase.
#
# Usage: bench/store-profile.sh [MESSAGES]   (default 10000; build first: dotnet build Chat.sln -c Release)
set -euo pipefail
cd "$(dirname "$0")/.."

messages="${1:-10000}"
pg_bin=/usr/lib/postgresql/15/bin
bench=bench/ChatBench/bin/Release/net10.0/Chat.Bench.dll
[ -f "$bench" ] || { echo "build first: dotnet build Chat.sln -c Release" >&2; exit 1; }

is_root() { [ "$(id -u)" = 0 ]; }
as_postgres() { if is_root; then runuser -u postgres -- "$@"; else "$@"; fi; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

folder="$(mktemp -d /tmp/store-profile.XXXXXX)"
chmod 755 "$folder"
is_root && chown postgres:postgres "$folder"
port="$(free_port)"
stop() {
  as_postgres "$pg_bin/pg_ctl" -D "$folder/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$folder"
}
trap stop EXIT

as_postgres "$pg_bin/initdb" -D "$folder/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$folder/initdb.log"
as_postgres "$pg_bin/pg_ctl" -D "$folder/data" -l "$folder/server.log" -w -t 60 -o "-p $port -k $folder -c listen_addresses=127.0.0.1 \
  -c fsync=on -c synchronous_commit=on -c full_page_writes=on -c max_connections=200 \
  -c shared_preload_libraries=pg_stat_statements,auto_explain -c pg_stat_statements.track=all \
  -c autovacuum=off -c checkpoint_timeout=1h -c max_wal_size=20GB" start >/dev/null
"$pg_bin/psql" -h 127.0.0.1 -p "$port" -U postgres -qAtc "CREATE EXTENSION pg_stat_statements" postgres

echo "# Store profile, $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD)"
echo
echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}'), fsync=on, synchronous_commit=on, full_page_writes=on; command: bench/store-profile.sh $messages"
echo
dotnet "$bench" profile "Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres" "$messages"

# The plans auto_explain logged for each read (one block per marker): statement, then every scan.
echo
echo "## Read paths: which index each uses (auto_explain, actual rows)"
awk '
  /RAISE LOG/ { next }
  /store-profile read: end of reads/ { exit }
  /store-profile read:/ { started = 1; sub(/.*store-profile read: /, ""); printf "\n### %s\n\n", $0; next }
  !started { next }
  /Query Text:/ { sub(/.*Query Text: /, ""); gsub(/[ \t]+/, " "); printf "- `%s`\n", substr($0, 1, 160); next }
  /Scan|Sort Key|Insert on|Update on|Conflict Arbiter/ { line = $0; gsub(/^[ \t]+|[ \t]+$/, "", line); gsub(/\(cost=[^)]*\) /, "", line); printf "    - %s\n", line }
' "$folder/server.log" | sed 's/->  //'
