//! Table tests for the load-plan math (k6 style: expected values at given times, no running).

use super::*;
use crate::units::HumanDuration;

fn d(s: f64) -> HumanDuration {
    HumanDuration(Duration::from_secs_f64(s))
}
fn secs(t: f64) -> Duration {
    Duration::from_secs_f64(t)
}
fn stage(s: f64, target: f64) -> Stage {
    Stage {
        duration: d(s),
        target,
    }
}
fn close(a: Duration, b: f64) -> bool {
    (a.as_secs_f64() - b).abs() < 1e-6
}

#[test]
fn constant_users() {
    let plan = LoadPlan::new(
        &LoadProfile::ConstantUsers {
            users: 10,
            duration: d(30.0),
        },
        0,
    );
    assert!(!plan.is_open());
    assert_eq!(plan.duration(), secs(30.0));
    for (t, want) in [(0.0, 10), (15.0, 10), (29.999, 10), (30.0, 0), (31.0, 0)] {
        assert_eq!(plan.users_at(secs(t)), want, "t={t}");
    }
    let changes: Vec<_> = plan.user_changes().collect();
    assert_eq!(changes, vec![(secs(0.0), 10), (secs(30.0), 0)]);
}

#[test]
fn ramping_users_values_at_times() {
    // 0 → 10 over 10 s, hold 10 s, 10 → 0 over 5 s.
    let plan = LoadPlan::new(
        &LoadProfile::RampingUsers {
            start_users: 0,
            stages: vec![stage(10.0, 10.0), stage(10.0, 10.0), stage(5.0, 0.0)],
        },
        0,
    );
    assert_eq!(plan.duration(), secs(25.0));
    let table = [
        (0.0, 0),
        (0.99, 0),
        (1.0, 1),
        (5.5, 5),
        (9.99, 9),
        (10.0, 10),
        (19.9, 10),
        (20.0, 10),
        // Down: one fewer each time the value reaches a whole number, so 1 user until the end.
        (20.49, 10),
        (20.5, 9),
        (22.5, 5),
        (22.51, 5),
        (24.9, 1),
        (25.0, 0),
    ];
    for (t, want) in table {
        assert_eq!(plan.users_at(secs(t)), want, "t={t}");
    }
    assert_eq!(plan.max_users(), 10);
}

#[test]
fn ramping_users_change_times() {
    let plan = LoadPlan::new(
        &LoadProfile::RampingUsers {
            start_users: 0,
            stages: vec![stage(4.0, 4.0), stage(2.0, 0.0)],
        },
        0,
    );
    let changes: Vec<(f64, u32)> = plan
        .user_changes()
        .map(|(t, u)| ((t.as_secs_f64() * 1e6).round() / 1e6, u))
        .collect();
    // Up: one user per second, the 4th as the curve reaches 4; down from 4 to 0 over 2 s: one
    // fewer every 0.5 s, the last one at the end (as k6's ramping-vus counts).
    assert_eq!(
        changes,
        vec![
            (0.0, 0),
            (1.0, 1),
            (2.0, 2),
            (3.0, 3),
            (4.0, 4),
            (4.5, 3),
            (5.0, 2),
            (5.5, 1),
            (6.0, 0)
        ]
    );
    // Every change agrees with users_at just after it.
    for (t, u) in plan.user_changes() {
        assert_eq!(plan.users_at(t + Duration::from_micros(1)), u, "at {t:?}");
    }
}

/// A ramp that turns straight down runs its peak, as written (it ran one user short, so the
/// run's peak disagreed with the preview, the load's description and `max_users`).
#[test]
fn a_ramp_that_turns_straight_down_runs_its_peak() {
    // 0 → 100 over 1 s, then down to 10 over 9 s: 10 users a second fewer.
    let plan = LoadPlan::new(
        &LoadProfile::RampingUsers {
            start_users: 0,
            stages: vec![stage(1.0, 100.0), stage(9.0, 10.0)],
        },
        0,
    );
    let peak = plan.user_changes().map(|(_, u)| u).max();
    assert_eq!(peak, Some(100));
    assert_eq!(plan.max_users(), 100);
    for (t, want) in [
        (0.995, 99),
        (1.0, 100),
        (1.05, 100),
        (1.1, 99),
        (9.95, 11),
        (10.0, 0),
    ] {
        assert_eq!(plan.users_at(secs(t)), want, "t={t}");
    }
    let last_two: Vec<(f64, u32)> = plan
        .user_changes()
        .map(|(t, u)| ((t.as_secs_f64() * 1e6).round() / 1e6, u))
        .skip(100)
        .take(2)
        .collect();
    assert_eq!(last_two, [(1.0, 100), (1.1, 99)]);
    // The preview draws the peak the run reaches.
    let points = plan.preview(11);
    assert_eq!(&points[1..3], [(1.0, 100.0), (2.0, 100.0)]);
    assert_eq!(
        points[3],
        (3.0, 90.0),
        "its span starts at 2 s, at 90 users"
    );
}

