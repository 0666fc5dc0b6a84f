#!/usr/bin/env bash
# Prepares the secrets docker-compose.yml reads, once: writes .env from .env.example with random
# passwords, and creates the ECDSA P-256 key UserService signs tokens with. Leaves an existing
# .env or key alone, so running it again changes nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v openssl >/dev/null || { echo "init-env: openssl is needed (apt-get install openssl)" >&2; exit 1; }

if [ -f .env ]; then
  echo "init-env: .env exists, left as it is" >&2
else
  # Hex: safe inside the connection strings the passwords end up in.
  sed -e "s/^POSTGRES_PASSWORD=.*/POSTGRES_PASSWORD=$(openssl rand -hex 24)/" \
      -e "s/^REDIS_PASSWORD=.*/REDIS_PASSWORD=$(openssl rand -hex 24)/" \
      -e "s/^EDGE_REDIS_PASSWORD=.*/EDGE_REDIS_PASSWORD=$(openssl rand -hex 24)/" \
      -e "s/^GRAFANA_ADMIN_PASSWORD=.*/GRAFANA_ADMIN_PASSWORD=$(openssl rand -hex 24)/" \
      -e "s|^EDGE_CACHE_KEY=.*|EDGE_CACHE_KEY=$(openssl rand -base64 32)|" \
      .env.example >.env
  chmod 600 .env
  echo "init-env: wrote .env with random passwords" >&2
fi

key_file="$(sed -n 's/^JWT_SIGNING_KEY_FILE=//p' .env)"
key_file="${key_file:-./.secrets/jwt-signing-key.pem}"
if [ -f "$key_file" ]; then
  echo "init-env: $key_file exists, left as it is" >&2
else
  key_dir="$(dirname "$key_file")"
  mkdir -p "$key_dir"
  chmod 700 "$key_dir"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$key_file" 2>/dev/null
  # Readable by the container's unprivileged user; the folder keeps everyone else on this host out.
  chmod 644 "$key_file"
  echo "init-env: created the JWT signing key $key_file" >&2
fi
