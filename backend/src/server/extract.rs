//! Extractors whose rejections are JSON [`ApiError`]s naming what is wrong, instead of axum's
//! plain-text defaults.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::error::ApiError;

/// A JSON body; a malformed one is a 400 that says where (`line 3 column 7: missing field …`).
pub(crate) struct Body<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = read_body(req, state).await?;
        if bytes.is_empty() {
            return Err(ApiError::BadRequest("the request needs a JSON body".into()));
        }
        let mut de = serde_json::Deserializer::from_slice(&bytes);
        let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let at = if path == "." {
                String::new()
            } else {
                format!("{path}: ")
            };
            ApiError::BadRequest(format!("invalid JSON body: {at}{inner}"))
        })?;
        de.end()
            .map_err(|e| ApiError::BadRequest(format!("invalid JSON body: {e}")))?;
        Ok(Body(value))
    }
}

/// A body taken as text (a scenario document in JSON or YAML): a 413 over the size limit and a
/// 400 when it is not UTF-8, as JSON errors like every other rejection.
pub(crate) struct Text(pub(crate) String);

impl<S: Send + Sync> FromRequest<S> for Text {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = read_body(req, state).await?;
        String::from_utf8(bytes.into())
            .map(Text)
            .map_err(|_| ApiError::BadRequest("the body is not UTF-8".into()))
    }
}

/// The whole body, within the router's size limit.
async fn read_body<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state).await.map_err(|e| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge(format!("the request body is too large: {e}"))
        } else {
            ApiError::BadRequest(format!("cannot read the request body: {e}"))
        }
    })
}

/// A query string; a malformed one is a 400 naming the parameter.
pub(crate) struct Params<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Params(q.0))
            .map_err(|e| ApiError::BadRequest(e.body_text()))
    }
}
