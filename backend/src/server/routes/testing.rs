//! `/api/testing/*`: runs of a test type, with a load shape derived from a base scenario and a
//! few parameters. The deeper analysis of each type (capacity knee, fault injection) comes later.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use shared::api::{RunCreated, RunFilter, RunListing, StartTest, TestType};
use shared::scenario::{LoadProfile, MIN_LOAD_DURATION, Stage, check_rate, check_users};
use shared::units::HumanDuration;

use crate::server::AppState;
use crate::server::error::ApiError;
use crate::server::extract::{Body, Params};
use crate::server::manager::problem;

/// The load profile a test type uses, from its parameters. Pure, so it is table-tested.
pub(crate) fn profile(
    kind: TestType,
    req: &StartTest,
    default_duration: Duration,
) -> Result<LoadProfile, ApiError> {
    let duration = req.duration.map_or(default_duration, HumanDuration::get);
    if duration.is_zero() {
        return Err(problem("duration", "must be longer than 0s"));
    }
    if duration < MIN_LOAD_DURATION {
        return Err(problem(
            "duration",
            format!(
                "{} is too short: a test lasts at least {} (shorter ones send next to nothing)",
                HumanDuration(duration),
                HumanDuration(MIN_LOAD_DURATION)
            ),
        ));
    }
    // Stress and scalability tests ramp users (closed model): a rate would be ignored, so it
    // is refused rather than dropped without a word.
    if req.rate.is_some() && matches!(kind, TestType::Stress | TestType::Scalability) {
        return Err(problem(
            "rate",
            format!(
                "{} tests ramp users (users → max_users); rate applies to performance tests only",
                kind.as_str()
            ),
        ));
    }
    // The request's own numbers are checked here, naming the request's fields: the load built
    // from them would otherwise be refused as `load.users`, a field the caller never wrote.
    let ramped = matches!(kind, TestType::Stress | TestType::Scalability);
    if let Some(users) = req.users {
        // A ramp may start from no users; a steady load needs some.
        if !(ramped && users == 0) {
            check_users(users).map_err(|m| problem("users", m))?;
        }
    }
    if let Some(max) = req.max_users {
        check_users(max).map_err(|m| problem("max_users", m))?;
    }
    if let Some(rate) = req.rate {
        check_rate(rate, false).map_err(|m| problem("rate", m))?;
    }
    let secs = |s: f64| HumanDuration(Duration::from_secs_f64(s));
    let total = duration.as_secs_f64();
    match kind {
        TestType::Performance => Ok(match req.rate {
            Some(rate) => LoadProfile::ConstantRate {
                rate,
                duration: HumanDuration(duration),
                max_users: req
                    .max_users
                    .or(req.users)
                    .unwrap_or_else(|| ((rate * 10.0).ceil() as u32).clamp(10, 10_000)),
            },
            None => LoadProfile::ConstantUsers {
                users: req.users.unwrap_or(10),
                duration: HumanDuration(duration),
            },
        }),
        TestType::Stress => {
            let start = req.users.unwrap_or(1);
            let peak = req.max_users.unwrap_or(100);
            if peak < start {
                return Err(problem(
                    "max_users",
                    format!("max_users ({peak}) is below users ({start})"),
                ));
            }
            // Ramp past capacity over 80% of the time, hold the peak for the rest.
            Ok(LoadProfile::RampingUsers {
                start_users: start,
                stages: vec![
                    Stage {
                        duration: secs(total * 0.8),
                        target: f64::from(peak),
                    },
                    Stage {
                        duration: secs(total * 0.2),
                        target: f64::from(peak),
                    },
                ],
            })
        }
        TestType::Scalability => {
            let start = req.users.unwrap_or(10);
            let peak = req.max_users.unwrap_or(start.saturating_mul(5));
            if peak == 0 {
                return Err(problem(
                    "max_users",
                    "must be at least 1 (it defaults to 5 × users, and users is 0)",
                ));
            }
            if peak < start {
                return Err(problem(
                    "max_users",
                    format!("max_users ({peak}) is below users ({start})"),
                ));
            }
            // Five equal steps: jump to the level, hold it; throughput per step shows where
            // adding users stops adding throughput.
            const STEPS: u32 = 5;
            let mut stages = Vec::new();
            for step in 0..STEPS {
                let level = f64::from(start)
                    + f64::from(peak - start) * f64::from(step) / f64::from(STEPS - 1);
                let level = level.round();
                stages.push(Stage {
                    duration: secs(0.0),
                    target: level,
                });
                stages.push(Stage {
                    duration: secs(total / f64::from(STEPS)),
                    target: level,
                });
            }
            Ok(LoadProfile::RampingUsers {
                start_users: start,
                stages,
            })
        }
        TestType::Load | TestType::Failure => Err(ApiError::BadRequest(format!(
            "{} tests are started with /api/workload/start",
            kind.as_str()
        ))),
    }
}

async fn start(
    state: AppState,
    kind: TestType,
    req: StartTest,
) -> Result<(StatusCode, Json<RunCreated>), ApiError> {
    let (mut scenario, source) = state.runs.resolve(&req.scenario).await?;
    scenario.load = profile(kind, &req, state.runs.config().default_duration)?;
    if let Some(target) = &req.target {
        scenario.target = Some(target.clone());
    }
    let overrides = shared::scenario::Overrides {
        max_users_cap: state.runs.config().max_users,
        ..Default::default()
    };
    // Positions refer to the submitted text only while the load is the text's own.
    let _ = source;
    let valid = state.runs.validate_overridden(
        &scenario,
        &overrides,
        &shared::scenario::OverrideNames::request(),
        None,
    )?;
    let info = state.runs.launch(valid, kind).await?;
    Ok((
        StatusCode::CREATED,
        Json(RunCreated {
            run_id: info.id,
            status: info.status,
        }),
    ))
}

