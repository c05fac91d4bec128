//! Tests of what survives a crash and how the schema evolves: recovery of unfinished runs
//! after a dropped store and after a real `kill -9` (and of one run whose summary could not be
//! stored), migrations applied once, a newer schema or a non-database file refused with a clear
//! error. Each but the one-run recovery uses a real file in a temp directory.

use rusqlite::Connection;
use shared::api::{RunDetail, RunFilter, RunTotals, TestType};
use shared::metrics::MetricsSnapshot;
use shared::run::RunStatus;

use super::fixtures::{TempDir, id, mem, run_info, scenario, snapshot, summary};
use super::migrations::{MIGRATIONS, migrate_with};
use super::{DB_FILE_NAME, INTERRUPTED_BY_RESTART, RunDeletion, Store, StoreError};

/// Held by each test here that opens a store on disk, and by the kill -9 test while it starts
/// its child. A process forked while a test holds `stampede.lock` open inherits the lock until
/// it execs, and a store reopened in that window reads as locked by another server (this made
/// `unfinished_run_survives_a_dropped_store` fail once in CI).
static ON_DISK: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn on_disk() -> std::sync::MutexGuard<'static, ()> {
    ON_DISK
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Writes a finished run and an unfinished one with 3 snapshots into `dir`.
fn write_history(store: &Store) -> Result<(), StoreError> {
    let doc = scenario("shop");
    store.create_run(
        &run_info("done", "shop", TestType::Load, 1_700_000_000_000),
        &doc,
    )?;
    store.finish_run(
        &id("done"),
        &summary("shop", RunStatus::Completed),
        1_700_000_031_000,
    )?;
    store.create_run(
        &run_info("live", "shop", TestType::Stress, 1_700_000_100_000),
        &doc,
    )?;
    store.set_status(&id("live"), RunStatus::Running)?;
    for seq in 0..3 {
        store.append_snapshot(&id("live"), &snapshot(seq))?;
    }
    Ok(())
}

/// After a crash: "live" is interrupted with its data, "done" untouched.
fn check_recovered(dir: &std::path::Path, done_before: &RunDetail) -> Result<(), StoreError> {
    let store = Store::open(dir)?;
    assert_eq!(store.mark_interrupted()?, vec![id("live")]);
    let live = store.get_run(&id("live"))?.expect("the run survived");
    assert_eq!(live.info.status, RunStatus::Interrupted);
    assert_eq!(live.info.duration_ms, 3000);
    let ended = live
        .info
        .ended_at_ms
        .expect("an interrupted run has an end");
    assert!(
        ended >= live.info.created_at_ms,
        "ended {ended} before creation"
    );
    // Its totals are those of its last snapshot, in the run, the listing and the latest
    // snapshot, which now carries the run's status rather than the `running` it was stored with.
    let last = snapshot(2);
    assert_eq!(live.info.totals, Some(RunTotals::of_snapshot(&last)));
    assert_eq!(live.info.totals.as_ref().map(|t| t.requests), Some(150));
    assert_eq!(live.info.thresholds_passed, None, "never judged");
    // It says why, in the run and the listing alike.
    assert_eq!(
        live.info.interrupted_reason.as_deref(),
        Some(INTERRUPTED_BY_RESTART)
    );
    let listed = store.list_runs(&RunFilter::default())?;
    let listed = listed
        .iter()
        .find(|r| r.id() == &id("live"))
        .expect("listed");
    assert_eq!(listed.run(), Some(&live.info));
    let interrupted = MetricsSnapshot {
        status: RunStatus::Interrupted,
        ..last
    };
    assert_eq!(live.latest.as_ref(), Some(&interrupted));
    let (newest, latest) = store.latest_run()?.expect("a newest run");
    assert_eq!((newest, latest), (live.info.clone(), Some(interrupted)));
    // The stored series is history and stays as it was recorded.
    assert_eq!(
        store.series(&id("live"))?,
        vec![snapshot(0), snapshot(1), snapshot(2)]
    );
    assert_eq!(store.get_run(&id("done"))?.as_ref(), Some(done_before));
    assert!(
        store.mark_interrupted()?.is_empty(),
        "nothing left to recover"
    );
    Ok(())
}

