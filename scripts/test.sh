#!/usr/bin/env bash
# Runs every test against real servers (PostgreSQL, Redis, nginx are started by the tests
# themselves on loopback ports, in temporary folders). Installs what is missing first.
# Prints, last, the line CI reads: "N passed, N failed, N skipped".
# Extra arguments go to `dotnet test` (e.g. --filter FullyQualifiedName~Edge).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

results="$(pwd)/TestResults"
rm -rf "$results"
dotnet build Chat.sln -c Release -warnaserror -nologo -v quiet
status=0
dotnet test Chat.sln -c Release --no-build --nologo \
  --logger trx --logger "console;verbosity=normal" \
  --results-directory "$results" "$@" || status=$?

# One results file per test project (Chat.UnitTests, Chat.IntegrationTests): the counters are summed.
shopt -s nullglob
trx=("$results"/*.trx)
if [ ${#trx[@]} -eq 0 ]; then
  echo "no test results were written ($results)" >&2
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi
counter() { cat "${trx[@]}" | grep -o "<Counters [^>]*" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' | awk '{ s += $1 } END { print s + 0 }'; }
passed=$(counter passed)
failed=$(( $(counter failed) + $(counter error) + $(counter timeout) + $(counter aborted) ))
# Skipped tests are in the total but not among the executed ones (the trx has no counter of its own for them).
skipped=$(( $(counter total) - $(counter executed) ))
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
