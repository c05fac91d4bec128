//! The load-profile part of the form: one flat set of text fields for all six profiles (so a
//! value survives switching back and forth), what carries over when the profile type changes,
//! the stages list, and the preview curve drawn from [`shared::plan::LoadPlan`].

use std::time::Duration;

use shared::plan::LoadPlan;
pub use shared::scenario::LoadKind;
use shared::scenario::{LoadProfile, Stage};
use shared::units::HumanDuration;

use super::{
    Errors, FieldError, PlacedProblems, format_number, parse_count, parse_duration, parse_number,
};

/// One input of a profile type: its key in the document (and under `load.` its path), label,
/// the unit shown next to it, a placeholder, and whether it may stay empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadField {
    /// Key in the document, e.g. `users`.
    pub key: &'static str,
    /// Label.
    pub label: &'static str,
    /// Unit shown after the input (`users`, `/s`); empty for durations, which carry their unit.
    pub unit: &'static str,
    /// Placeholder.
    pub placeholder: &'static str,
    /// May stay empty.
    pub optional: bool,
}

const fn field(
    key: &'static str,
    label: &'static str,
    unit: &'static str,
    placeholder: &'static str,
) -> LoadField {
    LoadField {
        key,
        label,
        unit,
        placeholder,
        optional: false,
    }
}

const fn optional(
    key: &'static str,
    label: &'static str,
    unit: &'static str,
    placeholder: &'static str,
) -> LoadField {
    LoadField {
        optional: true,
        ..field(key, label, unit, placeholder)
    }
}

const DURATION: LoadField = field("duration", "Duration", "", "30s, 2m");
const MAX_USERS: LoadField = field("max_users", "Max users (pool cap)", "users", "100");

/// What the form shows of a load type, besides what [`LoadKind`] knows of itself.
pub trait LoadKindForm {
    /// Label in the type menu.
    fn label(self) -> &'static str;
    /// Unit of a stage target.
    fn stage_unit(self) -> &'static str;
    /// The type's inputs besides its stages, in form order.
    fn fields(self) -> &'static [LoadField];
}

impl LoadKindForm for LoadKind {
    fn label(self) -> &'static str {
        match self {
            LoadKind::ConstantUsers => "Constant users (closed model)",
            LoadKind::RampingUsers => "Ramping users (closed model)",
            LoadKind::ConstantRate => "Constant arrival rate (open model)",
            LoadKind::RampingRate => "Ramping arrival rate (open model)",
            LoadKind::Spike => "Spikes over a base rate (open model)",
            LoadKind::Random => "Random arrivals (open model)",
        }
    }

    fn stage_unit(self) -> &'static str {
        if self.is_open() { "/s" } else { "users" }
    }

    fn fields(self) -> &'static [LoadField] {
        match self {
            LoadKind::ConstantUsers => CONSTANT_USERS,
            LoadKind::RampingUsers => RAMPING_USERS,
            LoadKind::ConstantRate => CONSTANT_RATE,
            LoadKind::RampingRate => RAMPING_RATE,
            LoadKind::Spike => SPIKE,
            LoadKind::Random => RANDOM,
        }
    }
}

const CONSTANT_USERS: &[LoadField] = &[field("users", "Users", "users", "10"), DURATION];
const RAMPING_USERS: &[LoadField] = &[field("start_users", "Start users", "users", "0")];
const CONSTANT_RATE: &[LoadField] = &[
    field("rate", "Arrival rate", "/s", "10"),
    DURATION,
    MAX_USERS,
];
const RAMPING_RATE: &[LoadField] = &[field("start_rate", "Start rate", "/s", "0"), MAX_USERS];
const SPIKE: &[LoadField] = &[
    field("base_rate", "Base rate", "/s", "5"),
    field("spike_rate", "Spike rate", "/s", "50"),
    field("spike_duration", "Spike length", "", "5s"),
    field("period", "Period (spike to spike)", "", "20s"),
    DURATION,
    MAX_USERS,
];
const RANDOM: &[LoadField] = &[
    field("mean_rate", "Mean rate", "/s", "10"),
    DURATION,
    MAX_USERS,
    optional("walk", "Drift per second", "× mean", "0"),
    optional("min_rate", "Min rate", "/s", "half the mean"),
    optional("max_rate", "Max rate", "/s", "twice the mean"),
    optional("seed", "Seed", "", "random"),
];