#[test]
fn ramping_users_jump_between_stages() {
    // A zero-length stage is an instant jump.
    let plan = LoadPlan::new(
        &LoadProfile::RampingUsers {
            start_users: 2,
            stages: vec![stage(0.0, 8.0), stage(3.0, 8.0)],
        },
        0,
    );
    let changes: Vec<_> = plan.user_changes().collect();
    assert_eq!(changes, vec![(secs(0.0), 8), (secs(3.0), 0)]);
}

#[test]
fn constant_rate_start_times() {
    let plan = LoadPlan::new(
        &LoadProfile::ConstantRate {
            rate: 200.0,
            duration: d(5.0),
            max_users: 50,
        },
        0,
    );
    assert!(plan.is_open());
    let starts: Vec<Duration> = plan.arrivals().collect();
    assert_eq!(starts.len(), 1000, "200/s for 5 s");
    assert!(close(starts[0], 0.0));
    assert!(close(starts[1], 0.005));
    assert!(close(starts[999], 4.995));
    assert_eq!(plan.rate_at(secs(2.0)), 200.0);
    assert_eq!(plan.rate_at(secs(5.0)), 0.0);
}

#[test]
fn constant_rate_fractional() {
    // 2.5/s for 2 s: starts at 0, 0.4, 0.8, 1.2, 1.6 → 5.
    let plan = LoadPlan::new(
        &LoadProfile::ConstantRate {
            rate: 2.5,
            duration: d(2.0),
            max_users: 5,
        },
        0,
    );
    let starts: Vec<f64> = plan
        .arrivals()
        .map(|t| (t.as_secs_f64() * 1e6).round() / 1e6)
        .collect();
    assert_eq!(starts, vec![0.0, 0.4, 0.8, 1.2, 1.6]);
}

#[test]
fn ramping_rate_start_times_follow_the_integral() {
    // 0 → 10/s over 2 s (10 starts), then 10/s for 1 s (10 more).
    let plan = LoadPlan::new(
        &LoadProfile::RampingRate {
            start_rate: 0.0,
            stages: vec![stage(2.0, 10.0), stage(1.0, 10.0)],
            max_users: 10,
        },
        0,
    );
    let starts: Vec<Duration> = plan.arrivals().collect();
    assert_eq!(starts.len(), 20);
    // In the ramp, N(t) = 2.5 t², so the i-th start is at sqrt(i / 2.5).
    for (i, start) in starts.iter().enumerate() {
        let want = if i < 10 {
            (i as f64 / 2.5).sqrt()
        } else {
            2.0 + (i - 10) as f64 / 10.0
        };
        assert!(close(*start, want), "i={i} {start:?}");
    }
    assert!((plan.rate_at(secs(1.0)) - 5.0).abs() < 1e-9);
}

#[test]
fn ramping_rate_down() {
    // 10/s → 0 over 2 s: 10 starts, denser at first.
    let plan = LoadPlan::new(
        &LoadProfile::RampingRate {
            start_rate: 10.0,
            stages: vec![stage(2.0, 0.0)],
            max_users: 10,
        },
        0,
    );
    let starts: Vec<Duration> = plan.arrivals().collect();
    assert_eq!(starts.len(), 10);
    // N(t) = 10t − 2.5t²; the 5th start (i=5) is where N = 5: t = 2 − sqrt(2) ≈ 0.5858.
    assert!(close(starts[5], 2.0 - 2f64.sqrt()), "{:?}", starts[5]);
    assert!(starts.windows(2).all(|w| w[0] <= w[1]));
}

#[test]
fn spike_profile() {
    // base 10/s, spike 100/s for the last 1 s of every 4 s period, 8 s total.
    let plan = LoadPlan::new(
        &LoadProfile::Spike {
            base_rate: 10.0,
            spike_rate: 100.0,
            spike_duration: d(1.0),
            period: d(4.0),
            duration: d(8.0),
            max_users: 100,
        },
        0,
    );
    let table = [
        (0.0, 10.0),
        (2.9, 10.0),
        (3.0, 100.0),
        (3.9, 100.0),
        (4.0, 10.0),
        (7.5, 100.0),
        (8.0, 0.0),
    ];
    for (t, want) in table {
        assert_eq!(plan.rate_at(secs(t)), want, "t={t}");
    }
    // 2 × (3 s × 10 + 1 s × 100) = 260 starts.
    assert_eq!(plan.arrivals().count(), 260);
}

