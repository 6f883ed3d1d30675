#!/bin/sh
# A stand-in game server for the local stack and tests: it logs like a Minecraft server, takes
# console commands on stdin, and can be made to fail in each way the agent classifies.
#
# Console commands:
#   stop              save and exit 0 (what the agent sends for a graceful stop)
#   say <text>        print "[Server] <text>"
#   list              print the player count
#   crash oom         print a java.lang.OutOfMemoryError and exit 1
#   crash plugin      print a plugin load failure and exit 1
#   crash library     print a missing shared library error and exit 127
#   crash jar         print "Unable to access jarfile" and exit 1
#   crash exit <n>    exit with code n
#   crash segv        end by SIGSEGV (signal 11)
#   deaf              from now on ignore "stop" and SIGTERM (to exercise the stop timeout)
#
# ZLH_STANDIN_CRASH_AT_START=<oom|plugin|library|jar> makes it fail that way right after starting.
# ZLH_STANDIN_READY=<now|on-go|never> when to print the ready line "Done (...)! For help": at once (default),
#   once the console says "go" (a slow start a test controls), or never (a server that never gets ready).
set -u
set -f  # console words are never file patterns

log() {
  printf '[%s] [Server thread/%s]: %s\n' "$(date +%H:%M:%S)" "$1" "$2"
}

crash() {
  case "$1" in
    oom)
      log INFO "Preparing spawn area: 42%"
      echo 'Exception in thread "Server thread" java.lang.OutOfMemoryError: Java heap space' >&2
      echo '	at java.base/java.util.Arrays.copyOf(Arrays.java:3537)' >&2
      exit 1 ;;
    plugin)
      log INFO "Loading 1 plugins"
      log ERROR "Could not load 'plugins/StandInPlugin-1.0.jar' in folder 'plugins'"
      echo "org.bukkit.plugin.InvalidPluginException: java.lang.ClassNotFoundException: dev.zlh.StandIn" >&2
      exit 1 ;;
    library)
      echo "./stand-in-server: error while loading shared libraries: libstandin.so.1: cannot open shared object file: No such file or directory" >&2
      exit 127 ;;
    jar)
      echo "Error: Unable to access jarfile stand-in-server.jar" >&2
      exit 1 ;;
    exit)
      log ERROR "Stopping with exit code $2"
      exit "$2" ;;
    segv)
      log ERROR "Segmentation fault coming up"
      kill -SEGV $$ ;;
    *)
      log WARN "Unknown crash kind '$1'" ;;
  esac
}

log INFO "Starting minecraft server version 1.21.1 (stand-in, pid $$)"
log INFO "Loading properties"
if [ -n "${ZLH_STANDIN_CRASH_AT_START:-}" ]; then
  crash "$ZLH_STANDIN_CRASH_AT_START" 1
fi
log INFO "Preparing level \"world\""
case "${ZLH_STANDIN_READY:-now}" in
  now) log INFO "Done (0.042s)! For help, type \"help\"" ;;
  on-go)
    log INFO "Loading mods (waiting for go)"
    while read -r line; do
      if [ "$line" = go ]; then break; fi
      log INFO "Still loading, ignoring '$line'"
    done
    log INFO "Done (12.345s)! For help, type \"help\"" ;;
  never) log INFO "Loading mods forever" ;;
esac

deaf=0
while :; do
  if ! read -r line; then
    # stdin is the agent's console FIFO and never ends; EOF means someone ran us by hand.
    sleep 1
    continue
  fi
  set -- $line
  case "${1:-}" in
    stop)
      if [ "$deaf" = 1 ]; then log INFO "Ignoring stop"; continue; fi
      log INFO "Stopping the server"
      log INFO "Saving worlds"
      log INFO "ThreadedAnvilChunkStorage: All dimensions are saved"
      exit 0 ;;
    say) shift; log INFO "[Server] $*" ;;
    list) log INFO "There are 0 of a max of 20 players online:" ;;
    crash) crash "${2:-}" "${3:-1}" ;;
    deaf) deaf=1; trap 'log INFO "Ignoring SIGTERM"' TERM; log INFO "Now ignoring stop and SIGTERM" ;;
    "") ;;
    *) log INFO "Unknown command. Type \"/help\" for help." ;;
  esac
done
