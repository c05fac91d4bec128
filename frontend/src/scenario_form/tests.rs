//! Form ⇄ scenario conversion, problem placement, profile switching and previews.

use std::time::Duration;

use shared::api::Problem;
use shared::scenario::{
    Body, Check, Format, LoadProfile, Method, Scenario, Step, Think, parse_scenario,
};
use shared::units::HumanDuration;

use super::*;

/// The scenarios of `examples/*.yaml`, in file-name order, read as the server reads them.
fn examples() -> Vec<Scenario> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .expect("examples/ is readable")
        .map(|e| e.expect("examples/ lists").path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no examples in {dir}");
    paths
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).expect("an example is readable");
            parse_scenario(&text, Format::Yaml)
                .unwrap_or_else(|e| panic!("{} does not parse: {e:?}", p.display()))
        })
        .collect()
}

fn secs(s: u64) -> HumanDuration {
    HumanDuration(Duration::from_secs(s))
}

fn problem(path: &str) -> Problem {
    Problem {
        path: path.into(),
        message: "bad".into(),
        line: None,
        column: None,
    }
}

/// A scenario with what the examples leave out: a text body, a range think time given in ms,
/// scenario headers, every option set.
fn odd_scenario() -> Scenario {
    let mut s = examples()
        .into_iter()
        .find(|s| s.name == "constant_users")
        .expect("example");
    s.description = Some("odd one".into());
    s.headers.insert("x-api-key".into(), "secret".into());
    s.journeys[0]
        .steps
        .push(Step::Request(shared::scenario::RequestStep {
            name: Some("login".into()),
            method: Method::Patch,
            path: "https://other.test/login?x=${y}".into(),
            headers: [("content-type".to_owned(), "text/plain".to_owned())].into(),
            body: Some(Body::Text("user=a&pw=b\nsecond line".into())),
            checks: vec![
                Check::HeaderPresent("set-cookie".into()),
                Check::LatencyUnder(HumanDuration(Duration::from_millis(250))),
                Check::BodyContains("welcome".into()),
                Check::Status(vec![200, 201, 204]),
            ],
        }));
    s.journeys[0].steps.push(Step::Think(Think::Uniform {
        min: HumanDuration(Duration::from_millis(250)),
        max: secs(90),
    }));
    s.options.insecure_tls = true;
    s.options.timeout = HumanDuration(Duration::from_millis(1500));
    s
}

#[test]
fn every_example_round_trips_through_the_form() {
    let all = examples();
    assert_eq!(all.len(), 6);
    let kinds: Vec<_> = all.iter().map(|s| s.load.kind()).collect();
    for k in LoadKind::ALL {
        assert!(kinds.contains(&k), "the examples cover {k:?}");
    }
    for s in all.into_iter().chain([odd_scenario()]) {
        let form = ScenarioForm::from_scenario(&s);
        assert_eq!(form.to_scenario(), Ok(s.clone()), "{}", s.name);
        // And the form of the result is the same form: nothing drifts on a second pass.
        assert_eq!(ScenarioForm::from_scenario(&s), form);
    }
}

/// A document's `-0.0` (valid: not below 0) shows as `0` and reads back; its `-0` could not be
/// read, and the form was stuck.
#[test]
fn a_negative_zero_reads_back() {
    let mut s = ScenarioForm::default()
        .to_scenario()
        .expect("default reads");
    s.load = LoadProfile::RampingRate {
        start_rate: -0.0,
        stages: vec![shared::scenario::Stage {
            duration: secs(10),
            target: 5.0,
        }],
        max_users: 10,
    };
    let form = ScenarioForm::from_scenario(&s);
    assert_eq!(form.load.start_rate, "0");
    assert_eq!(form.to_scenario(), Ok(s));
}

#[test]
fn the_default_form_is_a_scenario() {
    let s = ScenarioForm::default()
        .to_scenario()
        .expect("default reads");
    assert_eq!(
        s.load,
        LoadProfile::ConstantUsers {
            users: 10,
            duration: secs(30)
        }
    );
    assert_eq!(s.journeys.len(), 1);
    assert_eq!(s.thresholds.len(), 2);
}

