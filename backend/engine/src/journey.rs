//! One iteration of a journey: send each request, evaluate its checks, honour think times, and
//! record outcomes. Latency is measured from when the request *should* have gone out: the
//! scheduled start for an open-model iteration's first request, the end of a think time for a
//! request after a pause, the previous response otherwise (for a closed-model user's first
//! request of an iteration, the end of its previous iteration; of its very first, the start).
//! Lateness within the timer's resolution ([`TIMER_SLACK`]) is not counted.

use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use rand::rngs::SmallRng;
use shared::metrics::ErrorKind;
use shared::scenario::{RequestId, ValidCheck, ValidJourney, ValidStep, ValidThink};
use tokio::time::Instant;

use crate::checked_body::CheckedBody;
use crate::client::{PreparedRequest, classify, classify_body, head_size, nothing_sent};
use crate::error::EngineError;
use crate::http1::{self, Origin, Sink};
use crate::recorder::Outcome;
use crate::state::RunState;

/// How late a send may be, after the time it was due, without the wait counting as latency:
/// tokio's timer fires on whole milliseconds, so a sleep ends up to 1 ms late, plus the
/// wake-up. A request that waited longer counts its whole wait, from the time it was due.
pub(crate) const TIMER_SLACK: Duration = Duration::from_millis(2);

/// A journey with its requests prepared.
#[derive(Debug)]
pub(crate) struct PreparedJourney {
    steps: Vec<PreparedStep>,
}

#[derive(Debug)]
enum PreparedStep {
    Request(Box<RequestPlan>),
    Think(ValidThink),
}

#[derive(Debug)]
struct RequestPlan {
    id: RequestId,
    request: PreparedRequest,
    checks: Vec<(usize, ValidCheck)>,
    keep_body: bool,
    /// Names (lower case) of the headers that `HeaderPresent` checks ask about, in check order;
    /// a response reports their presence as a bit mask over this list.
    header_names: Vec<String>,
    has_status_check: bool,
}

impl PreparedJourney {
    /// Prepares a journey's requests. `origins` interns the `http://` origins of the whole run
    /// (see [`PreparedRequest::new`]).
    pub(crate) fn new(
        journey: &ValidJourney,
        timeout: Duration,
        origins: &mut Vec<Arc<Origin>>,
    ) -> Result<Self, EngineError> {
        let steps = journey
            .steps
            .iter()
            .map(|step| {
                Ok(match step {
                    ValidStep::Think(t) => PreparedStep::Think(*t),
                    ValidStep::Request(r) => {
                        let mut header_names: Vec<String> = Vec::new();
                        for (_, c) in &r.checks {
                            if let ValidCheck::HeaderPresent(name) = c {
                                let name = name.to_ascii_lowercase();
                                if !header_names.contains(&name) {
                                    header_names.push(name);
                                }
                            }
                        }
                        let mut request = PreparedRequest::new(r, timeout, origins)?;
                        if header_names.len() > 64 {
                            // The direct path reports header presence in 64 bits.
                            request.fast = None;
                        }
                        PreparedStep::Request(Box::new(RequestPlan {
                            id: r.id,
                            request,
                            keep_body: r.checks.iter().any(|(_, c)| c.needs_body()),
                            header_names,
                            has_status_check: r
                                .checks
                                .iter()
                                .any(|(_, c)| matches!(c, ValidCheck::Status(_))),
                            checks: r.checks.clone(),
                        }))
                    }
                })
            })
            .collect::<Result<_, EngineError>>()?;
        Ok(Self { steps })
    }

    /// True when some request of the journey goes through reqwest.
    pub(crate) fn needs_reqwest(&self) -> bool {
        self.steps
            .iter()
            .any(|s| matches!(s, PreparedStep::Request(r) if r.request.fast.is_none()))
    }
}