#[test]
fn unfinished_run_survives_a_dropped_store() -> Result<(), StoreError> {
    let _disk = on_disk();
    let dir = TempDir::new("drop");
    let store = Store::open(dir.path())?;
    let mode: String = store
        .lock()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
    assert_eq!(mode, "wal");
    write_history(&store)?;
    let done = store.get_run(&id("done"))?.expect("exists");
    drop(store);
    assert!(dir.path().join(DB_FILE_NAME).is_file());
    check_recovered(dir.path(), &done)
}

/// A run whose summary could not be stored is marked `interrupted` on its own, as recovery
/// marks a dead process's runs (its last snapshot's totals, an end time), and can then be
/// deleted; another unfinished run is left as it is, and marking an ended run, or one that does
/// not exist, changes nothing.
#[test]
fn one_run_is_marked_interrupted_as_recovery_marks_them() -> Result<(), StoreError> {
    let store = mem();
    write_history(&store)?;
    store.create_run(
        &run_info("other", "shop", TestType::Load, 1_700_000_200_000),
        &scenario("shop"),
    )?;
    store.set_status(&id("other"), RunStatus::Running)?;
    let done = store.get_run(&id("done"))?.expect("exists");
    assert_eq!(store.delete_run(&id("live"))?, RunDeletion::InProgress);

    let why = "the run history could not store its summary (database or disk is full)";
    assert!(store.mark_run_interrupted(&id("live"), why)?);
    let live = store.get_run(&id("live"))?.expect("the run is kept");
    assert_eq!(live.info.status, RunStatus::Interrupted);
    assert_eq!(live.info.interrupted_reason.as_deref(), Some(why));
    let listed = store.list_runs(&RunFilter::default())?;
    let listed = listed
        .iter()
        .find(|r| r.id() == &id("live"))
        .expect("listed");
    assert_eq!(listed.run(), Some(&live.info), "the listing says why too");
    assert_eq!(live.info.duration_ms, 3000);
    assert!(live.info.ended_at_ms.is_some(), "{:?}", live.info);
    assert_eq!(live.info.totals, Some(RunTotals::of_snapshot(&snapshot(2))));
    assert_eq!(live.summary, None);
    let other = store.get_run(&id("other"))?.expect("exists");
    assert_eq!(other.info.status, RunStatus::Running, "only the one named");
    assert_eq!(other.info.interrupted_reason, None);

    assert!(
        !store.mark_run_interrupted(&id("live"), "again")?,
        "already ended"
    );
    assert_eq!(
        store.get_run(&id("live"))?.map(|r| r.info),
        Some(live.info),
        "the first reason stays"
    );
    assert!(!store.mark_run_interrupted(&id("done"), "again")?);
    assert!(!store.mark_run_interrupted(&id("missing"), "again")?);
    assert_eq!(store.get_run(&id("done"))?, Some(done));
    assert_eq!(store.delete_run(&id("live"))?, RunDeletion::Deleted);
    assert_eq!(store.mark_interrupted()?, vec![id("other")]);
    let other = store.get_run(&id("other"))?.expect("exists");
    assert_eq!(
        other.info.interrupted_reason.as_deref(),
        Some(INTERRUPTED_BY_RESTART),
        "recovery's own reason"
    );
    Ok(())
}

/// Set by [`unfinished_run_survives_kill_9`] for the child process it kills.
const CHILD_DIR_ENV: &str = "STAMPEDE_STORE_TEST_CHILD_DIR";

/// Not a test by itself: the child half of the kill -9 test (ignored, so it only runs when
/// that test starts it). Writes the history, says so, and waits to be killed.
#[test]
#[ignore = "run as a child process by unfinished_run_survives_kill_9"]
fn kill_9_child_writer() -> Result<(), StoreError> {
    let Some(dir) = std::env::var_os(CHILD_DIR_ENV) else {
        return Ok(());
    };
    let store = Store::open(std::path::Path::new(&dir))?;
    write_history(&store)?;
    println!("STORE-READY");
    std::thread::sleep(std::time::Duration::from_secs(60));
    Ok(())
}

