//! Reading runs back: lists, one run in full, its series of snapshots and its alerts.

use rusqlite::{Connection, OptionalExtension, Row, params};
use shared::api::{Alert, RunDetail, RunFilter, RunInfo, RunListing, RunTotals, UnreadableRun};
use shared::metrics::{MetricsSnapshot, RunSummary};
use shared::run::{RunId, RunStatus};

use super::runs::{active_names, ensure_run};
use super::{
    DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT, Store, StoreError, enum_from_name, enum_name, from_json,
    to_u64,
};

/// The `runs` columns behind a [`RunInfo`], in the order [`RunRow::read`] expects.
const INFO_COLUMNS: &str = "id, scenario_name, test_type, status, created_at_ms, ended_at_ms, \
     duration_ms, total_requests, total_errors, error_rate, rps, p50_ms, p95_ms, p99_ms, \
     thresholds_passed, interrupted_reason";

/// A `runs` row as stored, before its text and numbers are checked.
struct RunRow {
    id: String,
    scenario: String,
    test_type: String,
    status: String,
    created_at_ms: i64,
    ended_at_ms: Option<i64>,
    duration_ms: i64,
    requests: Option<i64>,
    errors: Option<i64>,
    /// error_rate, rps, p50, p95, p99.
    reals: [Option<f64>; 5],
    thresholds_passed: Option<bool>,
    interrupted_reason: Option<String>,
}

impl RunRow {
    fn read(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: r.get(0)?,
            scenario: r.get(1)?,
            test_type: r.get(2)?,
            status: r.get(3)?,
            created_at_ms: r.get(4)?,
            ended_at_ms: r.get(5)?,
            duration_ms: r.get(6)?,
            requests: r.get(7)?,
            errors: r.get(8)?,
            reals: [r.get(9)?, r.get(10)?, r.get(11)?, r.get(12)?, r.get(13)?],
            thresholds_passed: r.get(14)?,
            interrupted_reason: r.get(15)?,
        })
    }

    fn into_info(self) -> Result<RunInfo, StoreError> {
        let id = self.id;
        let totals = match self.requests {
            None => None,
            Some(requests) => {
                // SQLite stores a NaN REAL as NULL; give the NaN back rather than call it corrupt.
                let [error_rate, rps, p50, p95, p99] = self.reals.map(|v| v.unwrap_or(f64::NAN));
                Some(RunTotals {
                    requests: to_u64(requests, format_args!("run {id}: total_requests"))?,
                    errors: to_u64(
                        self.errors.unwrap_or(0),
                        format_args!("run {id}: total_errors"),
                    )?,
                    error_rate,
                    rps,
                    p50_ms: p50,
                    p95_ms: p95,
                    p99_ms: p99,
                })
            }
        };
        Ok(RunInfo {
            scenario: self.scenario,
            test_type: enum_from_name(&self.test_type, format_args!("run {id}: test_type"))?,
            status: enum_from_name(&self.status, format_args!("run {id}: status"))?,
            created_at_ms: to_u64(self.created_at_ms, format_args!("run {id}: created_at_ms"))?,
            ended_at_ms: self
                .ended_at_ms
                .map(|v| to_u64(v, format_args!("run {id}: ended_at_ms")))
                .transpose()?,
            duration_ms: to_u64(self.duration_ms, format_args!("run {id}: duration_ms"))?,
            totals,
            thresholds_passed: self.thresholds_passed,
            interrupted_reason: self.interrupted_reason,
            id: RunId(id),
        })
    }
}

fn read_alerts(conn: &Connection, id: &RunId) -> Result<Vec<Alert>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, kind, alert_json FROM alerts WHERE run_id = ?1 ORDER BY seq, kind",
    )?;
    let rows = stmt.query_map([&id.0], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (seq, kind, json) = row?;
        out.push(from_json(
            &json,
            format_args!("run {id}: alert {kind} at seq {seq}"),
        )?);
    }
    Ok(out)
}