#[cfg(test)]
impl PreparedJourney {
    /// A journey that only pauses: lets scheduler tests run without a network.
    pub(crate) fn pausing(pause: Duration) -> Self {
        Self {
            steps: vec![PreparedStep::Think(ValidThink::Fixed(pause))],
        }
    }
}

/// Picks journeys by weight.
#[derive(Debug)]
pub(crate) struct Picker {
    cumulative: Vec<u64>,
}

impl Picker {
    #[cfg(test)]
    pub(crate) fn single() -> Self {
        Self {
            cumulative: vec![1],
        }
    }

    pub(crate) fn new(journeys: &[ValidJourney]) -> Self {
        let mut sum = 0;
        let cumulative = journeys
            .iter()
            .map(|j| {
                sum += u64::from(j.weight);
                sum
            })
            .collect();
        Self { cumulative }
    }

    pub(crate) fn pick(&self, rng: &mut SmallRng) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(0);
        if total == 0 || self.cumulative.len() == 1 {
            return 0;
        }
        let x = rng.random_range(0..total);
        self.cumulative.partition_point(|&c| c <= x)
    }
}

/// Runs one iteration of `journey`, due to start at `scheduled` (an open-model arrival, or
/// the end of a closed-model user's previous iteration), or as soon as it is called (`None`).
/// Each request is recorded when it completes; if the future is dropped mid-request (the
/// graceful stop ran out), that request is recorded as interrupted (see [`Unanswered`]) and
/// the caller counts the iteration as interrupted. Returns when the user is next due: the end
/// of the iteration's last think time or response (`scheduled` for an empty journey).
pub(crate) async fn run_iteration(
    state: &RunState,
    journey: usize,
    scheduled: Option<Instant>,
    rng: &mut SmallRng,
) -> Option<Instant> {
    let Some(journey) = state.journeys.get(journey) else {
        return scheduled;
    };
    let mut intended = scheduled;
    let mut check_results: Vec<(usize, bool)> = Vec::new();
    for step in &journey.steps {
        match step {
            PreparedStep::Think(think) => {
                let pause = match *think {
                    ValidThink::Fixed(d) => d,
                    ValidThink::Uniform(lo, hi) if hi > lo => Duration::from_secs_f64(
                        rng.random_range(lo.as_secs_f64()..=hi.as_secs_f64()),
                    ),
                    ValidThink::Uniform(lo, _) => lo,
                };
                // From when the step was due, not from now: an iteration that starts late (a
                // busy generator) has its lateness counted in its first request's latency, also
                // when a think time comes first.
                let due = intended.unwrap_or_else(Instant::now) + pause;
                tokio::time::sleep_until(due).await;
                state.note_lag(Instant::now().saturating_duration_since(due));
                intended = Some(due);
            }
            PreparedStep::Request(plan) => {
                check_results.clear();
                let (outcome, done) = send(state, plan, intended, &mut check_results).await;
                state.recorder.record(&outcome, &check_results);
                // The next request is due as soon as this one is done.
                intended = Some(done);
            }
        }
    }
    intended
}

