#!/usr/bin/env bash
# bench/run.sh — how much load Stampede makes per generator CPU-second, next to wrk and oha,
# on this machine. Loopback only (127.0.0.1); every generator run is bounded by its own
# duration flag and by `timeout`. See bench/README.md for what each figure means.
#
#   bench/run.sh [TABLE...]
#
# TABLE (default: closed open memory startup):
#   closed    closed loop, $CONNS connections, max rate, GET / (2 B), /1k.bin, /100k.bin:
#             Stampede, wrk and oha in turn (interleaved), $RUNS runs each, $DURATION s each
#   open      Stampede at fixed arrival rates ($OPEN_RATES per s, $OPEN_DURATION s) against nginx
#   memory    RSS of Stampede holding 1, and each of $MEM_USERS users (1 s think time), and RSS
#             every 10 s over a $LONG s constant-rate run ($LONG_RATE/s)
#   startup   time from spawning `stampede run` to its first request arriving at a listener
#   syscalls  system calls per request of each tool (perf stat -e raw_syscalls:sys_enter), if
#             perf works here; a load-independent companion to the CPU figures
#   callgrind user-space instructions per request of each tool under valgrind (slow; stable on a
#             busy machine). Not in the default set.
#
# Knobs (environment, defaults in brackets):
#   RUNS [3] DURATION [10] CONNS [50] GEN_CPU [0] TARGET_CPU [1] PORT [18090]
#   BODIES ["root 1k 100k"]        closed-loop paths: / (2 B), /1k.bin, /100k.bin
#   OPEN_RATES ["5000 20000"] OPEN_DURATION [15] OPEN_MAX_USERS [2000]
#   MEM_USERS ["1000 10000"] MEM_HOLD [30] LONG [600] LONG_RATE [5000] QUICK [0]
#   QUICK=1: LONG=60, MEM_HOLD=20 (development; the long-run figure then says little)
#   IDLE_MAX [10] IDLE_WAIT [30]   before each run wait up to IDLE_WAIT s for the machine to be
#                                  at most IDLE_MAX % busy (other people's builds skew a run)
#   OTHER_MAX_PCT [5] ATTEMPTS [2] repeat a run during which other processes used more than
#                                  OTHER_MAX_PCT % of the machine (at most ATTEMPTS tries)
#   NICE [0]                       niceness of nginx and of every generator (e.g. -10 on a box
#                                  shared with other people's builds; needs root)
#   STAMPEDE [build target/release/stampede]   use this binary instead of building one
#   OHA_VERSION [1.16.0]           oha version installed with `cargo install --locked`
#   OUT [target/bench/<UTC timestamp>]          raw outputs, summary.md
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"

QUICK="${QUICK:-0}"
RUNS="${RUNS:-3}"
DURATION="${DURATION:-10}"
CONNS="${CONNS:-50}"
BODIES="${BODIES:-root 1k 100k}"
GEN_CPU="${GEN_CPU:-0}"
TARGET_CPU="${TARGET_CPU:-1}"
PORT="${PORT:-18090}"
OPEN_RATES="${OPEN_RATES:-5000 20000}"
OPEN_DURATION="${OPEN_DURATION:-15}"
OPEN_MAX_USERS="${OPEN_MAX_USERS:-2000}"
MEM_USERS="${MEM_USERS:-1000 10000}"
if [[ "$QUICK" == 1 ]]; then
    LONG="${LONG:-60}"
    MEM_HOLD="${MEM_HOLD:-20}"
else
    LONG="${LONG:-600}"
    MEM_HOLD="${MEM_HOLD:-30}"
