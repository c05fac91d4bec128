//! Run-time overrides of a scenario's load (`--duration`, `--users`, `--rate`, `--target`) and
//! the `MAX_CONCURRENT_USERS` hard cap. Applied to the document before validation, so an
//! override that produces an invalid scenario is reported like any other mistake.

use std::time::Duration;

use super::{LoadProfile, Scenario, ScenarioError, Stage};
use crate::units::HumanDuration;

/// What the operator asked to change for this run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    /// Total load duration. Staged profiles are stretched or squeezed proportionally.
    pub duration: Option<Duration>,
    /// Users: the user count of a closed profile (staged ones are scaled so their peak equals
    /// it), or the pool cap of an open profile.
    pub users: Option<u32>,
    /// Arrival rate of an open profile (staged and spike profiles scaled so their peak equals it).
    pub rate: Option<f64>,
    /// Base URL.
    pub target: Option<String>,
    /// Hard cap on users (`MAX_CONCURRENT_USERS`): nothing may run more than this many at once.
    pub max_users_cap: Option<u32>,
}

impl Scenario {
    /// Applies overrides in place. Fails when an override does not fit the profile (e.g. a rate
    /// for a closed-model profile).
    pub fn apply_overrides(&mut self, o: &Overrides) -> Result<(), ScenarioError> {
        if let Some(t) = &o.target {
            self.target = Some(t.clone());
        }
        if let Some(total) = o.duration {
            if total.is_zero() {
                return Err(ScenarioError::at("--duration", "must be longer than 0s"));
            }
            if total > Duration::from_secs(7 * 86_400) {
                return Err(ScenarioError::at("--duration", "must be at most one week"));
            }
            set_duration(&mut self.load, total);
        }
        if let Some(users) = o.users {
            set_users(&mut self.load, users);
        }
        if let Some(rate) = o.rate {
            set_rate(&mut self.load, rate)?;
        }
        if let Some(cap) = o.max_users_cap {
            cap_users(&mut self.load, cap);
        }
        Ok(())
    }
}

fn scale_durations(stages: &mut [Stage], total: Duration) {
    let sum: f64 = stages.iter().map(|s| s.duration.get().as_secs_f64()).sum();
    if sum > 0.0 {
        let factor = total.as_secs_f64() / sum;
        for s in stages {
            s.duration = HumanDuration(Duration::from_secs_f64(
                s.duration.get().as_secs_f64() * factor,
            ));
        }
    }
}

fn scale_targets(start: &mut f64, stages: &mut [Stage], peak: f64) {
    let max = stages.iter().map(|s| s.target).fold(*start, f64::max);
    if max > 0.0 {
        let factor = peak / max;
        *start *= factor;
        for s in stages {
            s.target *= factor;
        }
    }
}

fn set_duration(load: &mut LoadProfile, total: Duration) {
    match load {
        LoadProfile::ConstantUsers { duration, .. }
        | LoadProfile::ConstantRate { duration, .. }
        | LoadProfile::Spike { duration, .. }
        | LoadProfile::Random { duration, .. } => *duration = HumanDuration(total),
        LoadProfile::RampingUsers { stages, .. } | LoadProfile::RampingRate { stages, .. } => {
            scale_durations(stages, total);
        }
    }
}

fn set_users(load: &mut LoadProfile, n: u32) {
    match load {
        LoadProfile::ConstantUsers { users, .. } => *users = n,
        LoadProfile::RampingUsers {
            start_users,
            stages,
        } => {
            let mut start = f64::from(*start_users);
            scale_targets(&mut start, stages, f64::from(n));
            for s in stages.iter_mut() {
                s.target = s.target.round();
            }
            *start_users = start.round() as u32;
        }
        LoadProfile::ConstantRate { max_users, .. }
        | LoadProfile::RampingRate { max_users, .. }
        | LoadProfile::Spike { max_users, .. }
        | LoadProfile::Random { max_users, .. } => *max_users = n,
    }
}

