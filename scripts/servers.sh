# Run several servers side by side and stop them together; sourced by run-demo.sh.
#
# Each server runs in a session of its own, so a Ctrl-C in the terminal reaches only
# the script: `servers_interrupted` (trap it on INT, TERM and HUP) stops every server
# (TERM, then KILL after SERVERS_GRACE_SECONDS, at once on a second Ctrl-C), says
# "Stopped." and exits with 0. A server that stops by itself is a crash, whatever its
# status: `servers_watch` and `servers_check` name it, with its status and the end of
# its log, stop the others and exit with a non-zero status.
# Needs a `step` function that prints a heading (bootstrap.sh has one).

SERVER_PIDS=()
SERVER_NAMES=()
SERVER_LOGS=()
SERVERS_GRACE_SECONDS="${SERVERS_GRACE_SECONDS:-15}"
_servers_hurry=""

# Call first in the script, with its arguments. A script started with SIGINT ignored
# (in the background of another script, say) cannot trap it, and would not stop on
# Ctrl-C or an INT signal: run it again with SIGINT's default action.
servers_signals_reset() {
  if [ -n "$(trap -p INT)" ]; then
    exec env --default-signal=INT bash "$0" "$@"
  fi
}

# server_start NAME LOG DIR COMMAND [ARGS...]: run COMMAND in DIR, output to LOG.
server_start() {
  local name="$1" log="$2" dir="$3"
  shift 3
  # The subshell is no process group leader, so setsid makes the session itself
  # and execs COMMAND: $! is COMMAND's pid, and its process group's.
  (cd "$dir" && exec setsid "$@" >"$log" 2>&1 </dev/null) &
  SERVER_PIDS+=("$!")
  SERVER_NAMES+=("$name")
  SERVER_LOGS+=("$log")
}

_servers_alive() {
  local pid
  for pid in "${SERVER_PIDS[@]}"; do
    kill -0 "$pid" 2>/dev/null && return 0
  done
  return 1
}

# Stop every server, and whatever each started in its session.
servers_stop() {
  local pid tenths
  for pid in "${SERVER_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for ((tenths = 0; tenths < SERVERS_GRACE_SECONDS * 10; tenths++)); do
    _servers_alive && [ -z "$_servers_hurry" ] || break
    sleep 0.1
  done
  for pid in "${SERVER_PIDS[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}

# For the INT, TERM and HUP traps: an intended stop.
servers_interrupted() {
  trap '_servers_hurry=1' INT TERM HUP
  trap - EXIT
  echo
  step "Stopping"
  servers_stop
  echo "Stopped."
  exit 0
}

# Report the server with pid $1, which stopped with status $2; stop the rest; exit.
_servers_crashed() {
  local pid="$1" status="$2" i
  for i in "${!SERVER_PIDS[@]}"; do
    [ "${SERVER_PIDS[$i]}" = "$pid" ] && break
  done
  trap - INT TERM HUP EXIT
  {
    echo "The ${SERVER_NAMES[$i]} stopped unexpectedly (status $status)."
    echo "The end of ${SERVER_LOGS[$i]}:"
    tail -n 15 "${SERVER_LOGS[$i]}" | sed 's/^/    /'
  } >&2
  servers_stop
  exit $((status == 0 ? 1 : status))
}

# If a server has stopped, report it and exit; else return at once.
servers_check() {
  local pid status
  for pid in "${SERVER_PIDS[@]}"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      status=0
      wait "$pid" || status=$?
      _servers_crashed "$pid" "$status"
    fi
  done
}

# Wait until a server stops (a crash: report it and exit) or a trapped signal comes.
servers_watch() {
  local pid status=0
  wait -n -p pid "${SERVER_PIDS[@]}" || status=$?
  _servers_crashed "$pid" "$status"
}