/// Sends one request, evaluates its checks; returns the outcome and when the response ended.
async fn send(
    state: &RunState,
    plan: &RequestPlan,
    intended: Option<Instant>,
    checks: &mut Vec<(usize, bool)>,
) -> (Outcome, Instant) {
    let sent_at = Instant::now();
    let intended = latency_start(intended, sent_at);
    let mut unanswered = Unanswered {
        state,
        request: plan.id,
        intended,
        sent_at,
        armed: true,
        sink: Sink {
            body: plan
                .keep_body
                .then(|| CheckedBody::new(&state.checked_bodies)),
            header_names: &plan.header_names,
            ..Sink::default()
        },
    };
    let mut status = None;
    let mut error = None;
    // What went over the wire (see `RequestStats::bytes_sent`): only what was written to a
    // connection counts as sent, and everything read from it as received.
    let mut bytes_sent = 0u64;
    let mut bytes_received = 0u64;
    let mut resent = false;
    let mut body = None;
    let mut headers_seen = 0u64;
    if let Some(fast) = &plan.request.fast {
        let sink = &mut unanswered.sink;
        let deadline = sent_at + plan.request.timeout;
        match http1::exchange(fast, deadline, sink).await {
            Ok(resp) => status = Some(resp.status),
            Err(failure) => {
                error = Some(failure.kind);
                status = failure.status;
            }
        }
        headers_seen = sink.headers_seen;
        bytes_sent = sink.bytes_written;
        bytes_received = sink.bytes_read;
        resent = sink.resent;
        body = sink.body.take();
    } else if let Some(client) = state.client() {
        match plan.request.build(client).send().await {
            Err(e) => {
                let kind = classify(&e);
                if !nothing_sent(&e, kind) {
                    bytes_sent = plan.request.wire_size;
                }
                error = Some(kind);
            }
            Ok(mut resp) => {
                bytes_sent = plan.request.wire_size;
                bytes_received = head_size(&resp);
                body = plan
                    .keep_body
                    .then(|| CheckedBody::new(&state.checked_bodies));
                let code = resp.status().as_u16();
                if plan.request.unasked_switch(code) {
                    // No answer to the request, as on the direct path: no status counted.
                    error = Some(ErrorKind::Protocol);
                } else {
                    status = Some(code);
                }
                for (i, name) in plan.header_names.iter().enumerate().take(64) {
                    if resp.headers().contains_key(name.as_str()) {
                        headers_seen |= 1 << i;
                    }
                }
                loop {
                    match resp.chunk().await {
                        Ok(Some(chunk)) => {
                            bytes_received += chunk.len() as u64;
                            if let Some(body) = body.as_mut() {
                                body.push(&chunk);
                            }
                        }
                        Ok(None) => break,
                        Err(e) => {
                            error = Some(classify_body(&e));
                            break;
                        }
                    }
                }
            }
        }
    } else {
        // Cannot happen: the run builds a reqwest client whenever a request needs one.
        error = Some(ErrorKind::Other);
    }
    let done = Instant::now();
    unanswered.armed = false;
    let latency = done - intended;
    let service = done - sent_at;

    let mut check_failed = false;
    let mut status_ok = None;
    // The run's budget for bodies held for checks was spent while this one arrived: the
    // checks on it are not judged, and the request is not counted as passing them.
    let mut unjudged = false;
    let kept = body.as_ref().map(CheckedBody::checkable);
    for (index, check) in &plan.checks {
        let header_present = |name: &str| {
            plan.header_names
                .iter()
                .position(|n| n.eq_ignore_ascii_case(name))
                .is_some_and(|i| i < 64 && headers_seen & (1 << i) != 0)
        };
        let passed = match (check.needs_body(), kept) {
            (true, Some(None)) => {
                unjudged |= error.is_none();
                false
            }
            (_, kept) => {
                let body = kept.flatten().unwrap_or_default();
                let passed =
                    error.is_none() && evaluate(check, status, body, latency, header_present);
                check_failed |= !passed;
                passed
            }
        };
        if let ValidCheck::Status(_) = check {
            status_ok = Some(passed);
        }
        checks.push((*index, passed));
    }
    if error.is_none()
        && let Some(code) = status
    {
        // With a status check, it alone decides whether a status is a failure (a test may
        // expect a 404); without one, 4xx and 5xx are failures.
        let http_error = match (plan.has_status_check, status_ok) {
            (true, Some(true)) => false,
            _ => code >= 400,
        };
        if http_error || (plan.has_status_check && status_ok == Some(false)) {
            error = Some(match code {
                500.. => ErrorKind::Http5xx,
                400.. => ErrorKind::Http4xx,
                _ => ErrorKind::CheckFailed,
            });
        } else if check_failed {
            error = Some(ErrorKind::CheckFailed);
        } else if unjudged {
            error = Some(ErrorKind::Other);
        }
    }
    let outcome = Outcome {
        request: plan.id,
        latency,
        service,
        status,
        error,
        bytes_sent,
        bytes_received,
        resent,
    };
    (outcome, done)
}

