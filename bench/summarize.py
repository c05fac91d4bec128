#!/usr/bin/env python3
"""Turns bench/run.sh's raw outputs into markdown tables (stdout).

usage: summarize.py OUT_DIR

Reads OUT_DIR/raw/<table>/... as written by run.sh (see its header and bench/README.md).
Medians over runs; "other CPU" is what the rest of the machine used during a run (machine busy
time from /proc/stat minus generator minus target): a run in which it exceeded OTHER_MAX_PCT
(env, default 5) % of the machine is marked "!" and listed in a warning.
"""
import glob
import json
import os
import re
import statistics
import sys

OTHER_MAX_PCT = float(os.environ.get("OTHER_MAX_PCT", "5"))
NPROC = os.cpu_count() or 1
UNIT_MS = {"ns": 1e-6, "us": 1e-3, "µs": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}
WARNINGS = []


def read(path, default=None):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return default


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(v, digits=0, suffix=""):
    if v is None:
        return "n/a"
    return f"{v:,.{digits}f}{suffix}"


# ------------------------------------------------------------------ per-tool parsers
# each returns dict(ok=successful responses, rps, p50, p99 (ms), errors)

def parse_stampede(json_path):
    try:
        with open(json_path) as f:
            s = json.load(f)
    except (OSError, ValueError):
        return {}
    t = s.get("total", {})
    requests, errors = t.get("requests", 0), t.get("errors", 0)
    lat = t.get("latency", {})
    dur = (s.get("duration_ms") or 0) / 1000
    return {"ok": requests - errors, "requests": requests, "errors": errors, "rps": t.get("rps"),
            "p50": lat.get("p50_ms"), "p99": lat.get("p99_ms"), "duration": dur,
            "dropped": s.get("dropped_iterations"), "peak_users": s.get("peak_users"),
            "lag_ms": s.get("generator", {}).get("max_schedule_lag_ms"),
            "status": s.get("status")}


def parse_wrk(text):
    r = {}
    m = re.search(r"(\d+) requests in ([\d.]+)(\w+)", text)
    if m:
        r["requests"] = int(m.group(1))
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if m:
        r["rps"] = float(m.group(1))
    for pct, key in (("50", "p50"), ("99", "p99")):
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(\w+)\s*$", text, re.M)
        if m:
            r[key] = float(m.group(1)) * UNIT_MS.get(m.group(2), float("nan"))
    errors = 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        errors += sum(int(x) for x in m.groups())
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if m:
        errors += int(m.group(1))
    r["errors"] = errors
    if "requests" in r:
        r["ok"] = r["requests"] - errors
    return r


def parse_oha(text):
    try:
        j = json.loads(text[text.index("{"):text.rindex("}") + 1])
    except ValueError:
        return {}
    s = j.get("summary", {})
    codes = j.get("statusCodeDistribution", {})
    ok = sum(v for k, v in codes.items() if str(k).startswith(("2", "3")))
    bad = sum(v for k, v in codes.items() if not str(k).startswith(("2", "3")))
    # requests cut off by the end of -z are not errors
    errd = {k: v for k, v in j.get("errorDistribution", {}).items() if "deadline" not in k}
    pct = j.get("latencyPercentiles", {})
    r = {"ok": ok, "requests": ok + bad, "errors": bad + sum(errd.values()),
         "rps": s.get("requestsPerSec")}
    for key in ("p50", "p99"):
        if pct.get(key) is not None:
            r[key] = pct[key] * 1e3
    return r


def accounting(base):
    """Generator CPU (from /usr/bin/time), target CPU, other CPU, attempts of one run."""
    r = {}
    t = read(base + ".time", "")
    try:
        wall, user, sys_ = (float(x) for x in t.split()[-3:])
        r.update(wall=wall, gen_cpu=user + sys_, gen_user=user, gen_sys=sys_)
    except ValueError:
        pass
    try:
        ticks, hz = (int(x) for x in read(base + ".target", "").split())
        r["target_cpu"] = ticks / hz
    except ValueError:
        hz = 100
    try:
        before, other, busy, attempt = (int(x) for x in read(base + ".stat", "").split())
        r.update(busy_before=before, other_cpu=other / hz, attempt=attempt)
        if r.get("wall"):
            r["other_pct"] = 100 * r["other_cpu"] / (r["wall"] * NPROC)
    except ValueError:
        pass
    return r


