//! A load profile in one line for people, as the HTML report and the panel's run page show it:
//! `constant_rate: 50/s for 30 s, at most 200 users`.

use super::{LoadProfile, Stage};
use crate::units::{HumanDuration, human_duration};

/// At most this many stages are written out; the rest are counted.
const STAGES_SHOWN: usize = 6;

impl LoadProfile {
    /// The profile in one line, led by its `type`. Durations as the rest of the page writes
    /// them (`1 min 00 s`); numbers as written in the scenario (`12.5/s`, `20 users`).
    pub fn describe(&self) -> String {
        let text = match self {
            LoadProfile::ConstantUsers { users, duration } => {
                format!("{} for {}", users_text(f64::from(*users)), time(*duration))
            }
            LoadProfile::RampingUsers {
                start_users,
                stages,
            } => format!(
                "from {}, {}",
                users_text(f64::from(*start_users)),
                stages_text(stages, users_text)
            ),
            LoadProfile::ConstantRate {
                rate,
                duration,
                max_users,
            } => format!(
                "{} for {}{}",
                rate_text(*rate),
                time(*duration),
                at_most(*max_users)
            ),
            LoadProfile::RampingRate {
                start_rate,
                stages,
                max_users,
            } => format!(
                "from {}, {}{}",
                rate_text(*start_rate),
                stages_text(stages, rate_text),
                at_most(*max_users)
            ),
            LoadProfile::Spike {
                base_rate,
                spike_rate,
                spike_duration,
                period,
                duration,
                max_users,
            } => format!(
                "{}, {} for the last {} of every {}, for {}{}",
                rate_text(*base_rate),
                rate_text(*spike_rate),
                time(*spike_duration),
                time(*period),
                time(*duration),
                at_most(*max_users)
            ),
            LoadProfile::Random {
                mean_rate,
                duration,
                max_users,
                walk,
                min_rate,
                max_rate,
                seed,
            } => {
                let mut text = format!("Poisson arrivals, mean {}", rate_text(*mean_rate));
                if *walk > 0.0 {
                    // The walk's bounds default to half and twice the mean (see the profile).
                    let min = min_rate.unwrap_or(mean_rate / 2.0);
                    let max = max_rate.unwrap_or(mean_rate * 2.0);
                    text.push_str(&format!(
                        " drifting by up to {}% a second within {}–{}",
                        // `0.07 × 100` is 7.000000000000001 in binary: rounded to nine places.
                        number((walk * 100.0 * 1e9).round() / 1e9),
                        number(min),
                        rate_text(max)
                    ));
                }
                text.push_str(&format!(" for {}", time(*duration)));
                if let Some(seed) = seed {
                    text.push_str(&format!(" (seed {seed})"));
                }
                text + &at_most(*max_users)
            }
        };
        format!("{}: {text}", self.kind().as_str())
    }
}

fn time(d: HumanDuration) -> String {
    human_duration(d.get().as_secs_f64())
}

/// A number as a scenario writes it: `20`, `12.5` (not `20.0`).
fn number(x: f64) -> String {
    format!("{x}")
}

fn users_text(n: f64) -> String {
    let unit = if n == 1.0 { "user" } else { "users" };
    format!("{} {unit}", number(n))
}

fn rate_text(per_s: f64) -> String {
    format!("{}/s", number(per_s))
}

fn at_most(max_users: u32) -> String {
    format!(", at most {}", users_text(f64::from(max_users)))
}

/// `→ 20 users over 10 s, → 0 users over 5 s`; past [`STAGES_SHOWN`], how many there are.
fn stages_text(stages: &[Stage], level: fn(f64) -> String) -> String {
    let mut text = stages
        .iter()
        .take(STAGES_SHOWN)
        .map(|s| format!("→ {} over {}", level(s.target), time(s.duration)))
        .collect::<Vec<_>>()
        .join(", ");
    if stages.len() > STAGES_SHOWN {
        text.push_str(&format!(", … ({} stages in all)", stages.len()));
    }
    text
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn d(secs: u64) -> HumanDuration {
        HumanDuration(Duration::from_secs(secs))
    }

    fn stage(secs: u64, target: f64) -> Stage {
        Stage {
            duration: d(secs),
            target,
        }
    }

    #[test]
    fn each_profile_in_one_line() {
        let cases = [
            (
                LoadProfile::ConstantUsers {
                    users: 20,
                    duration: d(60),
                },
                "constant_users: 20 users for 1 min 00 s",
            ),
            (
                LoadProfile::ConstantUsers {
                    users: 1,
                    duration: d(5),
                },
                "constant_users: 1 user for 5 s",
            ),
            (
                LoadProfile::RampingUsers {
                    start_users: 0,
                    stages: vec![stage(10, 20.0), stage(20, 20.0), stage(5, 0.0)],
                },
                "ramping_users: from 0 users, → 20 users over 10 s, → 20 users over 20 s, → 0 users over 5 s",
            ),
            (
                LoadProfile::ConstantRate {
                    rate: 12.5,
                    duration: d(30),
                    max_users: 200,
                },
                "constant_rate: 12.5/s for 30 s, at most 200 users",
            ),
            (
                LoadProfile::RampingRate {
                    start_rate: 1.0,
                    stages: (1..=8).map(|i| stage(1, f64::from(i))).collect(),
                    max_users: 9,
                },
                "ramping_rate: from 1/s, → 1/s over 1 s, → 2/s over 1 s, → 3/s over 1 s, → 4/s over 1 s, → 5/s over 1 s, → 6/s over 1 s, … (8 stages in all), at most 9 users",
            ),
            (
                LoadProfile::Spike {
                    base_rate: 10.0,
                    spike_rate: 50.0,
                    spike_duration: HumanDuration(Duration::from_millis(1500)),
                    period: d(30),
                    duration: d(120),
                    max_users: 100,
                },
                "spike: 10/s, 50/s for the last 1.5 s of every 30 s, for 2 min 00 s, at most 100 users",
            ),
            (
                LoadProfile::Random {
                    mean_rate: 20.0,
                    duration: d(60),
                    max_users: 50,
                    walk: 0.0,
                    min_rate: None,
                    max_rate: None,
                    seed: None,
                },
                "random: Poisson arrivals, mean 20/s for 1 min 00 s, at most 50 users",
            ),
            (
                LoadProfile::Random {
                    mean_rate: 20.0,
                    duration: d(60),
                    max_users: 50,
                    walk: 0.25,
                    min_rate: None,
                    max_rate: Some(30.0),
                    seed: Some(7),
                },
                "random: Poisson arrivals, mean 20/s drifting by up to 25% a second within 10–30/s for 1 min 00 s (seed 7), at most 50 users",
            ),
            (
                LoadProfile::Random {
                    mean_rate: 0.5,
                    duration: d(10),
                    max_users: 1,
                    walk: 0.07,
                    min_rate: Some(0.25),
                    max_rate: None,
                    seed: None,
                },
                "random: Poisson arrivals, mean 0.5/s drifting by up to 7% a second within 0.25–1/s for 10 s, at most 1 user",
            ),
        ];
        for (profile, want) in cases {
            assert_eq!(profile.describe(), want);
        }
    }
}
