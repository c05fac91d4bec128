#!/usr/bin/env bash
# The control server's REST API with nothing but curl: store a scenario, start it, poll its
# status, stop it, and download every report. Usage:
#
#   stampede serve &                       # API on 127.0.0.1:8080, demo target on 127.0.0.1:8090
#   docs/api-walkthrough.sh [API_URL] [OUT_DIR]
#
# The end-to-end tests run this very script against a real server.
set -euo pipefail
API=${1:-http://127.0.0.1:8080}
OUT=${2:-./stampede-reports}
mkdir -p "$OUT"
json_field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p"; }

echo "== store a scenario (YAML, validated on the way in)"
curl -fsS -X PUT "$API/api/scenarios/walkthrough" -H 'content-type: application/yaml' --data-binary @- <<'YAML'
name: walkthrough
journeys:
  - name: browse
    steps:
      - request: { path: /products, checks: [{ status: [200] }] }
      - request: { path: /api/products, checks: [{ status: [200] }] }
load: { type: constant_rate, rate: 20, duration: 30s, max_users: 50 }
thresholds: ["p(95) < 500ms", "error_rate < 1%"]
YAML
echo

echo "== start it by name (no target in the file: the server's demo target is used)"
run=$(curl -fsS -X POST "$API/api/workload/start" -H 'content-type: application/json' \
    -d '{"scenario": {"name": "walkthrough"}}' | json_field run_id)
echo "run id: $run"

echo "== poll its status until it is running with data"
for _ in $(seq 100); do
    status=$(curl -fsS "$API/api/workload/status")
    if echo "$status" | grep -q '"status":"running"' && echo "$status" | grep -q '"latest"'; then break; fi
    sleep 0.1
done
echo "$status" | head -c 200; echo

echo "== stop it (in-flight requests finish, results are saved)"
curl -fsS -X POST "$API/api/workload/stop"; echo
for _ in $(seq 100); do
    curl -fsS "$API/api/runs/$run" | grep -q '"status":"cancelled"' && break
    sleep 0.1
done

echo "== download every report"
for report in report.json report.html report.junit.xml report.csv; do
    curl -fsS -o "$OUT/$run.${report#report.}" "$API/api/runs/$run/$report"
    echo "$OUT/$run.${report#report.}"
done
echo "$run" > "$OUT/run-id"