/// One stage row.
#[derive(Debug, Clone, PartialEq)]
pub struct StageForm {
    /// Length.
    pub duration: String,
    /// Users or rate at the stage's end.
    pub target: String,
}

/// The load profile as typed: the type and every type's fields.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadForm {
    /// Type.
    pub kind: LoadKind,
    /// `users`.
    pub users: String,
    /// `duration`.
    pub duration: String,
    /// `start_users`.
    pub start_users: String,
    /// `stages`.
    pub stages: Vec<StageForm>,
    /// `rate`.
    pub rate: String,
    /// `max_users`.
    pub max_users: String,
    /// `start_rate`.
    pub start_rate: String,
    /// `base_rate`.
    pub base_rate: String,
    /// `spike_rate`.
    pub spike_rate: String,
    /// `spike_duration`.
    pub spike_duration: String,
    /// `period`.
    pub period: String,
    /// `mean_rate`.
    pub mean_rate: String,
    /// `walk`.
    pub walk: String,
    /// `min_rate`.
    pub min_rate: String,
    /// `max_rate`.
    pub max_rate: String,
    /// `seed`.
    pub seed: String,
}

impl Default for LoadForm {
    /// 10 users for 30 s.
    fn default() -> Self {
        Self {
            kind: LoadKind::ConstantUsers,
            users: "10".into(),
            duration: "30s".into(),
            start_users: String::new(),
            stages: Vec::new(),
            rate: String::new(),
            max_users: String::new(),
            start_rate: String::new(),
            base_rate: String::new(),
            spike_rate: String::new(),
            spike_duration: String::new(),
            period: String::new(),
            mean_rate: String::new(),
            walk: String::new(),
            min_rate: String::new(),
            max_rate: String::new(),
            seed: String::new(),
        }
    }
}

fn fill(field: &mut String, value: impl Into<String>) {
    if field.trim().is_empty() {
        *field = value.into();
    }
}

fn secs(d: Duration) -> String {
    HumanDuration(d).to_string()
}

impl LoadForm {
    /// The form for a profile (other types' fields empty).
    pub fn from_profile(p: &LoadProfile) -> Self {
        let mut f = Self {
            kind: p.kind(),
            users: String::new(),
            duration: String::new(),
            ..Self::default()
        };
        let n = |v: f64| format_number(v);
        match p {
            LoadProfile::ConstantUsers { users, duration } => {
                f.users = users.to_string();
                f.duration = duration.to_string();
            }
            LoadProfile::RampingUsers {
                start_users,
                stages,
            } => {
                f.start_users = start_users.to_string();
                f.stages = stages_form(stages);
            }
            LoadProfile::ConstantRate {
                rate,
                duration,
                max_users,
            } => {
                f.rate = n(*rate);
                f.duration = duration.to_string();
                f.max_users = max_users.to_string();
            }
            LoadProfile::RampingRate {
                start_rate,
                stages,
                max_users,
            } => {
                f.start_rate = n(*start_rate);
                f.stages = stages_form(stages);
                f.max_users = max_users.to_string();
            }
            LoadProfile::Spike {
                base_rate,
                spike_rate,
                spike_duration,
                period,
                duration,
                max_users,
            } => {
                f.base_rate = n(*base_rate);
                f.spike_rate = n(*spike_rate);
                f.spike_duration = spike_duration.to_string();
                f.period = period.to_string();
                f.duration = duration.to_string();
                f.max_users = max_users.to_string();
            }
            LoadProfile::Random {
                mean_rate,
                duration,
                max_users,
                walk,
                min_rate,
                max_rate,
                seed,
            } => {
                f.mean_rate = n(*mean_rate);
                f.duration = duration.to_string();
                f.max_users = max_users.to_string();
                f.walk = n(*walk);
                f.min_rate = min_rate.map(n).unwrap_or_default();
                f.max_rate = max_rate.map(n).unwrap_or_default();
                f.seed = seed.map(|s| s.to_string()).unwrap_or_default();
            }
        }
        f
    }

