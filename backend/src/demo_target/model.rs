//! The simulation shared by all routes: counters, capacity/queue admission and the dice that
//! decide each request's service time and whether it fails.

use std::collections::hash_map::RandomState;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::HttpBody as _;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt as _;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use shared::demo::DemoStats;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::DemoConfig;
use super::routes::{Store, error_json};

/// Request bodies up to this size are accepted (axum's default of 2 MiB is too tight for
/// scenarios that upload large payloads).
pub(crate) const BODY_LIMIT: usize = 16 * 1024 * 1024;

/// Route template under which requests matching no route are counted.
pub(crate) const UNMATCHED: &str = "(unmatched)";

/// Tail requests take this many times their normal service time (uniformly in the range).
const TAIL_FACTOR: std::ops::Range<f64> = 10.0..20.0;

pub(crate) struct Shared {
    slots: Arc<Semaphore>,
    capacity: usize,
    queue_limit: usize,
    queued: AtomicUsize,
    latency: Duration,
    jitter: f64,
    tail_ratio: f64,
    error_rate: f64,
    dice: Mutex<SmallRng>,
    // One lock for all cumulative counters so that every snapshot is self-consistent
    // (`by_route` sums to `requests_total`) even under concurrent load.
    counters: Mutex<Counters>,
    pub(crate) store: Store,
}

#[derive(Default)]
struct Counters {
    requests_total: u64,
    rejected_total: u64,
    errors_injected_total: u64,
    // `None` stands for any non-standard method, so that a client inventing methods cannot
    // grow this map without bound.
    by_route: HashMap<(Option<Method>, &'static str), u64>,
}

/// What happens to one admitted request.
struct Plan {
    service_time: Duration,
    fail: bool,
}

/// Turns a user-supplied fraction into something safe to compare dice against.
fn fraction(value: f64) -> f64 {
    if value.is_nan() {
        0.0
    } else {
        value.clamp(0.0, 1.0)
    }
}

fn process_seed() -> u64 {
    // `rand` is built without OS entropy here; std's `RandomState` is seeded from the OS, so
    // hashing the clock through it gives a different seed per process.
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos());
    RandomState::new().hash_one(nanos)
}

impl Shared {
    pub(crate) fn new(config: &DemoConfig) -> Self {
        // Zero permits would deadlock every request, and `Semaphore::new` panics above its max.
        let capacity = config.capacity.clamp(1, Semaphore::MAX_PERMITS);
        Self {
            slots: Arc::new(Semaphore::new(capacity)),
            capacity,
            queue_limit: config.queue,
            queued: AtomicUsize::new(0),
            latency: config.latency,
            jitter: fraction(config.jitter),
            tail_ratio: fraction(config.tail_ratio),
            error_rate: fraction(config.error_rate),
            dice: Mutex::new(SmallRng::seed_from_u64(
                config.seed.unwrap_or_else(process_seed),
            )),
            counters: Mutex::new(Counters::default()),
            store: Store::default(),
        }
    }

    fn counters(&self) -> MutexGuard<'_, Counters> {
        // The counters stay meaningful even if a holder panicked mid-update.
        self.counters.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn count(&self, method: &Method, route: &'static str) {
        let method = is_standard(method).then(|| method.clone());
        let mut counters = self.counters();
        counters.requests_total += 1;
        *counters.by_route.entry((method, route)).or_insert(0) += 1;
    }

    pub(crate) fn stats(&self) -> DemoStats {
        let (requests_total, rejected_total, errors_injected_total, by_route) = {
            let counters = self.counters();
            let mut by_route = BTreeMap::new();
            for ((method, route), n) in &counters.by_route {
                let method = method.as_ref().map_or("OTHER", Method::as_str);
                *by_route.entry(format!("{method} {route}")).or_insert(0) += *n;
            }
            (
                counters.requests_total,
                counters.rejected_total,
                counters.errors_injected_total,
                by_route,
            )
        };
        let in_flight = self.capacity.saturating_sub(self.slots.available_permits());
        DemoStats {
            requests_total,
            in_flight: in_flight as u64,
            queued: self.queued.load(Ordering::SeqCst) as u64,
            rejected_total,
            errors_injected_total,
            by_route,
        }
    }

    pub(crate) fn reset(&self) {
        *self.counters() = Counters::default();
    }