#[test]
fn half_typed_values_stay_and_report_at_their_fields() {
    let mut f = ScenarioForm::default();
    f.load.duration = "10x".into();
    f.load.users = "ten".into();
    f.journeys[0].weight = "-1".into();
    if let Some(r) = f.request_mut(0, 0) {
        r.body = BodyForm::new(BodyKind::Payload, "10Q".into());
        r.checks[0].value = "200, abc".into();
        r.headers.push(KeyValue {
            key: String::new(),
            value: "orphan".into(),
        });
    }
    if let Some(t) = f.think_mut(0, 1) {
        t.fixed = "soon".into();
    }
    f.options.timeout = String::new();
    let errors = f.to_scenario().expect_err("several fields are wrong");
    let paths: Vec<&str> = errors.iter().map(|(p, _)| p.as_str()).collect();
    for want in [
        "load.duration",
        "load.users",
        "journeys[0].weight",
        "journeys[0].steps[0].request.body.payload",
        "journeys[0].steps[0].request.checks[0].status",
        "journeys[0].steps[0].request.headers[0].name",
        "journeys[0].steps[1].think",
        "options.timeout",
    ] {
        assert!(paths.contains(&want), "{want} missing from {paths:?}");
    }
    // The typed text is untouched; every error path is a field the form shows.
    assert_eq!(f.load.duration, "10x");
    let slots = f.slots();
    for p in &paths {
        assert!(slots.contains(*p), "{p} is not a slot");
    }
}

#[test]
fn durations_need_a_unit_as_in_the_document() {
    // What the text view and the server say about `duration: "10"`.
    let json = |d: &str| {
        format!(
            r#"{{"name": "n", "journeys": [], "load": {{"type": "constant_users", "users": 1, "duration": "{d}"}}}}"#
        )
    };
    let document_says = |d: &str| {
        parse_scenario(&json(d), Format::Json)
            .err()
            .map(|e| e.0[0].message.clone())
    };
    let mut f = ScenarioForm::default();
    for bare in ["10", "0", "1.5", " 10 "] {
        f.load.duration = bare.into();
        let errors = f.to_scenario().expect_err("a bare number is refused");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].0, "load.duration");
        let said = document_says(bare.trim()).expect("the document refuses it too");
        assert!(said.contains(&errors[0].1), "{said:?} vs {:?}", errors[0].1);
    }
    assert_eq!(
        parse_duration("10"),
        Err("duration \"10\" needs a unit (us, ms, s, m or h), e.g. \"10s\"".into())
    );
    // A think time of `0` likewise; `0s` is fine in both.
    if let Some(t) = f.think_mut(0, 1) {
        t.fixed = "0".into();
    }
    f.load.duration = "10s".into();
    let errors = f.to_scenario().expect_err("think 0 is refused");
    assert_eq!(
        errors.iter().map(|e| e.0.as_str()).collect::<Vec<_>>(),
        ["journeys[0].steps[1].think"]
    );
    if let Some(t) = f.think_mut(0, 1) {
        t.fixed = "0s".into();
    }
    assert_eq!(document_says("0s"), None);
    let s = f.to_scenario().expect("units given");
    assert_eq!(s.journeys[0].steps[1], Step::Think(Think::Fixed(secs(0))));
    assert_eq!(
        s.load,
        LoadProfile::ConstantUsers {
            users: 10,
            duration: secs(10)
        }
    );
}

#[test]
fn bodies_and_checks_read_as_typed() {
    let mut f = ScenarioForm::default();
    let r = f.request_mut(0, 0).expect("step 0 is a request");
    r.body = BodyForm::new(BodyKind::Payload, "10K".into());
    r.checks = vec![
        CheckForm {
            kind: CheckKind::Json,
            value: "/status".into(),
            equals: "ok".into(),
        },
        CheckForm {
            kind: CheckKind::Json,
            value: "/id".into(),
            equals: "5".into(),
        },
        CheckForm {
            kind: CheckKind::Status,
            value: "200 204".into(),
            equals: String::new(),
        },
    ];
    let s = f.to_scenario().expect("reads");
    let Step::Request(req) = &s.journeys[0].steps[0] else {
        panic!("request")
    };
    assert_eq!(
        req.body,
        Some(Body::Payload(shared::units::ByteSize(10 * 1024)))
    );
    assert_eq!(
        req.checks[0],
        Check::Json(shared::scenario::JsonCheck {
            pointer: "/status".into(),
            equals: "ok".into()
        })
    );
    assert_eq!(
        req.checks[1],
        Check::Json(shared::scenario::JsonCheck {
            pointer: "/id".into(),
            equals: 5.into()
        })
    );
    assert_eq!(req.checks[2], Check::Status(vec![200, 204]));

    let r = f.request_mut(0, 0).expect("request");
    r.body.set_kind(BodyKind::Json);
    assert_eq!(r.body.content(), "{}", "a size is no JSON: the example");
    r.body.set_content("{\"a\": ".into());
    let errors = f.to_scenario().expect_err("bad JSON");
    assert_eq!(errors[0].0, "journeys[0].steps[0].request.body.json");
    let r = f.request_mut(0, 0).expect("request");
    r.body.set_kind(BodyKind::Payload);
    assert_eq!(r.body.content(), "10K", "the payload size is still there");
}