    /// The field with this key ([`LoadField::key`]).
    pub fn get(&self, key: &str) -> &str {
        self.slot(key).map_or("", |s| s.as_str())
    }

    /// Sets the field with this key.
    pub fn set(&mut self, key: &str, value: String) {
        if let Some(s) = self.slot_mut(key) {
            *s = value;
        }
    }

    fn slot(&self, key: &str) -> Option<&String> {
        Some(match key {
            "users" => &self.users,
            "duration" => &self.duration,
            "start_users" => &self.start_users,
            "rate" => &self.rate,
            "max_users" => &self.max_users,
            "start_rate" => &self.start_rate,
            "base_rate" => &self.base_rate,
            "spike_rate" => &self.spike_rate,
            "spike_duration" => &self.spike_duration,
            "period" => &self.period,
            "mean_rate" => &self.mean_rate,
            "walk" => &self.walk,
            "min_rate" => &self.min_rate,
            "max_rate" => &self.max_rate,
            "seed" => &self.seed,
            _ => return None,
        })
    }

    fn slot_mut(&mut self, key: &str) -> Option<&mut String> {
        Some(match key {
            "users" => &mut self.users,
            "duration" => &mut self.duration,
            "start_users" => &mut self.start_users,
            "rate" => &mut self.rate,
            "max_users" => &mut self.max_users,
            "start_rate" => &mut self.start_rate,
            "base_rate" => &mut self.base_rate,
            "spike_rate" => &mut self.spike_rate,
            "spike_duration" => &mut self.spike_duration,
            "period" => &mut self.period,
            "mean_rate" => &mut self.mean_rate,
            "walk" => &mut self.walk,
            "min_rate" => &mut self.min_rate,
            "max_rate" => &mut self.max_rate,
            "seed" => &mut self.seed,
            _ => return None,
        })
    }

    /// Total length of the stages, when every stage duration reads.
    fn stages_total(&self) -> Option<Duration> {
        let mut total = Duration::ZERO;
        for s in &self.stages {
            total += parse_duration(&s.duration).ok()?.get();
        }
        (!total.is_zero()).then_some(total)
    }

    /// Highest stage target (or start level), when they read.
    fn stages_peak(&self, start: &str) -> Option<f64> {
        let start = parse_number(start).unwrap_or(0.0);
        self.stages
            .iter()
            .map(|s| parse_number(&s.target).ok())
            .try_fold(start, |m, t| t.map(|t| m.max(t)))
    }

