#!/usr/bin/env bash
# The test suite inside the compose network (`docker compose --profile test run`), against the
# MongoDB, Postgres, Redis and Consul of the test profile, which are removed afterwards with their
# anonymous volumes: nothing of a run is left, and the system's own servers are never touched.
# Extra arguments go to scripts/test.sh inside the container (e.g. --filter FullyQualifiedName~Edge).
set -euo pipefail
cd "$(dirname "$0")/.."

test_servers=(test-mongo test-postgres test-redis test-consul)
remove_test_servers() { docker compose --profile test rm --stop --force -v "${test_servers[@]}" >&2; }
trap remove_test_servers EXIT
docker compose --profile test run --rm --build tests scripts/test.sh "$@"