#[test]
fn unfinished_run_survives_kill_9() -> Result<(), Box<dyn std::error::Error>> {
    use std::io::BufRead;
    let dir = TempDir::new("kill");
    let disk = on_disk();
    let mut child = std::process::Command::new(std::env::current_exe()?)
        .args([
            "--exact",
            "store::recovery_tests::kill_9_child_writer",
            "--ignored",
            "--nocapture",
        ])
        .args(["--test-threads", "1"])
        .env(CHILD_DIR_ENV, dir.path())
        .stdout(std::process::Stdio::piped())
        .spawn()?;
    drop(disk);
    let stdout = child.stdout.take().ok_or("no child stdout")?;
    let ready = std::io::BufReader::new(stdout)
        .lines()
        .any(|l| l.is_ok_and(|l| l.contains("STORE-READY")));
    child.kill()?; // SIGKILL: no destructors, no checkpoint, no clean close
    child.wait()?;
    assert!(ready, "the child never finished writing");
    // The finished run as it must read after recovery, from a copy written the same way.
    let reference = mem();
    write_history(&reference)?;
    let done = reference
        .get_run(&id("done"))?
        .ok_or("reference run missing")?;
    check_recovered(dir.path(), &done)?;
    Ok(())
}

#[test]
fn reopening_applies_no_migration_twice() -> Result<(), StoreError> {
    let _disk = on_disk();
    let dir = TempDir::new("migrate");
    let known = u32::try_from(MIGRATIONS.len()).expect("small");
    assert_eq!(mem().schema_version()?, known);
    let rows = |s: &Store| -> Result<i64, StoreError> {
        Ok(s.lock()
            .query_row("SELECT COUNT(*) FROM schema_migrations", [], |r| r.get(0))?)
    };
    let first = Store::open(dir.path())?;
    assert_eq!(
        (first.schema_version()?, rows(&first)?),
        (known, i64::from(known))
    );
    drop(first);
    let second = Store::open(dir.path())?;
    assert_eq!(
        (second.schema_version()?, rows(&second)?),
        (known, i64::from(known))
    );
    drop(second);

    // A "newer build" with one more migration applies just that one, once.
    let mut conn = Connection::open(dir.path().join(DB_FILE_NAME))?;
    let newer = [MIGRATIONS, &["CREATE TABLE extra (x INTEGER) STRICT"]].concat();
    assert_eq!(migrate_with(&mut conn, &newer)?, known + 1);
    assert_eq!(
        migrate_with(&mut conn, &newer)?,
        known + 1,
        "CREATE TABLE again would fail"
    );

    // A failing migration leaves the database at the previous version, with nothing half done.
    let broken = [
        newer.as_slice(),
        &["CREATE TABLE half (x INTEGER); NOT SQL"],
    ]
    .concat();
    match migrate_with(&mut conn, &broken) {
        Err(StoreError::Migration { version, .. }) => assert_eq!(version, known + 2),
        other => panic!("expected a migration error, got {other:?}"),
    }
    let half: i64 = conn.query_row(
        "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'half'",
        [],
        |r| r.get(0),
    )?;
    assert_eq!(half, 0);
    Ok(())
}

/// A database written before version 2 keeps its runs: an interrupted one reads back without
/// a reason (none was recorded), and one recovered after the upgrade gets recovery's.
#[test]
fn runs_stored_before_the_interrupted_reason_read_back_without_one() -> Result<(), StoreError> {
    let mut conn = Connection::open_in_memory()?;
    assert_eq!(migrate_with(&mut conn, &MIGRATIONS[..1])?, 1);
    let doc = serde_json::to_string(&scenario("shop"))?;
    for (id, status) in [("old", "interrupted"), ("left", "running")] {
        conn.execute(
            "INSERT INTO runs (id, scenario_name, test_type, status, created_at_ms, \
             scenario_json) VALUES (?1, 'shop', 'load', ?2, 1700000000000, ?3)",
            rusqlite::params![id, status, doc],
        )?;
    }
    let store = Store::from_connection(conn, None)?;
    assert_eq!(store.schema_version()?, 2);
    let old = store.get_run(&id("old"))?.expect("kept");
    assert_eq!(
        (old.info.status, old.info.interrupted_reason),
        (RunStatus::Interrupted, None)
    );
    assert_eq!(store.mark_interrupted()?, vec![id("left")]);
    let left = store.get_run(&id("left"))?.expect("kept");
    assert_eq!(
        left.info.interrupted_reason.as_deref(),
        Some(INTERRUPTED_BY_RESTART)
    );
    Ok(())
}

