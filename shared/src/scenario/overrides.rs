//! Run-time overrides of a scenario's load (`--duration`, `--users`, `--rate`, `--target`) and
//! the `MAX_CONCURRENT_USERS` hard cap. Applied to the document before validation, so an
//! override that produces an invalid scenario is reported like any other mistake.

use std::time::Duration;

use super::{
    LoadProfile, MAX_USERS, Scenario, ScenarioError, ScenarioErrors, Stage, ValidScenario,
    ValidationEnv, validate,
};
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

/// Where each override came from, as the person who set it knows it: `--users` on the command
/// line, `overrides.users` in an API request. Errors an override causes carry these names
/// instead of a position in the file, which never said that.
#[derive(Debug, Clone, PartialEq)]
pub struct OverrideNames {
    /// Name of [`Overrides::duration`].
    pub duration: String,
    /// Name of [`Overrides::users`].
    pub users: String,
    /// Name of [`Overrides::rate`].
    pub rate: String,
    /// Name of [`Overrides::target`].
    pub target: String,
    /// Name of [`Overrides::max_users_cap`].
    pub max_users_cap: String,
}

impl OverrideNames {
    /// The `stampede run` flags (the default).
    pub fn flags() -> Self {
        Self {
            duration: "--duration".into(),
            users: "--users".into(),
            rate: "--rate".into(),
            target: "--target".into(),
            max_users_cap: "--max-users".into(),
        }
    }

    /// The fields of an API request's `overrides` object.
    pub fn request() -> Self {
        Self {
            duration: "overrides.duration".into(),
            users: "overrides.users".into(),
            rate: "overrides.rate".into(),
            target: "overrides.target".into(),
            max_users_cap: "the server's --max-users".into(),
        }
    }
}

impl Default for OverrideNames {
    fn default() -> Self {
        Self::flags()
    }
}

/// One override that changed the document.
#[derive(Debug, Clone, PartialEq)]
struct Applied {
    /// Its name, e.g. `--duration`.
    name: String,
    /// Its value as written back to the user, e.g. `10s`.
    value: String,
    /// Field paths set to exactly this value (an error there is the override's own).
    fields: Vec<&'static str>,
    /// Paths under which a changed value may cause an error (`load`, or everything).
    scope: &'static str,
    /// This override alone, to tell which of several caused an error.
    alone: Overrides,
}

impl Applied {
    /// `--duration 10s`, or `overrides.duration = 10s` for names that are not flags.
    fn describe(&self) -> String {
        if self.name.starts_with("--") {
            format!("{} {}", self.name, self.value)
        } else {
            format!("{} = {}", self.name, self.value)
        }
    }
}

/// The overrides that changed a scenario, to tell which validation errors they caused.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AppliedOverrides(Vec<Applied>);

impl AppliedOverrides {
    /// True when no override changed anything.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Rewrites the errors found in the overridden scenario: an error at a field an override
    /// set is reported under the override's name (and without a position in the file, which
    /// holds another value); an error the document did not have before (`baseline`) in a part
    /// an override changed says which overrides caused it. Those are the ones that, applied
    /// alone (`alone[i]`: the errors with the `i`-th override only), bring a new error at the
    /// same field, or, when none does so alone, every override in that part. Others are left
    /// alone.
    fn attribute(
        &self,
        errors: ScenarioErrors,
        baseline: &[ScenarioError],
        alone: &[Vec<ScenarioError>],
    ) -> ScenarioErrors {
        if self.0.is_empty() {
            return errors;
        }
        let mut out = Vec::with_capacity(errors.0.len());
        for mut e in errors.0 {
            // The last override that set a field decides its value (the cap comes after --users).
            if let Some(own) = self
                .0
                .iter()
                .rev()
                .find(|a| a.fields.contains(&e.path.as_str()))
            {
                e.path = own.name.clone();
                e.line = None;
                e.column = None;
            } else if !is_in(baseline, &e) {
                let in_part: Vec<(usize, &Applied)> = self
                    .0
                    .iter()
                    .enumerate()
                    .filter(|(_, a)| in_scope(&e.path, a.scope))
                    .collect();
                let causes: Vec<&Applied> = in_part
                    .iter()
                    .filter(|&&(i, _)| {
                        alone.get(i).is_some_and(|found| {
                            found
                                .iter()
                                .any(|f| f.path == e.path && !is_in(baseline, f))
                        })
                    })
                    .map(|&(_, a)| a)
                    .collect();
                let involved: Vec<String> = if causes.is_empty() {
                    in_part.iter().map(|(_, a)| a.describe()).collect()
                } else {
                    causes.iter().map(|a| a.describe()).collect()
                };
                if !involved.is_empty() {
                    e.message = format!("{} (with {})", e.message, involved.join(", "));
                }
            }
            out.push(e);
        }
        ScenarioErrors(out)
    }
}

