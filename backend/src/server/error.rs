//! API errors: typed where callers branch, rendered as `{error, detail, problems?, run_id?}`
//! with the right status. Internal failures are logged and answered with a generic message.

use crate::console::errln;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use shared::api::{ErrorBody, Problem};
use shared::run::RunId;
use shared::scenario::ScenarioErrors;

use crate::store::StoreError;

/// Everything a handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The submitted scenario is invalid.
    #[error("the scenario is invalid")]
    InvalidScenario(ScenarioErrors),
    /// The request is malformed (bad JSON, bad query, bad parameter).
    #[error("{0}")]
    BadRequest(String),
    /// The body is over the size limit.
    #[error("{0}")]
    TooLarge(String),
    /// The body is in a form the server does not read (a compressed `Content-Encoding`).
    #[error("{0}")]
    UnsupportedMedia(String),
    /// The path exists but not with this method.
    #[error("{0}")]
    MethodNotAllowed(String),
    /// No such run, scenario or report format.
    #[error("{0}")]
    NotFound(String),
    /// A run is already in progress.
    #[error("run {0} is in progress; stop it first")]
    Busy(RunId),
    /// Nothing to act on (e.g. stop with no run in progress).
    #[error("{0}")]
    Conflict(String),
    /// The server is shutting down: nothing new starts.
    #[error("{0}")]
    Unavailable(String),
    /// The engine refused to start.
    #[error("the run could not start: {0}")]
    Engine(#[from] engine::EngineError),
    /// The history store failed.
    #[error("storage error: {0}")]
    Store(StoreError),
    /// Anything else.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// No run has this id.
    pub(crate) fn no_run(id: &RunId) -> Self {
        ApiError::NotFound(format!("no run has the id \"{id}\""))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, kind) = match &self {
            ApiError::InvalidScenario(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_scenario"),
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ApiError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            ApiError::UnsupportedMedia(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            ApiError::MethodNotAllowed(_) => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Busy(_) => (StatusCode::CONFLICT, "run_in_progress"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            ApiError::Engine(_) => (StatusCode::UNPROCESSABLE_ENTITY, "cannot_start"),
            ApiError::Store(_) | ApiError::Internal(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, "internal")
            }
        };
        let detail = match &self {
            ApiError::Store(e) => {
                errln!("error: storage: {e}");
                "the run history store failed; see the server log".to_owned()
            }
            ApiError::Internal(e) => {
                errln!("error: {e}");
                "something went wrong; see the server log".to_owned()
            }
            ApiError::InvalidScenario(errs) => format!("the scenario is invalid: {errs}"),
            other => other.to_string(),
        };
        let problems = match &self {
            ApiError::InvalidScenario(errs) => errs.0.iter().map(Problem::from).collect(),
            _ => Vec::new(),
        };
        let run_id = match &self {
            ApiError::Busy(id) => Some(id.clone()),
            _ => None,
        };
        (
            status,
            Json(ErrorBody {
                error: kind.to_owned(),
                detail,
                problems,
                run_id,
            }),
        )
            .into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => ApiError::NotFound(format!("{what} not found")),
            other => ApiError::Store(other),
        }
    }
}

impl From<ScenarioErrors> for ApiError {
    fn from(e: ScenarioErrors) -> Self {
        ApiError::InvalidScenario(e)
    }
}

/// Runs blocking store work off the async threads.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::Internal(format!("store task: {e}")))?
        .map_err(ApiError::from)
}