#[test]
fn each_body_kind_keeps_what_was_typed_for_it() {
    let mut f = ScenarioForm::default();
    let r = f.request_mut(0, 0).expect("step 0 is a request");
    r.method = Method::Post;
    r.body.set_kind(BodyKind::Json);
    r.body.set_content("{\"a\": 1}".into());
    r.body.set_kind(BodyKind::Payload);
    assert_eq!(
        r.body.content(),
        "10KB",
        "a new payload starts from an example"
    );
    r.body.set_content("-1".into());
    r.body.set_kind(BodyKind::Json);
    assert_eq!(
        r.body.content(),
        "{\"a\": 1}",
        "the JSON comes back, not the size"
    );
    let body = |f: &ScenarioForm| match &f.to_scenario().expect("reads").journeys[0].steps[0] {
        Step::Request(req) => req.body.clone(),
        Step::Think(_) => None,
    };
    assert_eq!(body(&f), Some(Body::Json(serde_json::json!({"a": 1}))));

    let r = f.request_mut(0, 0).expect("request");
    r.body.set_kind(BodyKind::None);
    assert_eq!(body(&f), None);
    let r = f.request_mut(0, 0).expect("request");
    r.body.set_kind(BodyKind::Payload);
    assert_eq!(
        r.body.content(),
        "-1",
        "what was typed, even unreadable, stays"
    );
    let errors = f.to_scenario().expect_err("-1 is no size");
    assert_eq!(errors[0].0, "journeys[0].steps[0].request.body.payload");

    // Text and JSON are the same characters: a kind still empty takes the other's content.
    let r = f.request_mut(0, 0).expect("request");
    r.body.set_kind(BodyKind::Json);
    r.body.set_kind(BodyKind::Text);
    assert_eq!(r.body.content(), "{\"a\": 1}");
    r.body.set_content("plain".into());
    r.body.set_kind(BodyKind::Json);
    assert_eq!(r.body.content(), "{\"a\": 1}", "JSON had its own content");
    r.body.set_kind(BodyKind::Text);
    assert_eq!(body(&f), Some(Body::Text("plain".into())));
}

#[test]
fn header_rows_skip_blanks_and_catch_duplicates() {
    let mut f = ScenarioForm {
        headers: vec![
            KeyValue {
                key: "accept".into(),
                value: "a".into(),
            },
            KeyValue::default(),
            KeyValue {
                key: "accept".into(),
                value: "b".into(),
            },
        ],
        ..ScenarioForm::default()
    };
    let errors = f.to_scenario().expect_err("duplicate");
    assert_eq!(
        errors,
        vec![(
            "headers[2].name".to_owned(),
            "\"accept\" is listed twice".to_owned()
        )]
    );
    f.headers.pop();
    assert_eq!(f.to_scenario().map(|s| s.headers.len()), Ok(1));
}

#[test]
fn problems_land_next_to_the_field_they_name() {
    let s = examples()
        .into_iter()
        .find(|s| s.name == "web_app")
        .expect("example");
    let f = ScenarioForm::from_scenario(&s);
    let cases = [
        (
            "journeys[0].steps[1].think",
            Some("journeys[0].steps[1].think"),
        ),
        (
            "journeys[0].steps[0].request.method",
            Some("journeys[0].steps[0].request.method"),
        ),
        (
            "journeys[0].steps[0].request.checks[0].status",
            Some("journeys[0].steps[0].request.checks[0].status"),
        ),
        (
            "journeys[1].steps[2].request.checks[1].json.pointer",
            Some("journeys[1].steps[2].request.checks[1].json.pointer"),
        ),
        // Deeper than any input: the nearest enclosing one.
        (
            "journeys[0].steps[0].request.checks[0].status[3]",
            Some("journeys[0].steps[0].request.checks[0].status"),
        ),
        (
            "journeys[0].steps[0].request.bogus",
            Some("journeys[0].steps[0]"),
        ),
        ("journeys[0].steps", Some("journeys[0].steps")),
        ("journeys[9].name", Some("journeys")),
        ("load.rate", Some("load.rate")),
        ("load.users", Some("load")), // not a field of constant_rate
        ("thresholds[0]", Some("thresholds[0]")),
        ("thresholds[2].request", Some("thresholds[2].request")),
        ("name", Some("name")),
        ("target", Some("target")),
        ("options.timeout", Some("options.timeout")),
        // Map entries are named by key; the form has rows. A header's problem is shown at its
        // value unless it is about the name (below); a variable is checked by name only.
        ("headers.user-agent", Some("headers[0].value")),
        ("variables.user_id", Some("variables[1].name")),
        (
            "journeys[2].steps[0].request.headers.accept",
            Some("journeys[2].steps[0].request.headers[0].value"),
        ),
        ("headers.nope", Some("headers")),
        // Nothing in the form stands for these.
        ("", None),
        ("bogus", None),
    ];
    for (path, want) in cases {
        assert_eq!(locate(&f, path, "").as_deref(), want, "{path}");
    }
}

