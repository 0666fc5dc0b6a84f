#!/bin/sh
# Writes the gateway's configuration into DIR, ready for `nginx -p DIR/ -c DIR/nginx.conf`.
# The one renderer of nginx/: the compose image, scripts/run-local.sh, scripts/check-nginx.sh and
# the tests' NginxServer all call it, so they all run the same configuration.
#
#   CHAT_EDGE_ADDRESSES             the Edge replicas, HOST:PORT separated by spaces or commas (required)
#   CHAT_GATEWAY_LISTEN             PORT or ADDRESS:PORT to listen on (default 8080)
#   CHAT_GATEWAY_CONN_PER_ADDRESS   concurrent connections per client address (default 100)
#
# POSIX sh: it also runs in the Alpine-based gateway image.
set -eu

usage="usage: CHAT_EDGE_ADDRESSES='host:port ...' $0 OUTPUT_DIR"
fail() {
  echo "render.sh: $*" >&2
  exit 2
}
matches() { printf '%s\n' "$1" | grep -Eq "$2"; }

[ $# -eq 1 ] || fail "$usage"
out=$1
here=$(cd "$(dirname "$0")" && pwd)

edges=$(printf '%s' "${CHAT_EDGE_ADDRESSES:-}" | tr ',' ' ')
listen=${CHAT_GATEWAY_LISTEN:-8080}
conn_per_address=${CHAT_GATEWAY_CONN_PER_ADDRESS:-100}

matches "$listen" '^(([0-9.]+|\[[0-9a-fA-F:]+\]):)?[0-9]{1,5}$' ||
  fail "CHAT_GATEWAY_LISTEN must be PORT or ADDRESS:PORT (e.g. 8080, 127.0.0.1:8080), not '$listen'"
matches "$conn_per_address" '^[1-9][0-9]*$' ||
  fail "CHAT_GATEWAY_CONN_PER_ADDRESS must be a positive number, not '$conn_per_address'"

servers=""
probes=""
for edge in $edges; do
  matches "$edge" '^([A-Za-z0-9._-]+|\[[0-9a-fA-F:]+\]):[0-9]{1,5}$' ||
    fail "each Edge address must be HOST:PORT (e.g. edge-1:8080, 127.0.0.1:5001), not '$edge'"
  servers="${servers:+$servers
}    server $edge max_fails=1 fail_timeout=10s;"
  probes="${probes:+$probes
}    server $edge max_fails=0;"
done
[ -n "$servers" ] || fail "CHAT_EDGE_ADDRESSES lists no Edge replica. $usage"

CHAT_EDGE_SERVERS=$servers
CHAT_EDGE_PROBE_SERVERS=$probes
CHAT_GATEWAY_LISTEN=$listen
CHAT_GATEWAY_CONN_PER_ADDRESS=$conn_per_address
export CHAT_EDGE_SERVERS CHAT_EDGE_PROBE_SERVERS CHAT_GATEWAY_LISTEN CHAT_GATEWAY_CONN_PER_ADDRESS

mkdir -p "$out"
# nginx's workers (an unprivileged user when the master is root) create temporary files in here.
chmod 755 "$out"
cp "$here/nginx.conf" "$out/nginx.conf"
# Only the named variables are replaced; nginx's own $variables pass through untouched.
# shellcheck disable=SC2016
envsubst '${CHAT_EDGE_SERVERS} ${CHAT_EDGE_PROBE_SERVERS} ${CHAT_GATEWAY_LISTEN} ${CHAT_GATEWAY_CONN_PER_ADDRESS}' \
  <"$here/gateway.conf.template" >"$out/gateway.conf"