def parse_run(tool, base):
    if tool == "stampede":
        r = parse_stampede(base + ".json")
    elif tool == "wrk":
        r = parse_wrk(read(base + ".out", ""))
    elif tool == "oha":
        r = parse_oha(read(base + ".out", ""))
    else:
        r = {}
    r.update(accounting(base))
    if r.get("ok") is not None and r.get("gen_cpu"):
        r["per_cpu_s"] = r["ok"] / r["gen_cpu"]
    if r.get("target_cpu") is not None and r.get("wall"):
        r["target_util"] = r["target_cpu"] / r["wall"]
    return r


def runs_of(table):
    """{label: [run dicts in run order]} for raw/<table>/<label>.runN.*"""
    out = {}
    paths = glob.glob(os.path.join(OUT, "raw", table, "*.run*.time"))
    for path in sorted(paths, key=lambda p: (p, int(re.search(r"\.run(\d+)\.", p).group(1)))):
        base = path[: -len(".time")]
        label = os.path.basename(base).rsplit(".run", 1)[0]
        tool = label.split("__")[0]
        r = parse_run(tool, base)
        r["run"] = int(base.rsplit(".run", 1)[1])
        out.setdefault(label, []).append(r)
    for rs in out.values():
        rs.sort(key=lambda r: r["run"])
    return out


def disturbed(label, rs):
    bad = [r for r in rs if (r.get("other_pct") or 0) > OTHER_MAX_PCT]
    if bad:
        WARNINGS.append(
            f"{label}: other processes used "
            + ", ".join(f"{r['other_pct']:.0f} %" for r in bad)
            + f" of the machine in run(s) {', '.join(str(r['run']) for r in bad)}"
            " (figures disturbed)")
    return "!" if bad else ""


# ------------------------------------------------------------------ tables
BODIES = (("root", "GET / (2-byte body)"), ("1k", "GET /1k.bin (1 KiB)"), ("100k", "GET /100k.bin (100 KiB)"))


