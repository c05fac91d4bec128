//! The run manager: at most one run at a time; resolves and validates what to run, starts the
//! engine, and pumps its channels into the store (every interval, as it happens) and the live
//! feed (a broadcast the WebSocket handlers subscribe to).

use crate::console::errln;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use shared::api::{Alert, AlertKind, LoadOverrides, RunInfo, ScenarioRef, StartRun, TestType};
use shared::metrics::{MetricsSnapshot, RunSummary};
use shared::run::{RunId, RunStatus};
use shared::scenario::{
    Format, OverrideNames, Overrides, Scenario, ScenarioError, ScenarioErrors, ValidationEnv,
    parse_scenario, validate, validate_overridden,
};
use shared::ws::ServerMsg;
use tokio::sync::broadcast;

use super::config::ServerConfig;
use super::error::{ApiError, blocking};
use super::presets;
use crate::store::{RunDeletion, Store, StoreError};

/// A run in progress (or the last one, until the next starts).
#[derive(Debug)]
struct Current {
    info: RunInfo,
    handle: engine::RunHandle,
    /// Shared, so a viewer joining a long run takes its history under the lock by counting
    /// references, not by copying every snapshot (an hour at 1 s intervals is tens of MB).
    snapshots: Vec<Arc<MetricsSnapshot>>,
    alerts: Vec<Arc<Alert>>,
    /// When the engine started, for the elapsed time between snapshots.
    started: std::time::Instant,
    /// Set when the pump has stored the summary: the run is fully over.
    done: bool,
}

/// A run in progress as a viewer joining now gets it: its listing, and its snapshots and
/// alerts so far, shared with the manager (taking it copies no snapshot).
#[derive(Debug, Clone)]
pub(crate) struct History {
    /// The run.
    pub run: RunInfo,
    /// Its snapshots so far, in order.
    pub snapshots: Vec<Arc<MetricsSnapshot>>,
    /// Its alerts so far.
    pub alerts: Vec<Arc<Alert>>,
}

impl History {
    /// The `history` message as JSON text: exactly what [`ServerMsg::History`] serializes to,
    /// written from the shared snapshots without copying them first.
    pub(crate) fn to_json(&self) -> serde_json::Result<String> {
        /// A slice of shared values, serialized as the values.
        struct Each<'a, T>(&'a [Arc<T>]);
        impl<T: serde::Serialize> serde::Serialize for Each<'_, T> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_seq(self.0.iter().map(|v| &**v))
            }
        }
        #[derive(serde::Serialize)]
        #[serde(tag = "type", rename = "history")]
        struct Wire<'a> {
            run: &'a RunInfo,
            snapshots: Each<'a, MetricsSnapshot>,
            alerts: Each<'a, Alert>,
        }
        serde_json::to_string(&Wire {
            run: &self.run,
            snapshots: Each(&self.snapshots),
            alerts: Each(&self.alerts),
        })
    }

    /// The message this is.
    #[cfg(test)]
    pub(crate) fn to_msg(&self) -> ServerMsg {
        ServerMsg::History {
            run: self.run.clone(),
            snapshots: owned(&self.snapshots),
            alerts: owned(&self.alerts),
        }
    }
}

/// Copies of shared values, made outside the manager's lock.
fn owned<T: Clone>(shared: &[Arc<T>]) -> Vec<T> {
    shared.iter().map(|v| (**v).clone()).collect()
}

/// Shared by every handler.
#[derive(Debug, Clone)]
pub struct RunManager {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: Store,
    config: ServerConfig,
    current: Mutex<Option<Current>>,
    feed: broadcast::Sender<ServerMsg>,
    /// Pumps still saving a run (graceful shutdown waits for them).
    pumps: tokio_util::task::TaskTracker,
    /// Held for the whole of a start, so racing starts cannot both store a run row. It holds
    /// whether the server is shutting down: no run starts after that.
    launching: tokio::sync::Mutex<Launching>,
}