    /// Switches the profile type. What the old type said carries over: the duration (a staged
    /// profile's total), the number of users (into an open profile's pool cap, a ramp's peak)
    /// and the rate (rate, mean rate, base rate, a ramp's peak). A pool cap does not become
    /// users: the closed profile keeps the users it had, or gets the default. Other fields the new type needs get defaults
    /// when empty; a switch into a staged type from a flat one builds up–hold–down stages.
    pub fn set_kind(&mut self, kind: LoadKind) {
        let old = self.kind;
        if kind == old {
            return;
        }
        let duration = if old.is_staged() {
            self.stages_total().map(secs)
        } else {
            parse_duration(&self.duration)
                .ok()
                .filter(|d| !d.get().is_zero())
                .map(|_| self.duration.clone())
        };
        // An open profile's pool cap is a limit, not a level of load: it carries to another
        // open profile's cap, but a closed profile keeps its own user count (or the default).
        let users = match old {
            LoadKind::ConstantUsers => Some(self.users.clone()),
            LoadKind::RampingUsers => self
                .stages_peak(&self.start_users)
                .map(|v| format_number(v.ceil())),
            _ => None,
        }
        .filter(|u| parse_count(u, 1).is_ok_and(|u| u > 0));
        let cap = if old.is_open() {
            Some(self.max_users.clone()).filter(|u| parse_count(u, 1).is_ok_and(|u| u > 0))
        } else {
            users.clone()
        };
        let rate = match old {
            LoadKind::ConstantRate => Some(self.rate.clone()),
            LoadKind::RampingRate => self.stages_peak(&self.start_rate).map(format_number),
            LoadKind::Spike => Some(self.base_rate.clone()),
            LoadKind::Random => Some(self.mean_rate.clone()),
            LoadKind::ConstantUsers | LoadKind::RampingUsers => None,
        }
        .filter(|r| parse_number(r).is_ok_and(|r| r > 0.0));

        self.kind = kind;
        let carry = |field: &mut String, value: &Option<String>, default: &str| match value {
            Some(v) => *field = v.clone(),
            None => fill(field, default),
        };
        if kind.is_staged() {
            if !old.is_staged() {
                let level = if kind.is_open() {
                    rate.clone()
                } else {
                    users.clone()
                };
                let total = duration
                    .as_deref()
                    .and_then(|d| parse_duration(d).ok())
                    .map_or(Duration::from_secs(40), |d| d.get());
                self.stages = up_hold_down(total, level.as_deref().unwrap_or("10"));
            }
        } else {
            carry(&mut self.duration, &duration, "30s");
        }
        match kind {
            LoadKind::ConstantUsers => carry(&mut self.users, &users, "10"),
            LoadKind::RampingUsers => fill(&mut self.start_users, "0"),
            LoadKind::ConstantRate => carry(&mut self.rate, &rate, "10"),
            LoadKind::RampingRate => fill(&mut self.start_rate, "0"),
            LoadKind::Spike => {
                carry(&mut self.base_rate, &rate, "5");
                let base = parse_number(&self.base_rate).unwrap_or(5.0);
                fill(&mut self.spike_rate, format_number((base * 5.0).max(1.0)));
                fill(&mut self.spike_duration, "5s");
                fill(&mut self.period, "20s");
            }
            LoadKind::Random => {
                carry(&mut self.mean_rate, &rate, "10");
                fill(&mut self.walk, "0");
            }
        }
        if kind.is_open() {
            carry(&mut self.max_users, &cap, "100");
        }
    }

    /// Adds a stage: a copy of the last one, or 10 s to 10.
    pub fn add_stage(&mut self) {
        let next = self.stages.last().cloned().unwrap_or(StageForm {
            duration: "10s".into(),
            target: "10".into(),
        });
        self.stages.push(next);
    }

    /// Removes stage `i`.
    pub fn remove_stage(&mut self, i: usize) {
        super::remove_at(&mut self.stages, i);
    }

