# Shell helpers shared by the bench scripts (sourced): processes they start, and how
# busy the machine is. The sourcing script defines note MESSAGE (used when a process
# has to be killed).

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

# cpu_busy: the percentage of all CPUs busy over one second (the caller sleeps
# meanwhile); anything else running on the machine skews the numbers, so it is reported.
cpu_busy() {
  local a b
  a=$(head -n 1 /proc/stat)
  sleep 1
  b=$(head -n 1 /proc/stat)
  awk -v a="$a" -v b="$b" 'BEGIN {
    n = split(a, x); split(b, y)
    for (i = 2; i <= n; i++) { t += y[i] - x[i]; if (i == 5 || i == 6) idle += y[i] - x[i] }
    printf "%.0f", t ? 100 * (t - idle) / t : 0 }'
}