/// True when `errors` has `e` (the same message at the same field).
fn is_in(errors: &[ScenarioError], e: &ScenarioError) -> bool {
    errors
        .iter()
        .any(|b| b.path == e.path && b.message == e.message)
}

fn in_scope(path: &str, scope: &str) -> bool {
    scope.is_empty()
        || path == scope
        || path
            .strip_prefix(scope)
            .is_some_and(|rest| rest.starts_with(['.', '[']))
}

/// Applies `overrides` to a copy of `scenario` and validates the result, attributing errors to
/// the overrides that caused them (see [`AppliedOverrides::attribute`]). With `source`, the
/// document's own errors get their line and column.
pub fn validate_overridden(
    scenario: &Scenario,
    overrides: &Overrides,
    names: &OverrideNames,
    env: &ValidationEnv,
    source: Option<&str>,
) -> Result<ValidScenario, ScenarioErrors> {
    let mut effective = scenario.clone();
    let applied = effective.apply_overrides_named(overrides, names)?;
    let errors = match validate(&effective, env) {
        Ok(valid) => return Ok(valid),
        Err(errors) => errors,
    };
    let errors = if applied.is_empty() {
        errors
    } else {
        let errors_of = |s: &Scenario| validate(s, env).err().map(|e| e.0).unwrap_or_default();
        let baseline = errors_of(scenario);
        let alone: Vec<Vec<ScenarioError>> = applied
            .0
            .iter()
            .map(|a| {
                let mut one = scenario.clone();
                match one.apply_overrides_named(&a.alone, names) {
                    Ok(_) => errors_of(&one),
                    Err(e) => vec![e],
                }
            })
            .collect();
        applied.attribute(errors, &baseline, &alone)
    };
    Err(match source {
        Some(text) => errors.locate(text),
        None => errors,
    })
}

impl Scenario {
    /// Applies overrides in place and returns the ones that changed something. Fails when an
    /// override does not fit the profile (e.g. a rate for a closed-model profile). Errors name
    /// the overrides by their `stampede run` flags.
    pub fn apply_overrides(&mut self, o: &Overrides) -> Result<AppliedOverrides, ScenarioError> {
        self.apply_overrides_named(o, &OverrideNames::flags())
    }

