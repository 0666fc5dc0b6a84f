#!/bin/sh
# Starts redis-server with two users and no other: `default` for operators and health checks
# (every command, REDIS_PASSWORD) and `edge` for the Edge replicas (only the commands, keys and
# channels of edge-user.acl, EDGE_REDIS_PASSWORD). Arguments go on to redis-server. The user table
# is written to REDIS_ACL_FILE (default /tmp/users.acl), readable by this user alone.
set -eu
: "${REDIS_PASSWORD:?REDIS_PASSWORD is not set}"
: "${EDGE_REDIS_PASSWORD:?EDGE_REDIS_PASSWORD is not set}"
here=$(dirname "$0")
acl=${REDIS_ACL_FILE:-/tmp/users.acl}
edge_rules=$(grep -v '^[[:space:]]*#' "$here/edge-user.acl" | tr '\n' ' ')
umask 077
{
  printf 'user default on >%s ~* &* +@all\n' "$REDIS_PASSWORD"
  printf 'user edge on >%s %s\n' "$EDGE_REDIS_PASSWORD" "$edge_rules"
} > "$acl"
exec redis-server --aclfile "$acl" "$@"
