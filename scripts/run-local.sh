#!/usr/bin/env bash
# The whole system on this machine, without Docker: PostgreSQL, Redis and nginx from local binaries
# with their data under .local/, UserService and ChatService (on PostgreSQL), two Edge replicas
# with fixed addresses (no Consul), and the gateway in front on http://127.0.0.1:${CHAT_HTTP_PORT:-8080}.
# Installs what is missing first (after saying what), prints every address and the commands to try
# it, and stops everything it started on Ctrl-C.
#
#   CHAT_HTTP_PORT       the gateway's port (default 8080)
#   CHAT_POSTGRES_PORT   PostgreSQL's port (default 55432, away from a system server on 5432)
#   CHAT_REDIS_PORT      Redis's port (default 56379, away from a system server on 6379)
#   CHAT_REDIS_CLUSTER   a number N >= 3: a Redis Cluster of N primaries, each with one replica, on
#                        CHAT_REDIS_PORT and the 2N-1 ports above it (cluster bus: 100 above each),
#                        instead of one Redis; the Edges then use sharded pub/sub
#   CHAT_STATE_DIR       where the data, keys and logs live (default .local; bench/run.sh gives
#                        each run an empty one, so every benchmark starts on an empty database)
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"

http_port="${CHAT_HTTP_PORT:-8080}"
pg_port="${CHAT_POSTGRES_PORT:-55432}"
redis_port="${CHAT_REDIS_PORT:-56379}"
redis_cluster="${CHAT_REDIS_CLUSTER:-}"
redis_ports=("$redis_port")
if [ -n "$redis_cluster" ]; then
  [[ "$redis_cluster" =~ ^[0-9]+$ ]] && [ "$redis_cluster" -ge 3 ] \
    || { printf 'run-local: CHAT_REDIS_CLUSTER must be a number of primaries, 3 or more (got %s)\n' "$redis_cluster" >&2; exit 1; }
  redis_ports=()
  for ((i = 0; i < 2 * redis_cluster; i++)); do
    redis_ports+=($((redis_port + i)))
  done
fi
user_port=7001
chat_port=7002
# HTTP/1.1 beside the gRPC services' h2c ports, for /healthz, /readyz and /metrics (as in compose).
user_http_port=7101
chat_http_port=7102
prometheus_port=9090
edge_ports=(5001 5002)

state="${CHAT_STATE_DIR:-$root/.local}"
logs="$state/logs"
pg_bin=/usr/lib/postgresql/15/bin
pg_dir="$state/postgres"
key_file="$state/keys/jwt-signing-key.pem"
cache_key_file="$state/keys/edge-cache-key"

