//! Writing runs: creation, status changes, interval snapshots, alerts, the final summary,
//! and recovery after a crash. Every write is one transaction (or one statement).

use crate::console::errln;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use shared::api::{Alert, RunInfo, RunTotals};
use shared::metrics::{MetricsSnapshot, RunSummary};
use shared::run::{RunId, RunStatus};
use shared::scenario::Scenario;

use super::history::read_last_snapshot;
use super::migrations::now_ms;
use super::{Store, StoreError, enum_name, to_i64};

/// Why start-up recovery found a run unfinished: its `interrupted_reason`.
pub const INTERRUPTED_BY_RESTART: &str = "the server stopped before the run's end was stored \
     (it was killed, crashed or lost power); its figures are those of its last stored interval";

/// The states a run can be left in when its process dies.
const NON_TERMINAL: [RunStatus; 3] = [RunStatus::Pending, RunStatus::Running, RunStatus::Stopping];

/// What [`Store::delete_run`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunDeletion {
    /// The run, its intervals and its alerts are gone.
    Deleted,
    /// No run has that id.
    NotFound,
    /// The run has not ended (pending, running or stopping); nothing was deleted.
    InProgress,
}

/// The totals as column values (all NULL when absent).
type TotalsColumns = (
    Option<i64>,
    Option<i64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
);

/// The stored names of [`NON_TERMINAL`].
pub(super) fn active_names() -> Result<[String; 3], StoreError> {
    let [a, b, c] = NON_TERMINAL.map(|s| enum_name(&s));
    Ok([a?, b?, c?])
}

fn totals_columns(t: Option<&RunTotals>) -> Result<TotalsColumns, StoreError> {
    Ok(match t {
        None => (None, None, None, None, None, None, None),
        Some(t) => (
            Some(to_i64(t.requests, "total requests")?),
            Some(to_i64(t.errors, "total errors")?),
            Some(t.error_rate),
            Some(t.rps),
            Some(t.p50_ms),
            Some(t.p95_ms),
            Some(t.p99_ms),
        ),
    })
}

fn run_exists(conn: &Connection, id: &RunId) -> Result<bool, StoreError> {
    let found = conn
        .query_row("SELECT 1 FROM runs WHERE id = ?1", [&id.0], |_| Ok(()))
        .optional()?;
    Ok(found.is_some())
}

/// `NotFound` unless the run exists.
pub(super) fn ensure_run(conn: &Connection, id: &RunId) -> Result<(), StoreError> {
    if run_exists(conn, id)? {
        Ok(())
    } else {
        Err(StoreError::NotFound(format!("run {id}")))
    }
}