    /// As [`Scenario::apply_overrides`], naming the overrides as `names` says.
    pub fn apply_overrides_named(
        &mut self,
        o: &Overrides,
        names: &OverrideNames,
    ) -> Result<AppliedOverrides, ScenarioError> {
        let mut applied = Vec::new();
        if let Some(t) = &o.target
            && self.target.as_ref() != Some(t)
        {
            self.target = Some(t.clone());
            applied.push(Applied {
                name: names.target.clone(),
                value: format!("{t:?}"),
                fields: vec!["target"],
                scope: "",
                alone: Overrides {
                    target: Some(t.clone()),
                    ..Overrides::default()
                },
            });
        }
        if let Some(total) = o.duration {
            // Whole microseconds, as a duration read from a document: what is stored with the
            // run then prints (and reads back) as what ran.
            let total = whole_micros(total);
            if total.is_zero() {
                return Err(ScenarioError::at(&names.duration, "must be longer than 0s"));
            }
            if total > Duration::from_secs(7 * 86_400) {
                return Err(ScenarioError::at(
                    &names.duration,
                    "must be at most one week",
                ));
            }
            let before = self.load.clone();
            let fields = set_duration(&mut self.load, total);
            record(&mut applied, &before, &self.load, || Applied {
                name: names.duration.clone(),
                value: HumanDuration(total).to_string(),
                fields,
                scope: "load",
                alone: Overrides {
                    duration: Some(total),
                    ..Overrides::default()
                },
            });
        }
        if let Some(users) = o.users {
            let before = self.load.clone();
            let fields = set_users(&mut self.load, users);
            record(&mut applied, &before, &self.load, || Applied {
                name: names.users.clone(),
                value: users.to_string(),
                fields,
                scope: "load",
                alone: Overrides {
                    users: Some(users),
                    ..Overrides::default()
                },
            });
        }
        if let Some(rate) = o.rate {
            let before = self.load.clone();
            let fields = set_rate(&mut self.load, rate, names)?;
            record(&mut applied, &before, &self.load, || Applied {
                name: names.rate.clone(),
                value: rate.to_string(),
                fields,
                scope: "load",
                alone: Overrides {
                    rate: Some(rate),
                    ..Overrides::default()
                },
            });
        }
        if let Some(cap) = o.max_users_cap {
            let before = self.load.clone();
            let fields = cap_users(&mut self.load, cap);
            record(&mut applied, &before, &self.load, || Applied {
                name: names.max_users_cap.clone(),
                value: cap.to_string(),
                fields,
                scope: "load",
                alone: Overrides {
                    max_users_cap: Some(cap),
                    ..Overrides::default()
                },
            });
        }
        Ok(AppliedOverrides(applied))
    }
}

/// Keeps an override only when it changed the profile: one that restates the file's value
/// (or a cap above every user count) cannot have caused anything.
fn record(
    applied: &mut Vec<Applied>,
    before: &LoadProfile,
    after: &LoadProfile,
    make: impl FnOnce() -> Applied,
) {
    if before != after {
        applied.push(make());
    }
}

/// `d` rounded to whole microseconds, the finest unit a duration is written in.
fn whole_micros(d: Duration) -> Duration {
    let micros = u64::from(d.subsec_nanos() + 500) / 1000;
    Duration::from_micros(d.as_secs().saturating_mul(1_000_000).saturating_add(micros))
}

/// Stretches or squeezes the stages to last `total` together. Each ends where the scaled ramp
/// would, to the microsecond, so the stages are whole microseconds and add up to `total`.
fn scale_durations(stages: &mut [Stage], total: Duration) {
    let sum: f64 = stages.iter().map(|s| s.duration.get().as_secs_f64()).sum();
    if sum > 0.0 {
        let factor = total.as_secs_f64() / sum;
        let (mut elapsed, mut end) = (0.0, Duration::ZERO);
        for s in stages {
            elapsed += s.duration.get().as_secs_f64();
            let next = whole_micros(Duration::from_secs_f64(elapsed * factor)).min(total);
            s.duration = HumanDuration(next.saturating_sub(end));
            end = next;
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

/// The `set_*` functions return the fields they set to the override's value as given;
/// fields they scale are not among them.
fn set_duration(load: &mut LoadProfile, total: Duration) -> Vec<&'static str> {
    match load {
        LoadProfile::ConstantUsers { duration, .. }
        | LoadProfile::ConstantRate { duration, .. }
        | LoadProfile::Spike { duration, .. }
        | LoadProfile::Random { duration, .. } => {
            *duration = HumanDuration(total);
            vec!["load.duration"]
        }
        LoadProfile::RampingUsers { stages, .. } | LoadProfile::RampingRate { stages, .. } => {
            scale_durations(stages, total);
            Vec::new()
        }
    }
}

fn set_users(load: &mut LoadProfile, n: u32) -> Vec<&'static str> {
    match load {
        LoadProfile::ConstantUsers { users, .. } => {
            *users = n;
            vec!["load.users"]
        }
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
            Vec::new()
        }
        LoadProfile::ConstantRate { max_users, .. }
        | LoadProfile::RampingRate { max_users, .. }
        | LoadProfile::Spike { max_users, .. }
        | LoadProfile::Random { max_users, .. } => {
            *max_users = n;
            vec!["load.max_users"]
        }
    }
}