#[test]
fn staged_and_think_paths_and_placement() {
    let s = examples()
        .into_iter()
        .find(|s| s.name == "api_load")
        .expect("example");
    let f = ScenarioForm::from_scenario(&s);
    assert_eq!(
        locate(&f, "load.stages[2].target", "").as_deref(),
        Some("load.stages[2].target")
    );
    assert_eq!(
        locate(&f, "load.stages[1]", "").as_deref(),
        Some("load.stages[1]")
    );
    assert_eq!(
        locate(&f, "load.stages[7].target", "").as_deref(),
        Some("load.stages")
    );
    assert_eq!(
        locate(&f, "load.start_users", "").as_deref(),
        Some("load.start_users")
    );
    // A range think time has min and max inputs and a slot for the pair.
    assert_eq!(
        locate(&f, "journeys[0].steps[6].think", "").as_deref(),
        Some("journeys[0].steps[6].think")
    );
    assert_eq!(
        locate(&f, "journeys[0].steps[6].think.max", "").as_deref(),
        Some("journeys[0].steps[6].think.max")
    );
    assert_eq!(
        locate(&f, "journeys[0].steps[1].request.body.payload", "").as_deref(),
        Some("journeys[0].steps[1].request.body.payload")
    );

    let placed = place(
        &f,
        &[
            problem("load.stages[0].target"),
            problem("bogus"),
            problem("load.stages[0].target"),
            problem(""),
        ],
    );
    assert_eq!(placed.len(), 4);
    assert_eq!(placed.by_field["load.stages[0].target"].len(), 2);
    assert_eq!(placed.unplaced.len(), 2);
    assert!(place(&f, &[]).is_empty());
}

#[test]
fn switching_profiles_carries_duration_users_and_rate() {
    let mut load = LoadForm {
        users: "50".into(),
        duration: "45s".into(),
        ..LoadForm::default()
    };

    load.set_kind(LoadKind::ConstantRate);
    assert_eq!(
        (
            load.duration.as_str(),
            load.max_users.as_str(),
            load.rate.as_str()
        ),
        ("45s", "50", "10")
    );
    load.rate = "25".into();

    load.set_kind(LoadKind::Spike);
    assert_eq!(load.base_rate, "25");
    assert_eq!(load.spike_rate, "125");
    assert_eq!(
        (load.duration.as_str(), load.max_users.as_str()),
        ("45s", "50")
    );

    load.set_kind(LoadKind::Random);
    assert_eq!((load.mean_rate.as_str(), load.walk.as_str()), ("25", "0"));

    load.set_kind(LoadKind::RampingRate);
    let targets: Vec<&str> = load.stages.iter().map(|s| s.target.as_str()).collect();
    let lengths: Vec<&str> = load.stages.iter().map(|s| s.duration.as_str()).collect();
    assert_eq!(targets, ["25", "25", "0"]);
    assert_eq!(
        lengths,
        ["11s", "23s", "11s"],
        "up, hold, down over the 45s"
    );
    assert_eq!(load.start_rate, "0");

    // Between the two staged types the stages stay as they are.
    load.stages[1].target = "30".into();
    load.set_kind(LoadKind::RampingUsers);
    assert_eq!(load.stages[1].target, "30");

    // Back to a flat type: the stages' total and peak carry.
    load.set_kind(LoadKind::ConstantUsers);
    assert_eq!((load.duration.as_str(), load.users.as_str()), ("45s", "30"));

    // A pool cap is not a concurrency: an open profile switched to a closed one keeps the
    // closed profile's own users (here the 30 just carried), or gets the default.
    load.set_kind(LoadKind::ConstantRate);
    assert_eq!(load.max_users, "30");
    load.max_users = "300".into();
    load.set_kind(LoadKind::ConstantUsers);
    assert_eq!(load.users, "30");
    let mut open = LoadForm {
        rate: "50".into(),
        max_users: "300".into(),
        ..LoadForm::default()
    };
    open.kind = LoadKind::ConstantRate;
    open.users.clear();
    open.set_kind(LoadKind::ConstantUsers);
    assert_eq!(open.users, "10");
    open.kind = LoadKind::Spike;
    open.set_kind(LoadKind::RampingUsers);
    let peak = open.stages.iter().map(|s| s.target.as_str()).max();
    assert_eq!(peak, Some("10"), "a ramp up to the users, not to the cap");

    // Every switch leaves a profile that reads.
    for kind in LoadKind::ALL {
        let mut l = LoadForm::default();
        l.set_kind(kind);
        assert_eq!(l.kind, kind);
        let p = l.to_profile().unwrap_or_else(|e| panic!("{kind:?}: {e:?}"));
        assert_eq!(p.kind(), kind);
        assert!(preview(&p).is_some(), "{kind:?} previews");
    }
}

