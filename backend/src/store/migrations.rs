//! The schema, as an ordered list of migrations. Version N is `MIGRATIONS[N - 1]`; the
//! versions applied so far are rows of `schema_migrations`.
//!
//! Rules for editing: never change a migration that has shipped (databases in the field have
//! already run it); append a new one instead. Each runs in its own transaction, so a failing
//! migration leaves the database at the previous version rather than half-changed.

use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::StoreError;

/// Version 1: runs, their interval snapshots and alerts, and saved scenarios.
///
/// Enums (`status`, `test_type`, alert `kind`) are stored as their serde snake_case names, the
/// same words as on the wire, so the table reads like the API. `STRICT` makes SQLite refuse a
/// value of the wrong type instead of silently storing it.
const V1: &str = "
CREATE TABLE runs (
    id                TEXT    NOT NULL PRIMARY KEY,
    scenario_name     TEXT    NOT NULL,
    test_type         TEXT    NOT NULL,
    status            TEXT    NOT NULL,
    created_at_ms     INTEGER NOT NULL,
    ended_at_ms       INTEGER,
    duration_ms       INTEGER NOT NULL DEFAULT 0,
    scenario_json     TEXT    NOT NULL,
    summary_json      TEXT,
    -- Headline totals: columns rather than JSON so lists need not parse the summary and
    -- later queries can sort or filter on them. All NULL until the run is finished.
    total_requests    INTEGER,
    total_errors      INTEGER,
    error_rate        REAL,
    rps               REAL,
    p50_ms            REAL,
    p95_ms            REAL,
    p99_ms            REAL,
    thresholds_passed INTEGER
) STRICT;

-- History lists are newest first; the implicit rowid in the index breaks ties in insert order.
CREATE INDEX runs_by_created ON runs (created_at_ms);

CREATE TABLE intervals (
    run_id         TEXT    NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    seq            INTEGER NOT NULL,
    elapsed_ms     INTEGER NOT NULL,
    -- Wall clock when the snapshot was stored: the best guess of when an interrupted run died.
    recorded_at_ms INTEGER NOT NULL,
    snapshot_json  TEXT    NOT NULL,
    PRIMARY KEY (run_id, seq)
) STRICT, WITHOUT ROWID;

-- One alert per run, interval and kind: a retried add replaces instead of duplicating.
CREATE TABLE alerts (
    run_id     TEXT    NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    kind       TEXT    NOT NULL,
    alert_json TEXT    NOT NULL,
    PRIMARY KEY (run_id, seq, kind)
) STRICT, WITHOUT ROWID;

CREATE TABLE scenarios (
    name          TEXT    NOT NULL PRIMARY KEY,
    updated_at_ms INTEGER NOT NULL,
    scenario_json TEXT    NOT NULL
) STRICT;
";

/// Version 2: why a run is `interrupted` (start-up recovery's words, or the error that kept
/// its summary from being stored). NULL for every other run, and for runs interrupted before.
const V2: &str = "
ALTER TABLE runs ADD COLUMN interrupted_reason TEXT;
";

/// Every migration, oldest first.
pub(super) const MIGRATIONS: &[&str] = &[V1, V2];

/// Creates the bookkeeping table. Idempotent, so it needs no version of its own.
const BOOKKEEPING: &str = "
CREATE TABLE IF NOT EXISTS schema_migrations (
    version       INTEGER NOT NULL PRIMARY KEY,
    applied_at_ms INTEGER NOT NULL
) STRICT;
";

/// The highest version applied to this database (0 for a new one).
pub(super) fn current_version(conn: &Connection) -> Result<u32, StoreError> {
    let v: Option<i64> = conn
        .query_row("SELECT MAX(version) FROM schema_migrations", [], |r| {
            r.get(0)
        })
        .optional()?
        .flatten();
    let v = v.unwrap_or(0);
    u32::try_from(v)
        .map_err(|_| StoreError::Corrupt(format!("schema_migrations holds version {v}")))
}

/// Brings the database up to date with [`MIGRATIONS`]; returns the resulting version.
pub(super) fn migrate(conn: &mut Connection) -> Result<u32, StoreError> {
    migrate_with(conn, MIGRATIONS)
}

/// [`migrate`] with an explicit list, so tests can stage a "newer build" with more migrations.
pub(super) fn migrate_with(conn: &mut Connection, migrations: &[&str]) -> Result<u32, StoreError> {
    let known = u32::try_from(migrations.len()).expect("fewer than 2^32 migrations");
    conn.execute_batch(BOOKKEEPING)?;
    // Checked before anything is applied: a database written by a newer build must not be
    // touched by an older one, whose queries may no longer match its tables.
    let found = current_version(conn)?;
    if found > known {
        return Err(StoreError::SchemaTooNew { found, known });
    }
    for (version, sql) in (1..=known).zip(migrations) {
        // IMMEDIATE takes the write lock up front and the version is re-read under it, so two
        // processes opening the same fresh database cannot both apply a migration.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let applied = current_version(&tx)?;
        if applied >= version {
            continue; // dropping `tx` rolls back the empty transaction
        }
        tx.execute_batch(sql)
            .map_err(|cause| StoreError::Migration { version, cause })?;
        tx.execute(
            "INSERT INTO schema_migrations (version, applied_at_ms) VALUES (?1, ?2)",
            params![version, now_ms()],
        )?;
        tx.commit()?;
    }
    // Another process may have moved the database past this build while we waited for a lock.
    let now = current_version(conn)?;
    if now > known {
        return Err(StoreError::SchemaTooNew { found: now, known });
    }
    Ok(now)
}

/// Milliseconds since the Unix epoch (0 if the clock is before it).
pub(super) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
