#!/usr/bin/env bash
# Installs what running and testing the system needs on a Debian machine, and nothing that is
# already there: PostgreSQL 15, Redis, nginx, envsubst, curl and openssl (apt), wscat (npm), the
# docker-compose validator.
# Idempotent: a second run prints only what it checked.
set -euo pipefail

missing_apt=()
[ -x /usr/lib/postgresql/15/bin/initdb ] || missing_apt+=(postgresql-15)
command -v redis-server >/dev/null || missing_apt+=(redis-server)
command -v nginx >/dev/null || missing_apt+=(nginx)
# nginx/render.sh renders the gateway configuration with envsubst; run-local.sh uses curl and openssl.
command -v envsubst >/dev/null || missing_apt+=(gettext-base)
command -v curl >/dev/null || missing_apt+=(curl)
command -v openssl >/dev/null || missing_apt+=(openssl)
if [ "${CHAT_INSTALL_COMPOSE_VALIDATOR:-0}" = 1 ]; then
  command -v docker-compose >/dev/null || missing_apt+=(docker-compose)
fi

if [ ${#missing_apt[@]} -gt 0 ]; then
  echo "install-deps: installing with apt: ${missing_apt[*]}" >&2
  sudo_cmd=()
  [ "$(id -u)" = 0 ] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing_apt[@]}" >/dev/null
  # The packages start system-wide servers; the system starts its own, on ports of its own.
  for svc in redis-server nginx postgresql; do
    "${sudo_cmd[@]}" service "$svc" stop >/dev/null 2>&1 || true
  done
fi

if [ "${CHAT_INSTALL_WSCAT:-1}" = 1 ] && ! command -v wscat >/dev/null; then
  echo "install-deps: installing wscat with npm" >&2
  npm install -g --silent wscat@6 >/dev/null
fi
