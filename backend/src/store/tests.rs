//! Tests of the run-history store's API: round trips, filters, saved scenarios, and errors for
//! missing or corrupt rows. Crash recovery and migrations are in `recovery_tests`.

use shared::api::{AlertKind, RunFilter, RunInfo, RunListing, RunTotals, TestType, UnreadableRun};
use shared::run::RunStatus;

use super::fixtures::{alert, id, mem, run_info, scenario, snapshot, summary};
use super::{RunDeletion, Store, StoreError};

#[test]
fn store_is_a_shareable_handle() {
    fn shareable<T: Clone + Send + Sync + 'static>() {}
    shareable::<Store>();
}

#[test]
fn round_trip_create_snapshots_alerts_finish() -> Result<(), StoreError> {
    let store = mem();
    let doc = scenario("shop");
    let info = run_info("r1", "shop", TestType::Performance, 1_700_000_000_000);
    store.create_run(&info, &doc)?;
    store.set_status(&info.id, RunStatus::Running)?;
    // Out of order on purpose, and seq 1 twice (a retried append): series is by seq, no dupes.
    for seq in [0, 2, 1, 1] {
        store.append_snapshot(&info.id, &snapshot(seq))?;
    }
    store.add_alert(&info.id, &alert(2, AlertKind::ErrorRate))?;
    store.add_alert(&info.id, &alert(1, AlertKind::ResponseTime))?;
    store.add_alert(&info.id, &alert(1, AlertKind::ResponseTime))?; // retried

    let live = store.get_run(&info.id)?.expect("the run exists");
    assert_eq!(live.info.status, RunStatus::Running);
    assert_eq!(
        live.info.duration_ms, 3000,
        "duration follows the latest snapshot"
    );
    assert_eq!(live.info.ended_at_ms, None);
    assert_eq!(live.info.totals, None);
    assert_eq!(live.scenario_doc, doc);
    assert_eq!(live.summary, None);
    assert_eq!(live.latest, Some(snapshot(2)));
    assert_eq!(
        live.alerts,
        vec![
            alert(1, AlertKind::ResponseTime),
            alert(2, AlertKind::ErrorRate)
        ]
    );

    let sum = summary("shop", RunStatus::Completed);
    store.finish_run(&info.id, &sum, 1_700_000_031_000)?;
    store.append_snapshot(&info.id, &snapshot(40))?; // a late snapshot does not move the duration

    let done = store.get_run(&info.id)?.expect("the run exists");
    assert_eq!(done.info.status, RunStatus::Completed);
    assert_eq!(done.info.ended_at_ms, Some(1_700_000_031_000));
    assert_eq!(done.info.duration_ms, 30_000);
    assert_eq!(done.info.totals, Some(RunTotals::of(&sum)));
    assert_eq!(done.info.thresholds_passed, Some(false));
    assert_eq!(done.summary, Some(sum));
    assert_eq!(done.latest, None, "a finished run has its summary instead");
    assert_eq!(done.alerts.len(), 2);

    assert_eq!(
        store.list_runs(&RunFilter::default())?,
        vec![RunListing::Run(done.info)]
    );
    let series = store.series(&info.id)?;
    assert_eq!(
        series,
        vec![snapshot(0), snapshot(1), snapshot(2), snapshot(40)]
    );
    assert_eq!(store.alerts(&info.id)?, done.alerts);
    Ok(())
}

#[test]
fn terminal_set_status_stamps_the_end_once() -> Result<(), StoreError> {
    let store = mem();
    store.create_run(
        &run_info("r", "shop", TestType::Load, 1000),
        &scenario("shop"),
    )?;
    store.set_status(&id("r"), RunStatus::Running)?;
    let running = store.get_run(&id("r"))?.expect("exists").info;
    assert_eq!(running.ended_at_ms, None);
    store.set_status(&id("r"), RunStatus::Failed)?;
    let failed = store.get_run(&id("r"))?.expect("exists").info;
    assert_eq!(failed.status, RunStatus::Failed);
    let ended = failed.ended_at_ms.expect("a failed run has an end");
    assert!(ended >= 1000);
    store.set_status(&id("r"), RunStatus::Cancelled)?;
    let again = store.get_run(&id("r"))?.expect("exists").info;
    assert_eq!(again.ended_at_ms, Some(ended), "the first end time is kept");
    Ok(())
}