fi
LONG_RATE="${LONG_RATE:-5000}"
IDLE_MAX="${IDLE_MAX:-10}"
IDLE_WAIT="${IDLE_WAIT:-30}"
OTHER_MAX_PCT="${OTHER_MAX_PCT:-5}"
ATTEMPTS="${ATTEMPTS:-2}"
NICE="${NICE:-0}"
OHA_VERSION="${OHA_VERSION:-1.16.0}"
OUT="${OUT:-$ROOT/target/bench/$(date -u +%Y%m%dT%H%M%SZ)}"
TABLES=("$@")
[[ ${#TABLES[@]} -eq 0 ]] && TABLES=(closed open memory startup)

URL="http://127.0.0.1:$PORT"
CLK_TCK="$(getconf CLK_TCK)"
NGINX="${NGINX:-/usr/sbin/nginx}"

mkdir -p "$OUT/raw"
OUT="$(cd "$OUT" && pwd)"
log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" | tee -a "$OUT/run.log" >&2; }
have() { command -v "$1" >/dev/null 2>&1; }
die() { log "error: $*"; exit 1; }

# ------------------------------------------------------------------------------ tools
apt_install() {
    [[ "$(id -u)" == 0 ]] || die "$* missing and not root: install with apt-get install -y $*"
    log "apt-get install $*"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_tools() {
    local pkgs=()
    [[ -x "$NGINX" ]] || pkgs+=(nginx)
    have wrk || pkgs+=(wrk)
    [[ -x /usr/bin/time ]] || pkgs+=(time)
    have taskset || pkgs+=(util-linux)
    have python3 || pkgs+=(python3)
    have curl || pkgs+=(curl)
    (( ${#pkgs[@]} == 0 )) || apt_install "${pkgs[@]}"
    if ! have oha; then
        export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
    fi
    if ! have oha; then
        log "cargo install oha $OHA_VERSION (pinned)"
        if ! cargo install oha --version "$OHA_VERSION" --locked >>"$OUT/run.log" 2>&1; then
            log "oha $OHA_VERSION did not install; trying the newest release"
            cargo install oha --locked >>"$OUT/run.log" 2>&1 || die "cannot install oha"
        fi
    fi
    if [[ -z "${STAMPEDE:-}" ]]; then
        log "cargo build --release -p backend --bin stampede"
        (cd "$ROOT" && cargo build --release -p backend --bin stampede) >>"$OUT/run.log" 2>&1 \
            || die "build failed (see $OUT/run.log)"
        STAMPEDE="${CARGO_TARGET_DIR:-$ROOT/target}/release/stampede"
    fi
    [[ -x "$STAMPEDE" ]] || die "no stampede binary at $STAMPEDE"
    # 10 000 users need 10 000 sockets on each side.
    ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
}

record_env() {
    {
        echo "date_utc: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
        echo "kernel: $(uname -r)"
        echo "cpu: $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p')"
        echo "nproc: $(nproc)"
        echo "settings: RUNS=$RUNS DURATION=$DURATION CONNS=$CONNS BODIES='$BODIES' GEN_CPU=$GEN_CPU TARGET_CPU=$TARGET_CPU NICE=$NICE OPEN_RATES='$OPEN_RATES' OPEN_DURATION=$OPEN_DURATION MEM_USERS='$MEM_USERS' MEM_HOLD=$MEM_HOLD LONG=$LONG LONG_RATE=$LONG_RATE"
        echo "stampede: $("$STAMPEDE" --version 2>&1 | head -1) ($(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo '?')$(cd "$ROOT" && git diff --quiet -- backend shared 2>/dev/null || echo '+local changes'))"
        echo "nginx: $("$NGINX" -v 2>&1)"
        echo "wrk: $(wrk -v 2>&1 | head -1) (debian $(dpkg-query -W -f '${Version}' wrk 2>/dev/null || echo '?'))"
        echo "oha: $(oha --version 2>&1 | head -1)"
        echo "ulimit -n: $(ulimit -n)"
    } > "$OUT/env.txt"
}

# ------------------------------------------------------------------------------ nginx
# start_nginx, stop_nginx, nginx_pids, remove_nginx: the nginx target, shared with burst.sh.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$HERE/lib.sh"

BG_PIDS=()
cleanup() {
    local p
    for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    remove_nginx
    return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------------------ accounting
# "busy all-ticks" over the whole machine, from /proc/stat.
stat_now() { awk '/^cpu /{b=$2+$3+$4+$7+$8+$9; print b, b+$5+$6}' /proc/stat; }

busy_pct() {  # busy % of the machine over the next $1 s
    local a b
    read -r -a a < <(stat_now); sleep "$1"; read -r -a b < <(stat_now)
    local busy=$(( b[0] - a[0] )) all=$(( b[1] - a[1] ))
    echo $(( 100 * busy / (all > 0 ? all : 1) ))
}

wait_idle() {  # prints the busy % seen last
    local pct waited=0
    pct="$(busy_pct 1)"
    while (( pct > IDLE_MAX && waited < IDLE_WAIT )); do
        sleep 2; waited=$(( waited + 3 ))
        pct="$(busy_pct 1)"
    done
    echo "$pct"
}

cpu_ticks() {  # utime+stime (ticks) of the given pids
    local t=0 pid f
    for pid in "$@"; do
        [[ -r /proc/$pid/stat ]] || continue
        read -r -a f < <(sed 's/^.*) //' "/proc/$pid/stat")
        t=$(( t + f[11] + f[12] ))
    done
    echo "$t"
}

# run_one TABLE LABEL RUN BOUND_S -- CMD...
# Runs CMD pinned to GEN_CPU under /usr/bin/time and records generator CPU, target CPU and
# the machine's CPU over the run, so that "other CPU" (anything else on the box) is known.
run_one() {
    local table="$1" label="$2" run="$3" bound="$4"; shift 5
    local dir="$OUT/raw/$table" base
    mkdir -p "$dir"
    base="$dir/$label.run$run"
    local tp; tp="$(nginx_pids)"
    local attempt before s0 s1 t0 t1 gen other allowed
    for attempt in $(seq "$ATTEMPTS"); do
        printf '%q ' "$@" | sed "s#$ROOT/##g; s#$OUT/##g" > "$base.cmd"; echo >> "$base.cmd"
        before="$(wait_idle)"
        read -r -a s0 < <(stat_now)
        t0="$(cpu_ticks $tp)"
        /usr/bin/time -f '%e %U %S' -o "$base.time" \
            nice -n "$NICE" taskset -c "$GEN_CPU" timeout -k 5 "$bound" "$@" > "$base.out" 2>&1 || echo "exit=$?" >> "$base.out"
        t1="$(cpu_ticks $tp)"
        read -r -a s1 < <(stat_now)
        gen="$(tail -1 "$base.time" | awk -v hz="$CLK_TCK" '{printf "%d", ($2 + $3) * hz}')"
        other=$(( s1[0] - s0[0] - gen - (t1 - t0) ))
        (( other < 0 )) && other=0
        # target: "<ticks> <ticks per s>"; stat: "<busy % before> <other ticks> <machine busy ticks>"
        echo "$(( t1 - t0 )) $CLK_TCK" > "$base.target"
        echo "$before $other $(( s1[0] - s0[0] )) $attempt" > "$base.stat"
        allowed="$(tail -1 "$base.time" | awk -v hz="$CLK_TCK" -v p="$OTHER_MAX_PCT" -v n="$(nproc)" \
            '{a = $1 * n * hz * p / 100; if (a < 30) a = 30; printf "%d", a}')"
        log "  $table $label run $run: $(tail -1 "$base.time") (wall user sys), target ticks $(( t1 - t0 )), other ticks $other (busy before ${before}%)"
        sleep 1
        if (( other <= allowed )); then break; fi
        if (( attempt < ATTEMPTS )); then log "  disturbed by other processes ($other > $allowed ticks): again"; fi
    done
    return 0
}

# ------------------------------------------------------------------------------ tables
closed_cmd() {  # closed_cmd TOOL PATH NAME BASE -> CMD
    local tool="$1" path="$2" name="$3" base="$4"
    case "$tool" in
    stampede) CMD=("$STAMPEDE" run "$HERE/scenarios/closed-$name.yaml" --quiet --target "$URL"
                   --users "$CONNS" --duration "${DURATION}s" --out "$base.json") ;;
    wrk)      CMD=(wrk -t1 -c"$CONNS" -d"${DURATION}s" --latency "$URL$path") ;;
    oha)      CMD=(oha -z "${DURATION}s" -c "$CONNS" --worker-threads 1 --no-tui --output-format json "$URL$path") ;;
    esac
}

closed_table() {
    log "== closed loop: $CONNS connections, ${DURATION}s, $RUNS runs per tool and path"
    local path name run tool
    for name in $BODIES; do
        case "$name" in
        root) path=/ ;;
        1k) path=/1k.bin ;;
        100k) path=/100k.bin ;;
        *) die "unknown body $name (root, 1k, 100k)" ;;
        esac
        # warm-up: caches, nginx's open-file cache, the first connections
        nice -n "$NICE" taskset -c "$GEN_CPU" timeout 10 wrk -t1 -c"$CONNS" -d2s "$URL$path" >/dev/null 2>&1 || true
        for run in $(seq "$RUNS"); do
            for tool in stampede wrk oha; do
                closed_cmd "$tool" "$path" "$name" "$OUT/raw/closed/${tool}__$name.run$run"
                run_one closed "${tool}__$name" "$run" $(( DURATION + 30 )) -- "${CMD[@]}"
            done
        done
    done
}

open_table() {
    log "== open model: rates $OPEN_RATES per s, ${OPEN_DURATION}s"
    local rate run
    for run in $(seq "$RUNS"); do
        for rate in $OPEN_RATES; do
            run_one open "stampede__$rate" "$run" $(( OPEN_DURATION + 30 )) -- \
                "$STAMPEDE" run "$HERE/scenarios/open.yaml" --quiet --target "$URL" --rate "$rate" \
                --users "$OPEN_MAX_USERS" --duration "${OPEN_DURATION}s" \
                --out "$OUT/raw/open/stampede__$rate.run$run.json"
        done
    done
}

# rss_series PID INTERVAL_S OUTFILE: "<seconds since start> <VmRSS kB>" until PID exits
rss_series() {
    local pid="$1" every="$2" file="$3" t0 rss
    t0="$(date +%s.%N)"
    while kill -0 "$pid" 2>/dev/null; do
        rss="$(awk '/^VmRSS:/{print $2}' "/proc/$pid/status" 2>/dev/null || true)"
        if [[ -n "$rss" ]]; then
            echo "$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') $rss" >> "$file"
        fi
        sleep "$every"
    done
    return 0
}

# mem_run LABEL SAMPLE_EVERY BOUND -- CMD...: runs CMD pinned to GEN_CPU, samples its RSS
mem_run() {
    local label="$1" every="$2" bound="$3"; shift 4
    local dir="$OUT/raw/memory" pid child
    mkdir -p "$dir"
    : > "$dir/$label.rss"
    printf '%q ' "$@" | sed "s#$ROOT/##g; s#$OUT/##g" > "$dir/$label.cmd"; echo >> "$dir/$label.cmd"
    wait_idle >/dev/null
    nice -n "$NICE" taskset -c "$GEN_CPU" timeout -k 5 "$bound" "$@" > "$dir/$label.out" 2>&1 &
    pid=$!
    BG_PIDS+=("$pid")
    # `timeout` forks the real process: sample the child.
    for _ in $(seq 50); do
        child="$(pgrep -P "$pid" | head -1 || true)"
        if [[ -n "$child" ]]; then break; fi
        sleep 0.05
    done
    rss_series "${child:-$pid}" "$every" "$dir/$label.rss"
    wait "$pid" || echo "exit=$?" >> "$dir/$label.out"
    log "  memory $label: $(tail -1 "$dir/$label.rss" 2>/dev/null) (last sample: s kB)"
}

memory_table() {
    log "== memory: users 1 $MEM_USERS (think 1 s, ${MEM_HOLD}s each); long run ${LONG}s at $LONG_RATE/s"
    local n
    for n in 1 $MEM_USERS; do
        mem_run "users_$n" 1 $(( MEM_HOLD + 30 )) -- "$STAMPEDE" run "$HERE/scenarios/users.yaml" --quiet \
            --target "$URL" --users "$n" --duration "${MEM_HOLD}s" --out "$OUT/raw/memory/users_$n.json"
    done
    mem_run "long" 10 $(( LONG + 60 )) -- "$STAMPEDE" run "$HERE/scenarios/open.yaml" --quiet \
        --target "$URL" --rate "$LONG_RATE" --users "$OPEN_MAX_USERS" --duration "${LONG}s" \
        --out "$OUT/raw/memory/long.json"
}

startup_table() {
    log "== start-up: spawn to first request, $RUNS runs"
    mkdir -p "$OUT/raw/startup"
    local run
    for run in $(seq "$RUNS"); do
        wait_idle >/dev/null
        nice -n "$NICE" taskset -c "$GEN_CPU" python3 "$HERE/firstreq.py" "$STAMPEDE" "$HERE/scenarios/closed-root.yaml" \
            > "$OUT/raw/startup/run$run.out" 2>&1 || true
        log "  start-up run $run: $(tail -1 "$OUT/raw/startup/run$run.out")"
    done
}

syscalls_table() {
    if ! perf stat -e raw_syscalls:sys_enter true >/dev/null 2>&1; then
        log "skip syscalls: perf cannot count raw_syscalls:sys_enter here (apt-get install linux-perf)"
        return
    fi
    log "== system calls per request: ${DURATION}s per tool, GET /"
    local tool dir="$OUT/raw/syscalls"
    mkdir -p "$dir"
    for tool in stampede wrk oha; do
        closed_cmd "$tool" / root "$dir/$tool"
        wait_idle >/dev/null
        nice -n "$NICE" taskset -c "$GEN_CPU" timeout -k 5 $(( DURATION + 30 )) \
            perf stat -x, -o "$dir/$tool.perf" -e raw_syscalls:sys_enter -- "${CMD[@]}" > "$dir/$tool.out" 2>&1 || true
        log "  syscalls $tool: $(grep sys_enter "$dir/$tool.perf" | cut -d, -f1)"
    done
}

callgrind_table() {
    have valgrind || apt_install valgrind
    local short="${CALLGRIND_SHORT:-2}" long="${CALLGRIND_LONG:-6}" tool secs dir="$OUT/raw/callgrind"
    log "== callgrind: user-space instructions per request (runs of ${short}s and ${long}s per tool, GET /)"
    mkdir -p "$dir"
    local saved="$DURATION"
    for tool in stampede wrk oha; do
        for secs in "$short" "$long"; do
            DURATION="$secs"
            closed_cmd "$tool" / root "$dir/$tool.$secs"
            # Under valgrind a tool runs ~20x slower, so a per-second cost would weigh ~20x more
            # per request than it does natively: Stampede's snapshots are taken once at the end
            # here (their cost per second is reported separately in RESULTS.md).
            [[ "$tool" == stampede ]] && CMD+=(--interval 1000)
            timeout -k 5 $(( secs * 30 + 120 )) valgrind --tool=callgrind --trace-children=yes \
                --callgrind-out-file="$dir/$tool.$secs.callgrind.%p" -- "${CMD[@]}" \
                > "$dir/$tool.$secs.out" 2> "$dir/$tool.$secs.valgrind" || true
        done
        log "  callgrind $tool done"
    done
    DURATION="$saved"
}

# ------------------------------------------------------------------------------ main
ensure_tools
record_env
log "results -> $OUT"
log "machine busy before start: $(busy_pct 2)% of all CPUs"
start_nginx "$PORT" "$TARGET_CPU" "$NICE" || die "nginx did not start on $URL"
log "nginx on $URL, pinned to CPU $TARGET_CPU (pids $(nginx_pids))"
for t in "${TABLES[@]}"; do
    case "$t" in
    closed) closed_table ;;
    open) open_table ;;
    memory) memory_table ;;
    startup) startup_table ;;
    syscalls) syscalls_table ;;
    callgrind) callgrind_table ;;
    *) die "unknown table $t" ;;
    esac
done
stop_nginx
python3 "$HERE/summarize.py" "$OUT" | tee "$OUT/summary.md"
log "done: $OUT/summary.md"
