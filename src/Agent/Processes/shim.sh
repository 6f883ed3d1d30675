#!/bin/sh
# ZlhGrind game-server shim: the server's parent, started in its own session so that an agent
# restart neither kills the server nor loses its exit status (the containerd-shim pattern).
#
#   shim.sh <run-dir> <command> [<address-space-kb> [<cgroup.procs file>...]]
#
# - limits: the server's own process sets RLIMIT_AS (ulimit -v, a setrlimit(2) call; 0 = none) and writes its pid to
#   each cgroup.procs file BEFORE it execs the server, so nothing the server runs or forks is ever outside its groups;
#   when either fails the server is not started (exit 91 / 92, the reason in console.log);
# - console input: the FIFO <run-dir>/console.in, held open read-write here so the server never
#   reads end-of-file while no agent is writing, and any agent can open it later to send commands;
# - output: stdout and stderr of the server are appended to <run-dir>/console.log;
# - the server's pid is printed on this shim's stdout (one line), then stdout is closed;
# - the wait status is written atomically to <run-dir>/exit when the server ends:
#   the exit code, or 128 + signal number when a signal ended it (shell convention), then the time it
#   was recorded (seconds since the epoch), so an agent that was away learns when the server ended.
set -u
run="$1"
command="$2"
shift 2
address_space_kb="${1:-0}"
[ "$#" -gt 0 ] && shift

exec 0</dev/null 2>/dev/null
rm -f "$run/exit" "$run/exit.tmp" "$run/console.in"
mkfifo -m 600 "$run/console.in" || exit 90
exec 3<>"$run/console.in"

# A signal sent to the shim must not end it before it records the server's exit; a handler
# (unlike an ignored signal) is reset in the server at exec, so the server keeps default signals.
interrupted=0
trap 'interrupted=1' HUP INT TERM

# The inner script's $1 is the server's command line, $2 the address-space limit, the rest its cgroup.procs files; its
# $$ is the pid the server will have (it execs into the server).
sh -c '
  command="$1"
  if [ "$2" != 0 ]; then
    ulimit -v "$2" || { echo "zlh-shim: could not set the address-space limit of $2 KiB" >&2; exit 92; }
  fi
  shift 2
  for procs in "$@"; do
    echo $$ > "$procs" || { echo "zlh-shim: could not place the server in the cgroup of $procs" >&2; exit 91; }
  done
  exec sh -c "$command"' zlh-shim "exec $command" "$address_space_kb" "$@" <&3 >>"$run/console.log" 2>&1 3<&- &
child=$!
echo "$child"
exec 1>/dev/null

while :; do
  interrupted=0
  wait "$child"
  status=$?
  # wait also returns when a trapped signal interrupts it; the server is then still there.
  if [ "$interrupted" = 1 ] && kill -0 "$child" 2>/dev/null; then
    continue
  fi
  break
done

echo "$status $(date +%s)" > "$run/exit.tmp" && mv "$run/exit.tmp" "$run/exit"
