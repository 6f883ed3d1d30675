#!/bin/sh
# ZlhGrind game-server shim: the server's parent, started in its own session so that an agent
# restart neither kills the server nor loses its exit status (the containerd-shim pattern).
#
#   shim.sh <run-dir> <command>
#
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

exec 0</dev/null 2>/dev/null
rm -f "$run/exit" "$run/exit.tmp" "$run/console.in"
mkfifo -m 600 "$run/console.in" || exit 90
exec 3<>"$run/console.in"

# A signal sent to the shim must not end it before it records the server's exit; a handler
# (unlike an ignored signal) is reset in the server at exec, so the server keeps default signals.
interrupted=0
trap 'interrupted=1' HUP INT TERM

sh -c "exec $command" <&3 >>"$run/console.log" 2>&1 3<&- &
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