#[test]
fn filters_and_newest_first() -> Result<(), StoreError> {
    let store = mem();
    let runs = [
        ("a", "shop", TestType::Load, 100, RunStatus::Completed),
        ("b", "shop", TestType::Stress, 200, RunStatus::Failed),
        ("c", "search", TestType::Load, 300, RunStatus::Completed),
        ("d", "search", TestType::Stress, 400, RunStatus::Running),
        ("e", "shop", TestType::Load, 400, RunStatus::Completed), // same time as d, created later
    ];
    for (name, scen, tt, at, status) in runs {
        store.create_run(&run_info(name, scen, tt, at), &scenario(scen))?;
        store.set_status(&id(name), status)?;
    }
    let ids = |f: RunFilter| -> Result<Vec<String>, StoreError> {
        Ok(store
            .list_runs(&f)?
            .into_iter()
            .map(|r| r.id().0.clone())
            .collect())
    };
    assert_eq!(ids(RunFilter::default())?, ["e", "d", "c", "b", "a"]);
    let by_status = RunFilter {
        status: Some(RunStatus::Completed),
        ..RunFilter::default()
    };
    assert_eq!(ids(by_status)?, ["e", "c", "a"]);
    let by_type = RunFilter {
        test_type: Some(TestType::Stress),
        ..RunFilter::default()
    };
    assert_eq!(ids(by_type)?, ["d", "b"]);
    let by_scenario = RunFilter {
        scenario: Some("search".to_owned()),
        ..RunFilter::default()
    };
    assert_eq!(ids(by_scenario)?, ["d", "c"]);
    let combined = RunFilter {
        status: Some(RunStatus::Completed),
        test_type: Some(TestType::Load),
        scenario: Some("shop".to_owned()),
        limit: Some(1),
        offset: None,
    };
    assert_eq!(ids(combined)?, ["e"]);
    // Pages: skip the newest, then take two; past the end there is nothing.
    let page = |offset, limit| RunFilter {
        offset: Some(offset),
        limit: Some(limit),
        ..RunFilter::default()
    };
    assert_eq!(ids(page(1, 2))?, ["d", "c"]);
    assert_eq!(ids(page(3, 2))?, ["b", "a"]);
    assert!(ids(page(5, 2))?.is_empty());
    let completed_after_first = RunFilter {
        status: Some(RunStatus::Completed),
        offset: Some(1),
        ..RunFilter::default()
    };
    assert_eq!(ids(completed_after_first)?, ["c", "a"]);
    assert_eq!(
        ids(RunFilter {
            limit: Some(2),
            ..RunFilter::default()
        })?,
        ["e", "d"]
    );
    assert!(
        ids(RunFilter {
            limit: Some(0),
            ..RunFilter::default()
        })?
        .is_empty()
    );
    let none = RunFilter {
        status: Some(RunStatus::Interrupted),
        ..RunFilter::default()
    };
    assert!(ids(none)?.is_empty());
    Ok(())
}

