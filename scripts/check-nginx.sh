#!/usr/bin/env bash
# Validates the gateway configuration in nginx/ the way nginx itself reads it: renders it with
# nginx/render.sh into a temporary folder and runs `nginx -t` on the result, once as the local run
# and the tests render it (loopback address) and once as the compose image does (port only).
# Upstream addresses must resolve for `nginx -t`, so loopback ones stand in for edge-1/edge-2.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v nginx >/dev/null || { echo "check-nginx: nginx is not installed (scripts/install-deps.sh)" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

check() {
  local name=$1 listen=$2
  CHAT_GATEWAY_LISTEN="$listen" CHAT_EDGE_ADDRESSES="127.0.0.1:5001 127.0.0.1:5002" \
    nginx/render.sh "$work/$name"
  nginx -q -t -p "$work/$name/" -c "$work/$name/nginx.conf"
  echo "check-nginx: gateway configuration is valid (listen $listen)" >&2
}

check local 127.0.0.1:8080
check compose 8080