#[test]
fn random_profile_is_reproducible_and_near_its_mean() {
    let profile = LoadProfile::Random {
        mean_rate: 100.0,
        duration: d(60.0),
        max_users: 100,
        walk: 0.0,
        min_rate: None,
        max_rate: None,
        seed: Some(7),
    };
    let a: Vec<Duration> = LoadPlan::new(&profile, 0).arrivals().collect();
    let b: Vec<Duration> = LoadPlan::new(&profile, 99).arrivals().collect();
    assert_eq!(a, b, "the scenario's seed wins over the engine's");
    // Poisson count over 60 s at 100/s: mean 6000, sd ≈ 77; ±5 sd.
    assert!((5_600..=6_400).contains(&a.len()), "{}", a.len());
    assert!(a.windows(2).all(|w| w[0] <= w[1]));
    assert!(a.last().is_some_and(|t| *t < secs(60.0)));
}

#[test]
fn random_walk_stays_in_bounds() {
    let profile = LoadProfile::Random {
        mean_rate: 100.0,
        duration: d(300.0),
        max_users: 100,
        walk: 0.5,
        min_rate: Some(80.0),
        max_rate: Some(150.0),
        seed: Some(1),
    };
    let plan = LoadPlan::new(&profile, 0);
    let rates: Vec<f64> = (0..300)
        .map(|s| plan.rate_at(secs(s as f64 + 0.5)))
        .collect();
    assert!(
        rates.iter().all(|r| (80.0..=150.0).contains(r)),
        "{rates:?}"
    );
    assert!(
        rates.iter().any(|r| (*r - 100.0).abs() > 1.0),
        "the mean should drift"
    );
}

#[test]
fn a_preview_is_the_highest_value_of_each_span() {
    let ramp = LoadPlan::new(
        &LoadProfile::RampingUsers {
            start_users: 0,
            stages: vec![stage(10.0, 10.0), stage(0.0, 4.0), stage(5.0, 4.0)],
        },
        0,
    );
    let points = ramp.preview(16);
    assert_eq!(points.len(), 16);
    assert_eq!(&points[..3], [(0.0, 0.0), (1.0, 1.0), (2.0, 2.0)]);
    // The span ending at 10 s reaches 10 users; after the jump, 4.
    assert_eq!(&points[10..12], [(10.0, 10.0), (11.0, 4.0)]);
    assert_eq!(points[15], (15.0, 4.0));
    // Whole users: a ramp to 2.5 users runs 2.
    let half = LoadPlan::new(
        &LoadProfile::RampingUsers {
            start_users: 0,
            stages: vec![stage(10.0, 2.5)],
        },
        0,
    );
    assert_eq!(half.preview(2), [(0.0, 0.0), (10.0, 2.0)]);
}

#[test]
fn a_long_preview_keeps_every_spike() {
    // An hour at 5/s with a 2 s spike to 50/s ending every minute: even samples every 36 s
    // could miss every spike.
    let spike = LoadPlan::new(
        &LoadProfile::Spike {
            base_rate: 5.0,
            spike_rate: 50.0,
            spike_duration: d(2.0),
            period: d(60.0),
            duration: d(3600.0),
            max_users: 100,
        },
        0,
    );
    let points = spike.preview(101);
    assert_eq!(points.len(), 101);
    assert_eq!(points[0], (0.0, 5.0));
    assert_eq!(points[100].0, 3600.0);
    let at_peak = points.iter().filter(|p| p.1 == 50.0).count();
    assert!(
        at_peak >= 60,
        "each of the 60 spikes shows: {at_peak} points at 50/s"
    );
    assert!(
        points.iter().all(|p| p.1 == 5.0 || p.1 == 50.0),
        "{points:?}"
    );

    // A random profile's per-second means: its highest mean is the preview's peak.
    let random = LoadPlan::new(
        &LoadProfile::Random {
            mean_rate: 20.0,
            duration: d(3600.5),
            max_users: 100,
            walk: 0.25,
            min_rate: None,
            max_rate: None,
            seed: Some(3),
        },
        0,
    );
    let LoadPlan::Poisson { means, .. } = &random else {
        panic!("a random profile is a Poisson plan");
    };
    let highest = means.iter().copied().fold(0.0, f64::max);
    let points = random.preview(601);
    assert_eq!(points.len(), 601);
    assert_eq!(points.iter().map(|p| p.1).fold(0.0, f64::max), highest);
    assert_eq!(points[600].0, 3600.5);
}