#[test]
fn load_fields_match_the_form_and_errors_name_them() {
    for kind in LoadKind::ALL {
        let mut l = LoadForm::default();
        l.set_kind(kind);
        for f in kind.fields() {
            l.set(f.key, "?".into());
            assert_eq!(l.get(f.key), "?", "{}", f.key);
        }
        let errors = l.to_profile().expect_err("all fields unreadable");
        for f in kind.fields() {
            assert!(
                errors.iter().any(|(p, _)| *p == format!("load.{}", f.key)),
                "{kind:?} {}",
                f.key
            );
        }
    }
    assert_eq!(LoadKind::parse("spike"), Some(LoadKind::Spike));
    assert_eq!(LoadKind::parse("nope"), None);
}

#[test]
fn stages_add_and_remove() {
    let mut l = LoadForm::default();
    l.set_kind(LoadKind::RampingUsers);
    let n = l.stages.len();
    l.stages[n - 1] = StageForm {
        duration: "7s".into(),
        target: "3".into(),
    };
    l.add_stage();
    assert_eq!(l.stages.len(), n + 1);
    assert_eq!(
        l.stages[n],
        StageForm {
            duration: "7s".into(),
            target: "3".into()
        }
    );
    l.remove_stage(0);
    l.remove_stage(99);
    assert_eq!(l.stages.len(), n);
    l.stages.clear();
    l.add_stage();
    assert_eq!(
        l.stages,
        vec![StageForm {
            duration: "10s".into(),
            target: "10".into()
        }]
    );
    l.stages[0].target = "x".into();
    let errors = l.to_profile().expect_err("bad target");
    assert_eq!(errors[0].0, "load.stages[0].target");
}

/// A random profile's max rate typed one key at a time ("1" on the way to "150") crosses the
/// mean's lower bound for a moment: the preview is drawn, and the panel does not panic.
#[test]
fn a_preview_of_a_bound_being_typed_does_not_panic() {
    let mut l = LoadForm::default();
    l.set_kind(LoadKind::Random);
    l.mean_rate = "10".into();
    l.walk = "0.5".into();
    l.max_rate = "1".into();
    let profile = l.to_profile().expect("the form reads");
    assert!(preview(&profile).is_some_and(|p| p.peak.is_finite()));
}

#[test]
fn preview_draws_the_plan() {
    let p = preview(&LoadProfile::ConstantUsers {
        users: 10,
        duration: secs(30),
    })
    .expect("draws");
    assert!(!p.open);
    assert_eq!(p.points.len(), PREVIEW_POINTS);
    assert!(p.points.iter().all(|v| v.1 == 10.0));
    assert_eq!(p.points.last(), Some(&(30.0, 10.0)));
    assert_eq!(
        (p.peak, p.duration_s, p.starts, p.max_users),
        (10.0, 30.0, None, None)
    );

    let ramp = LoadProfile::RampingRate {
        start_rate: 0.0,
        stages: vec![shared::scenario::Stage {
            duration: secs(10),
            target: 10.0,
        }],
        max_users: 20,
    };
    let p = preview(&ramp).expect("draws");
    assert!(p.open);
    assert_eq!(p.max_users, Some(20));
    let starts = p.starts.expect("open profiles count starts");
    assert!(
        (starts - 50.0).abs() < 0.5,
        "area under 0→10/s over 10s is 50, got {starts}"
    );

    // An hour with a 2 s spike every minute: every spike is in the curve, its peak and its
    // starts (60 × (58 s × 5/s + 2 s × 50/s) = 23,400, what the engine starts).
    let p = preview(&LoadProfile::Spike {
        base_rate: 5.0,
        spike_rate: 50.0,
        spike_duration: secs(2),
        period: secs(60),
        duration: secs(3600),
        max_users: 100,
    })
    .expect("draws");
    assert_eq!(p.peak, 50.0);
    assert_eq!(p.points.len(), PREVIEW_POINTS);
    let at_peak = p.points.iter().filter(|v| v.1 == 50.0).count();
    assert!(
        at_peak >= 60,
        "every spike is drawn: {at_peak} points at 50/s"
    );
    let starts = p.starts.expect("open profiles count starts");
    assert!((starts - 23_400.0).abs() < 1e-6, "{starts}");
    // A one-second stage in a twenty-minute ramp: its peak of 100 users is drawn.
    let stage = |duration, target| shared::scenario::Stage {
        duration: secs(duration),
        target,
    };
    let p = preview(&LoadProfile::RampingUsers {
        start_users: 10,
        stages: vec![
            stage(600, 10.0),
            stage(1, 100.0),
            stage(1, 10.0),
            stage(598, 10.0),
        ],
    })
    .expect("draws");
    assert_eq!(p.peak, 100.0);

    // Shapes the plan cannot draw while the user is still typing.
    let spike = |period| LoadProfile::Spike {
        base_rate: 1.0,
        spike_rate: 5.0,
        spike_duration: secs(1),
        period,
        duration: secs(60),
        max_users: 10,
    };
    assert!(preview(&spike(secs(0))).is_none());
    assert!(preview(&spike(HumanDuration(Duration::from_micros(1)))).is_none());
    assert_eq!(preview(&spike(secs(20))).map(|p| p.peak), Some(5.0));
    assert!(
        preview(&LoadProfile::ConstantUsers {
            users: 10,
            duration: secs(0)
        })
        .is_none()
    );
    let long_random = LoadProfile::Random {
        mean_rate: 1.0,
        duration: secs(2 * 86_400),
        max_users: 10,
        walk: 0.1,
        min_rate: None,
        max_rate: None,
        seed: None,
    };
    assert!(preview(&long_random).is_none());
}