/// The run in progress, listed as the server knows it: filtered, paged and shown with its live
/// status while its stored row has not ended; once the row has ended, as stored.
#[test]
fn a_live_run_is_listed_with_its_live_status() -> Result<(), StoreError> {
    let store = mem();
    let runs = [
        ("a", 100, RunStatus::Completed),
        ("b", 200, RunStatus::Running), // another process's
        ("c", 300, RunStatus::Running), // the live one, stopping as the server knows it
    ];
    for (name, at, status) in runs {
        store.create_run(
            &run_info(name, "shop", TestType::Load, at),
            &scenario("shop"),
        )?;
        store.set_status(&id(name), status)?;
    }
    let live = RunInfo {
        status: RunStatus::Stopping,
        duration_ms: 1_500,
        ..run_info("c", "shop", TestType::Load, 300)
    };
    let list = |status: Option<RunStatus>, limit, offset| {
        let filter = RunFilter {
            status,
            limit,
            offset,
            ..RunFilter::default()
        };
        store.list_runs_as(&filter, Some(&live))
    };
    let ids = |runs: Vec<RunListing>| -> Vec<String> {
        runs.into_iter().map(|r| r.id().0.clone()).collect()
    };
    assert_eq!(
        list(None, None, None)?[0],
        RunListing::Run(live.clone()),
        "listed as the server knows it"
    );
    assert_eq!(ids(list(None, None, None)?), ["c", "b", "a"]);
    assert_eq!(
        list(Some(RunStatus::Stopping), None, None)?,
        vec![RunListing::Run(live.clone())]
    );
    let running = Some(RunStatus::Running);
    assert_eq!(ids(list(running, None, None)?), ["b"]);
    assert_eq!(ids(list(running, Some(1), None)?), ["b"], "a full page");
    assert!(list(running, Some(1), Some(1))?.is_empty());
    assert_eq!(ids(list(None, Some(1), Some(1))?), ["b"]);
    // Without a live run, or with another one, the stored status counts.
    assert_eq!(
        ids(store.list_runs_as(
            &RunFilter {
                status: running,
                ..RunFilter::default()
            },
            None
        )?),
        ["c", "b"]
    );
    // Once its row has ended, the row is the truth, whatever the live view still says.
    store.set_status(&id("c"), RunStatus::Cancelled)?;
    assert!(list(Some(RunStatus::Stopping), None, None)?.is_empty());
    let cancelled = list(Some(RunStatus::Cancelled), None, None)?;
    assert_eq!(ids(cancelled.clone()), ["c"]);
    assert_eq!(
        cancelled[0].run().map(|r| r.status),
        Some(RunStatus::Cancelled)
    );
    Ok(())
}

#[test]
fn list_limit_defaults_to_100_and_caps_at_1000() -> Result<(), StoreError> {
    let store = mem();
    let doc = scenario("shop");
    for n in 0..1005 {
        store.create_run(
            &run_info(&format!("r{n:04}"), "shop", TestType::Load, n),
            &doc,
        )?;
    }
    let list = |limit| {
        store.list_runs(&RunFilter {
            limit,
            ..RunFilter::default()
        })
    };
    let default = list(None)?;
    assert_eq!(default.len(), 100);
    assert_eq!(default[0].id(), &id("r1004"));
    assert_eq!(list(Some(5000))?.len(), 1000);
    Ok(())
}

/// Two saves of one new name at once: one created it, the other replaced it (each used to look
/// before writing, apart, so both could answer "created").
#[test]
fn concurrent_saves_of_a_new_name_create_it_once() {
    let store = mem();
    for round in 0..200 {
        let name = format!("race-{round}");
        let saves: Vec<bool> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..2)
                .map(|_| s.spawn(|| store.put_scenario(&name, &scenario(&name), 1000)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("no panic").expect("saved"))
                .collect()
        });
        assert_eq!(
            saves.iter().filter(|replaced| !**replaced).count(),
            1,
            "{name}: {saves:?}"
        );
    }
}

#[test]
fn scenarios_crud() -> Result<(), StoreError> {
    let store = mem();
    assert_eq!(store.get_scenario("shop")?, None);
    assert!(store.list_scenarios()?.is_empty());
    assert!(!store.put_scenario("shop", &scenario("shop"), 1000)?, "new");
    assert!(
        !store.put_scenario("browse", &scenario("browse"), 1500)?,
        "new"
    );
    let mut changed = scenario("shop");
    changed.description = Some("with a description".to_owned());
    // An update, not a second row.
    assert!(store.put_scenario("shop", &changed, 2000)?, "replaced");
    let shop = store.get_scenario("shop")?.expect("saved");
    assert_eq!((shop.name.as_str(), shop.updated_at_ms), ("shop", 2000));
    assert_eq!(shop.scenario, changed);
    let names: Vec<_> = store
        .list_scenarios()?
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(names, ["browse", "shop"]);
    assert!(store.delete_scenario("shop")?);
    assert!(!store.delete_scenario("shop")?);
    assert_eq!(store.get_scenario("shop")?, None);
    assert_eq!(store.list_scenarios()?.len(), 1);
    Ok(())
}