    /// Waits for a capacity slot, or returns `None` when the queue is full too.
    async fn admit(&self) -> Option<OwnedSemaphorePermit> {
        if let Ok(permit) = Arc::clone(&self.slots).try_acquire_owned() {
            return Some(permit);
        }
        // Reserve a queue place first so the `queued` gauge never exceeds the limit.
        self.queued
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |queued| {
                (queued < self.queue_limit).then_some(queued + 1)
            })
            .ok()?;
        // Released on every exit, including the client hanging up while it waits.
        let _waiting = QueuePlace(&self.queued);
        Arc::clone(&self.slots).acquire_owned().await.ok()
    }

    fn plan(&self) -> Plan {
        let needs_latency_dice =
            !self.latency.is_zero() && (self.jitter > 0.0 || self.tail_ratio > 0.0);
        if !needs_latency_dice && self.error_rate == 0.0 {
            return Plan {
                service_time: self.latency,
                fail: false,
            };
        }
        let mut dice = self.dice.lock().unwrap_or_else(PoisonError::into_inner);
        let mut factor = 1.0;
        if needs_latency_dice {
            if self.jitter > 0.0 {
                factor += self.jitter * (2.0 * dice.random::<f64>() - 1.0);
            }
            if self.tail_ratio > 0.0 && dice.random::<f64>() < self.tail_ratio {
                factor *= dice.random_range(TAIL_FACTOR);
            }
        }
        // `random` is in [0, 1), so a rate of 1.0 fails every request and 0.0 none.
        let fail = self.error_rate > 0.0 && dice.random::<f64>() < self.error_rate;
        drop(dice);
        let service_time = Duration::try_from_secs_f64(self.latency.as_secs_f64() * factor)
            .unwrap_or(self.latency);
        Plan { service_time, fail }
    }

    fn note_rejected(&self) {
        self.counters().rejected_total += 1;
    }

    fn note_injected(&self) {
        self.counters().errors_injected_total += 1;
    }
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shared")
            .field("capacity", &self.capacity)
            .field("queue_limit", &self.queue_limit)
            .field("latency", &self.latency)
            .field("jitter", &self.jitter)
            .field("tail_ratio", &self.tail_ratio)
            .field("error_rate", &self.error_rate)
            .finish_non_exhaustive()
    }
}

fn is_standard(method: &Method) -> bool {
    matches!(
        method.as_str(),
        "GET" | "HEAD" | "POST" | "PUT" | "DELETE" | "PATCH" | "OPTIONS" | "TRACE" | "CONNECT"
    )
}

struct QueuePlace<'a>(&'a AtomicUsize);

impl Drop for QueuePlace<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Middleware state: the shared simulation plus the route template this request matched.
#[derive(Clone)]
pub(crate) struct Tracked {
    pub(crate) shared: Arc<Shared>,
    pub(crate) route: &'static str,
}

/// Wraps every counted route (and the 404 fallback): count, refuse a body declared too large,
/// admit or shed, spend the service time holding the slot, maybe fail, and only then run the
/// real handler. None of the answers given here waits for the request body.
pub(crate) async fn simulate(State(tracked): State<Tracked>, req: Request, next: Next) -> Response {
    let shared = &tracked.shared;
    shared.count(req.method(), tracked.route);

    // A body announced over the limit is refused first: it would be refused anyway, so it
    // neither waits for a slot nor has its body read.
    if declared_length(&req).is_some_and(|n| n > BODY_LIMIT as u64) {
        return too_large();
    }

    let Some(_slot) = shared.admit().await else {
        shared.note_rejected();
        let mut response = error_json(StatusCode::SERVICE_UNAVAILABLE, "over capacity");
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
        discard_body_after(req);
        return response;
    };

    let plan = shared.plan();
    if !plan.service_time.is_zero() {
        tokio::time::sleep(plan.service_time).await;
    }
    if plan.fail {
        shared.note_injected();
        discard_body_after(req);
        return error_json(StatusCode::INTERNAL_SERVER_ERROR, "injected failure");
    }
    next.run(req).await.into_response()
}

/// The request's `Content-Length`, when it has a valid one.
fn declared_length(req: &Request) -> Option<u64> {
    req.headers()
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// `413`, closing the connection: its body is never read, so nothing else can follow on it.
fn too_large() -> Response {
    let mut response = error_json(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("request body over the limit of {BODY_LIMIT} bytes"),
    );
    response.headers_mut().insert(
        header::CONNECTION,
        header::HeaderValue::from_static("close"),
    );
    response
}

/// Reads and drops the request body of a short-circuited answer in the background, once the
/// answer is on its way, so the answer does not wait for the body and the client's
/// keep-alive connection survives it (hyper closes a connection whose body was left unread,
/// and closing with unread bytes resets it, which can lose the answer). At most
/// [`BODY_LIMIT`] bytes are read; a longer body costs its connection.
fn discard_body_after(req: Request) {
    let body = req.into_body();
    if body.is_end_stream() {
        return;
    }
    let mut data = body.into_data_stream();
    tokio::spawn(async move {
        let mut read = 0usize;
        // A broken connection ends the body with an error: nothing to do but stop.
        while let Some(Ok(chunk)) = data.next().await {
            read = read.saturating_add(chunk.len());
            if read > BODY_LIMIT {
                break;
            }
        }
    });
}