fn set_rate(
    load: &mut LoadProfile,
    r: f64,
    names: &OverrideNames,
) -> Result<Vec<&'static str>, ScenarioError> {
    // Point at the users override of the same origin: `--rate` → `--users`, `overrides.rate`
    // → `overrides.users`.
    let users = names.rate.strip_suffix("rate").map_or_else(
        || "the users override".to_owned(),
        |head| format!("{head}users"),
    );
    Ok(match load {
        LoadProfile::ConstantUsers { .. } | LoadProfile::RampingUsers { .. } => {
            return Err(ScenarioError::at(
                &names.rate,
                format!(
                    "a rate applies to open-model profiles (constant_rate, ramping_rate, spike, random); this scenario's load is closed-model: use {users}"
                ),
            ));
        }
        LoadProfile::ConstantRate { rate, .. } => {
            *rate = r;
            vec!["load.rate"]
        }
        LoadProfile::RampingRate {
            start_rate, stages, ..
        } => {
            scale_targets(start_rate, stages, r);
            Vec::new()
        }
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
            Vec::new()
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
            vec!["load.mean_rate"]
        }
    })
}

fn cap_users(load: &mut LoadProfile, cap: u32) -> Vec<&'static str> {
    match load {
        LoadProfile::ConstantUsers { users, .. } => {
            *users = (*users).min(cap);
            vec!["load.users"]
        }
        LoadProfile::RampingUsers {
            start_users,
            stages,
        } => {
            // A ramp validation refuses is left as written, so its errors name the file's own
            // stages (clipping splits stages, and a target that is not a number has no
            // crossing to split at).
            let valid = |s: &Stage| (0.0..=f64::from(MAX_USERS)).contains(&s.target);
            if stages.iter().all(valid) {
                *stages = clip_ramp(f64::from(*start_users), stages, f64::from(cap));
            }
            *start_users = (*start_users).min(cap);
            Vec::new()
        }
        LoadProfile::ConstantRate { max_users, .. }
        | LoadProfile::RampingRate { max_users, .. }
        | LoadProfile::Spike { max_users, .. }
        | LoadProfile::Random { max_users, .. } => {
            *max_users = (*max_users).min(cap);
            vec!["load.max_users"]
        }
    }
}

