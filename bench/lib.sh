# What the bench scripts share; sourced, not run. The caller defines `say`, `loadgen` (which load
# generator), `results` (where a sweep writes) and `seconds` (per rate); start_system sets `work`.

wait_http() { for _ in $(seq 1 120); do curl -sf -o /dev/null "$1" && return 0; sleep 1; done; return 1; }
wait_port() { for _ in $(seq 1 60); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.5; done; return 1; }

# sweep NAME PIDS RATES LOADGEN-ARGS...: a short warm-up (JIT, pools; not recorded), then each rate.
sweep() {
  local name=$1 pids=$2 rates=$3
  shift 3
  loadgen "$@" --rate 1000 --duration 5 --drain 2 --prefix "${name}w$$" --edge-pids "$pids" > /dev/null
  for rate in $rates; do
    say "$name at $rate/s"
    loadgen "$@" --rate "$rate" --duration "$seconds" --drain 3 --prefix "${name}${rate}r$$" --edge-pids "$pids" > "$results/$name-$rate.json"
  done
}

# build_trees BEFORE AFTER PREFIX: both git refs checked out into folders of their own
# (/tmp/PREFIX-SIDE.*) and built there, so the two builds never share binaries; fills the
# associative array `tree` (before, after) that the caller declared, logs each build to
# $results/build-SIDE.log, and removes both folders when the script exits.
build_trees() {
  local side ref
  trap 'for side in before after; do [ -n "${tree[$side]:-}" ] && git worktree remove --force "${tree[$side]}" 2>/dev/null || true; done' EXIT
  for side in before after; do
    ref=$1
    [ "$side" = after ] && ref=$2
    tree[$side]=$(mktemp -d "/tmp/$3-$side.XXXXXX")
    git worktree add --detach "${tree[$side]}" "$ref" > /dev/null 2>&1
    say "$side = $(git -C "${tree[$side]}" log --oneline -1), building"
    dotnet build "${tree[$side]}/Chat.sln" -c Release -nologo -v quiet > "$results/build-$side.log" 2>&1
  done
}

# seed_store: bench/seed-store.sql into the message store of the system scripts/run-local.sh
# started (its PostgreSQL port, CHAT_POSTGRES_PORT), once ChatService is ready; about 15 s.
seed_store() {
  /usr/lib/postgresql/15/bin/psql -h 127.0.0.1 -p "${CHAT_POSTGRES_PORT:-55432}" -U postgres -d chat_messages \
    -q -v ON_ERROR_STOP=1 -f "$(dirname "${BASH_SOURCE[0]}")/seed-store.sql" > /dev/null
}

# start_system WORK: the local system (scripts/run-local.sh) with a fresh database in WORK/state,
# its log in WORK/run-local.log; returns once it is ready. When the script exits, the system is
# stopped, the caller's `after_system` runs if it defined one, and WORK is removed. Sets `system`.
start_system() {
  work=$1
  CHAT_STATE_DIR="$work/state" setsid scripts/run-local.sh > "$work/run-local.log" 2>&1 &
  system=$!
  trap stop_system EXIT
  wait_http http://127.0.0.1:8080/readyz || { say "the system did not start: $(tail -5 "$work/run-local.log")"; exit 1; }
}
stop_system() {
  kill -TERM "$system" 2>/dev/null || true
  wait "$system" 2>/dev/null || true
  if declare -F after_system > /dev/null; then after_system; fi
  rm -rf "$work"
}

# Both Edges of the local system, as the generator takes them, and its load on them: 200
# connections sending to each other across the two (`spread`).
edge_urls=http://127.0.0.1:5001,http://127.0.0.1:5002
full_load=(--targets "$edge_urls" --pattern spread --connections 200)

# warm_up PREFIX: 5 s at 1,000 messages/s over both Edges, not recorded (JIT, pools, caches).
warm_up() {
  say "warming up"
  loadgen "${full_load[@]}" --rate 1000 --duration 5 --drain 2 --prefix "$1w$$" > /dev/null 2>&1
}

# wait_connected LOG: returns once a generator started in the background has its connections
# open (it says so in LOG, its standard error, which the caller emptied before starting it).
wait_connected() {
  until grep -q "connections open" "$1"; do sleep 0.2; done
}

# load_in_background RATE SECONDS PREFIX [SETTLE]: a warm-up, then RATE messages/s over both
# Edges (`full_load`) in the background (`run`; its answer in WORK/loadgen.json); returns SETTLE
# seconds (default 5) after the generator's connections are open, and the run goes on for SECONDS
# and 5 more after that, so that the caller samples SECONDS from the middle of the run.
load_in_background() {
  local settle=${4:-5}
  warm_up "$3"
  say "at $1/s, sampling $2 s after $settle s of the run"
  : > "$work/loadgen.log"
  loadgen "${full_load[@]}" --rate "$1" --duration $(($2 + settle + 5)) --drain 3 --prefix "$3r$$" > "$work/loadgen.json" 2> "$work/loadgen.log" &
  run=$!
  wait_connected "$work/loadgen.log"
  sleep "$settle"
}

# load_settings: what a load run needs of this shell, and of the system it starts: the
# per-connection send limit (20/s) is for people, not for a load generator standing in for
# thousands of them; and every socket is a file descriptor, in the generator and in the server.
load_settings() {
  export Realtime__MessagesPerSecond=100000 Realtime__Burst=100000
  ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
}

# need_perf: installs perf (apt: linux-perf) when this machine has none; for the scripts that count
# or sample with it.
need_perf() {
  if ! command -v perf > /dev/null; then
    say "installing perf (apt: linux-perf)"
    apt-get install -y -qq linux-perf > /dev/null
  fi
}

# need_dotnet_trace: sets `trace` to dotnet-trace, or stops the script saying how to install it;
# for the scripts that trace a running service.
need_dotnet_trace() {
  trace=$(command -v dotnet-trace || echo "$HOME/.dotnet/tools/dotnet-trace")
  [ -x "$trace" ] || { say "dotnet-trace is needed: dotnet tool install -g dotnet-trace"; exit 1; }
}

# trace_duration SECONDS: the span dotnet-trace's --duration takes (dd:hh:mm:ss; 60 seconds
# written as 00:00:00:60 is refused, and the trace is never written).
trace_duration() { printf '00:%02d:%02d:%02d' $(($1 / 3600)) $(($1 % 3600 / 60)) $(($1 % 60)); }

# trace_parts PROVIDERS SECONDS NAME...: dotnet-trace (`need_dotnet_trace`) of each named process
# (NAME is a variable holding its pid) for SECONDS, into WORK/NAME.nettrace, all at once; then
# waits for them and for the run (`run`), and stops the script with the tracer's own words when one
# wrote no trace.
trace_parts() {
  local providers=$1 seconds=$2 part tracers=()
  shift 2
  for part in "$@"; do
    "$trace" collect -p "${!part}" --providers "$providers" --duration "$(trace_duration "$seconds")" -o "$work/$part.nettrace" > "$work/trace-$part.log" 2>&1 &
    tracers+=($!)
  done
  wait "${tracers[@]}" "$run"
  for part in "$@"; do
    [ -s "$work/$part.nettrace" ] || { say "no trace of $part: $(tail -3 "$work/trace-$part.log")"; exit 1; }
  done
}

# listener PORT: the process listening on PORT of this machine (its pid).
listener() { ss -ltnpH "sport = :$1" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2; }
