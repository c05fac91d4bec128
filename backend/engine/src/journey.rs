//! One iteration of a journey: send each request, evaluate its checks, honour think times, and
//! record outcomes. Latency is measured from when the request *should* have gone out: the
//! scheduled start for an open-model iteration's first request, the end of a think time for a
//! request after a pause, the previous response otherwise.

use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use rand::rngs::SmallRng;
use shared::metrics::ErrorKind;
use shared::scenario::{RequestId, ValidCheck, ValidJourney, ValidStep, ValidThink};
use tokio::time::Instant;

use crate::client::{PreparedRequest, classify, head_size, nothing_sent};
use crate::error::EngineError;
use crate::http1::{self, Origin, Sink};
use crate::recorder::Outcome;
use crate::state::RunState;

/// Bodies kept for checks are capped; the rest is still read and counted.
const MAX_CHECKED_BODY: usize = 8 << 20;

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

/// Runs one iteration of `journey`, scheduled to start at `scheduled` (open model), or as soon
/// as it is called (`None`, closed model). Each request is recorded when it completes; if the
/// future is dropped mid-request (the graceful stop ran out), that request is recorded nowhere
/// (it never completed) and the caller counts the iteration as interrupted.
pub(crate) async fn run_iteration(
    state: &RunState,
    journey: usize,
    scheduled: Option<Instant>,
    rng: &mut SmallRng,
) {
    let Some(journey) = state.journeys.get(journey) else {
        return;
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
                let due = Instant::now() + pause;
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
}

/// Sends one request, evaluates its checks; returns the outcome and when the response ended.
async fn send(
    state: &RunState,
    plan: &RequestPlan,
    intended: Option<Instant>,
    checks: &mut Vec<(usize, bool)>,
) -> (Outcome, Instant) {
    let sent_at = Instant::now();
    // Never report a latency shorter than the service time, even if `intended` is later.
    let intended = intended.map_or(sent_at, |i| i.min(sent_at));
    let mut status = None;
    let mut error = None;
    // What went over the wire (see `RequestStats::bytes_sent`): only what was written to a
    // connection counts as sent, and everything read from it as received.
    let mut bytes_sent = 0u64;
    let mut bytes_received = 0u64;
    let mut body = Vec::new();
    let mut headers_seen = 0u64;
    if let Some(fast) = &plan.request.fast {
        let mut sink = Sink {
            body: plan.keep_body.then_some(&mut body),
            body_limit: MAX_CHECKED_BODY,
            header_names: &plan.header_names,
            ..Sink::default()
        };
        let deadline = sent_at + plan.request.timeout;
        match http1::exchange(fast, deadline, &mut sink).await {
            Ok(resp) => status = Some(resp.status),
            Err(failure) => {
                error = Some(failure.kind);
                status = failure.status;
            }
        }
        headers_seen = sink.headers_seen;
        bytes_sent = sink.bytes_written;
        bytes_received = sink.bytes_read;
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
                status = Some(resp.status().as_u16());
                for (i, name) in plan.header_names.iter().enumerate().take(64) {
                    if resp.headers().contains_key(name.as_str()) {
                        headers_seen |= 1 << i;
                    }
                }
                loop {
                    match resp.chunk().await {
                        Ok(Some(chunk)) => {
                            bytes_received += chunk.len() as u64;
                            if plan.keep_body && body.len() < MAX_CHECKED_BODY {
                                body.extend_from_slice(
                                    &chunk[..chunk.len().min(MAX_CHECKED_BODY - body.len())],
                                );
                            }
                        }
                        Ok(None) => break,
                        Err(e) => {
                            error = Some(match classify(&e) {
                                ErrorKind::Timeout => ErrorKind::Timeout,
                                ErrorKind::Reset => ErrorKind::Reset,
                                _ => ErrorKind::BodyRead,
                            });
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
    let latency = done - intended;
    let service = done - sent_at;

    let mut check_failed = false;
    let mut status_ok = None;
    for (index, check) in &plan.checks {
        let header_present = |name: &str| {
            plan.header_names
                .iter()
                .position(|n| n.eq_ignore_ascii_case(name))
                .is_some_and(|i| i < 64 && headers_seen & (1 << i) != 0)
        };
        let passed = error.is_none() && evaluate(check, status, &body, latency, header_present);
        if let ValidCheck::Status(_) = check {
            status_ok = Some(passed);
        }
        check_failed |= !passed;
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
            .is_some_and(|v| v.pointer(pointer) == Some(equals)),
        ValidCheck::HeaderPresent(name) => header_present(name),
        ValidCheck::LatencyUnder(limit) => latency < *limit,
    }
}