#[test]
fn lists_move_and_remove() {
    let mut v = vec![1, 2, 3];
    move_item(&mut v, 0, true);
    move_item(&mut v, 2, false);
    assert_eq!(v, [1, 2, 3]);
    move_item(&mut v, 2, true);
    assert_eq!(v, [1, 3, 2]);
    move_item(&mut v, 0, false);
    assert_eq!(v, [3, 1, 2]);
    remove_at(&mut v, 5);
    remove_at(&mut v, 1);
    assert_eq!(v, [3, 2]);
}

#[test]
fn focus_follows_a_moved_row_and_leaves_a_removed_one_for_a_field() {
    // Up from the third row: the row is now the second, still on its up button.
    assert_eq!(focus_after_move(2, true, 3), (-1, true));
    // Up to the top, where the up button is disabled: its down button.
    assert_eq!(focus_after_move(1, true, 3), (-1, false));
    assert_eq!(focus_after_move(0, false, 3), (1, false));
    // Down to the bottom: its up button.
    assert_eq!(focus_after_move(1, false, 3), (1, true));
    assert_eq!(focus_after_move(0, false, 2), (1, true));
    // No move at the ends (those buttons are disabled): the focus stays.
    assert_eq!(focus_after_move(0, true, 2), (0, false));
    assert_eq!(focus_after_move(1, false, 2), (0, true));

    // The row before; the one that took the first's place; the add button.
    assert_eq!(focus_after_remove(2, 3), Some(-1));
    assert_eq!(focus_after_remove(1, 2), Some(-1));
    assert_eq!(focus_after_remove(0, 3), Some(0));
    assert_eq!(focus_after_remove(0, 1), None);
}

#[test]
fn counts_that_need_a_user_say_so() {
    let message = |f: &ScenarioForm, path: &str| {
        f.to_scenario()
            .expect_err("the form cannot be read")
            .into_iter()
            .find(|(p, _)| p == path)
            .map(|(_, m)| m)
    };
    let mut f = ScenarioForm::default();
    f.load.users = "-5".into();
    f.journeys[0].weight = "-1".into();
    assert_eq!(
        message(&f, "load.users").as_deref(),
        Some("\"-5\" is not a whole number (1 or more)")
    );
    // A weight may be 0 (shared's validation wants one journey above 0).
    assert_eq!(
        message(&f, "journeys[0].weight").as_deref(),
        Some("\"-1\" is not a whole number (0 or more)")
    );
    f.load.set_kind(LoadKind::ConstantRate);
    f.load.max_users = "x".into();
    assert_eq!(
        message(&f, "load.max_users").as_deref(),
        Some("\"x\" is not a whole number (1 or more)")
    );
    f.load.set_kind(LoadKind::RampingUsers);
    f.load.start_users = "-1".into();
    assert_eq!(
        message(&f, "load.start_users").as_deref(),
        Some("\"-1\" is not a whole number (0 or more)")
    );
    // A whole number too large to hold is called that, not "not a whole number".
    f.load.start_users = "99999999999999".into();
    assert_eq!(
        message(&f, "load.start_users").as_deref(),
        Some("\"99999999999999\" is too large")
    );
    // A seed past 2^53 − 1 is refused in the form, as the server refuses it (JavaScript clients
    // of the API, and the embed events' values, would round it).
    f.load.set_kind(LoadKind::Random);
    f.load.seed = "9007199254740992".into();
    assert_eq!(
        message(&f, "load.seed").as_deref(),
        Some(
            "9007199254740992 is above 9007199254740991, the largest whole number a browser holds exactly"
        )
    );
    f.load.seed = "9007199254740991".into();
    assert_eq!(message(&f, "load.seed"), None);
    // 0 users is read, and refused by the server with shared's own words ("must be at least 1").
    f.load.set_kind(LoadKind::ConstantUsers);
    f.load.users = "0".into();
    f.journeys[0].weight = "1".into();
    assert!(f.to_scenario().is_ok());
}