#[test]
fn missing_runs_are_none_or_not_found() -> Result<(), StoreError> {
    let store = mem();
    let nope = id("nope");
    assert_eq!(store.get_run(&nope)?, None);
    let not_found = |r: Result<(), StoreError>| match r {
        Err(StoreError::NotFound(what)) => assert_eq!(what, "run nope"),
        other => panic!("expected NotFound, got {other:?}"),
    };
    not_found(store.series(&nope).map(drop));
    not_found(store.alerts(&nope).map(drop));
    not_found(store.set_status(&nope, RunStatus::Running));
    not_found(store.append_snapshot(&nope, &snapshot(0)));
    not_found(store.add_alert(&nope, &alert(0, AlertKind::ErrorRate)));
    not_found(store.finish_run(&nope, &summary("shop", RunStatus::Completed), 1));
    assert!(store.mark_interrupted()?.is_empty());

    let info = run_info("r", "shop", TestType::Load, 1);
    store.create_run(&info, &scenario("shop"))?;
    assert!(store.series(&info.id)?.is_empty());
    let dup = store.create_run(&info, &scenario("shop"));
    assert!(
        matches!(dup, Err(StoreError::AlreadyExists(ref w)) if w == "run r"),
        "{dup:?}"
    );
    Ok(())
}

#[test]
fn a_run_that_has_ended_is_deleted_with_its_intervals_and_alerts() -> Result<(), StoreError> {
    let store = mem();
    let (done, live) = (id("done"), id("live"));
    for (run, at) in [(&done, 1), (&live, 2)] {
        store.create_run(
            &run_info(&run.0, "shop", TestType::Load, at),
            &scenario("shop"),
        )?;
        store.append_snapshot(run, &snapshot(0))?;
        store.add_alert(run, &alert(0, AlertKind::ErrorRate))?;
    }
    store.finish_run(&done, &summary("shop", RunStatus::Completed), 2)?;
    store.set_status(&live, RunStatus::Running)?;

    assert_eq!(store.delete_run(&live)?, RunDeletion::InProgress);
    assert_eq!(
        store.series(&live)?.len(),
        1,
        "a run in progress keeps its data"
    );
    assert_eq!(store.delete_run(&done)?, RunDeletion::Deleted);
    assert!(store.get_run(&done)?.is_none());
    assert!(matches!(store.series(&done), Err(StoreError::NotFound(_))));
    let orphans: i64 = store.lock().query_row(
        "SELECT (SELECT COUNT(*) FROM intervals WHERE run_id = 'done') \
              + (SELECT COUNT(*) FROM alerts WHERE run_id = 'done')",
        [],
        |r| r.get(0),
    )?;
    assert_eq!(orphans, 0, "intervals and alerts go with the run");
    assert_eq!(store.delete_run(&done)?, RunDeletion::NotFound);
    let listed: Vec<_> = store
        .list_runs(&RunFilter::default())?
        .into_iter()
        .map(|r| r.id().clone())
        .collect();
    assert_eq!(listed, vec![live]);
    Ok(())
}

#[test]
fn pruning_keeps_the_newest_runs_and_every_run_in_progress() -> Result<(), StoreError> {
    let store = mem();
    // Oldest first: a run still in progress, then four ended ones.
    store.create_run(
        &run_info("live", "shop", TestType::Load, 1),
        &scenario("shop"),
    )?;
    store.set_status(&id("live"), RunStatus::Running)?;
    for (n, at) in [("a", 2), ("b", 3), ("c", 4), ("d", 5)] {
        store.create_run(&run_info(n, "shop", TestType::Load, at), &scenario("shop"))?;
        store.append_snapshot(&id(n), &snapshot(0))?;
        store.finish_run(&id(n), &summary("shop", RunStatus::Completed), at + 1)?;
    }
    assert_eq!(store.prune_runs(10)?, 0, "fewer runs than kept");
    assert_eq!(store.prune_runs(2)?, 2);
    let ids = |store: &Store| -> Result<Vec<String>, StoreError> {
        Ok(store
            .list_runs(&RunFilter::default())?
            .into_iter()
            .map(|r| r.id().0.clone())
            .collect())
    };
    assert_eq!(
        ids(&store)?,
        ["d", "c", "live"],
        "the in-progress run stays"
    );
    let orphans: i64 = store.lock().query_row(
        "SELECT COUNT(*) FROM intervals WHERE run_id IN ('a', 'b')",
        [],
        |r| r.get(0),
    )?;
    assert_eq!(orphans, 0);
    assert_eq!(store.prune_runs(1)?, 1);
    assert_eq!(ids(&store)?, ["d", "live"]);
    Ok(())
}

