# shellcheck shell=bash
# bench/lib.sh — the throw-away nginx target of bench/run.sh and bench/burst.sh. Both scripts
# `source "$HERE/lib.sh"`; this file only defines NGINX_DIR and the functions below, runs
# nothing, and leaves the shell options to its caller (they use `set -euo pipefail`: every
# function here works with them on, and reports failure by its status, also under `||`).
#
# The caller sets HERE (the bench/ directory, for nginx.conf) and NGINX (the nginx binary).
#
#   start_nginx PORT CPU [NICE [NAME]]
#       copies bench/nginx.conf into a new prefix directory ${TMPDIR:-/tmp}/NAME.XXXXXX
#       (NAME [stampede-bench-nginx]; its path in NGINX_DIR), listening on 127.0.0.1:PORT
#       instead of 127.0.0.1:18090, writes html/1k.bin and html/100k.bin there, starts nginx
#       pinned to CPU with `taskset` at niceness NICE [0], and waits up to 5 s for it to answer
#       GET /; returns 1 (message on stderr) if it then does not serve /100k.bin.
#   nginx_pids      the pids of nginx's master and its workers, on one line
#   stop_nginx      SIGQUIT (graceful stop), up to 5 s for it to exit, then SIGTERM;
#                   nothing if nginx is not running. NGINX_DIR stays.
#   remove_nginx    stop_nginx, then delete NGINX_DIR (for an EXIT trap; always returns 0)

NGINX_DIR=""

start_nginx() {
    local port="$1" cpu="$2" niceness="${3:-0}" name="${4:-stampede-bench-nginx}"
    local url="http://127.0.0.1:$port"
    NGINX_DIR="$(mktemp -d "${TMPDIR:-/tmp}/$name.XXXXXX")" || return 1
    # nginx started as root serves files as `nobody`: mktemp's 0700 would hide them.
    chmod 755 "$NGINX_DIR" || return 1
    mkdir -p "$NGINX_DIR/logs" "$NGINX_DIR/tmp" "$NGINX_DIR/html" || return 1
    head -c 1024 /dev/zero | tr '\0' 'a' > "$NGINX_DIR/html/1k.bin" || return 1
    head -c 102400 /dev/zero | tr '\0' 'b' > "$NGINX_DIR/html/100k.bin" || return 1
    sed "s/127\.0\.0\.1:18090/127.0.0.1:$port/" "$HERE/nginx.conf" > "$NGINX_DIR/nginx.conf" || return 1
    "$NGINX" -t -q -p "$NGINX_DIR" -e logs/error.log -c "$NGINX_DIR/nginx.conf" || return 1
    nice -n "$niceness" taskset -c "$cpu" "$NGINX" -p "$NGINX_DIR" -e logs/error.log -c "$NGINX_DIR/nginx.conf" \
        || return 1
    for _ in $(seq 50); do curl -fs -o /dev/null "$url/" && break; sleep 0.1; done
    if ! curl -fs -o /dev/null "$url/100k.bin"; then
        echo "nginx does not answer on $url (see $NGINX_DIR/logs/error.log)" >&2
        return 1
    fi
}

nginx_pids() { local m; m="$(cat "$NGINX_DIR/nginx.pid")"; echo "$m $(pgrep -P "$m" | tr '\n' ' ')"; }

stop_nginx() {
    [[ -n "$NGINX_DIR" && -f "$NGINX_DIR/nginx.pid" ]] || return 0
    local pid
    pid="$(cat "$NGINX_DIR/nginx.pid")"
    kill -QUIT "$pid" 2>/dev/null || return 0
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    kill -TERM "$pid" 2>/dev/null || true
}

remove_nginx() {
    stop_nginx || true
    if [[ -n "$NGINX_DIR" ]]; then rm -rf "$NGINX_DIR"; fi
    NGINX_DIR=""
    return 0
}