#[test]
fn request_names_and_new_journeys() {
    let mut f = ScenarioForm::default();
    f.add_journey();
    f.add_journey();
    let names: Vec<&str> = f.journeys.iter().map(|j| j.name.as_str()).collect();
    assert_eq!(names, ["browse", "journey_2", "journey_3"]);
    f.journeys.remove(1);
    f.add_journey();
    assert_eq!(f.journeys[2].name, "journey_4", "no clash with journey_3");
    // Every new journey's request is `GET /`: one name, listed once.
    assert_eq!(f.request_names(), ["GET /"]);
    if let Some(r) = f.request_mut(1, 0) {
        r.name = "home".into();
    }
    assert_eq!(f.request_names(), ["GET /", "home"]);

    let s = examples()
        .into_iter()
        .find(|s| s.name == "web_app")
        .expect("example");
    let f = ScenarioForm::from_scenario(&s);
    assert_eq!(
        f.request_names(),
        [
            "GET /",
            "GET /products",
            "GET /api/products/{id}",
            "GET /api/users/{id}"
        ]
    );
}

#[test]
fn checks_switch_kind_with_fresh_values() {
    let mut c = CheckForm::new(CheckKind::Status);
    assert_eq!(c.value, "200");
    c.set_kind(CheckKind::LatencyUnder);
    assert_eq!((c.kind, c.value.as_str()), (CheckKind::LatencyUnder, "1s"));
    assert_eq!(c.value_segment(), "latency_under");
    c.set_kind(CheckKind::Json);
    assert_eq!(c.value_segment(), "json.pointer");
    for k in CheckKind::ALL {
        assert_eq!(CheckKind::parse(k.as_str()), Some(k));
    }
    for k in BodyKind::ALL {
        assert_eq!(BodyKind::parse(k.as_str()), Some(k));
    }
    assert_eq!(parse_status_list("200,201  204"), Ok(vec![200, 201, 204]));
    assert!(parse_status_list("2xx").is_err());
}

#[test]
fn text_positions_count_utf16_units() {
    let text = "name: a\ndescription: é😀x\nload: {}\n";
    assert_eq!(text_offset(text, 1, 1), 0);
    assert_eq!(text_offset(text, 2, 1), 8);
    // "é" is one unit, "😀" two: column 16 is "x".
    assert_eq!(text_offset(text, 2, 16), 8 + 13 + 1 + 2);
    assert_eq!(
        text_offset(text, 2, 99),
        8 + 17,
        "the end of the line, before its newline"
    );
    assert_eq!(text_offset(text, 3, 3), 8 + 18 + 2);
    assert_eq!(text_offset(text, 9, 1), 8 + 18 + 9, "past the end: the end");
}

/// The server's answer: the document it checked and what shared's validation found in it, as
/// `POST /api/scenarios/validate` answers.
#[derive(Default)]
struct Answer {
    about: Option<Scenario>,
    problems: Vec<Problem>,
}

fn server_answer(s: &Scenario) -> Answer {
    let problems = match shared::scenario::validate(s, &Default::default()) {
        Ok(_) => Vec::new(),
        Err(e) => e.0.iter().map(Problem::from).collect(),
    };
    Answer {
        about: Some(s.clone()),
        problems,
    }
}

/// The problems the form shows, by slot, given the server's last answer.
fn shown(f: &ScenarioForm, server: &Answer) -> PlacedProblems {
    let all = form_problems(f, &f.to_scenario(), server.about.as_ref(), &server.problems);
    place(f, &all)
}

fn slots_of(p: &PlacedProblems) -> Vec<&str> {
    p.by_field.keys().map(String::as_str).collect()
}

#[test]
fn server_problems_are_shown_only_for_the_document_they_are_about() {
    let mut f = ScenarioForm {
        target: "ftp://x".into(),
        ..ScenarioForm::default()
    };
    let answer = server_answer(&f.to_scenario().expect("reads"));
    let p = shown(&f, &answer);
    assert_eq!(slots_of(&p), ["target"]);
    assert_eq!(
        p.by_field["target"][0].message,
        "\"ftp://x\" must be an http:// or https:// URL"
    );

    // Fixed, and another field half-typed before the next answer: the form cannot be read,
    // so no answer is about it; only what it cannot read is shown.
    f.target = "http://127.0.0.1:18290".into();
    f.load.users = "abc".into();
    let p = shown(&f, &answer);
    assert_eq!(slots_of(&p), ["load.users"]);
    assert_eq!(p.len(), 1);
    // Readable again but not yet checked: the old answer is about another target.
    f.load.users = "10".into();
    assert!(shown(&f, &answer).is_empty());
    // Back to the very document the server checked: its answer holds again.
    f.target = "ftp://x".into();
    assert_eq!(slots_of(&shown(&f, &answer)), ["target"]);

    // A bad header name, then the name cleared: only "enter a name".
    let mut f = ScenarioForm {
        target: "http://127.0.0.1:18290".into(),
        ..ScenarioForm::default()
    };
    f.headers.push(KeyValue {
        key: "X Bad".into(),
        value: "1".into(),
    });
    let answer = server_answer(&f.to_scenario().expect("reads"));
    let p = shown(&f, &answer);
    assert_eq!(slots_of(&p), ["headers[0].name"]);
    assert!(
        p.by_field["headers[0].name"][0]
            .message
            .contains("is not a valid header name")
    );
    f.headers[0].key.clear();
    let p = shown(&f, &answer);
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p.by_field["headers[0].name"][0].message, "enter a name");

    // Nothing checked yet, or text the server could not read: only the form's own problems.
    assert_eq!(shown(&f, &Answer::default()).len(), 1);
}