pub(super) async fn stress(
    State(state): State<AppState>,
    Body(req): Body<StartTest>,
) -> Result<(StatusCode, Json<RunCreated>), ApiError> {
    start(state, TestType::Stress, req).await
}

pub(super) async fn performance(
    State(state): State<AppState>,
    Body(req): Body<StartTest>,
) -> Result<(StatusCode, Json<RunCreated>), ApiError> {
    start(state, TestType::Performance, req).await
}

pub(super) async fn scalability(
    State(state): State<AppState>,
    Body(req): Body<StartTest>,
) -> Result<(StatusCode, Json<RunCreated>), ApiError> {
    start(state, TestType::Scalability, req).await
}

pub(super) async fn results(
    state: State<AppState>,
    filter: Params<RunFilter>,
) -> Result<Json<Vec<RunListing>>, ApiError> {
    super::runs::list(state, filter).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::api::ScenarioRef;

    fn req(users: Option<u32>, max_users: Option<u32>, rate: Option<f64>) -> StartTest {
        StartTest {
            scenario: ScenarioRef::Name("x".into()),
            duration: Some(HumanDuration(Duration::from_secs(50))),
            users,
            max_users,
            rate,
            target: None,
        }
    }

    #[test]
    fn profiles_per_test_type() {
        let d = Duration::from_secs(60);
        let plan = |p: &LoadProfile| shared::plan::LoadPlan::new(p, 0);

        let p = profile(TestType::Performance, &req(Some(20), None, None), d).expect("valid");
        assert_eq!(
            p,
            LoadProfile::ConstantUsers {
                users: 20,
                duration: HumanDuration(Duration::from_secs(50))
            }
        );
        let p = profile(TestType::Performance, &req(None, None, Some(100.0)), d).expect("valid");
        assert!(
            matches!(p, LoadProfile::ConstantRate { rate, max_users: 1000, .. } if rate == 100.0)
        );

        let p = profile(TestType::Stress, &req(Some(2), Some(200), None), d).expect("valid");
        let plan_s = plan(&p);
        assert_eq!(plan_s.users_at(Duration::from_secs(0)), 2);
        assert_eq!(
            plan_s.users_at(Duration::from_secs(20)),
            101,
            "halfway up the 40 s ramp"
        );
        assert_eq!(
            plan_s.users_at(Duration::from_secs(45)),
            200,
            "holding the peak"
        );

        let p = profile(TestType::Scalability, &req(Some(10), Some(50), None), d).expect("valid");
        let plan_c = plan(&p);
        let levels: Vec<u32> = [5, 15, 25, 35, 45]
            .iter()
            .map(|s| plan_c.users_at(Duration::from_secs(*s)))
            .collect();
        assert_eq!(levels, vec![10, 20, 30, 40, 50]);

        assert!(profile(TestType::Stress, &req(Some(50), Some(10), None), d).is_err());
    }

    /// A number out of range is refused naming the request's field, not the `load.…` field of
    /// the profile built from it (which the caller never wrote).
    #[test]
    fn out_of_range_numbers_name_the_request_field() {
        use TestType::{Performance, Scalability, Stress};
        let d = Duration::from_secs(60);
        let cases = [
            (Performance, req(Some(0), None, None), "users", "at least 1"),
            (
                Performance,
                req(Some(2_000_000), None, None),
                "users",
                "above the limit",
            ),
            (Performance, req(None, None, Some(-5.0)), "rate", "above 0"),
            (Performance, req(None, None, Some(0.0)), "rate", "above 0"),
            (
                Performance,
                req(None, Some(0), Some(5.0)),
                "max_users",
                "at least 1",
            ),
            (
                Stress,
                req(Some(1), Some(0), None),
                "max_users",
                "at least 1",
            ),
            (
                Scalability,
                req(Some(0), None, None),
                "max_users",
                "defaults to 5 × users",
            ),
            (
                Scalability,
                req(Some(0), Some(0), None),
                "max_users",
                "at least 1",
            ),
        ];
        for (kind, request, field, words) in cases {
            let ApiError::InvalidScenario(errors) =
                profile(kind, &request, d).expect_err("out of range")
            else {
                panic!("{kind:?} {request:?}: not a scenario problem");
            };
            let [problem] = errors.0.as_slice() else {
                panic!("{kind:?} {request:?}: one problem, got {errors:?}");
            };
            assert_eq!(problem.path, field, "{kind:?} {request:?}");
            assert!(
                problem.message.contains(words),
                "{kind:?} {request:?}: {problem:?}"
            );
        }
        // A ramp may start from no users.
        for kind in [Stress, Scalability] {
            profile(kind, &req(Some(0), Some(10), None), d).expect("a ramp from 0 users");
        }
    }

    #[test]
    fn a_rate_is_refused_where_users_are_ramped() {
        let d = Duration::from_secs(60);
        for kind in [TestType::Stress, TestType::Scalability] {
            let e = profile(kind, &req(Some(10), Some(50), Some(50.0)), d)
                .expect_err("a rate would be ignored");
            let text = format!("{e:?}");
            assert!(
                text.contains("rate") && text.contains("performance tests only"),
                "{kind:?}: {text}"
            );
        }
    }
}