fn read_series(conn: &Connection, id: &RunId) -> Result<Vec<MetricsSnapshot>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, snapshot_json FROM intervals WHERE run_id = ?1 ORDER BY seq",
    )?;
    let rows = stmt.query_map([&id.0], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (seq, json) = row?;
        out.push(from_json(&json, format_args!("run {id}: snapshot {seq}"))?);
    }
    Ok(out)
}

/// "Newest first" for runs, the same in listings and for the latest run: by creation time, then
/// by insertion order among runs created in the same millisecond.
const NEWEST_FIRST: &str = "ORDER BY created_at_ms DESC, rowid DESC";

/// The run's last stored snapshot.
pub(super) fn read_last_snapshot(
    conn: &Connection,
    id: &RunId,
) -> Result<Option<MetricsSnapshot>, StoreError> {
    conn.query_row(
        "SELECT seq, snapshot_json FROM intervals WHERE run_id = ?1 ORDER BY seq DESC LIMIT 1",
        [&id.0],
        |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
    )
    .optional()?
    .map(|(seq, json)| from_json(&json, format_args!("run {id}: snapshot {seq}")))
    .transpose()
}

/// The last snapshot of a run, as of the run's own status: an interrupted run never got its
/// final snapshot, and its last stored one would show `running` next to `interrupted` on the
/// run. (A run that ended in-process stores a final snapshot with its end status.)
fn as_of_run(mut snap: MetricsSnapshot, status: RunStatus) -> MetricsSnapshot {
    if status == RunStatus::Interrupted && !snap.status.is_terminal() {
        snap.status = status;
    }
    snap
}

impl Store {
    /// Runs matching the filter, newest first, after skipping `filter.offset` of them; at most
    /// `filter.limit` (default 100, capped at 1000).
    /// A run this build cannot read (an unknown status, say) is listed as
    /// [`RunListing::Unreadable`], with the reason, rather than failing the list.
    pub fn list_runs(&self, filter: &RunFilter) -> Result<Vec<RunListing>, StoreError> {
        self.list_runs_as(filter, None)
    }