#[test]
fn a_header_value_problem_is_shown_at_the_value() {
    let mut f = ScenarioForm {
        target: "http://127.0.0.1:18290".into(),
        ..ScenarioForm::default()
    };
    f.headers.push(KeyValue {
        key: "x-ok".into(),
        value: "a\u{1}b".into(),
    });
    f.journeys[0]
        .steps
        .push(StepForm::Request(RequestForm::default()));
    let Some(StepForm::Request(r)) = f.journeys[0].steps.last_mut() else {
        unreachable!("a request step was just pushed")
    };
    r.path = "/".into();
    r.headers.push(KeyValue {
        key: "x-id".into(),
        value: "${missing}".into(),
    });
    let answer = server_answer(&f.to_scenario().expect("reads"));
    let p = shown(&f, &answer);
    let step = f.journeys[0].steps.len() - 1;
    assert_eq!(
        slots_of(&p),
        [
            "headers[0].value".to_owned(),
            format!("journeys[0].steps[{step}].request.headers[0].value")
        ],
        "{p:?}"
    );
    assert!(
        p.by_field["headers[0].value"][0]
            .message
            .contains("control characters"),
        "{p:?}"
    );
}

/// The spike profile QA drew: a 30 s spike in a 20 s period, for 30 s.
fn overlong_spike() -> ScenarioForm {
    let mut f = ScenarioForm {
        target: "http://127.0.0.1:18290".into(),
        ..ScenarioForm::default()
    };
    f.load.set_kind(LoadKind::Spike);
    f.load.spike_duration = "30s".into();
    f.load.period = "20s".into();
    f.load.duration = "30s".into();
    f
}

#[test]
fn load_problems_hold_while_the_profile_is_unchanged() {
    let mut f = overlong_spike();
    f.target = "ftp://x".into();
    let answer = server_answer(&f.to_scenario().expect("reads"));
    assert_eq!(
        slots_of(&shown(&f, &answer)),
        ["load.spike_duration", "target"]
    );

    // Other fields edited (even unreadable): the profile is the one checked, and shared's
    // validation judges a profile on its own, so its problems stand; the target's do not.
    f.name = "renamed".into();
    assert_eq!(slots_of(&shown(&f, &answer)), ["load.spike_duration"]);
    f.headers.push(KeyValue {
        key: String::new(),
        value: "orphan".into(),
    });
    assert_eq!(
        slots_of(&shown(&f, &answer)),
        ["headers[0].name", "load.spike_duration"]
    );
    // The profile changed: wait for the next answer.
    f.load.period = "40s".into();
    assert_eq!(slots_of(&shown(&f, &answer)), ["headers[0].name"]);
}

#[test]
fn rejected_profiles_have_no_preview() {
    let f = overlong_spike();
    let answer = server_answer(&f.to_scenario().expect("reads"));
    assert!(
        !answer.problems.is_empty(),
        "shared's validation rejects the spike"
    );
    assert_eq!(checked_preview(&f.load, &shown(&f, &answer)), None);
    // Until the server answers, the profile is not known to be wrong.
    let unchecked = Answer::default();
    assert!(checked_preview(&f.load, &shown(&f, &unchecked)).is_some());

    // A random profile whose minimum is above its mean.
    let mut f = overlong_spike();
    f.load.set_kind(LoadKind::Random);
    f.load.mean_rate = "10".into();
    f.load.min_rate = "20".into();
    let answer = server_answer(&f.to_scenario().expect("reads"));
    let placed = shown(&f, &answer);
    assert!(placed.in_load(), "{placed:?}");
    assert_eq!(checked_preview(&f.load, &placed), None);

    // Fixed: the answer about the fixed profile has nothing under `load`, so it is drawn.
    f.load.min_rate = "5".into();
    let answer = server_answer(&f.to_scenario().expect("reads"));
    let placed = shown(&f, &answer);
    assert!(!placed.in_load(), "{placed:?}");
    let p = checked_preview(&f.load, &placed).expect("draws");
    assert_eq!(p.duration_s, 30.0);

    // A profile that cannot be read is not drawn either.
    f.load.mean_rate = "ten".into();
    assert_eq!(checked_preview(&f.load, &shown(&f, &answer)), None);
}