fn set_rate(load: &mut LoadProfile, r: f64) -> Result<(), ScenarioError> {
    match load {
        LoadProfile::ConstantUsers { .. } | LoadProfile::RampingUsers { .. } => {
            return Err(ScenarioError::at(
                "--rate",
                "a rate applies to open-model profiles (constant_rate, ramping_rate, spike, random); this scenario's load is closed-model: use --users",
            ));
        }
        LoadProfile::ConstantRate { rate, .. } => *rate = r,
        LoadProfile::RampingRate {
            start_rate, stages, ..
        } => scale_targets(start_rate, stages, r),
        LoadProfile::Spike {
            base_rate,
            spike_rate,
            ..
        } => {
            let peak = base_rate.max(*spike_rate);
            if peak > 0.0 {
                *base_rate *= r / peak;
                *spike_rate *= r / peak;
            }
        }
        LoadProfile::Random {
            mean_rate,
            min_rate,
            max_rate,
            ..
        } => {
            let factor = r / *mean_rate;
            *mean_rate = r;
            for bound in [min_rate, max_rate].into_iter().flatten() {
                *bound *= factor;
            }
        }
    }
    Ok(())
}

fn cap_users(load: &mut LoadProfile, cap: u32) {
    match load {
        LoadProfile::ConstantUsers { users, .. } => *users = (*users).min(cap),
        LoadProfile::RampingUsers {
            start_users,
            stages,
        } => {
            *start_users = (*start_users).min(cap);
            for s in stages {
                s.target = s.target.min(f64::from(cap));
            }
        }
        LoadProfile::ConstantRate { max_users, .. }
        | LoadProfile::RampingRate { max_users, .. }
        | LoadProfile::Spike { max_users, .. }
        | LoadProfile::Random { max_users, .. } => *max_users = (*max_users).min(cap),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Format, parse_scenario};

    fn scenario(load: &str) -> Scenario {
        let doc = format!(
            "name: t\ntarget: http://127.0.0.1:1\njourneys: [{{name: j, steps: [{{request: {{path: /}}}}]}}]\nload: {load}\n"
        );
        parse_scenario(&doc, Format::Yaml).expect("valid test scenario")
    }

    #[test]
    fn overrides_fit_each_profile() {
        let secs = |s: u64| HumanDuration(Duration::from_secs(s));
        let mut s = scenario("{type: constant_users, users: 5, duration: 10s}");
        s.apply_overrides(&Overrides {
            duration: Some(Duration::from_secs(3)),
            users: Some(8),
            ..Default::default()
        })
        .expect("fits");
        assert_eq!(
            s.load,
            LoadProfile::ConstantUsers {
                users: 8,
                duration: secs(3)
            }
        );

        let mut s = scenario(
            "{type: ramping_users, stages: [{duration: 10s, target: 10}, {duration: 30s, target: 5}]}",
        );
        s.apply_overrides(&Overrides {
            duration: Some(Duration::from_secs(4)),
            users: Some(20),
            ..Default::default()
        })
        .expect("fits");
        let LoadProfile::RampingUsers { stages, .. } = &s.load else {
            panic!("profile kept")
        };
        assert_eq!((stages[0].duration, stages[0].target), (secs(1), 20.0));
        assert_eq!((stages[1].duration, stages[1].target), (secs(3), 10.0));

        let mut s = scenario("{type: constant_rate, rate: 10, duration: 10s, max_users: 50}");
        s.apply_overrides(&Overrides {
            rate: Some(25.0),
            users: Some(7),
            ..Default::default()
        })
        .expect("fits");
        assert_eq!(
            s.load,
            LoadProfile::ConstantRate {
                rate: 25.0,
                duration: secs(10),
                max_users: 7
            }
        );

        let mut s = scenario("{type: constant_users, users: 5, duration: 10s}");
        let err = s
            .apply_overrides(&Overrides {
                rate: Some(5.0),
                ..Default::default()
            })
            .expect_err("rate on closed");
        assert!(err.message.contains("closed-model"), "{err}");
    }

    #[test]
    fn max_concurrent_users_is_a_hard_cap() {
        let mut s = scenario("{type: constant_users, users: 500, duration: 10s}");
        s.apply_overrides(&Overrides {
            users: Some(1000),
            max_users_cap: Some(100),
            ..Default::default()
        })
        .expect("fits");
        assert!(matches!(
            s.load,
            LoadProfile::ConstantUsers { users: 100, .. }
        ));
        let mut s = scenario(
            "{type: spike, base_rate: 1, spike_rate: 5, spike_duration: 1s, period: 5s, duration: 10s, max_users: 900}",
        );
        s.apply_overrides(&Overrides {
            max_users_cap: Some(10),
            ..Default::default()
        })
        .expect("fits");
        assert!(matches!(s.load, LoadProfile::Spike { max_users: 10, .. }));
    }
}