/// What starts check under [`Inner::launching`].
#[derive(Debug)]
struct Launching {
    /// The server is shutting down.
    closing: bool,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// The summary of a run that has ended, with a start: the engine's answer for a run task that
/// died without a summary has none (`started_at_ms` 0), and its end would read as 1970. Such a
/// run is taken to have started when it was created (`created_at_ms`, or else `now_ms`) and
/// to have lasted until `now_ms`.
fn with_a_start(
    summary: Arc<RunSummary>,
    created_at_ms: Option<u64>,
    now_ms: u64,
) -> Arc<RunSummary> {
    if summary.started_at_ms != 0 {
        return summary;
    }
    let started_at_ms = created_at_ms.unwrap_or(now_ms).min(now_ms);
    Arc::new(RunSummary {
        started_at_ms,
        duration_ms: now_ms - started_at_ms,
        ..(*summary).clone()
    })
}

/// A run id that sorts by time: `20261126-231501-3f9a`. The 16-bit suffix mixes the sub-second
/// clock, the process id and `salt`, so a retry after a collision gets a different id.
fn run_id_at(now: Duration, salt: u32) -> RunId {
    let secs = now.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = shared::report::civil_from_days(days as i64);
    let mixed = now.subsec_nanos() ^ (std::process::id() << 16) ^ salt.wrapping_mul(0x9e37_79b9);
    let suffix = (mixed ^ (mixed >> 16)) & 0xffff;
    RunId(format!(
        "{y:04}{m:02}{d:02}-{:02}{:02}{:02}-{suffix:04x}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    ))
}

fn in_progress(id: &RunId) -> ApiError {
    ApiError::Conflict(format!(
        "run {id} is in progress: stop it before deleting it"
    ))
}

/// A store failure in the store's words (the API's "storage error: …" is for its clients),
/// and whether trying again may help: SQLite's own failures (locked, full, I/O) may go away, a
/// summary it cannot encode never will.
fn store_failure(e: &ApiError) -> (String, bool) {
    match e {
        ApiError::Store(e) => (e.to_string(), matches!(e, StoreError::Sqlite(_))),
        other => (other.to_string(), false),
    }
}

/// How many ids [`create_run`] tries before it gives up.
const RUN_ID_ATTEMPTS: u32 = 16;

/// Stores `info` as a new run under the first id from `ids` that is not taken yet (an id can
/// collide with an earlier run's from the same second), and returns the run as stored.
fn create_run(
    store: &Store,
    mut info: RunInfo,
    doc: &Scenario,
    ids: impl IntoIterator<Item = RunId>,
) -> Result<RunInfo, StoreError> {
    let mut last = None;
    for id in ids {
        info.id = id;
        match store.create_run(&info, doc) {
            Ok(()) => return Ok(info),
            Err(e @ StoreError::AlreadyExists(_)) => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| StoreError::AlreadyExists("run (no id to try)".to_owned())))
}

impl RunManager {
    /// A manager over `store`. Call [`RunManager::recover`] once at start.
    pub fn new(store: Store, config: ServerConfig) -> Self {
        let (feed, _) = broadcast::channel(256);
        Self {
            inner: Arc::new(Inner {
                store,
                config,
                current: Mutex::new(None),
                feed,
                pumps: tokio_util::task::TaskTracker::new(),
                launching: tokio::sync::Mutex::new(Launching { closing: false }),
            }),
        }
    }

    fn current(&self) -> MutexGuard<'_, Option<Current>> {
        self.inner
            .current
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The configuration.
    pub fn config(&self) -> &ServerConfig {
        &self.inner.config
    }

    /// Marks runs a previous process left unfinished as interrupted.
    pub fn recover(&self) -> Result<Vec<RunId>, StoreError> {
        self.inner.store.mark_interrupted()
    }

    /// Resolves a scenario reference to a document: inline, text (YAML or JSON), a saved name,
    /// or a preset. Presets and target-less scenarios aim at the demo target when one runs.
    pub async fn resolve(
        &self,
        reference: &ScenarioRef,
    ) -> Result<(Scenario, Option<String>), ApiError> {
        match reference {
            ScenarioRef::Inline(s) => Ok(((**s).clone(), None)),
            ScenarioRef::Text(text) => {
                // A text pasted or read from a file saved by a Windows tool may start with a
                // byte-order mark, as a body may: it reads as without it, and its lines and
                // columns count from its text.
                let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
                let scenario = if text.trim_start().starts_with('{') {
                    // JSON; or YAML in flow style (`{name: shop, …}`), which starts the same
                    // way, when the text is not JSON at all. Text that reads as neither keeps
                    // JSON's words for what is wrong.
                    parse_scenario(text, Format::Json).or_else(|json| {
                        let not_json = serde_json::from_str::<serde::de::IgnoredAny>(text).is_err();
                        match not_json.then(|| parse_scenario(text, Format::Yaml)) {
                            Some(Ok(yaml)) => Ok(yaml),
                            _ => Err(json),
                        }
                    })?
                } else {
                    parse_scenario(text, Format::Yaml)?
                };
                Ok((scenario, Some(text.to_owned())))
            }
            ScenarioRef::Name(name) => {
                let store = self.inner.store.clone();
                let key = name.clone();
                if let Some(entry) = blocking(move || store.get_scenario(&key)).await? {
                    return Ok((entry.scenario, None));
                }
                let mut preset = presets::get(name).ok_or_else(|| {
                    ApiError::NotFound(format!("no saved scenario or preset is named \"{name}\""))
                })?;
                if let Some(url) = self.inner.config.preset_target() {
                    preset.target = Some(url.to_owned());
                }
                Ok((preset, None))
            }
        }
    }

    fn validation_env(&self) -> ValidationEnv {
        let cfg = &self.inner.config;
        ValidationEnv {
            cloud_api_url: cfg
                .cloud_api_url
                .clone()
                .or_else(|| cfg.demo_target_url.clone()),
        }
    }

    /// Validates a document as the engine would run it.
    pub fn validate(
        &self,
        scenario: &Scenario,
        source: Option<&str>,
    ) -> Result<shared::scenario::ValidScenario, ApiError> {
        validate(scenario, &self.validation_env()).map_err(|e| {
            ApiError::InvalidScenario(match source {
                Some(text) => e.locate(text),
                None => e,
            })
        })
    }

    /// Applies overrides and validates the result; problems an override caused name it
    /// (`overrides.users`), the document's own keep their position in `source`.
    pub fn validate_overridden(
        &self,
        scenario: &Scenario,
        overrides: &Overrides,
        names: &OverrideNames,
        source: Option<&str>,
    ) -> Result<shared::scenario::ValidScenario, ApiError> {
        validate_overridden(scenario, overrides, names, &self.validation_env(), source)
            .map_err(ApiError::InvalidScenario)
    }

    /// Starts a run. Fails with [`ApiError::Busy`] while another is in progress.
    pub async fn start(&self, request: StartRun) -> Result<RunInfo, ApiError> {
        let (scenario, source) = self.resolve(&request.scenario).await?;
        let (overrides, names) = self.overrides(&scenario, &request.overrides);
        let valid = self.validate_overridden(&scenario, &overrides, &names, source.as_deref())?;
        self.launch(valid, request.test_type).await
    }

    /// Starts an already validated scenario.
    ///
    /// The start runs as a task of its own, so it finishes even when the caller's future is
    /// dropped (a client that disconnects mid-request): dropped between storing the run and
    /// recording it as the one in progress, a start left a run row `pending` for good, or, once
    /// the engine had started, a run generating load that no stop could reach.
    pub async fn launch(
        &self,
        valid: shared::scenario::ValidScenario,
        test_type: TestType,
    ) -> Result<RunInfo, ApiError> {
        let me = self.clone();
        tokio::spawn(async move { me.launch_to_the_end(valid, test_type).await })
            .await
            .unwrap_or_else(|e| Err(ApiError::Internal(format!("run start task: {e}"))))
    }

    /// [`Self::launch`]'s work, not to be dropped half way.
    async fn launch_to_the_end(
        &self,
        valid: shared::scenario::ValidScenario,
        test_type: TestType,
    ) -> Result<RunInfo, ApiError> {
        // Held until the run is the one in progress: only a start makes a run that, so the
        // check below holds to the end. Without it, two starts could both pass the check and
        // both store a run; the loser's row would stay in the history as a run that never ran.
        let launching = self.inner.launching.lock().await;
        if launching.closing {
            return Err(ApiError::Unavailable(
                "the server is shutting down; start the run once it is back".into(),
            ));
        }
        if let Some(id) = self.busy() {
            return Err(ApiError::Busy(id));
        }
        let config = engine::EngineConfig {
            interval: self.inner.config.interval,
            seed: None,
        };
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let pending = RunInfo {
            id: RunId(String::new()), // chosen by create_run
            scenario: valid.name().to_owned(),
            test_type,
            status: RunStatus::Pending,
            created_at_ms: now_ms(),
            ended_at_ms: None,
            duration_ms: 0,
            totals: None,
            thresholds_passed: None,
            interrupted_reason: None,
        };
        let store = self.inner.store.clone();
        let doc = valid.source.clone();
        let ids = (0..RUN_ID_ATTEMPTS).map(move |salt| run_id_at(now, salt));
        let info = blocking(move || create_run(&store, pending, &doc, ids)).await?;

        // `engine::start` prepares the requests (reqwest clients, TLS roots), starts the worker
        // threads and waits until they run before it starts the run's clock: milliseconds, more
        // on a busy machine, that must not stall one of the server's runtime threads (and the
        // connections and runs it serves), so it runs on the blocking pool.
        let started = tokio::task::spawn_blocking(move || engine::start(valid, config)).await;
        let handle = match started {
            Ok(Ok(h)) => h,
            Ok(Err(e)) => {
                let _ = self.inner.store.set_status(&info.id, RunStatus::Failed);
                return Err(e.into());
            }
            Err(e) => {
                let _ = self.inner.store.set_status(&info.id, RunStatus::Failed);
                return Err(ApiError::Internal(format!("engine start task: {e}")));
            }
        };
        let mut current = self.current();
        let snapshots = handle.subscribe();
        let status = handle.status_changes();
        *current = Some(Current {
            info: info.clone(),
            handle: handle.clone(),
            snapshots: Vec::new(),
            alerts: Vec::new(),
            started: std::time::Instant::now(),
            done: false,
        });
        let _ = self
            .inner
            .feed
            .send(ServerMsg::RunStarted { run: info.clone() });
        drop(current);
        let me = self.clone();
        let id = info.id.clone();
        self.inner
            .pumps
            .spawn(async move { me.pump(id, handle, snapshots, status).await });
        Ok(info)
    }

    /// The request's overrides, then per-scenario defaults from test_config.json for what the
    /// request left open, then the user cap; each named after where it came from.
    fn overrides(&self, scenario: &Scenario, o: &LoadOverrides) -> (Overrides, OverrideNames) {
        let defaults = self
            .inner
            .config
            .test_config
            .test_scenarios
            .get(&scenario.name)
            .cloned()
            .unwrap_or_default();
        let mut names = OverrideNames::request();
        let default_name =
            |field: &str| format!("test_config.json test_scenarios.{}.{field}", scenario.name);
        if o.duration.is_none() {
            names.duration = default_name("duration");
        }
        if o.users.is_none() {
            names.users = default_name("users");
        }
        if o.rate.is_none() {
            names.rate = default_name("rate");
        }
        let overrides = Overrides {
            // The defaults were checked when the config was read (TestConfig::load).
            duration: o.duration.map(|d| d.get()).or(defaults.duration),
            users: o.users.or(defaults.users),
            rate: o.rate.or(if scenario.load.is_open_model() {
                defaults.rate
            } else {
                None
            }),
            target: o.target.clone(),
            max_users_cap: self.inner.config.max_users,
        };
        (overrides, names)
    }

    fn busy(&self) -> Option<RunId> {
        self.current()
            .as_ref()
            .filter(|c| !c.done)
            .map(|c| c.info.id.clone())
    }

    /// Stops the run in progress: gracefully, or with `now` at once (its in-flight iterations
    /// cut; on a run already stopping, that cuts its graceful stop short). Answers with the
    /// run as of the stop request: `stopping` and the time it has run so far.
    pub fn stop(&self, id: Option<&RunId>, now: bool) -> Result<RunInfo, ApiError> {
        let mut current = self.current();
        match current.as_mut() {
            Some(c) if !c.done && id.is_none_or(|id| *id == c.info.id) => {
                if now {
                    c.handle.stop_now();
                } else {
                    c.handle.cancel();
                }
                // Announced here, under the lock, so the feed says `stopping` from the moment
                // the stop is accepted (the engine's own `stopping` then changes nothing).
                if !c.info.status.is_terminal() && c.info.status != RunStatus::Stopping {
                    c.info.status = RunStatus::Stopping;
                    let _ = self.inner.feed.send(ServerMsg::Status {
                        run_id: c.info.id.clone(),
                        status: RunStatus::Stopping,
                    });
                }
                let elapsed = u64::try_from(c.started.elapsed().as_millis()).unwrap_or(u64::MAX);
                c.info.duration_ms = c.info.duration_ms.max(elapsed);
                Ok(c.info.clone())
            }
            Some(c) if id.is_some_and(|id| *id == c.info.id) => Err(ApiError::Conflict(format!(
                "run {} has already ended",
                c.info.id
            ))),
            _ => match id {
                Some(id) => Err(ApiError::Conflict(format!("run {id} is not in progress"))),
                None => Err(ApiError::Conflict("no run is in progress".into())),
            },
        }
    }

    /// With `keep_runs` set, deletes the ended runs beyond the newest that many; returns how
    /// many went.
    pub async fn prune(&self) -> Result<usize, ApiError> {
        let Some(keep) = self.inner.config.keep_runs else {
            return Ok(0);
        };
        let store = self.inner.store.clone();
        blocking(move || store.prune_runs(keep.get())).await
    }

    /// Deletes a run that has ended, with its intervals, alerts and summary. A run in progress
    /// is refused (stop it first). Deleting the last run also clears it from the status.
    pub async fn delete(&self, id: &RunId) -> Result<(), ApiError> {
        if self.busy().as_ref() == Some(id) {
            return Err(in_progress(id));
        }
        let store = self.inner.store.clone();
        let key = id.clone();
        let mut deletion = blocking(move || store.delete_run(&key)).await?;
        if deletion == RunDeletion::InProgress {
            deletion = self.delete_unfinished(id).await?;
        }
        match deletion {
            RunDeletion::Deleted => {}
            RunDeletion::NotFound => return Err(ApiError::no_run(id)),
            RunDeletion::InProgress => return Err(in_progress(id)),
        }
        // Stored as ended, so if it is the current run, that run is done: forget it.
        let mut current = self.current();
        if current.as_ref().is_some_and(|c| c.info.id == *id) {
            *current = None;
        }
        Ok(())
    }

    /// Deletes a run that the store lists as unfinished although this server is not running
    /// it: one that ended without its end stored (neither its summary nor, after that, its
    /// `interrupted` status could be written). It is marked `interrupted` first, as the store
    /// deletes only ended runs. While no start is under way (its lock is held here), every
    /// unfinished run but the one in progress is such a run: a start stores its run before
    /// making it the one in progress.
    async fn delete_unfinished(&self, id: &RunId) -> Result<RunDeletion, ApiError> {
        let _no_start = self.inner.launching.lock().await;
        if self.busy().as_ref() == Some(id) {
            return Ok(RunDeletion::InProgress);
        }
        let store = self.inner.store.clone();
        let key = id.clone();
        blocking(move || {
            store.mark_run_interrupted(&key, "its end could not be stored")?;
            store.delete_run(&key)
        })
        .await
    }

    /// The current or most recent run of this process, as the server knows it.
    pub fn current_info(&self) -> Option<RunInfo> {
        self.current().as_ref().map(|c| c.info.clone())
    }

    /// The current or most recent run of this process, with its latest snapshot.
    pub fn status(&self) -> Option<(RunInfo, Option<MetricsSnapshot>)> {
        let (info, latest) = self
            .current()
            .as_ref()
            .map(|c| (c.info.clone(), c.snapshots.last().cloned()))?;
        Some((info, latest.map(|s| (*s).clone())))
    }

    /// The live run's snapshots and alerts so far, if `id` is the current run. They are
    /// copied after the lock is let go: a long run's are large.
    pub fn live(&self, id: &RunId) -> Option<(RunInfo, Vec<MetricsSnapshot>, Vec<Alert>)> {
        let (info, snapshots, alerts) = self
            .current()
            .as_ref()
            .filter(|c| c.info.id == *id)
            .map(|c| (c.info.clone(), c.snapshots.clone(), c.alerts.clone()))?;
        Some((info, owned(&snapshots), owned(&alerts)))
    }

    /// Subscribes to the live feed. If a run is in progress, also returns its history so far;
    /// both are taken under one lock so nothing falls between them. The history shares the
    /// stored snapshots, so the lock is held only while their references are counted, however
    /// long the run.
    pub(crate) fn subscribe(&self) -> (broadcast::Receiver<ServerMsg>, Option<History>) {
        let current = self.current();
        let rx = self.inner.feed.subscribe();
        let history = current.as_ref().filter(|c| !c.done).map(|c| History {
            run: c.info.clone(),
            snapshots: c.snapshots.clone(),
            alerts: c.alerts.clone(),
        });
        (rx, history)
    }

    /// Stops any run and waits until its results are stored (graceful shutdown).
    pub async fn shutdown(&self) {
        // Taken like a start: a start under way finishes first (its run is then stopped below),
        // and none begins after. A start that got in after the stop would otherwise answer 201
        // for a run the exiting process neither runs nor completes.
        self.inner.launching.lock().await.closing = true;
        if let Some(c) = self.current().as_ref().filter(|c| !c.done) {
            c.handle.cancel();
        }
        self.inner.pumps.close();
        self.inner.pumps.wait().await;
    }

    /// Moves one run's channels into the store and the feed until it ends.
    async fn pump(
        self,
        id: RunId,
        handle: engine::RunHandle,
        mut snapshots: broadcast::Receiver<MetricsSnapshot>,
        mut status: tokio::sync::watch::Receiver<RunStatus>,
    ) {
        let limits = self.inner.config.test_config.alerts.clone();
        let mut alerting = Alerting::default();
        loop {
            tokio::select! {
                snap = snapshots.recv() => match snap {
                    Ok(snap) => self.on_snapshot(&id, snap, &limits, &mut alerting).await,
                    Err(broadcast::error::RecvError::Lagged(n)) => errln!("warning: run {id}: {n} snapshots were not stored (store too slow)"),
                    Err(broadcast::error::RecvError::Closed) => break,
                },
                changed = status.changed() => {
                    if changed.is_err() {
                        break;
                    }
                    let s = *status.borrow_and_update();
                    self.on_status(&id, s).await;
                    if s.is_terminal() {
                        break;
                    }
                }
            }
        }
        // Whatever is still queued (the final snapshot) goes in before the summary, also
        // behind a gap of snapshots that were not kept (a lag is not the end of the queue).
        loop {
            match snapshots.try_recv() {
                Ok(snap) => self.on_snapshot(&id, snap, &limits, &mut alerting).await,
                Err(broadcast::error::TryRecvError::Lagged(n)) => {
                    errln!("warning: run {id}: {n} snapshots were not stored (store too slow)");
                }
                Err(_) => break,
            }
        }
        let created_at_ms = self
            .current()
            .as_ref()
            .filter(|c| c.info.id == id)
            .map(|c| c.info.created_at_ms);
        let ended = with_a_start(handle.wait().await, created_at_ms, now_ms());
        // One end time for the store, the status route and the live page (which has only the
        // summary to go by): the summary's start plus its duration.
        let ended_at_ms = ended.ended_at_ms();
        let (summary, stored) = self.finish(&id, ended, ended_at_ms).await;
        if let Err(e) = self.prune().await {
            errln!("error: could not delete old runs (--keep-runs): {e}");
        }
        let mut current = self.current();
        if let Some(c) = current.as_mut().filter(|c| c.info.id == id) {
            match stored {
                // Stored without its summary: the status route shows the run as the history does.
                Some(info) => c.info = info,
                None => c.info.end(&summary),
            }
            c.done = true;
        }
        let _ = self.inner.feed.send(ServerMsg::Status {
            run_id: id.clone(),
            status: summary.status,
        });
        let _ = self.inner.feed.send(ServerMsg::Finished {
            run_id: id,
            summary: Box::new((*summary).clone()),
        });
    }

    /// Stores the summary of a run that has ended, trying again after each of the configured
    /// delays when the write fails (a locked or full database may clear). When it still cannot
    /// be stored, the run is stored as `interrupted` (as start-up recovery stores the runs of a
    /// process that died): with its intervals and the totals of the last one, ended, and so
    /// deletable, rather than `running` until the server restarts. Returns the summary as the
    /// run ended: as given, or, when it could not be stored, `interrupted` with the reason,
    /// which the live feed shows; and then also the run as stored, when it could be read back.
    async fn finish(
        &self,
        id: &RunId,
        summary: Arc<RunSummary>,
        ended_at_ms: u64,
    ) -> (Arc<RunSummary>, Option<RunInfo>) {
        let mut delays = self.inner.config.summary_retry_delays.iter();
        let failure = loop {
            let store = self.inner.store.clone();
            let (sid, s) = (id.clone(), summary.clone());
            let (e, transient) =
                match blocking(move || store.finish_run(&sid, &s, ended_at_ms)).await {
                    Ok(()) => return (summary, None),
                    Err(e) => store_failure(&e),
                };
            match delays.next() {
                Some(delay) if transient => {
                    errln!(
                        "warning: run {id}: could not store the summary ({e}); trying again in {}",
                        shared::units::HumanDuration(*delay)
                    );
                    tokio::time::sleep(*delay).await;
                }
                _ => break e,
            }
        };
        errln!(
            "error: run {id}: could not store the summary: {failure}; the run is kept as \
             interrupted, with its figures up to its last interval"
        );
        let reason = format!(
            "the run history could not store its summary ({failure}), so it keeps the figures up \
             to the last interval"
        );
        let store = self.inner.store.clone();
        let (sid, why) = (id.clone(), reason.clone());
        let stored = match blocking(move || {
            store.mark_run_interrupted(&sid, &why)?;
            store.get_run(&sid)
        })
        .await
        {
            Ok(run) => run
                .map(|run| run.info)
                .filter(|info| info.status.is_terminal()),
            Err(e) => {
                let (e, _) = store_failure(&e);
                errln!(
                    "error: run {id}: could not mark it interrupted either: {e}; the run \
                     history lists it as unfinished until it is deleted or the server restarts"
                );
                None
            }
        };
        let summary = RunSummary {
            status: RunStatus::Interrupted,
            reason: Some(reason),
            ..(*summary).clone()
        };
        (Arc::new(summary), stored)
    }

    async fn on_status(&self, id: &RunId, status: RunStatus) {
        if status.is_terminal() {
            // The terminal status is stored with the summary, atomically.
            return;
        }
        let store = self.inner.store.clone();
        let sid = id.clone();
        if let Err(e) = blocking(move || store.set_status(&sid, status)).await {
            errln!("error: run {id}: could not store status {status}: {e}");
        }
        // Decided and announced under the lock, as a stop is: the feed announces each change
        // of the run's status once, in the order the status route shows them.
        let mut current = self.current();
        let Some(c) = current.as_mut().filter(|c| c.info.id == *id) else {
            return;
        };
        // A stop request already made the run `stopping` (and said so on the feed); a late
        // `running` from the engine, read before the stop and announced after it, must take
        // that back neither here nor on the feed. Nor is a status announced twice.
        let overtaken = c.info.status == RunStatus::Stopping
            && matches!(status, RunStatus::Pending | RunStatus::Running);
        if overtaken || c.info.status == status {
            return;
        }
        c.info.status = status;
        let _ = self.inner.feed.send(ServerMsg::Status {
            run_id: id.clone(),
            status,
        });
    }

    async fn on_snapshot(
        &self,
        id: &RunId,
        snap: MetricsSnapshot,
        limits: &super::config::AlertLimits,
        alerting: &mut Alerting,
    ) {
        let alerts: Vec<Arc<Alert>> = alerts_for(&snap, limits, alerting)
            .into_iter()
            .map(Arc::new)
            .collect();
        let snap = Arc::new(snap);
        let store = self.inner.store.clone();
        let (sid, s, a) = (id.clone(), snap.clone(), alerts.clone());
        let stored = blocking(move || {
            store.append_snapshot(&sid, &s)?;
            for alert in &a {
                store.add_alert(&sid, alert)?;
            }
            Ok(())
        })
        .await;
        if let Err(e) = stored {
            errln!(
                "error: run {id}: could not store snapshot {}: {e}",
                snap.seq
            );
        }
        // The messages are made before the lock is taken: only cheap work happens under it.
        let mut messages = vec![ServerMsg::Snapshot {
            run_id: id.clone(),
            snapshot: Box::new((*snap).clone()),
        }];
        messages.extend(alerts.iter().map(|alert| ServerMsg::Alert {
            run_id: id.clone(),
            alert: (**alert).clone(),
        }));
        // Append and broadcast under the lock, so a subscriber joining now sees each snapshot
        // exactly once: either in its history or on the feed.
        let mut current = self.current();
        if let Some(c) = current.as_mut().filter(|c| c.info.id == *id) {
            c.info.duration_ms = c.info.duration_ms.max(snap.elapsed_ms);
            c.snapshots.push(snap);
            c.alerts.extend(alerts);
        }
        for msg in messages {
            let _ = self.inner.feed.send(msg);
        }
        drop(current);
    }
}

/// Which alert conditions held at the last interval that could tell (one with requests).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Alerting {
    response_time: bool,
    error_rate: bool,
}

/// Alerts fired by one interval: one per condition that starts holding here. A condition
/// that keeps holding fires nothing more until an interval has cleared it; an interval without
/// requests neither holds nor clears anything.
fn alerts_for(
    snap: &MetricsSnapshot,
    limits: &super::config::AlertLimits,
    alerting: &mut Alerting,
) -> Vec<Alert> {
    let i = &snap.interval;
    if i.requests == 0 {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut watch = |kind: AlertKind, value: f64, limit: f64, holding: &mut bool| {
        let holds = value > limit;
        if holds && !*holding {
            out.push(Alert::new(kind, snap.seq, snap.elapsed_ms, value, limit));
        }
        *holding = holds;
    };
    // In the order the store lists an interval's alerts (by kind's name), so the live feed
    // and a reload agree.
    watch(
        AlertKind::ErrorRate,
        i.error_rate(),
        limits.error_rate,
        &mut alerting.error_rate,
    );
    watch(
        AlertKind::ResponseTime,
        i.latency.p95_ms,
        limits.response_time,
        &mut alerting.response_time,
    );
    out
}

/// Errors for a validation problem that is not about the document's text.
pub(crate) fn problem(path: &str, message: impl Into<String>) -> ApiError {
    ApiError::InvalidScenario(ScenarioErrors(vec![ScenarioError::at(path, message)]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::tests::{collect_until_finished, wait_for};

    /// A run whose task died without a summary ends now, having started when it was created:
    /// not in 1970. A summary with a start is kept as it is.
    #[test]
    fn a_summary_without_a_start_starts_when_its_run_was_created() {
        let died = Arc::new(RunSummary::empty("", RunStatus::Failed));
        let s = with_a_start(died.clone(), Some(1_000), 4_500);
        assert_eq!(
            (s.started_at_ms, s.duration_ms, s.ended_at_ms()),
            (1_000, 3_500, 4_500)
        );
        let s = with_a_start(died.clone(), None, 4_500);
        assert_eq!((s.started_at_ms, s.ended_at_ms()), (4_500, 4_500));
        // A clock set back since the run was created: no time, rather than an underflow.
        let s = with_a_start(died, Some(9_000), 4_500);
        assert_eq!((s.started_at_ms, s.duration_ms), (4_500, 0));
        let ran = Arc::new(RunSummary {
            started_at_ms: 2_000,
            duration_ms: 700,
            ..RunSummary::empty("s", RunStatus::Completed)
        });
        assert!(Arc::ptr_eq(
            &with_a_start(ran.clone(), Some(1_000), 9_000),
            &ran
        ));
    }
    #[test]
    fn an_alert_fires_when_its_condition_starts_holding_not_every_interval() {
        let limits = super::super::config::AlertLimits {
            response_time: 500.0,
            error_rate: 0.05,
        };
        // Per interval: (requests, errors, p95 ms).
        type Case = (
            &'static str,
            &'static [(u64, u64, f64)],
            &'static [(u64, AlertKind)],
        );
        let cases: &[Case] = &[
            ("healthy", &[(100, 0, 20.0), (100, 1, 30.0)], &[]),
            (
                // The QA run: ~60% errors for 15 s gave 15 alerts.
                "errors above the limit throughout fire once",
                &[
                    (100, 60, 20.0),
                    (100, 55, 20.0),
                    (100, 65, 20.0),
                    (3, 2, 20.0),
                ],
                &[(0, AlertKind::ErrorRate)],
            ),
            (
                "a condition that clears and comes back fires again",
                &[(100, 60, 20.0), (100, 0, 20.0), (100, 60, 20.0)],
                &[(0, AlertKind::ErrorRate), (2, AlertKind::ErrorRate)],
            ),
            (
                "an interval without requests neither holds nor clears",
                &[(100, 60, 20.0), (0, 0, 0.0), (100, 60, 20.0)],
                &[(0, AlertKind::ErrorRate)],
            ),
            (
                "each condition on its own",
                &[
                    (100, 0, 900.0),
                    (100, 60, 900.0),
                    (100, 60, 20.0),
                    (100, 0, 900.0),
                ],
                &[
                    (0, AlertKind::ResponseTime),
                    (1, AlertKind::ErrorRate),
                    (3, AlertKind::ResponseTime),
                ],
            ),
            ("at the limit is not above it", &[(100, 5, 500.0)], &[]),
            (
                // The store lists an interval's alerts by kind's name; the feed must agree.
                "both in one interval: error rate first, as a reload lists them",
                &[(100, 60, 900.0)],
                &[(0, AlertKind::ErrorRate), (0, AlertKind::ResponseTime)],
            ),
        ];
        for (name, intervals, want) in cases {
            let mut alerting = Alerting::default();
            let mut fired = Vec::new();
            for (seq, &(requests, errors, p95)) in intervals.iter().enumerate() {
                let mut snap = shared::samples::snapshot(seq as u64);
                snap.interval.requests = requests;
                snap.interval.errors = errors;
                snap.interval.latency.p95_ms = p95;
                for a in alerts_for(&snap, &limits, &mut alerting) {
                    assert_eq!((a.seq, a.elapsed_ms), (snap.seq, snap.elapsed_ms), "{name}");
                    assert_eq!(a.message, a.kind.describe(a.value, a.limit), "{name}");
                    fired.push((a.seq, a.kind));
                }
            }
            assert_eq!(fired, *want, "{name}");
        }
    }

    /// A manager with 100 ms intervals whose default target is a demo target answering at once
    /// (kept running while the first value lives).
    async fn manager_with_demo() -> (crate::demo_target::DemoServer, RunManager) {
        use crate::demo_target::{DemoConfig, DemoServer};
        let demo = DemoServer::start(DemoConfig::instant())
            .await
            .expect("the demo target binds 127.0.0.1:0");
        let config = ServerConfig {
            interval: Duration::from_millis(100),
            demo_target_url: Some(demo.url()),
            ..Default::default()
        };
        let runs = RunManager::new(Store::open_in_memory().expect("a store"), config);
        (demo, runs)
    }

    /// A start of a minute of `users` users asking the demo target for a product.
    fn a_minute_of(name: &str, users: u32, graceful_stop: &str) -> StartRun {
        serde_json::from_value(serde_json::json!({
            "scenario": { "inline": {
                "name": name,
                "journeys": [{ "name": "product", "steps": [{ "request": {
                    "name": "GET product", "method": "GET", "path": "/api/products/3"
                }}]}],
                "load": { "type": "constant_users", "users": users, "duration": "60s" },
                "options": { "timeout": "5s", "graceful_stop": graceful_stop }
            }}
        }))
        .expect("a start request")
    }

    /// The engine says `running`; the pump reads it, and before it announces it a stop is
    /// accepted. The late `running` used to go out on the feed after the stop, so the panel
    /// showed the run `running` until the engine's `stopping` came. Now the stop says
    /// `stopping` on the feed at once, and nothing after it says `running`, there or in the
    /// status.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_running_announced_after_a_stop_does_not_take_it_back() {
        let (_demo, runs) = manager_with_demo().await;
        let (mut rx, _) = runs.subscribe();
        let request = a_minute_of("stopped", 2, "2s");
        let id = runs.start(request).await.expect("the run starts").id;
        wait_for(&mut rx, "running", |msg| {
            matches!(
                msg,
                ServerMsg::Status {
                    status: RunStatus::Running,
                    ..
                }
            )
            .then_some(())
        })
        .await;

        let stopped = runs.stop(None, false).expect("the stop is accepted");
        assert_eq!(stopped.status, RunStatus::Stopping);
        // The pump announces a `running` it read before the stop.
        runs.on_status(&id, RunStatus::Running).await;
        let shown = runs.status().map(|(info, _)| info.status);
        assert_eq!(shown, Some(RunStatus::Stopping), "the status route");

        let statuses: Vec<RunStatus> = collect_until_finished(&mut rx, &id)
            .await
            .into_iter()
            .filter_map(|msg| match msg {
                ServerMsg::Status { status, .. } => Some(status),
                _ => None,
            })
            .collect();
        assert_eq!(
            statuses,
            [RunStatus::Stopping, RunStatus::Cancelled],
            "the feed after the stop: stopping at once, once, then the end"
        );
    }

    /// A client that disconnects while its run starts drops the handler's future. The start
    /// still finishes: the run is the one in progress (a stop reaches it) and its row does not
    /// stay `pending`. Dropped at its first wait before, the start left the row `pending` and
    /// never announced the run.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_start_whose_caller_goes_away_still_finishes() {
        let (_demo, runs) = manager_with_demo().await;
        let (mut rx, _) = runs.subscribe();
        let request = a_minute_of("abandoned", 1, "1s");
        // Polled once, then dropped, as axum drops a handler whose client went away. (Exactly
        // once: a timeout polls again when its timer fires, by when the start may be done.)
        let mut start = Box::pin(runs.start(request));
        let first = std::future::poll_fn(|cx| {
            std::task::Poll::Ready(std::future::Future::poll(start.as_mut(), cx))
        })
        .await;
        assert!(first.is_pending(), "the start had to wait for the store");
        drop(start);
        let id = wait_for(&mut rx, "run_started", |msg| match msg {
            ServerMsg::RunStarted { run } => Some(run.id),
            _ => None,
        })
        .await;
        let stopped = runs.stop(None, true).expect("the stop reaches the run");
        assert_eq!(stopped.id, id);
        collect_until_finished(&mut rx, &id).await;
        let stored = runs.inner.store.get_run(&id).expect("the store reads");
        let status = stored.map(|run| run.info.status);
        assert_eq!(status, Some(RunStatus::Cancelled));
    }

    #[test]
    fn run_ids_read_as_the_utc_time_they_were_made() {
        // 2026-11-26 23:15:01.5 UTC
        let now = Duration::from_millis(1_795_734_901_500);
        let id = run_id_at(now, 0);
        assert!(id.0.starts_with("20261126-231501-"), "{id}");
        assert_eq!(id.0.len(), "20261126-231501-3f9a".len(), "{id}");
        assert_ne!(
            run_id_at(now, 0),
            run_id_at(now, 1),
            "a retry gets another id"
        );
    }

    fn pending(name: &str) -> (RunInfo, Scenario) {
        let doc = presets::get("web_app").expect("the web_app preset");
        let info = RunInfo {
            id: RunId(String::new()),
            scenario: name.to_owned(),
            test_type: TestType::Load,
            status: RunStatus::Pending,
            created_at_ms: 0,
            ended_at_ms: None,
            duration_ms: 0,
            totals: None,
            thresholds_passed: None,
            interrupted_reason: None,
        };
        (info, doc)
    }

    #[test]
    fn a_run_whose_id_is_taken_is_stored_under_the_next_one() -> Result<(), StoreError> {
        let store = Store::open_in_memory()?;
        let (info, doc) = pending("shop");
        let taken = RunId("20261126-231501-0001".to_owned());
        let first = create_run(&store, info.clone(), &doc, [taken.clone()])?;
        assert_eq!(first.id, taken);

        let ids = [taken.clone(), RunId("20261126-231501-0002".to_owned())];
        let second = create_run(&store, info.clone(), &doc, ids)?;
        assert_eq!(second.id.0, "20261126-231501-0002");
        let stored = store.get_run(&second.id)?.expect("stored");
        assert_eq!(stored.info.scenario, "shop");

        let again = create_run(&store, info, &doc, [taken]);
        assert!(
            matches!(again, Err(StoreError::AlreadyExists(_))),
            "{again:?}"
        );
        Ok(())
    }
}