say() { printf 'run-local: %s\n' "$*" >&2; }
die() {
  say "$*"
  exit 1
}
is_root() { [ "$(id -u)" = 0 ]; }
# PostgreSQL refuses to run as root; as root its tools run as the postgres user.
as_postgres() { if is_root; then runuser -u postgres -- "$@"; else "$@"; fi; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# --- What it needs -------------------------------------------------------------------------------
command -v dotnet >/dev/null || die "the .NET 10 SDK is needed and is not installed by this script (https://dot.net)"
say "needs PostgreSQL 15, Redis, nginx, envsubst, curl, openssl (apt) and wscat (npm); installing whatever is missing"
scripts/install-deps.sh

for port in "$http_port" "$pg_port" "${redis_ports[@]}" "$user_port" "$chat_port" "$user_http_port" "$chat_http_port" "${edge_ports[@]}"; do
  if listening "$port"; then
    die "port $port is in use (another run-local.sh?); stop that, or choose other ports (CHAT_HTTP_PORT, CHAT_POSTGRES_PORT, CHAT_REDIS_PORT)"
  fi
done
mkdir -p "$logs" "$state/redis"
if is_root && ! runuser -u nobody -- test -x "$state"; then
  die "$state must be reachable by other users (PostgreSQL and nginx's workers run as postgres and nobody); move the project out of a private folder such as /root"
fi

say "building (Release)"
dotnet build Chat.sln -c Release -nologo -v quiet

# --- Stopping everything on the way out ----------------------------------------------------------
pids=()
names=()
postgres_started=0
stop_all() {
  trap - EXIT INT TERM
  say "stopping"
  # Newest first: the gateway, the Edges, the services, then Redis.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill -TERM "${pids[i]}" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  if [ "$postgres_started" = 1 ]; then
    as_postgres "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null || true
  fi
  say "stopped"
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start NAME WORKDIR COMMAND...: a background process whose output goes to .local/logs/NAME.log.
start() {
  local name=$1 dir=$2
  shift 2
  (cd "$dir" && exec "$@") >"$logs/$name.log" 2>&1 &
  pids+=($!)
  names+=("$name")
}

# wait_until NAME COMMAND...: until COMMAND succeeds (60 s at most), or the process has died.
wait_until() {
  local name=$1 pid=${pids[-1]}
  shift
  for _ in $(seq 1 240); do
    if "$@" >/dev/null 2>&1; then
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.25
  done
  say "$name did not come up; the end of $logs/$name.log:"
  tail -n 30 "$logs/$name.log" >&2 || true
  exit 1
}

# --- PostgreSQL ----------------------------------------------------------------------------------
if [ ! -f "$pg_dir/data/PG_VERSION" ]; then
  say "creating a PostgreSQL cluster in $pg_dir (trust authentication, loopback only)"
  mkdir -p "$pg_dir"
  is_root && chown -R postgres:postgres "$pg_dir"
  as_postgres "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$logs/initdb.log"
fi
say "starting PostgreSQL on 127.0.0.1:$pg_port"
as_postgres "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 \
  -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1" start >/dev/null
postgres_started=1
for db in chat_users chat_messages; do
  exists="$("$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")"
  [ "$exists" = 1 ] || "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres "$db"
done

# --- Redis ---------------------------------------------------------------------------------------
redis_nodes=()
for port in "${redis_ports[@]}"; do
  redis_nodes+=("127.0.0.1:$port")
done
if [ -z "$redis_cluster" ]; then
  say "starting Redis on 127.0.0.1:$redis_port"
  start redis "$state/redis" redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no
  wait_until redis redis-cli -p "$redis_port" ping
  redis_line="Redis                    127.0.0.1:$redis_port      redis-cli -p $redis_port"
else
  say "starting a Redis Cluster: $redis_cluster primaries and $redis_cluster replicas on 127.0.0.1:${redis_ports[0]}-${redis_ports[-1]}"
  # Redis keeps nothing the system needs (messages are in PostgreSQL): every run forms a new cluster.
  rm -rf "$state/redis-cluster"
  for port in "${redis_ports[@]}"; do
    mkdir -p "$state/redis-cluster/$port"
    start "redis-$port" "$state/redis-cluster/$port" redis-server --port "$port" --cluster-port $((port + 100)) \
      --bind 127.0.0.1 --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 5000 \
      --save "" --appendonly no
    wait_until "redis-$port" redis-cli -p "$port" ping
  done
  redis-cli --cluster create "${redis_nodes[@]}" --cluster-replicas 1 --cluster-yes >"$logs/redis-cluster-create.log" 2>&1 \
    || { say "redis-cli --cluster create failed:"; cat "$logs/redis-cluster-create.log" >&2; exit 1; }
  cluster_ok() { for port in "${redis_ports[@]}"; do redis-cli -p "$port" cluster info | grep -q '^cluster_state:ok' || return 1; done; }
  wait_until "redis-${redis_ports[-1]}" cluster_ok
  redis_line="Redis Cluster            ${redis_nodes[0]}-${redis_ports[-1]}  redis-cli -c -p $redis_port cluster nodes"
fi

# --- The JWT signing key -------------------------------------------------------------------------
if [ ! -f "$key_file" ]; then
  say "creating the development JWT signing key $key_file"
  mkdir -p "$(dirname "$key_file")"
  chmod 700 "$(dirname "$key_file")"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$key_file" 2>/dev/null
  chmod 600 "$key_file"
fi
if [ ! -f "$cache_key_file" ]; then
  say "creating the Edges' shared-cache signing key $cache_key_file"
  openssl rand -base64 32 >"$cache_key_file"
  chmod 600 "$cache_key_file"
fi

# --- The services --------------------------------------------------------------------------------
# Each runs from its build folder, where its appsettings.json is (the gRPC services' HTTP/2 default).
service() {
  local name=$1 project=$2
  shift 2
  local dir="$root/src/$project/bin/Release/net10.0"
  start "$name" "$dir" env ASPNETCORE_ENVIRONMENT=Development "$@" dotnet "$dir/Chat.$project.dll"
}
postgres_connection="Host=127.0.0.1;Port=$pg_port;Username=postgres"

say "starting UserService on 127.0.0.1:$user_port (gRPC)"
service user-service UserService \
  Kestrel__Endpoints__Grpc__Url="http://127.0.0.1:$user_port" Kestrel__Endpoints__Grpc__Protocols=Http2 \
  Kestrel__Endpoints__Http__Url="http://127.0.0.1:$user_http_port" Kestrel__Endpoints__Http__Protocols=Http1 \
  ConnectionStrings__Users="$postgres_connection;Database=chat_users" \
  Jwt__SigningKeyFile="$key_file"
wait_until user-service curl -sf --http2-prior-knowledge "http://127.0.0.1:$user_port/healthz"

say "starting ChatService on 127.0.0.1:$chat_port (gRPC, PostgreSQL store)"
service chat-service ChatService \
  Kestrel__Endpoints__Grpc__Url="http://127.0.0.1:$chat_port" Kestrel__Endpoints__Grpc__Protocols=Http2 \
  Kestrel__Endpoints__Http__Url="http://127.0.0.1:$chat_http_port" Kestrel__Endpoints__Http__Protocols=Http1 \
  ConnectionStrings__Messages="$postgres_connection;Database=chat_messages" \
  Storage__Provider=Postgres \
  Services__UserService="http://127.0.0.1:$user_port"
wait_until chat-service curl -sf --http2-prior-knowledge "http://127.0.0.1:$chat_port/healthz"

edge_addresses=()
for i in "${!edge_ports[@]}"; do
  port=${edge_ports[i]}
  say "starting Edge replica $((i + 1)) on 127.0.0.1:$port"
  service "edge-$((i + 1))" Edge \
    ASPNETCORE_URLS="http://127.0.0.1:$port" \
    Services__UserService="http://127.0.0.1:$user_port" \
    Services__ChatService="http://127.0.0.1:$chat_port" \
    ConnectionStrings__Redis="$(IFS=,; echo "${redis_nodes[*]}")" \
    Caching__SigningKeyFile="$cache_key_file"
  wait_until "edge-$((i + 1))" curl -sf "http://127.0.0.1:$port/healthz"
  edge_addresses+=("127.0.0.1:$port")
done

# --- The gateway ---------------------------------------------------------------------------------
say "starting the gateway (nginx) on 127.0.0.1:$http_port"
CHAT_GATEWAY_LISTEN="127.0.0.1:$http_port" CHAT_EDGE_ADDRESSES="${edge_addresses[*]}" nginx/render.sh "$state/nginx"
start nginx "$state/nginx" nginx -p "$state/nginx/" -c "$state/nginx/nginx.conf"
wait_until nginx curl -sf "http://127.0.0.1:$http_port/readyz"

# --- Prometheus, when Debian's package is installed (optional: apt-get install prometheus) ----
prometheus_line="Prometheus               not installed (optional: apt-get install prometheus)"
if command -v prometheus >/dev/null && ! listening "$prometheus_port"; then
  mkdir -p "$state/prometheus"
  cat >"$state/prometheus/prometheus.yml" <<EOF
global: {scrape_interval: 5s}
scrape_configs:
  - {job_name: edge, static_configs: [{targets: ["127.0.0.1:${edge_ports[0]}", "127.0.0.1:${edge_ports[1]}"]}]}
  - {job_name: user-service, static_configs: [{targets: ["127.0.0.1:$user_http_port"]}]}
  - {job_name: chat-service, static_configs: [{targets: ["127.0.0.1:$chat_http_port"]}]}
EOF
  start prometheus "$state/prometheus" prometheus --config.file="$state/prometheus/prometheus.yml" \
    --storage.tsdb.path="$state/prometheus/data" --web.listen-address="127.0.0.1:$prometheus_port"
  prometheus_line="Prometheus               http://127.0.0.1:$prometheus_port   (scraping all four)"
fi

gateway="http://127.0.0.1:$http_port"
cat <<EOF

  The chat system is running. Ctrl-C stops all of it.

  Gateway (the only door)  $gateway          ws://127.0.0.1:$http_port/ws
  Edge replicas            http://127.0.0.1:${edge_ports[0]}  http://127.0.0.1:${edge_ports[1]}
  UserService (gRPC, h2c)  127.0.0.1:$user_port       grpcurl -plaintext 127.0.0.1:$user_port list
  ChatService (gRPC, h2c)  127.0.0.1:$chat_port       grpcurl -plaintext 127.0.0.1:$chat_port list
  PostgreSQL               127.0.0.1:$pg_port      psql -h 127.0.0.1 -p $pg_port -U postgres chat_users
  $redis_line
  Metrics (never through the gateway)
    Edge replica 1         http://127.0.0.1:${edge_ports[0]}/metrics
    Edge replica 2         http://127.0.0.1:${edge_ports[1]}/metrics
    UserService            http://127.0.0.1:$user_http_port/metrics
    ChatService            http://127.0.0.1:$chat_http_port/metrics
  $prometheus_line
  Traces                   none until OTEL_EXPORTER_OTLP_ENDPOINT is set (an OTLP receiver, e.g. Jaeger's :4317)
  Logs                     $logs/   (one JSON line per event)

  Try it, in another terminal:

    curl -i -X POST $gateway/api/auth/register -H 'Content-Type: application/json' -d '{"username":"alice","password":"alice-password"}'
    curl -i -X POST $gateway/api/auth/register -H 'Content-Type: application/json' -d '{"username":"bob","password":"bob-password"}'
    TOKEN=\$(curl -s -X POST $gateway/api/auth/login -H 'Content-Type: application/json' -d '{"username":"alice","password":"alice-password"}' | sed -E 's/.*"accessToken":"([^"]+)".*/\1/')
    wscat -c ws://127.0.0.1:$http_port/ws -H "Authorization: Bearer \$TOKEN"

  and type "bob hello"; log in as bob the same way in a third terminal to see it arrive.

EOF

# Until Ctrl-C, or until one of them dies, which stops the rest.
exited=0
wait -n -p exited "${pids[@]}" || true
for i in "${!pids[@]}"; do
  if [ "${pids[i]}" = "$exited" ]; then
    say "${names[i]} exited; the end of $logs/${names[i]}.log:"
    tail -n 30 "$logs/${names[i]}.log" >&2 || true
  fi
done
exit 1
