//! `/api/scenarios` and `/api/presets`.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use shared::api::{Preset, Problem, ScenarioCheck, ScenarioEntry};
use shared::saved_name;
use shared::scenario::{Format, Scenario, parse_scenario};

use crate::server::AppState;
use crate::server::error::{ApiError, blocking};
use crate::server::extract::{Reference, Segments, Text};
use crate::server::presets;

/// Checks a name to save a scenario under: a valid name, and not a built-in preset's, which a
/// saved scenario would silently replace when a run is started by that name.
fn check_name(name: &str) -> Result<(), ApiError> {
    if let Some(problem) = saved_name::problem(name) {
        return Err(ApiError::BadRequest(format!(
            "\"{name}\" is not a valid scenario name: {problem}; {}",
            saved_name::RULE
        )));
    }
    // `/api/scenarios/validate` is a route of its own: a scenario saved under its name (as
    // `POST /api/workload/scenario` could) would be listed, but neither read nor deleted
    // through `/api/scenarios/{name}`, whose requests would reach that route instead.
    if super::ROUTES
        .iter()
        .any(|route| route.path.strip_prefix("/api/scenarios/") == Some(name))
    {
        return Err(ApiError::BadRequest(format!(
            "\"{name}\" is not a valid scenario name: /api/scenarios/{name} is a route of its \
             own, so a scenario saved under it could not be read or deleted; save under \
             another name"
        )));
    }
    if presets::get(name).is_some() {
        return Err(ApiError::Conflict(format!(
            "\"{name}\" is the name of a built-in preset: saved under it, a scenario would \
             replace the preset when a run is started by that name; save under another name"
        )));
    }
    Ok(())
}

pub(super) async fn save(
    state: &AppState,
    name: String,
    scenario: Scenario,
) -> Result<(StatusCode, Json<ScenarioEntry>), ApiError> {
    check_name(&name)?;
    super::workload::store_scenario(state, name, scenario).await
}

pub(super) async fn list(
    State(state): State<AppState>,
) -> Result<Json<Vec<ScenarioEntry>>, ApiError> {
    let store = state.runs.store().clone();
    blocking(move || store.list_scenarios()).await.map(Json)
}

pub(super) async fn get(
    State(state): State<AppState>,
    Segments(name): Segments<String>,
) -> Result<Json<ScenarioEntry>, ApiError> {
    let store = state.runs.store().clone();
    let key = name.clone();
    blocking(move || store.get_scenario(&key))
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("no saved scenario is named \"{name}\"")))
}

/// The format of a scenario body: as the content type says; when it names neither JSON nor
/// YAML (or is missing, as with a bare `curl --data-binary @file.yaml`), a body that starts
/// with `{` is JSON and anything else YAML (as `scenario.text` is read, but for YAML in flow
/// style, which the text is also read as when it is not JSON).
fn body_format(content_type: &str, text: &str) -> Format {
    let content_type = content_type.to_ascii_lowercase();
    if content_type.contains("yaml") {
        Format::Yaml
    } else if content_type.contains("json") || text.trim_start().starts_with('{') {
        Format::Json
    } else {
        Format::Yaml
    }
}

/// The body is the scenario document: JSON or YAML (see [`body_format`]).
pub(super) async fn put(
    State(state): State<AppState>,
    Segments(name): Segments<String>,
    headers: HeaderMap,
    Text(text): Text,
) -> Result<(StatusCode, Json<ScenarioEntry>), ApiError> {
    check_name(&name)?;
    let text = text.as_str();
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let format = body_format(content_type, text);
    let scenario = parse_scenario(text, format)?;
    state.runs.validate(&scenario, Some(text))?;
    save(&state, name, scenario).await
}

pub(super) async fn delete(
    State(state): State<AppState>,
    Segments(name): Segments<String>,
) -> Result<Response, ApiError> {
    let store = state.runs.store().clone();
    let key = name.clone();
    if blocking(move || store.delete_scenario(&key)).await? {
        Ok(super::no_content())
    } else {
        Err(ApiError::NotFound(format!(
            "no saved scenario is named \"{name}\""
        )))
    }
}

pub(super) async fn presets(State(state): State<AppState>) -> Json<Vec<Preset>> {
    let aim = state.runs.config().preset_target().map(str::to_owned);
    Json(
        presets::all()
            .into_iter()
            .map(|(name, mut scenario)| {
                if let Some(url) = &aim {
                    scenario.target = Some(url.clone());
                }
                Preset {
                    name,
                    description: scenario.description.clone(),
                    scenario,
                }
            })
            .collect(),
    )
}

/// Reads and checks a scenario and renders it as YAML. Always 200 with the verdict, so the
/// panel can show problems while the user types; only a malformed request is an error.
pub(super) async fn validate(
    State(state): State<AppState>,
    reference: Result<Reference, ApiError>,
) -> Result<Json<ScenarioCheck>, ApiError> {
    let problems =
        |e: &shared::scenario::ScenarioErrors| e.0.iter().map(Problem::from).collect::<Vec<_>>();
    // An inline document that does not read is a verdict too, as text that does not read is.
    let resolved = match reference {
        Ok(Reference(reference)) => state.runs.resolve(&reference).await,
        Err(e) => Err(e),
    };
    let (scenario, source) = match resolved {
        Ok(found) => found,
        Err(ApiError::InvalidScenario(errs)) => {
            return Ok(Json(ScenarioCheck {
                valid: false,
                scenario: None,
                yaml: None,
                problems: problems(&errs),
            }));
        }
        Err(other) => return Err(other),
    };
    let yaml = serde_saphyr::to_string(&scenario).ok();
    let found = match state.runs.validate(&scenario, source.as_deref()) {
        Ok(_) => Vec::new(),
        Err(ApiError::InvalidScenario(errs)) => problems(&errs),
        Err(other) => return Err(other),
    };
    Ok(Json(ScenarioCheck {
        valid: found.is_empty(),
        scenario: Some(scenario),
        yaml,
        problems: found,
    }))
}