def closed_table():
    runs = runs_of("closed")
    if not runs:
        return
    print("\n## Closed loop: 50 connections, maximum rate (medians over runs)\n")
    print("| body | tool | runs | req/s | gen CPU s (user+sys) | **req / gen CPU-s** | "
          "per-run req / gen CPU-s | target CPU util | p50 ms | p99 ms | errors | other CPU s (max) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    ratios = []
    for name, title in BODIES:
        if not any(f"{tool}__{name}" in runs for tool in ("stampede", "wrk", "oha")):
            continue
        per_tool = {}
        for tool in ("stampede", "wrk", "oha"):
            rs = runs.get(f"{tool}__{name}")
            if not rs:
                continue
            flag = disturbed(f"closed {name} {tool}", rs)
            eff = med(r.get("per_cpu_s") for r in rs)
            per_tool[tool] = eff
            print("| {} | {} | {} | {} | {} ({} + {}) | **{}** | {} | {} | {} | {} | {} | {}{} |".format(
                title, tool, len(rs), fmt(med(r.get("rps") for r in rs)),
                fmt(med(r.get("gen_cpu") for r in rs), 2), fmt(med(r.get("gen_user") for r in rs), 2),
                fmt(med(r.get("gen_sys") for r in rs), 2), fmt(eff),
                ", ".join(fmt(r.get("per_cpu_s")) for r in rs),
                fmt(med(r.get("target_util") for r in rs), 2),
                fmt(med(r.get("p50") for r in rs), 2), fmt(med(r.get("p99") for r in rs), 2),
                sum(r.get("errors") or 0 for r in rs),
                fmt(max((r.get("other_cpu") or 0) for r in rs), 2), flag))
        s = per_tool.get("stampede")
        ratios.append((title, s and per_tool.get("wrk") and s / per_tool["wrk"],
                       s and per_tool.get("oha") and s / per_tool["oha"]))
    print("\n**Stampede's requests per generator CPU-second, as a multiple of:**\n")
    print("| body | × wrk | × oha |")
    print("|---|---|---|")
    for title, w, o in ratios:
        print(f"| {title} | {fmt(w, 2)} | {fmt(o, 2)} |")


def open_table():
    runs = runs_of("open")
    if not runs:
        return
    print("\n## Open model: Stampede at a fixed arrival rate against nginx (GET /)\n")
    print("| target rate /s | runs | achieved rate /s (per run) | error vs target (median) | dropped iterations "
          "| p50 ms | p99 ms | max schedule lag ms | gen CPU s | errors | other CPU s (max) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for label in sorted(runs, key=lambda l: float(l.split("__")[1])):
        rs = runs[label]
        rate = float(label.split("__")[1])
        flag = disturbed(f"open {rate:.0f}/s", rs)
        for r in rs:
            if r.get("requests") is not None and r.get("duration"):
                r["achieved"] = r["requests"] / r["duration"]
                r["err_pct"] = 100 * (r["achieved"] - rate) / rate
        print("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {}{} |".format(
            fmt(rate), len(rs), ", ".join(fmt(r.get("achieved"), 1) for r in rs),
            fmt(med(r.get("err_pct") for r in rs), 2, " %"),
            ", ".join(fmt(r.get("dropped")) for r in rs),
            fmt(med(r.get("p50") for r in rs), 2), fmt(med(r.get("p99") for r in rs), 2),
            fmt(med(r.get("lag_ms") for r in rs), 1), fmt(med(r.get("gen_cpu") for r in rs), 2),
            sum(r.get("errors") or 0 for r in rs),
            fmt(max((r.get("other_cpu") or 0) for r in rs), 2), flag))
    print("\nachieved rate = requests recorded / load duration (from `--out`); dropped iterations are "
          "starts that found all `max_users` busy.")


def rss_samples(path):
    out = []
    for line in (read(path, "") or "").splitlines():
        try:
            t, kb = line.split()
            out.append((float(t), int(kb)))
        except ValueError:
            pass
    return out


def memory_table():
    d = os.path.join(OUT, "raw", "memory")
    users = sorted((int(m.group(1)), p) for p in glob.glob(os.path.join(d, "users_*.rss"))
                   if (m := re.search(r"users_(\d+)\.rss$", p)))
    if users:
        print("\n## Memory: RSS holding N users (closed model, 1 s think time, keep-alive)\n")
        print("| users | steady RSS MiB (median of samples) | peak RSS MiB | above 1 user MiB | bytes per user above baseline "
              "| requests | errors | peak users |")
        print("|---|---|---|---|---|---|---|---|")
        base = None
        for n, path in users:
            samples = rss_samples(path)
            if not samples:
                continue
            end = samples[-1][0]
            # steady state: after the users started and the first second of thinking, before the end
            steady = [kb for t, kb in samples if 5 <= t <= end - 3] or [kb for _, kb in samples]
            rss = statistics.median(steady)
            peak = max(kb for _, kb in samples)
            if n == 1:
                base = rss
            s = parse_stampede(path[: -len(".rss")] + ".json")
            above = None if base is None or n == 1 else (rss - base)
            per_user = None if above is None else above * 1024 / (n - 1)
            print("| {} | {} | {} | {} | {} | {} | {} | {} |".format(
                fmt(n), fmt(rss / 1024, 1), fmt(peak / 1024, 1),
                fmt(above / 1024, 1) if above is not None else "(baseline)",
                fmt(per_user) if per_user is not None else "-",
                fmt(s.get("requests")), fmt(s.get("errors")), fmt(s.get("peak_users"))))
    long = rss_samples(os.path.join(d, "long.rss"))
    if long:
        s = parse_stampede(os.path.join(d, "long.json"))
        end = long[-1][0]
        warm = min(60.0, end / 6)
        after = [kb for t, kb in long if t >= warm]
        var = (max(after) - min(after)) / min(after) * 100 if after else None
        print(f"\n## Memory over a long constant-rate run ({end:.0f} s, RSS every 10 s)\n")
        print("| t s | " + " | ".join(f"{t:.0f}" for t, _ in long) + " |")
        print("|---|" + "---|" * len(long))
        print("| RSS MiB | " + " | ".join(f"{kb / 1024:.1f}" for _, kb in long) + " |")
        print(f"\nafter warm-up (t ≥ {warm:.0f} s): min {min(after) / 1024:.1f} MiB, max {max(after) / 1024:.1f} MiB, "
              f"variation {fmt(var, 2)} % over {fmt(s.get('requests'))} requests "
              f"({fmt(s.get('errors'))} errors, {fmt(s.get('dropped'))} dropped)")


def startup_table():
    files = sorted(glob.glob(os.path.join(OUT, "raw", "startup", "run*.out")))
    if not files:
        return
    vals = []
    for f in files:
        m = re.search(r"first_request_ms ([\d.]+)", read(f, ""))
        vals.append(float(m.group(1)) if m else None)
    print("\n## Start-up: spawn of `stampede run` to its first request at the target\n")
    print("| runs | median ms | per run ms |")
    print("|---|---|---|")
    print(f"| {len(vals)} | {fmt(med(vals), 1)} | {', '.join(fmt(v, 1) for v in vals)} |")


def requests_of(tool, base):
    if tool == "stampede":
        return parse_stampede(base + ".json").get("requests")
    r = parse_wrk(read(base + ".out", "")) if tool == "wrk" else parse_oha(read(base + ".out", ""))
    return r.get("requests")


def syscalls_table():
    d = os.path.join(OUT, "raw", "syscalls")
    rows = []
    for tool in ("stampede", "wrk", "oha"):
        perf = read(os.path.join(d, tool + ".perf"))
        if perf is None:
            continue
        m = re.search(r"^(\d+),,raw_syscalls:sys_enter", perf, re.M)
        n = requests_of(tool, os.path.join(d, tool))
        rows.append((tool, int(m.group(1)) if m else None, n))
    if not rows:
        return
    print("\n## System calls per request (GET /, closed loop, whole process incl. start-up)\n")
    print("| tool | system calls | requests | **calls / request** |")
    print("|---|---|---|---|")
    for tool, calls, n in rows:
        print(f"| {tool} | {fmt(calls)} | {fmt(n)} | **{fmt(calls / n if calls and n else None, 2)}** |")


def callgrind_table():
    d = os.path.join(OUT, "raw", "callgrind")
    rows = []
    for tool in ("stampede", "wrk", "oha"):
        points = []
        for out in glob.glob(os.path.join(d, f"{tool}.*.out")):
            secs = out[len(os.path.join(d, tool)) + 1: -len(".out")]
            base = os.path.join(d, f"{tool}.{secs}")
            ir = 0
            for f in glob.glob(base + ".callgrind.*"):
                for line in (read(f, "") or "").splitlines():
                    if line.startswith("summary:"):
                        ir += int(line.split()[1])
            n = requests_of(tool, base)
            if ir and n:
                points.append((float(secs), ir, n))
        points.sort()
        if len(points) >= 2 and points[-1][2] > points[0][2]:
            (_, ir0, n0), (_, ir1, n1) = points[0], points[-1]
            rows.append((tool, ir1 - ir0, n1 - n0))
    if not rows:
        return
    print("\n## User-space instructions per request (callgrind, GET /, closed loop)\n")
    print("Marginal cost: (instructions of the long run − of the short run) / (requests of the long run "
          "− of the short run), so start-up and shut-down cancel out. Kernel work is not counted.\n")
    print("| tool | extra instructions | extra requests | **instructions / request** |")
    print("|---|---|---|---|")
    for tool, ir, n in rows:
        print(f"| {tool} | {fmt(ir)} | {fmt(n)} | **{fmt(ir / n)}** |")


def main():
    global OUT
    OUT = sys.argv[1]
    env = read(os.path.join(OUT, "env.txt"), "")
    print("# Stampede benchmark\n")
    print("```\n" + env.strip() + "\n```")
    closed_table()
    open_table()
    memory_table()
    startup_table()
    syscalls_table()
    callgrind_table()
    if WARNINGS:
        print("\n**Warning: the machine was busy during some runs** (other processes above "
              f"{OTHER_MAX_PCT:g} % of all CPUs):\n")
        for w in WARNINGS:
            print(f"- {w}")


if __name__ == "__main__":
    main()