/// The stages of a ramp from `start` whose user count never goes above `cap`: the same curve
/// where it is below the cap, and the cap where it is above. A stage that crosses the cap is
/// split where it does, so a ramp reaches the cap as soon as the uncapped ramp would, and
/// holds it (clamping each stage's target instead would stretch the climb over the stage).
fn clip_ramp(start: f64, stages: &[Stage], cap: f64) -> Vec<Stage> {
    let mut out = Vec::with_capacity(stages.len());
    let mut push = |duration: Duration, target: f64, from: f64| {
        // A part of no length that changes nothing is left out.
        if !duration.is_zero() || target != from {
            out.push(Stage {
                duration: HumanDuration(duration),
                target,
            });
        }
    };
    let mut from = start;
    for stage in stages {
        let (to, length) = (stage.target, stage.duration.get());
        let level = from.min(cap);
        if from <= cap && to <= cap {
            push(length, to, level);
        } else if from >= cap && to >= cap {
            push(length, cap, level);
        } else {
            // The ramp crosses the cap a fraction `f` into the stage.
            let f = ((cap - from) / (to - from)).clamp(0.0, 1.0);
            // Up to the cap, then held there (rising) or on down to `to` (falling).
            let first = whole_micros(length.mul_f64(f));
            push(first, cap, level);
            push(length.saturating_sub(first), to.min(cap), cap);
        }
        from = to;
    }
    out
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

    const FILE: &str = "name: t\ntarget: http://127.0.0.1:1\njourneys: [{name: j, steps: [{request: {path: /}}]}]\nload:\n  type: spike\n  base_rate: 5\n  spike_rate: 50\n  spike_duration: 5s\n  period: 20s\n  duration: 60s\n  max_users: 2\n";

    fn check(overrides: Overrides) -> Vec<String> {
        check_named(overrides, &OverrideNames::flags())
    }

    fn check_named(overrides: Overrides, names: &OverrideNames) -> Vec<String> {
        let doc = parse_scenario(FILE, Format::Yaml).expect("parses");
        let env = ValidationEnv::default();
        match validate_overridden(&doc, &overrides, names, &env, Some(FILE)) {
            Ok(_) => Vec::new(),
            Err(e) => e.0.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn errors_at_an_overridden_field_name_the_override_not_the_file() {
        assert_eq!(
            check(Overrides {
                users: Some(0),
                ..Default::default()
            }),
            ["--users: must be at least 1"]
        );
        assert_eq!(
            check(Overrides {
                target: Some("ftp://x".into()),
                ..Default::default()
            }),
            ["--target: \"ftp://x\" must be an http:// or https:// URL"]
        );
        // The API names its request fields.
        assert_eq!(
            check_named(
                Overrides {
                    users: Some(0),
                    ..Default::default()
                },
                &OverrideNames::request()
            ),
            ["overrides.users: must be at least 1"]
        );
        // The cap is applied last, so it owns the value it set.
        assert_eq!(
            check(Overrides {
                users: Some(5),
                max_users_cap: Some(0),
                ..Default::default()
            }),
            ["--max-users: must be at least 1"]
        );
    }

    #[test]
    fn errors_an_override_causes_elsewhere_say_so_and_keep_their_position() {
        assert_eq!(
            check(Overrides {
                duration: Some(Duration::from_secs(10)),
                ..Default::default()
            }),
            [
                "load.period: no spike fits in the run: each spike is the last 5s of its period, \
              so the first ends at 20s, after the 10s run; the period must be at most the \
              duration (with --duration 10s) at line 9, column 11"
            ]
        );
        // Only the override that caused it is named, not every one that changed the load.
        assert_eq!(
            check(Overrides {
                duration: Some(Duration::from_secs(10)),
                users: Some(3),
                ..Default::default()
            }),
            [
                "load.period: no spike fits in the run: each spike is the last 5s of its period, \
              so the first ends at 20s, after the 10s run; the period must be at most the \
              duration (with --duration 10s) at line 9, column 11"
            ]
        );
        let request = check_named(
            Overrides {
                duration: Some(Duration::from_secs(10)),
                ..Default::default()
            },
            &OverrideNames::request(),
        );
        assert!(
            request[0].ends_with("(with overrides.duration = 10s) at line 9, column 11"),
            "{request:?}"
        );
        // An override that restates the file's value changes nothing and is not blamed.
        let doc = FILE.replace("duration: 60s", "duration: 10s");
        let parsed = parse_scenario(&doc, Format::Yaml).expect("parses");
        let errors = validate_overridden(
            &parsed,
            &Overrides {
                duration: Some(Duration::from_secs(10)),
                ..Default::default()
            },
            &OverrideNames::flags(),
            &ValidationEnv::default(),
            Some(&doc),
        )
        .expect_err("the file's own period is too long");
        assert_eq!(errors.0[0].path, "load.period");
        assert!(!errors.0[0].message.contains("with"), "{errors}");
        assert_eq!(errors.0[0].line, Some(9));
    }

    /// An error no override causes alone (two together do) names every override in its part.
    #[test]
    fn an_error_overrides_cause_together_names_them_all() {
        let applied = |name: &str| Applied {
            name: name.to_owned(),
            value: "1".to_owned(),
            fields: Vec::new(),
            scope: "load",
            alone: Overrides::default(),
        };
        let overrides = AppliedOverrides(vec![applied("--users"), applied("--rate")]);
        let errors = ScenarioErrors(vec![ScenarioError::at("load.x", "too much")]);
        let alone = [vec![ScenarioError::at("load.x", "too much")], Vec::new()];
        let one = overrides.attribute(errors.clone(), &[], &alone);
        assert_eq!(one.0[0].message, "too much (with --users 1)");
        let both = overrides.attribute(errors, &[], &[Vec::new(), Vec::new()]);
        assert_eq!(both.0[0].message, "too much (with --users 1, --rate 1)");
    }

    #[test]
    fn the_files_own_errors_are_unchanged_by_unrelated_overrides() {
        let doc = FILE.replace("spike_rate: 50", "spike_rate: 1");
        let parsed = parse_scenario(&doc, Format::Yaml).expect("parses");
        let errors = validate_overridden(
            &parsed,
            &Overrides {
                users: Some(9),
                ..Default::default()
            },
            &OverrideNames::flags(),
            &ValidationEnv::default(),
            Some(&doc),
        )
        .expect_err("spike below base");
        assert_eq!(errors.0.len(), 1, "{errors}");
        assert_eq!(errors.0[0].path, "load.spike_rate");
        assert!(!errors.0[0].message.contains("--users"), "{errors}");
        assert_eq!((errors.0[0].line, errors.0[0].column), (Some(7), Some(15)));
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

    /// What ran is what is stored: overridden durations are whole microseconds, as every
    /// duration read from a document is, so the scenario kept with a run (its history, "Run
    /// again") prints and reads back as the load that ran, and scaled stages add up to the
    /// duration asked for.
    #[test]
    fn overridden_durations_are_whole_microseconds_and_read_back_as_run() {
        let cases = [
            (
                "{type: ramping_users, stages: [{duration: 10s, target: 10}, {duration: 20s, target: 10}]}",
                Overrides {
                    duration: Some(Duration::from_secs(10)),
                    ..Default::default()
                },
                Duration::from_secs(10),
            ),
            (
                "{type: ramping_rate, stages: [{duration: 1s, target: 1}, {duration: 1s, target: 2}, {duration: 1s, target: 3}], max_users: 5}",
                Overrides {
                    duration: Some(Duration::from_millis(1000)),
                    ..Default::default()
                },
                Duration::from_secs(1),
            ),
            (
                // `--duration 1.0000004` (seconds) is read as a float.
                "{type: constant_users, users: 5, duration: 10s}",
                Overrides {
                    duration: Some(Duration::from_secs_f64(1.000_000_4)),
                    ..Default::default()
                },
                Duration::from_secs(1),
            ),
            (
                // The cap is crossed 3/7 of the way into the stage.
                "{type: ramping_users, stages: [{duration: 1s, target: 7}]}",
                Overrides {
                    max_users_cap: Some(3),
                    ..Default::default()
                },
                Duration::from_secs(1),
            ),
        ];
        for (load, overrides, total) in cases {
            let s = scenario(load);
            let valid = validate_overridden(
                &s,
                &overrides,
                &OverrideNames::flags(),
                &ValidationEnv::default(),
                None,
            )
            .expect("valid");
            let source = &valid.source;
            assert_eq!(source.load.planned_duration(), total, "{load}");
            let json = serde_json::to_string(source).expect("serializes");
            let back = parse_scenario(&json, Format::Json).expect("reads back");
            assert_eq!(&back, source, "{load}: {json}");
        }
    }

    /// A ramp whose targets validation refuses (not a number, below 0, above the limit) is
    /// not clipped: clipping a target that is not a number panicked, and splitting a stage
    /// moved the next ones, so an error named a stage the file does not have.
    #[test]
    fn a_cap_leaves_a_ramp_with_invalid_targets_for_validation_to_name() {
        for (target, message) in [
            (".nan", "NaN must be between 0 and 1000000"),
            (".inf", "inf must be between 0 and 1000000"),
            ("-1", "-1 must be between 0 and 1000000"),
        ] {
            let doc = format!(
                "name: t\ntarget: http://127.0.0.1:1\njourneys: [{{name: j, steps: [{{request: {{path: /}}}}]}}]\nload:\n  type: ramping_users\n  stages:\n    - {{duration: 1s, target: 10}}\n    - {{duration: 1s, target: {target}}}\n"
            );
            let parsed = parse_scenario(&doc, Format::Yaml).expect("parses");
            let errors = validate_overridden(
                &parsed,
                &Overrides {
                    max_users_cap: Some(3),
                    ..Default::default()
                },
                &OverrideNames::flags(),
                &ValidationEnv::default(),
                Some(&doc),
            )
            .expect_err("an invalid target");
            assert_eq!(errors.0.len(), 1, "{target}: {errors}");
            let e = &errors.0[0];
            assert_eq!(
                (e.path.as_str(), e.message.as_str(), e.line),
                ("load.stages[1].target", message, Some(8)),
                "{target}: {errors}"
            );
        }
    }

    #[test]
    fn a_cap_clips_a_ramp_where_it_crosses_instead_of_stretching_it() {
        let stage = |ms: u64, target: f64| Stage {
            duration: HumanDuration(Duration::from_millis(ms)),
            target,
        };
        let cases: [(&str, f64, Vec<Stage>, Vec<Stage>); 6] = [
            (
                "up through the cap, then a hold above it",
                0.0,
                vec![stage(2000, 10.0), stage(2000, 10.0)],
                vec![stage(600, 3.0), stage(1400, 3.0), stage(2000, 3.0)],
            ),
            (
                "under the cap: unchanged",
                0.0,
                vec![stage(1000, 2.0), stage(1000, 0.0)],
                vec![stage(1000, 2.0), stage(1000, 0.0)],
            ),
            (
                "down through the cap from above",
                10.0,
                vec![stage(1000, 0.0)],
                vec![stage(700, 3.0), stage(300, 0.0)],
            ),
            (
                "a jump past the cap is a jump to it",
                1.0,
                vec![stage(0, 50.0), stage(1000, 50.0)],
                vec![stage(0, 3.0), stage(1000, 3.0)],
            ),
            (
                "up, over and back down",
                0.0,
                vec![stage(1000, 6.0), stage(1000, 0.0)],
                vec![
                    stage(500, 3.0),
                    stage(500, 3.0),
                    stage(500, 3.0),
                    stage(500, 0.0),
                ],
            ),
            (
                "exactly reaching the cap",
                0.0,
                vec![stage(1000, 3.0)],
                vec![stage(1000, 3.0)],
            ),
        ];
        for (what, start, stages, want) in cases {
            assert_eq!(clip_ramp(start, &stages, 3.0), want, "{what}");
        }

        // Through the override, the plan reaches the cap at 0.6 s and holds it.
        let mut s = scenario(
            "{type: ramping_users, start_users: 0, stages: [{duration: 2s, target: 10}, {duration: 2s, target: 10}]}",
        );
        s.apply_overrides(&Overrides {
            max_users_cap: Some(3),
            ..Default::default()
        })
        .expect("fits");
        let plan = crate::plan::LoadPlan::new(&s.load, 0);
        let users: Vec<u32> = [0, 200, 600, 1000, 3900]
            .iter()
            .map(|ms| plan.users_at(Duration::from_millis(*ms)))
            .collect();
        assert_eq!(users, vec![0, 1, 3, 3, 3]);
    }
}