    /// The profile, or every field that cannot be read (paths `load.<key>`, `load.stages[i].target`).
    pub fn to_profile(&self) -> Result<LoadProfile, Vec<FieldError>> {
        let mut errs = Errors::default();
        // `start_users` may be 0; every other count here is a number of users (at least 1).
        let count = |errs: &mut Errors, key: &str| {
            let min = u32::from(key != "start_users");
            errs.take(format!("load.{key}"), parse_count(self.get(key), min))
        };
        let number = |errs: &mut Errors, key: &str| {
            errs.take(format!("load.{key}"), parse_number(self.get(key)))
        };
        let duration = |errs: &mut Errors, key: &str| {
            errs.take(format!("load.{key}"), parse_duration(self.get(key)))
        };
        let opt_number = |errs: &mut Errors, key: &str| {
            let text = self.get(key);
            if text.trim().is_empty() {
                Some(None)
            } else {
                number(errs, key).map(Some)
            }
        };
        let stages = |errs: &mut Errors| -> Option<Vec<Stage>> {
            let mut out = Vec::new();
            for (i, s) in self.stages.iter().enumerate() {
                let d = errs.take(
                    format!("load.stages[{i}].duration"),
                    parse_duration(&s.duration),
                );
                let t = errs.take(format!("load.stages[{i}].target"), parse_number(&s.target));
                if let (Some(duration), Some(target)) = (d, t) {
                    out.push(Stage { duration, target });
                }
            }
            Some(out)
        };
        let profile = match self.kind {
            LoadKind::ConstantUsers => {
                let (users, duration) =
                    (count(&mut errs, "users"), duration(&mut errs, "duration"));
                Some(LoadProfile::ConstantUsers {
                    users: users.unwrap_or(0),
                    duration: duration.unwrap_or_default(),
                })
            }
            LoadKind::RampingUsers => {
                let start_users = if self.start_users.trim().is_empty() {
                    Some(0)
                } else {
                    count(&mut errs, "start_users")
                };
                let stages = stages(&mut errs);
                Some(LoadProfile::RampingUsers {
                    start_users: start_users.unwrap_or(0),
                    stages: stages.unwrap_or_default(),
                })
            }
            LoadKind::ConstantRate => {
                let (rate, duration, max_users) = (
                    number(&mut errs, "rate"),
                    duration(&mut errs, "duration"),
                    count(&mut errs, "max_users"),
                );
                Some(LoadProfile::ConstantRate {
                    rate: rate.unwrap_or(0.0),
                    duration: duration.unwrap_or_default(),
                    max_users: max_users.unwrap_or(0),
                })
            }
            LoadKind::RampingRate => {
                let start_rate = if self.start_rate.trim().is_empty() {
                    Some(0.0)
                } else {
                    number(&mut errs, "start_rate")
                };
                let stages = stages(&mut errs);
                let max_users = count(&mut errs, "max_users");
                Some(LoadProfile::RampingRate {
                    start_rate: start_rate.unwrap_or(0.0),
                    stages: stages.unwrap_or_default(),
                    max_users: max_users.unwrap_or(0),
                })
            }
            LoadKind::Spike => {
                let base_rate = number(&mut errs, "base_rate");
                let spike_rate = number(&mut errs, "spike_rate");
                let spike_duration = duration(&mut errs, "spike_duration");
                let period = duration(&mut errs, "period");
                let total = duration(&mut errs, "duration");
                let max_users = count(&mut errs, "max_users");
                Some(LoadProfile::Spike {
                    base_rate: base_rate.unwrap_or(0.0),
                    spike_rate: spike_rate.unwrap_or(0.0),
                    spike_duration: spike_duration.unwrap_or_default(),
                    period: period.unwrap_or_default(),
                    duration: total.unwrap_or_default(),
                    max_users: max_users.unwrap_or(0),
                })
            }
            LoadKind::Random => {
                let mean_rate = number(&mut errs, "mean_rate");
                let total = duration(&mut errs, "duration");
                let max_users = count(&mut errs, "max_users");
                let walk = if self.walk.trim().is_empty() {
                    Some(0.0)
                } else {
                    number(&mut errs, "walk")
                };
                let min_rate = opt_number(&mut errs, "min_rate");
                let max_rate = opt_number(&mut errs, "max_rate");
                let seed = if self.seed.trim().is_empty() {
                    Some(None)
                } else {
                    errs.take(
                        "load.seed",
                        self.seed
                            .trim()
                            .parse::<u64>()
                            .map_err(|_| format!("\"{}\" is not a whole number", self.seed.trim()))
                            .and_then(shared::scenario::check_seed)
                            .map(Some),
                    )
                };
                Some(LoadProfile::Random {
                    mean_rate: mean_rate.unwrap_or(0.0),
                    duration: total.unwrap_or_default(),
                    max_users: max_users.unwrap_or(0),
                    walk: walk.unwrap_or(0.0),
                    min_rate: min_rate.flatten(),
                    max_rate: max_rate.flatten(),
                    seed: seed.flatten(),
                })
            }
        };
        match profile {
            Some(p) if errs.0.is_empty() => Ok(p),
            _ => Err(errs.0),
        }
    }