fn evaluate(
    check: &ValidCheck,
    status: Option<u16>,
    body: &[u8],
    latency: Duration,
    header_present: impl Fn(&str) -> bool,
) -> bool {
    match check {
        ValidCheck::Status(codes) => status.is_some_and(|s| codes.contains(&s)),
        ValidCheck::BodyContains(text) => {
            let needle = text.as_bytes();
            body.windows(needle.len()).any(|w| w == needle)
        }
        ValidCheck::Json { pointer, equals } => serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .is_some_and(|v| v.pointer(pointer).is_some_and(|v| json_equals(v, equals))),
        ValidCheck::HeaderPresent(name) => header_present(name),
        ValidCheck::LatencyUnder(limit) => latency < *limit,
    }
}

/// Records the request in flight as [`ErrorKind::Interrupted`] if its future is dropped before
/// the response is in: the graceful stop ran out and the iteration was cut. Its latency is the
/// time it had waited, a lower bound. On the direct HTTP/1.1 path the exchange fills `sink` as
/// bytes move, so the cut request counts what went over the wire and the status of a head that
/// arrived; through the general client neither is known, and neither is counted.
struct Unanswered<'a> {
    state: &'a RunState,
    request: RequestId,
    intended: Instant,
    sent_at: Instant,
    armed: bool,
    sink: Sink<'a>,
}

impl Drop for Unanswered<'_> {
    fn drop(&mut self) {
        if self.armed {
            let now = Instant::now();
            let outcome = Outcome {
                request: self.request,
                latency: now - self.intended,
                service: now - self.sent_at,
                status: self.sink.status,
                error: Some(ErrorKind::Interrupted),
                bytes_sent: self.sink.bytes_written,
                bytes_received: self.sink.bytes_read,
                resent: self.sink.resent,
            };
            self.state.recorder.record(&outcome, &[]);
        }
    }
}

/// Where a request's latency starts, for a request due at `intended` and sent at `sent_at`.
///
/// Lateness within the timer's resolution is the generator's, not the target's: counting it put
/// a steady ~1.4 ms on every request after a sleep, so a 0.4 ms service read as 1.8 ms. Beyond
/// it, the whole wait is counted from the due time, as wrk2 counts it, so coordinated omission
/// stays corrected and a 1 s stall reads 1 s (not 1 s less the slack). Never later than the
/// send, so latency is never shorter than the service time.
fn latency_start(intended: Option<Instant>, sent_at: Instant) -> Instant {
    match intended {
        Some(due) if sent_at > due + TIMER_SLACK => due,
        _ => sent_at,
    }
}