/// Runs raw SQL on the store's connection, as a bad disk or a hand edit would.
/// Stores completed load runs of the `shop` scenario, each `(id, created at ms)`.
fn completed_shop_runs(store: &Store, runs: &[(&str, u64)]) -> Result<(), StoreError> {
    for &(name, at) in runs {
        store.create_run(
            &run_info(name, "shop", TestType::Load, at),
            &scenario("shop"),
        )?;
        store.set_status(&id(name), RunStatus::Completed)?;
    }
    Ok(())
}

fn tamper(store: &Store, sql: &str) -> Result<(), StoreError> {
    store.lock().execute_batch(sql)?;
    Ok(())
}

fn corrupt_message<T: std::fmt::Debug>(r: Result<T, StoreError>) -> String {
    match r {
        Err(e @ StoreError::Corrupt(_)) => e.to_string(),
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

#[test]
fn corrupt_rows_are_errors_naming_the_run() -> Result<(), StoreError> {
    let store = mem();
    let r = id("run-7");
    store.create_run(
        &run_info("run-7", "shop", TestType::Load, 1),
        &scenario("shop"),
    )?;
    store.append_snapshot(&r, &snapshot(0))?;
    store.add_alert(&r, &alert(0, AlertKind::ResponseTime))?;
    store.finish_run(&r, &summary("shop", RunStatus::Completed), 2)?;

    tamper(
        &store,
        "UPDATE runs SET summary_json = '{\"scenario\": ' WHERE id = 'run-7'",
    )?;
    let msg = corrupt_message(store.get_run(&r));
    assert!(
        msg.contains("run run-7") && msg.contains("summary"),
        "{msg}"
    );

    tamper(
        &store,
        "UPDATE intervals SET snapshot_json = 'garbage' WHERE run_id = 'run-7'",
    )?;
    let msg = corrupt_message(store.series(&r));
    assert!(
        msg.contains("run run-7") && msg.contains("snapshot 0"),
        "{msg}"
    );

    tamper(
        &store,
        "UPDATE alerts SET alert_json = '[]' WHERE run_id = 'run-7'",
    )?;
    let msg = corrupt_message(store.alerts(&r));
    assert!(msg.contains("run run-7") && msg.contains("alert"), "{msg}");

    tamper(
        &store,
        "UPDATE runs SET status = 'exploded' WHERE id = 'run-7'",
    )?;
    let msg = corrupt_message(store.get_run(&r));
    assert!(
        msg.contains("run run-7") && msg.contains("exploded"),
        "{msg}"
    );
    // Listed as unreadable, saying why, rather than failing the list.
    match store.list_runs(&RunFilter::default())?.as_slice() {
        [RunListing::Unreadable(u)] => {
            assert!(u.id == r && u.unreadable.contains("exploded"), "{u:?}")
        }
        other => panic!("{other:?}"),
    }

    tamper(
        &store,
        "UPDATE runs SET status = 'completed', scenario_json = '{}' WHERE id = 'run-7'",
    )?;
    let msg = corrupt_message(store.get_run(&r));
    assert!(
        msg.contains("run run-7") && msg.contains("scenario"),
        "{msg}"
    );

    tamper(&store, "INSERT INTO scenarios VALUES ('bad', 5, 'nope')")?;
    let msg = corrupt_message(store.get_scenario("bad"));
    assert!(msg.contains("\"bad\""), "{msg}");
    Ok(())
}

#[test]
fn a_panic_while_holding_the_lock_does_not_break_the_store() -> Result<(), StoreError> {
    let store = mem();
    let clone = store.clone();
    let joined = std::thread::spawn(move || {
        let _guard = clone.lock();
        panic!("deliberate panic while holding the store lock");
    })
    .join();
    assert!(joined.is_err());
    store.create_run(&run_info("r", "shop", TestType::Load, 1), &scenario("shop"))?;
    assert_eq!(store.list_runs(&RunFilter::default())?.len(), 1);
    Ok(())
}

#[test]
fn latest_run_is_the_newest_with_its_last_snapshot() -> Result<(), StoreError> {
    let store = mem();
    assert_eq!(store.latest_run()?, None, "no runs yet");
    store.create_run(
        &run_info("old", "shop", TestType::Load, 100),
        &scenario("shop"),
    )?;
    store.append_snapshot(&id("old"), &snapshot(0))?;
    let new = run_info("new", "shop", TestType::Load, 200);
    store.create_run(&new, &scenario("shop"))?;
    assert_eq!(store.latest_run()?, Some((new, None)), "no snapshot yet");
    for seq in [1, 0] {
        store.append_snapshot(&id("new"), &snapshot(seq))?;
    }
    // Finished runs keep their last snapshot here (get_run gives their summary instead).
    store.finish_run(&id("new"), &summary("shop", RunStatus::Completed), 1_000)?;
    let (info, latest) = store.latest_run()?.expect("a run");
    assert_eq!(
        (info.id, info.status, latest),
        (id("new"), RunStatus::Completed, Some(snapshot(1)))
    );
    Ok(())
}

/// A stored run this build cannot read (a status written by a newer version, a negative
/// number) is listed as unreadable, with its id and why, in its place: the list used to fail
/// whole, though every other run read one by one. Pages stay exact, filters judge it by what
/// is stored, and it can be deleted.
#[test]
fn an_unreadable_run_is_listed_as_such_in_its_place() -> Result<(), StoreError> {
    let store = mem();
    completed_shop_runs(&store, &[("a", 100), ("b", 200), ("c", 300), ("d", 400)])?;
    tamper(&store, "UPDATE runs SET status = 'paused' WHERE id = 'c'")?;
    tamper(&store, "UPDATE runs SET duration_ms = -5 WHERE id = 'a'")?;
    let all = store.list_runs(&RunFilter::default())?;
    let unreadable = |id_: &str, why: &str| {
        RunListing::Unreadable(UnreadableRun {
            id: id(id_),
            unreadable: why.to_owned(),
        })
    };
    assert_eq!(all.len(), 4, "{all:?}");
    assert_eq!(all[0].run().map(|r| &r.id), Some(&id("d")));
    assert_eq!(
        all[1],
        unreadable(
            "c",
            "status: unknown value \"paused\": unknown variant `paused`, expected one of \
             `pending`, `running`, `stopping`, `completed`, `failed`, `cancelled`, `interrupted`"
        )
    );
    assert_eq!(all[2].run().map(|r| &r.id), Some(&id("b")));
    assert_eq!(all[3], unreadable("a", "duration_ms is negative (-5)"));
    // Paging counts it as the run it is.
    let page = store.list_runs(&RunFilter {
        limit: Some(2),
        offset: Some(1),
        ..RunFilter::default()
    })?;
    let ids: Vec<&str> = page.iter().map(|r| r.id().0.as_str()).collect();
    assert_eq!(ids, ["c", "b"]);
    // A filter judges the stored text: `paused` is no status it knows.
    let completed = store.list_runs(&RunFilter {
        status: Some(RunStatus::Completed),
        ..RunFilter::default()
    })?;
    let ids: Vec<&str> = completed.iter().map(|r| r.id().0.as_str()).collect();
    assert_eq!(ids, ["d", "b", "a"]);
    // It is not a run in progress: it can be deleted.
    assert_eq!(store.delete_run(&id("c"))?, RunDeletion::Deleted);
    assert_eq!(store.list_runs(&RunFilter::default())?.len(), 3);
    Ok(())
}

/// The latest run (`GET /api/workload/status` after a restart) passes over a newer run this
/// build cannot read, which is not going on here, rather than failing: it was a 500, and the
/// panel's live feed, which catches up through it before it counts as connected, kept retrying.
#[test]
fn the_latest_run_passes_over_one_this_build_cannot_read() -> Result<(), StoreError> {
    let store = mem();
    completed_shop_runs(&store, &[("old", 100), ("new", 200)])?;
    tamper(&store, "UPDATE runs SET status = 'paused' WHERE id = 'new'")?;
    let (info, _) = store.latest_run()?.expect("a readable run");
    assert_eq!(info.id, id("old"));
    tamper(&store, "UPDATE runs SET status = 'paused' WHERE id = 'old'")?;
    assert_eq!(store.latest_run()?, None, "none it can read");
    Ok(())
}
