#!/usr/bin/env bash
# bench/burst.sh: what a burst of concurrency leaves behind in the generator.
#
# Stampede runs the open model (GET /, LONG_RATE [5000]/s, pool of OPEN_MAX_USERS [2000]) against
# nginx on 127.0.0.1:PORT [18091] for DUR [240] s. At each of BURSTS ["20 140"] seconds it is
# stopped for 0.5 s (SIGSTOP, SIGCONT): a descheduling made deterministic, so ~2 500 starts come
# due at once and the pool fills. Every 5 s the script prints the generator's VmRSS and its open
# file descriptors (≈ connections). Pooled connections unused for 90 s are closed, so the fd
# count should fall back ~90 s after each burst.
#
#   bench/burst.sh                        # builds target/release/stampede if STAMPEDE is unset
#   STAMPEDE=/path/to/stampede DUR=150 BURSTS=20 bench/burst.sh
#
# Needs nginx (Debian), taskset and curl; nginx (started by lib.sh, as in run.sh, in a temporary
# prefix that is removed at exit) is pinned to CPU 1, Stampede to CPU 0. Loopback only, bounded
# by DUR and `timeout`.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
DUR="${DUR:-240}"
BURSTS="${BURSTS:-20 140}"
PORT="${PORT:-18091}"
LONG_RATE="${LONG_RATE:-5000}"
OPEN_MAX_USERS="${OPEN_MAX_USERS:-2000}"
NGINX="${NGINX:-/usr/sbin/nginx}"
if [[ -z "${STAMPEDE:-}" ]]; then
    (cd "$ROOT" && cargo build --release -q -p backend --bin stampede)
    STAMPEDE="${CARGO_TARGET_DIR:-$ROOT/target}/release/stampede"
fi

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$HERE/lib.sh"
PID=""
cleanup() {
    if [[ -n "$PID" ]]; then kill "$PID" 2>/dev/null || true; fi
    remove_nginx
}
trap cleanup EXIT
start_nginx "$PORT" 1 0 stampede-burst
DIR="$NGINX_DIR"   # nginx's prefix; Stampede's output goes there too
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

now_us() { echo "${EPOCHREALTIME/./}"; }
taskset -c 0 timeout -k 5 $((DUR + 30)) "$STAMPEDE" run "$HERE/scenarios/open.yaml" --quiet \
    --target "http://127.0.0.1:$PORT" --rate "$LONG_RATE" --users "$OPEN_MAX_USERS" \
    --duration "${DUR}s" --out "$DIR/summary.json" > "$DIR/stampede.out" 2>&1 &
PID=$!
sleep 0.2
GEN="$(pgrep -P "$PID" | head -1 || true)"   # `timeout` forks the real process
GEN="${GEN:-$PID}"
t0="$(now_us)"
read -r -a due <<< "$BURSTS"
echo "| t s | RSS KiB | open fds |"
echo "|---|---|---|"
for ((i = 0; i * 5 <= DUR; i++)); do
    while (( $(now_us) < t0 + i * 5000000 )); do
        if (( ${#due[@]} > 0 && $(now_us) >= t0 + due[0] * 1000000 )); then
            kill -STOP "$GEN"; sleep 0.5; kill -CONT "$GEN"
            due=("${due[@]:1}")
        fi
        sleep 0.05
    done
    [[ -d "/proc/$GEN" ]] || break
    echo "| $((i * 5)) | $(awk '/^VmRSS:/{print $2}' "/proc/$GEN/status") | $(ls "/proc/$GEN/fd" | wc -l) |"
done
wait "$PID" || true
PID=""
python3 - "$DIR/summary.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
t = s["total"]
print(f"\nrequests {t['requests']}, errors {t['errors']}, dropped iterations "
      f"{s['dropped_iterations']}, peak users {s['peak_users']}")
PY