impl Store {
    /// Records a new run. `info.scenario` is its listed name; `scenario` is the document as run
    /// (after overrides). Fails with `AlreadyExists` if the id is taken.
    pub fn create_run(&self, info: &RunInfo, scenario: &Scenario) -> Result<(), StoreError> {
        let scenario_json = serde_json::to_string(scenario)?;
        let (test_type, status) = (enum_name(&info.test_type)?, enum_name(&info.status)?);
        let t = totals_columns(info.totals.as_ref())?;
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if run_exists(&tx, &info.id)? {
            return Err(StoreError::AlreadyExists(format!("run {}", info.id)));
        }
        tx.execute(
            "INSERT INTO runs (id, scenario_name, test_type, status, created_at_ms, ended_at_ms, \
             duration_ms, scenario_json, total_requests, total_errors, error_rate, rps, p50_ms, \
             p95_ms, p99_ms, thresholds_passed, interrupted_reason) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
            params![
                info.id.0,
                info.scenario,
                test_type,
                status,
                to_i64(info.created_at_ms, "created_at_ms")?,
                info.ended_at_ms
                    .map(|v| to_i64(v, "ended_at_ms"))
                    .transpose()?,
                to_i64(info.duration_ms, "duration_ms")?,
                scenario_json,
                t.0,
                t.1,
                t.2,
                t.3,
                t.4,
                t.5,
                t.6,
                info.thresholds_passed,
                info.interrupted_reason,
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Sets a run's status. A terminal status without a summary (a run that could not start,
    /// or was cancelled before it did) also stamps `ended_at_ms` with the current time, unless
    /// it is already set.
    pub fn set_status(&self, id: &RunId, status: RunStatus) -> Result<(), StoreError> {
        let name = enum_name(&status)?;
        let ended = status.is_terminal().then(now_ms);
        let changed = self.lock().execute(
            "UPDATE runs SET status = ?2, ended_at_ms = COALESCE(ended_at_ms, ?3) WHERE id = ?1",
            params![id.0, name, ended],
        )?;
        if changed == 0 {
            return Err(StoreError::NotFound(format!("run {id}")));
        }
        Ok(())
    }

    /// Stores one interval's snapshot (replacing one with the same `seq`, so a retry is
    /// harmless) and, while the run is not finished, moves its `duration_ms` up to the
    /// snapshot's elapsed time. Committed before returning: it survives a crash.
    pub fn append_snapshot(&self, id: &RunId, snap: &MetricsSnapshot) -> Result<(), StoreError> {
        let json = serde_json::to_string(snap)?;
        let seq = to_i64(snap.seq, "snapshot seq")?;
        let elapsed = to_i64(snap.elapsed_ms, "snapshot elapsed_ms")?;
        let [pending, running, stopping] = active_names()?;
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        ensure_run(&tx, id)?;
        tx.execute(
            "INSERT OR REPLACE INTO intervals \
             (run_id, seq, elapsed_ms, recorded_at_ms, snapshot_json) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id.0, seq, elapsed, now_ms(), json],
        )?;
        // MAX: a retried older snapshot must not shrink it. Finished runs keep the summary's
        // duration even if a late snapshot arrives.
        tx.execute(
            "UPDATE runs SET duration_ms = MAX(duration_ms, ?2) \
             WHERE id = ?1 AND status IN (?3, ?4, ?5)",
            params![id.0, elapsed, pending, running, stopping],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Stores an alert. One per run, interval and kind: adding it again replaces it.
    pub fn add_alert(&self, id: &RunId, alert: &Alert) -> Result<(), StoreError> {
        let json = serde_json::to_string(alert)?;
        let kind = enum_name(&alert.kind)?;
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        ensure_run(&tx, id)?;
        tx.execute(
            "INSERT OR REPLACE INTO alerts (run_id, seq, kind, alert_json) VALUES (?1, ?2, ?3, ?4)",
            params![id.0, to_i64(alert.seq, "alert seq")?, kind, json],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Records the end of a run in one statement: status (`summary.status`), end time, load
    /// duration, the summary, its headline totals and the threshold verdict. A run with its
    /// summary has no interruption to explain.
    pub fn finish_run(
        &self,
        id: &RunId,
        summary: &RunSummary,
        ended_at_ms: u64,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(summary)?;
        let status = enum_name(&summary.status)?;
        let totals = RunTotals::of(summary);
        let t = totals_columns(Some(&totals))?;
        let changed = self.lock().execute(
            "UPDATE runs SET status = ?2, ended_at_ms = ?3, duration_ms = ?4, summary_json = ?5, \
             total_requests = ?6, total_errors = ?7, error_rate = ?8, rps = ?9, p50_ms = ?10, \
             p95_ms = ?11, p99_ms = ?12, thresholds_passed = ?13, interrupted_reason = NULL \
             WHERE id = ?1",
            params![
                id.0,
                status,
                to_i64(ended_at_ms, "ended_at_ms")?,
                to_i64(summary.duration_ms, "duration_ms")?,
                json,
                t.0,
                t.1,
                t.2,
                t.3,
                t.4,
                t.5,
                t.6,
                summary.verdict(),
            ],
        )?;
        if changed == 0 {
            return Err(StoreError::NotFound(format!("run {id}")));
        }
        Ok(())
    }

    /// Deletes a run that has ended, with its intervals and alerts (one transaction).
    pub fn delete_run(&self, id: &RunId) -> Result<RunDeletion, StoreError> {
        let [pending, running, stopping] = active_names()?;
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let status: Option<String> = tx
            .query_row("SELECT status FROM runs WHERE id = ?1", [&id.0], |r| {
                r.get(0)
            })
            .optional()?;
        let outcome = match status {
            None => RunDeletion::NotFound,
            Some(s) if [&pending, &running, &stopping].contains(&&s) => RunDeletion::InProgress,
            Some(_) => {
                // Intervals and alerts go with it (ON DELETE CASCADE).
                tx.execute("DELETE FROM runs WHERE id = ?1", [&id.0])?;
                RunDeletion::Deleted
            }
        };
        tx.commit()?;
        Ok(outcome)
    }

    /// Deletes the ended runs older than the newest `keep` (newest by creation time), with
    /// their intervals and alerts. Runs that have not ended are never deleted. Returns how
    /// many went.
    pub fn prune_runs(&self, keep: usize) -> Result<usize, StoreError> {
        let [pending, running, stopping] = active_names()?;
        let keep = i64::try_from(keep).unwrap_or(i64::MAX);
        let deleted = self.lock().execute(
            "DELETE FROM runs WHERE status NOT IN (?1, ?2, ?3) AND id NOT IN \
                 (SELECT id FROM runs ORDER BY created_at_ms DESC, id DESC LIMIT ?4)",
            params![pending, running, stopping, keep],
        )?;
        Ok(deleted)
    }

    /// Marks every run left `pending`, `running` or `stopping` (by a process that died) as
    /// `interrupted`, keeping its data. Its end time becomes the time its last snapshot was
    /// stored, or its creation time if it has none; its totals and duration come from that
    /// last snapshot (the figures as far as the run got), so listings show them like any
    /// ended run's. Its `interrupted_reason` is [`INTERRUPTED_BY_RESTART`]. Returns those runs,
    /// oldest first. One transaction.
    /// Call once at startup, before any new run is created.
    pub fn mark_interrupted(&self) -> Result<Vec<RunId>, StoreError> {
        self.interrupt(None, INTERRUPTED_BY_RESTART)
    }

    /// Marks one run that has ended but is still stored as `pending`, `running` or `stopping`
    /// (its summary could not be stored) as `interrupted`, as [`Store::mark_interrupted`] marks
    /// the runs of a process that died: it keeps its data, gets the totals of its last
    /// snapshot, and can be deleted; `reason` says why, as its `interrupted_reason`. Returns
    /// false, changing nothing, for a run already ended or one that does not exist.
    pub fn mark_run_interrupted(&self, id: &RunId, reason: &str) -> Result<bool, StoreError> {
        Ok(!self.interrupt(Some(id), reason)?.is_empty())
    }

    /// [`Store::mark_interrupted`], of every unfinished run or of `only` that one, for `reason`.
    fn interrupt(&self, only: Option<&RunId>, reason: &str) -> Result<Vec<RunId>, StoreError> {
        let [pending, running, stopping] = active_names()?;
        let interrupted = enum_name(&RunStatus::Interrupted)?;
        let only = only.map(|id| id.0.as_str());
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut ids = {
            let mut stmt = tx.prepare(
                "UPDATE runs SET status = ?4, interrupted_reason = ?6, \
                     ended_at_ms = MAX(created_at_ms, COALESCE( \
                     (SELECT MAX(recorded_at_ms) FROM intervals WHERE intervals.run_id = runs.id), \
                     created_at_ms)) \
                 WHERE status IN (?1, ?2, ?3) AND (?5 IS NULL OR id = ?5) \
                 RETURNING id, created_at_ms",
            )?;
            let rows = stmt.query_map(
                params![pending, running, stopping, interrupted, only, reason],
                |r| Ok((r.get::<_, i64>(1)?, r.get::<_, String>(0)?)),
            )?;
            rows.collect::<Result<Vec<_>, _>>()?
        };
        ids.sort();
        let ids: Vec<RunId> = ids.into_iter().map(|(_, id)| RunId(id)).collect();
        for id in &ids {
            let last = match read_last_snapshot(&tx, id) {
                Ok(Some(last)) => last,
                Ok(None) => continue,
                // An unreadable snapshot costs this run its totals, not the server its start.
                Err(StoreError::Corrupt(e)) => {
                    errln!("warning: run {id}: no totals from its last snapshot: {e}");
                    continue;
                }
                Err(e) => return Err(e),
            };
            let t = totals_columns(Some(&RunTotals::of_snapshot(&last)))?;
            tx.execute(
                "UPDATE runs SET duration_ms = MAX(duration_ms, ?2), total_requests = ?3, \
                 total_errors = ?4, error_rate = ?5, rps = ?6, p50_ms = ?7, p95_ms = ?8, \
                 p99_ms = ?9 WHERE id = ?1",
                params![
                    id.0,
                    to_i64(last.elapsed_ms, "snapshot elapsed_ms")?,
                    t.0,
                    t.1,
                    t.2,
                    t.3,
                    t.4,
                    t.5,
                    t.6,
                ],
            )?;
        }
        tx.commit()?;
        Ok(ids)
    }
}
