#!/usr/bin/env bash
# Runs the tests a filter selects N times in a row (built once) and prints "passed/N": for
# proving that a race is gone, e.g.
#   scripts/repeat-test.sh 'FullyQualifiedName~SecondConnectionTests' 50
# Each run's output is kept in TestResults/repeat/run-K.log; the failing ones are named.
set -euo pipefail
cd "$(dirname "$0")/.."

filter="${1:?usage: scripts/repeat-test.sh FILTER [N]}"
runs="${2:-50}"
logs="$(pwd)/TestResults/repeat"
rm -rf "$logs"
mkdir -p "$logs"

scripts/install-deps.sh
dotnet build tests/Chat.IntegrationTests -c Release -warnaserror -nologo -v quiet
passed=0
for run in $(seq 1 "$runs"); do
  if dotnet test tests/Chat.IntegrationTests -c Release --no-build --nologo --filter "$filter" >"$logs/run-$run.log" 2>&1 \
     && grep -q "Passed!" "$logs/run-$run.log"; then
    passed=$((passed + 1))
  else
    echo "run $run failed: $logs/run-$run.log" >&2
  fi
done
echo "$passed/$runs"
[ "$passed" -eq "$runs" ]