#[test]
fn the_highest_value_over_a_span() {
    let c = match LoadPlan::new(
        &LoadProfile::RampingRate {
            start_rate: 0.0,
            stages: vec![stage(10.0, 10.0), stage(10.0, 0.0)],
            max_users: 10,
        },
        0,
    ) {
        LoadPlan::Rate { curve, .. } => curve,
        other => panic!("a rate curve, got {other:?}"),
    };
    for (a, b, max) in [
        (0.0, 5.0, 5.0),
        (5.0, 15.0, 10.0),
        (12.0, 20.0, 8.0),
        (3.0, 3.0, 3.0),
        (20.0, 30.0, 0.0),
        (-5.0, 0.0, 0.0),
    ] {
        assert!(
            (c.max_over(a, b) - max).abs() < 1e-9,
            "[{a}, {b}]: {}",
            c.max_over(a, b)
        );
    }
}

#[test]
fn mean_rate_over_spans() {
    // 0 → 10/s over 10 s, then 10/s for 5 s.
    let ramp = LoadPlan::new(
        &LoadProfile::RampingRate {
            start_rate: 0.0,
            stages: vec![stage(10.0, 10.0), stage(5.0, 10.0)],
            max_users: 10,
        },
        0,
    );
    // Spike: base 20/s, 100/s for the last second of every 3 s period, 9 s.
    let spike = LoadPlan::new(
        &LoadProfile::Spike {
            base_rate: 20.0,
            spike_rate: 100.0,
            spike_duration: d(1.0),
            period: d(3.0),
            duration: d(9.0),
            max_users: 10,
        },
        0,
    );
    let users = LoadPlan::new(
        &LoadProfile::ConstantUsers {
            users: 3,
            duration: d(5.0),
        },
        0,
    );
    let table = [
        (&ramp, 0.0, 1.0, 0.5),
        (&ramp, 1.0, 2.0, 1.5),
        (&ramp, 9.0, 11.0, 9.75),
        (&ramp, 14.0, 15.0, 10.0),
        // Half of the span is past the end of the load.
        (&ramp, 14.5, 15.5, 5.0),
        (&ramp, 16.0, 17.0, 0.0),
        // The interval before the spike is base traffic, the spike's own is the spike's.
        (&spike, 1.0, 2.0, 20.0),
        (&spike, 2.0, 3.0, 100.0),
        (&spike, 1.5, 2.5, 60.0),
        (&spike, 0.0, 9.0, 140.0 / 3.0),
        (&users, 0.0, 1.0, 0.0),
    ];
    for (plan, a, b, want) in table {
        let got = plan.mean_rate(secs(a), secs(b));
        assert!((got - want).abs() < 1e-9, "[{a}, {b}]: {got} != {want}");
    }
    // An empty span: the rate at that instant.
    assert_eq!(
        ramp.mean_rate(secs(5.0), secs(5.0)),
        ramp.rate_at(secs(5.0))
    );

    // Random: the mean over a span is the mean of the per-second means it covers.
    let random = LoadPlan::new(
        &LoadProfile::Random {
            mean_rate: 50.0,
            duration: d(4.0),
            max_users: 10,
            walk: 0.5,
            min_rate: None,
            max_rate: None,
            seed: Some(7),
        },
        0,
    );
    let per_second: Vec<f64> = (0..4).map(|s| random.rate_at(secs(f64::from(s)))).collect();
    let got = random.mean_rate(secs(0.5), secs(2.5));
    let want = (per_second[0] / 2.0 + per_second[1] + per_second[2] / 2.0) / 2.0;
    assert!((got - want).abs() < 1e-9, "{got} != {want}");
    assert_eq!(random.mean_rate(secs(4.0), secs(5.0)), 0.0);
}

/// A random profile whose bounds cross (as the panel's form holds one while a bound is typed)
/// still makes a plan: the preview draws it, and validation refuses it for a run.
#[test]
fn crossed_random_bounds_make_a_plan_without_panicking() {
    for (min_rate, max_rate) in [
        (None, Some(1.0)),
        (Some(30.0), None),
        (Some(50.0), Some(5.0)),
    ] {
        let plan = LoadPlan::new(
            &LoadProfile::Random {
                mean_rate: 10.0,
                duration: d(30.0),
                max_users: 10,
                walk: 0.5,
                min_rate,
                max_rate,
                seed: Some(1),
            },
            0,
        );
        let points = plan.preview(61);
        assert!(
            points.iter().all(|p| p.1.is_finite() && p.1 >= 0.0),
            "{points:?}"
        );
    }
}