#[test]
fn newer_schema_is_refused_with_its_version() -> Result<(), StoreError> {
    let _disk = on_disk();
    let dir = TempDir::new("newer");
    drop(Store::open(dir.path())?);
    let conn = Connection::open(dir.path().join(DB_FILE_NAME))?;
    conn.execute(
        "INSERT INTO schema_migrations (version, applied_at_ms) VALUES (99, 0)",
        [],
    )?;
    drop(conn);
    let err = Store::open(dir.path()).expect_err("a newer schema must be refused");
    assert!(
        matches!(err, StoreError::SchemaTooNew { found: 99, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("version 99"), "{err}");
    Ok(())
}

#[test]
fn a_file_that_is_not_a_database_is_an_open_error() -> Result<(), StoreError> {
    let _disk = on_disk();
    let dir = TempDir::new("garbage");
    std::fs::create_dir_all(dir.path()).map_err(|cause| StoreError::Io {
        path: dir.path().to_path_buf(),
        cause,
    })?;
    let garbage = "this is not a SQLite database, just text long enough to have a header";
    std::fs::write(dir.path().join(DB_FILE_NAME), garbage.repeat(20)).map_err(|cause| {
        StoreError::Io {
            path: dir.path().to_path_buf(),
            cause,
        }
    })?;
    let err = Store::open(dir.path()).expect_err("garbage must not open");
    assert!(matches!(err, StoreError::Open { .. }), "{err:?}");
    assert!(err.to_string().contains(DB_FILE_NAME), "{err}");
    assert_eq!(said_once(err, "not a database"), 1);
    Ok(())
}

/// How often the whole error chain, printed as `stampede serve` prints it, says `needle`.
fn said_once(err: StoreError, needle: &str) -> usize {
    let text = format!("{:#}", anyhow::Error::new(err).context("cannot start"));
    assert!(text.contains(needle), "{text}");
    text.matches(needle).count()
}

/// A message that includes its cause's text does not give the cause again as its source, so
/// a printed chain names each cause once ("it is a file, not a directory", not twice; the
/// system's own "File exists" did not say which part was in the way).
#[test]
fn each_cause_is_printed_once() -> Result<(), StoreError> {
    let _disk = on_disk();
    let dir = TempDir::new("not-a-dir");
    std::fs::create_dir_all(dir.path()).map_err(|cause| StoreError::Io {
        path: dir.path().to_path_buf(),
        cause,
    })?;
    let file = dir.path().join("data");
    std::fs::write(&file, "a file where the data directory should be").map_err(|cause| {
        StoreError::Io {
            path: file.clone(),
            cause,
        }
    })?;
    let err = Store::open(&file).expect_err("a file is not a directory");
    assert!(matches!(err, StoreError::Io { .. }), "{err:?}");
    assert_eq!(said_once(err, ": it is a file, not a directory"), 1);

    let sqlite = rusqlite::Connection::open_in_memory()?
        .execute("NOT SQL", [])
        .expect_err("a syntax error");
    assert_eq!(said_once(StoreError::from(sqlite), "syntax error"), 1);
    let json = serde_json::from_str::<u32>("x").expect_err("not JSON");
    assert_eq!(said_once(StoreError::from(json), "expected value"), 1);
    let migration = rusqlite::Connection::open_in_memory()?
        .execute("NOT SQL", [])
        .expect_err("a syntax error");
    let err = StoreError::Migration {
        version: 2,
        cause: migration,
    };
    assert_eq!(said_once(err, "syntax error"), 1);
    Ok(())
}

/// One data directory, one store: a second open is refused, naming the directory, while the
/// first is open (a clone keeps it open), and succeeds once it is dropped.
#[test]
fn a_data_directory_is_used_by_one_store_at_a_time() -> Result<(), StoreError> {
    let _disk = on_disk();
    let dir = TempDir::new("locked");
    let first = Store::open(dir.path())?;
    write_history(&first)?;
    let clone = first.clone();
    drop(first);
    let err = Store::open(dir.path()).expect_err("the directory is in use");
    assert!(matches!(err, StoreError::Locked { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "another stampede serve is using data directory {}",
            dir.path().display()
        )
    );
    // The refused open changed nothing: the live run is still running.
    let live = clone.get_run(&id("live"))?.expect("the run");
    assert_eq!(live.info.status, RunStatus::Running);
    drop(clone);
    let second = Store::open(dir.path())?;
    assert_eq!(second.mark_interrupted()?, vec![id("live")]);
    Ok(())
}