/// JSON equality as a reader means it: numbers by value (`1` equals `1.0`, which serde_json's
/// `==` tells apart), everything else structurally.
fn json_equals(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            match (x.as_i64(), y.as_i64(), x.as_u64(), y.as_u64()) {
                (Some(x), Some(y), ..) => x == y,
                (.., Some(x), Some(y)) => x == y,
                _ => x.as_f64() == y.as_f64(),
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| json_equals(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_equals(v, w)))
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::{PreparedJourney, TIMER_SLACK, json_equals, latency_start, run_iteration};
    use crate::checked_body::Budget;
    use crate::journey::Picker;
    use crate::recorder::{Recorder, Tally};
    use crate::state::RunState;
    use rand::SeedableRng;
    use rand::rngs::SmallRng;
    use serde_json::json;
    use shared::metrics::ErrorKind;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::time::Instant;

    /// A loopback target answering each read of a request with `answer`; its address and the
    /// number of requests it answered.
    async fn answering(answer: Vec<u8>) -> (std::net::SocketAddr, Arc<AtomicUsize>) {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        let (answer, answered) = (Arc::new(answer), Arc::new(AtomicUsize::new(0)));
        let count = Arc::clone(&answered);
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let (answer, count) = (Arc::clone(&answer), Arc::clone(&count));
                tokio::spawn(async move {
                    let mut buf = [0u8; 4096];
                    while let Ok(n) = stream.read(&mut buf).await {
                        if n == 0 {
                            return;
                        }
                        count.fetch_add(1, Ordering::Relaxed);
                        if stream.write_all(&answer).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        (addr, answered)
    }

    /// Runs one iteration of one request to `addr` (`request`: the YAML lines of its mapping
    /// after `path: /`, indented for it), the run holding at most `budget` bytes of bodies for
    /// checks; returns the request's tally, the (passed, failed) counts of its `checks` and the
    /// run's warning about bodies it could not keep for checks.
    async fn one_request(
        addr: std::net::SocketAddr,
        request: &str,
        checks: usize,
        budget: usize,
    ) -> (Tally, Vec<(u64, u64)>, Option<String>) {
        use shared::scenario::{Format, ValidationEnv, parse_scenario, validate};

        let yaml = format!(
            "name: one\ntarget: http://{addr}\njourneys:\n  - name: one\n    steps:\n\
             \x20     - request:\n          path: /\n{request}\
             load: {{ type: constant_users, users: 1, duration: 10s }}\n"
        );
        let scenario = validate(
            &parse_scenario(&yaml, Format::Yaml).expect("parses"),
            &ValidationEnv::default(),
        )
        .expect("valid");
        let journey =
            PreparedJourney::new(&scenario.journeys[0], scenario.timeout, &mut Vec::new())
                .expect("journey");
        let clients = if journey.needs_reqwest() {
            vec![crate::client::build(Duration::from_secs(5), false, 1).expect("client")]
        } else {
            Vec::new()
        };
        let mut state = RunState::new(
            clients,
            vec![journey],
            Picker::single(),
            Recorder::new(1, checks, 1),
        );
        state.checked_bodies = Budget::new(budget);
        run_iteration(&state, 0, None, &mut SmallRng::seed_from_u64(1)).await;
        assert_eq!(state.checked_bodies.held(), 0, "the body was let go");
        let mut tallies = vec![Tally::new()];
        let mut counts = vec![(0, 0); checks];
        state.recorder.drain(&mut tallies, &mut counts);
        (tallies.remove(0), counts, state.checked_bodies.warning())
    }

    /// A request with a `body_contains` check (through reqwest when `headers` name a framing
    /// header) against a 100 kB body, the run holding at most `budget` bytes for checks.
    async fn check_a_large_body(
        budget: usize,
        headers: &str,
    ) -> (Tally, Vec<(u64, u64)>, Option<String>) {
        let size = 100_000;
        let mut answer = format!("HTTP/1.1 200 OK\r\ncontent-length: {size}\r\n\r\n").into_bytes();
        answer.resize(answer.len() + size - "needle".len(), b'x');
        answer.extend_from_slice(b"needle");
        let (addr, _) = answering(answer).await;
        let request = format!(
            "          headers: {headers}\n          checks:\n            - status: [200]\n\
             \x20           - body_contains: needle\n"
        );
        one_request(addr, &request, 2, budget).await
    }

    /// Bodies held for checks are bounded for the whole run, not only per request: a body
    /// that finds the run's budget spent is not judged, and the request counts as `other`
    /// (neither as passing its check nor as `check_failed`), with its status and bytes.
    #[tokio::test]
    async fn a_body_beyond_the_runs_budget_for_checks_is_other_not_a_verdict() {
        for headers in ["{}", "{ connection: keep-alive }"] {
            let (tally, checks, warning) = check_a_large_body(1 << 20, headers).await;
            assert_eq!(tally.requests, 1, "{headers}");
            assert_eq!(tally.errors.iter().sum::<u64>(), 0, "{headers}");
            assert_eq!(checks, [(1, 0), (1, 0)], "{headers}");
            assert_eq!(warning, None, "{headers}");

            let (tally, checks, warning) = check_a_large_body(50_000, headers).await;
            assert_eq!(tally.requests, 1, "{headers}");
            assert_eq!(tally.errors[ErrorKind::Other.index()], 1, "{headers}");
            assert_eq!(tally.errors.iter().sum::<u64>(), 1, "{headers}");
            assert_eq!(tally.status.get(&200), Some(&1), "{headers}");
            assert!(tally.bytes_received > 100_000, "{headers}: read to its end");
            assert_eq!(
                checks,
                [(1, 0), (0, 1)],
                "{headers}: the status judged, the body not"
            );
            // The run says so among the generator's warnings, as the cause is the generator's.
            let warning = warning.unwrap_or_default();
            assert!(
                warning.starts_with("1 response body could not be kept for its checks"),
                "{headers}: {warning}"
            );
        }
    }

    /// Redirects are not followed, on either path: a 3xx is the response, counted under its
    /// status and, without a status check, not an error.
    #[tokio::test]
    async fn a_redirect_is_the_response_not_followed() {
        for headers in ["{}", "{ connection: keep-alive }"] {
            let (addr, answered) = answering(
                b"HTTP/1.1 302 Found\r\nlocation: /elsewhere\r\ncontent-length: 0\r\n\r\n".to_vec(),
            )
            .await;
            let request = format!("          headers: {headers}\n");
            let (tally, _, _) = one_request(addr, &request, 0, 1 << 20).await;
            assert_eq!(tally.requests, 1, "{headers}");
            assert_eq!(tally.status.get(&302), Some(&1), "{headers}");
            assert_eq!(tally.errors.iter().sum::<u64>(), 0, "{headers}");
            assert_eq!(
                answered.load(Ordering::Relaxed),
                1,
                "{headers}: not followed"
            );
        }
    }

    #[test]
    fn lateness_within_the_timers_resolution_is_not_latency() {
        let due = Instant::now();
        let ms = |n: f64| Duration::from_secs_f64(n / 1000.0);
        // (sent this late after it was due, latency counted before the send)
        for (late, counted) in [
            (0.0, 0.0),
            (0.6, 0.0),
            (1.4, 0.0),
            (2.0, 0.0),
            (2.1, 2.1),
            (3.0, 3.0),
            (500.0, 500.0),
        ] {
            let sent = due + ms(late);
            assert_eq!(
                sent - latency_start(Some(due), sent),
                ms(counted),
                "{late} ms late"
            );
        }
        // Sent before it was due (a response came back early), or no due time: from the send.
        assert_eq!(latency_start(Some(due + ms(5.0)), due), due);
        assert_eq!(latency_start(None, due), due);
        assert_eq!(TIMER_SLACK, ms(2.0));
    }

    #[test]
    fn json_numbers_compare_by_value() {
        let same = [
            (json!(1), json!(1.0)),
            (json!(-3), json!(-3.0)),
            (json!(0.5), json!(0.5)),
            (json!(u64::MAX), json!(u64::MAX)),
            (json!([1, {"a": 2.0}]), json!([1.0, {"a": 2}])),
            (json!("x"), json!("x")),
            (json!(null), json!(null)),
        ];
        for (a, b) in same {
            assert!(json_equals(&a, &b), "{a} = {b}");
            assert!(json_equals(&b, &a), "{b} = {a}");
        }
        let different = [
            (json!(1), json!(2)),
            (json!(1), json!("1")),
            (json!(i64::MAX), json!(i64::MAX - 1)),
            (json!(u64::MAX), json!(u64::MAX - 1)),
            (json!([1]), json!([1, 1])),
            (json!({"a": 1}), json!({"a": 1, "b": 1})),
            (json!({"a": 1}), json!({"b": 1})),
            (json!(true), json!(1)),
        ];
        for (a, b) in different {
            assert!(!json_equals(&a, &b), "{a} != {b}");
        }
    }
}
