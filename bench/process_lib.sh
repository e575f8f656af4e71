# Process helpers shared by the bench scripts (sourced). The sourcing script defines
# note MESSAGE (used when a process has to be killed).

# alive PID: the process exists and is not a zombie (an exited child stays a zombie
# until waited for, and `kill -0` succeeds on zombies, so look at its state).
alive() {
  local st
  st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [[ -n $st && $st != Z ]]
}

# stop_pid PID: SIGTERM, up to 10 s, then SIGKILL. Bounded, never waits forever.
stop_pid() {
  local pid=$1 i
  alive "$pid" || { wait "$pid" 2>/dev/null || true; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    alive "$pid" || break
    sleep 0.1
  done
  if alive "$pid"; then
    note "process $pid did not stop on SIGTERM; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}