    /// [`Store::list_runs`] with the run in progress as the server knows it, `live`, in place of
    /// its stored row while that row has not ended: the run is filtered by `live`'s status and
    /// listed as `live`. A stop is `stopping` from the moment the server accepts it, before the
    /// engine's status reaches the store; judged by the stored status in the query and shown
    /// as `live` after it, `?status=stopping` missed the run, and `?status=running` matched it
    /// only for it to be left out, a page one run short.
    pub fn list_runs_as(
        &self,
        filter: &RunFilter,
        live: Option<&RunInfo>,
    ) -> Result<Vec<RunListing>, StoreError> {
        let status = filter.status.map(|s| enum_name(&s)).transpose()?;
        let test_type = filter.test_type.map(|t| enum_name(&t)).transpose()?;
        let limit = filter
            .limit
            .unwrap_or(DEFAULT_LIST_LIMIT)
            .min(MAX_LIST_LIMIT);
        let live_status = live.map(|l| enum_name(&l.status)).transpose()?;
        let [pending, running, stopping] = active_names()?;
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {INFO_COLUMNS} FROM runs \
             WHERE (?1 IS NULL OR ?1 = CASE WHEN id = ?6 AND status IN (?8, ?9, ?10) \
                                            THEN ?7 ELSE status END) \
               AND (?2 IS NULL OR test_type = ?2) AND (?3 IS NULL OR scenario_name = ?3) \
             {NEWEST_FIRST} LIMIT ?4 OFFSET ?5"
        ))?;
        let rows = stmt.query_map(
            params![
                status,
                test_type,
                filter.scenario,
                limit,
                filter.offset.unwrap_or(0),
                live.map(|l| &l.id.0),
                live_status,
                pending,
                running,
                stopping,
            ],
            RunRow::read,
        )?;
        rows.map(|row| {
            let row = row?;
            let id = RunId(row.id.clone());
            let info = match row.into_info() {
                Ok(info) => info,
                // One run this build cannot read is listed as such, in its place: the others
                // stay listed, and the page as long as asked.
                Err(StoreError::Corrupt(why)) => {
                    let prefix = format!("run {id}: ");
                    let unreadable = why.strip_prefix(&prefix).map_or(why.clone(), str::to_owned);
                    return Ok(RunListing::Unreadable(UnreadableRun { id, unreadable }));
                }
                Err(other) => return Err(other),
            };
            Ok(RunListing::Run(match live {
                Some(live) if live.id == info.id && !info.status.is_terminal() => live.clone(),
                _ => info,
            }))
        })
        .collect()
    }

    /// Everything about one run, or `None` if there is no such run. `latest` is its last
    /// snapshot while it has no summary (running, or interrupted: then with the run's status),
    /// `None` once finished.
    pub fn get_run(&self, id: &RunId) -> Result<Option<RunDetail>, StoreError> {
        let mut conn = self.lock();
        // One read transaction, so the row, alerts and snapshot are from the same moment even
        // if another process writes meanwhile.
        let tx = conn.transaction()?;
        let row = tx
            .query_row(
                &format!(
                    "SELECT {INFO_COLUMNS}, scenario_json, summary_json FROM runs WHERE id = ?1"
                ),
                [&id.0],
                |r| {
                    Ok((
                        RunRow::read(r)?,
                        r.get::<_, String>(16)?,
                        r.get::<_, Option<String>>(17)?,
                    ))
                },
            )
            .optional()?;
        let Some((row, scenario_json, summary_json)) = row else {
            return Ok(None);
        };
        let info = row.into_info()?;
        let scenario_doc = from_json(&scenario_json, format_args!("run {id}: scenario"))?;
        let summary: Option<RunSummary> = summary_json
            .map(|s| from_json(&s, format_args!("run {id}: summary")))
            .transpose()?;
        let alerts = read_alerts(&tx, id)?;
        let latest = if summary.is_some() {
            None
        } else {
            read_last_snapshot(&tx, id)?.map(|l| as_of_run(l, info.status))
        };
        tx.commit()?;
        Ok(Some(RunDetail {
            info,
            scenario_doc,
            summary,
            alerts,
            latest,
        }))
    }

    /// The newest run this build can read and its last snapshot (finished or not; an
    /// interrupted run's carries its status), or `None` when there is none. A newer run it
    /// cannot read (a value a newer version stored) is passed over, as it is not going on
    /// here: the run list shows it as unreadable.
    pub fn latest_run(&self) -> Result<Option<(RunInfo, Option<MetricsSnapshot>)>, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let info = {
            let mut stmt =
                tx.prepare(&format!("SELECT {INFO_COLUMNS} FROM runs {NEWEST_FIRST}"))?;
            let mut rows = stmt.query_map([], RunRow::read)?;
            loop {
                match rows.next().transpose()?.map(RunRow::into_info) {
                    None => break None,
                    Some(Ok(info)) => break Some(info),
                    Some(Err(StoreError::Corrupt(_))) => continue,
                    Some(Err(other)) => return Err(other),
                }
            }
        };
        let Some(info) = info else {
            return Ok(None);
        };
        let latest = read_last_snapshot(&tx, &info.id)?.map(|l| as_of_run(l, info.status));
        tx.commit()?;
        Ok(Some((info, latest)))
    }

    /// A run's interval snapshots, by `seq`. `NotFound` if there is no such run.
    pub fn series(&self, id: &RunId) -> Result<Vec<MetricsSnapshot>, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        ensure_run(&tx, id)?;
        let out = read_series(&tx, id)?;
        tx.commit()?;
        Ok(out)
    }

    /// A run's alerts, by interval. `NotFound` if there is no such run.
    pub fn alerts(&self, id: &RunId) -> Result<Vec<Alert>, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        ensure_run(&tx, id)?;
        let out = read_alerts(&tx, id)?;
        tx.commit()?;
        Ok(out)
    }
}