    /// Paths of the inputs this type shows (for placing problems).
    pub(super) fn field_paths(&self) -> Vec<String> {
        let mut paths = vec!["load".to_owned(), "load.type".to_owned()];
        paths.extend(self.kind.fields().iter().map(|f| format!("load.{}", f.key)));
        if self.kind.is_staged() {
            paths.push("load.stages".into());
            for i in 0..self.stages.len() {
                paths.push(format!("load.stages[{i}]"));
                paths.push(format!("load.stages[{i}].duration"));
                paths.push(format!("load.stages[{i}].target"));
            }
        }
        paths
    }
}

fn stages_form(stages: &[Stage]) -> Vec<StageForm> {
    stages
        .iter()
        .map(|s| StageForm {
            duration: s.duration.to_string(),
            target: format_number(s.target),
        })
        .collect()
}

/// Ramp up over a quarter of `total` (whole seconds), hold, and ramp down over a quarter.
fn up_hold_down(total: Duration, level: &str) -> Vec<StageForm> {
    let total_s = total.as_secs().max(1);
    let ramp = (total_s as f64 / 4.0).round().max(1.0) as u64;
    let hold = total_s.saturating_sub(2 * ramp);
    let stage = |s: u64, target: &str| StageForm {
        duration: secs(Duration::from_secs(s)),
        target: target.into(),
    };
    let mut stages = vec![stage(ramp, level)];
    if hold > 0 {
        stages.push(stage(hold, level));
    }
    stages.push(stage(ramp, "0"));
    stages
}

/// The preview of a profile: users or starts per second over time.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadPreview {
    /// True when the curve is an arrival rate (starts per second), false for users.
    pub open: bool,
    /// `(seconds, users or rate)`, time ascending.
    pub points: Vec<(f64, f64)>,
    /// Load duration, seconds.
    pub duration_s: f64,
    /// Highest value on the curve.
    pub peak: f64,
    /// Pool cap of an open profile.
    pub max_users: Option<u32>,
    /// Open profiles: journeys started over the run (the area under the rate curve).
    pub starts: Option<f64>,
}

/// Points a preview draws: the highest value of each of 600 equal spans of the load.
pub const PREVIEW_POINTS: usize = 601;

/// Longest random profile the preview draws (its plan holds one mean per second).
const MAX_RANDOM_PREVIEW: Duration = Duration::from_secs(86_400);
/// Most spike periods the preview builds.
const MAX_SPIKE_PERIODS: f64 = 10_000.0;

/// The preview curve of a profile, or `None` when there is nothing to draw (zero length, or a
/// shape the plan cannot build, such as a zero spike period).
pub fn preview(profile: &LoadProfile) -> Option<LoadPreview> {
    // Guards against plans that would loop forever or allocate without bound while the user is
    // still typing (a period of 0s, a week of random walk).
    match profile {
        LoadProfile::Spike {
            period, duration, ..
        } => {
            let p = period.get().as_secs_f64();
            if p <= 0.0 || duration.get().as_secs_f64() / p > MAX_SPIKE_PERIODS {
                return None;
            }
        }
        LoadProfile::Random { duration, .. } if duration.get() > MAX_RANDOM_PREVIEW => return None,
        _ => {}
    }
    let plan = LoadPlan::new(profile, 0);
    let duration_s = plan.duration().as_secs_f64();
    if duration_s <= 0.0 {
        return None;
    }
    // Each point is its span's highest value, so the peak is the plan's own.
    let points = plan.preview(PREVIEW_POINTS);
    let peak = points.iter().map(|p| p.1).fold(0.0, f64::max);
    let open = plan.is_open();
    // The area under the rate curve, from the plan itself (the points are above the curve).
    let starts = open.then(|| plan.mean_rate(Duration::ZERO, plan.duration()) * duration_s);
    Some(LoadPreview {
        open,
        points,
        duration_s,
        peak,
        max_users: open.then(|| plan.max_users()),
        starts,
    })
}

/// The preview the form shows: none while a problem is shown in the load section, so a
/// profile that cannot be read or that validation rejected (a spike longer than its period)
/// is neither drawn nor summarised.
pub fn checked_preview(load: &LoadForm, placed: &PlacedProblems) -> Option<LoadPreview> {
    if placed.in_load() {
        return None;
    }
    preview(&load.to_profile().ok()?)
}
