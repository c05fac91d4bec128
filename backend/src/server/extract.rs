//! Extractors whose rejections are JSON [`ApiError`]s naming what is wrong, instead of axum's
//! plain-text defaults.

use axum::body::Bytes;
use axum::extract::path::ErrorKind;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use shared::api::{ScenarioRef, TestType};
use shared::scenario::{
    Format, ScenarioError, ScenarioErrors, parse_scenario, serde_json_position,
};

use super::error::ApiError;

/// A JSON body; a malformed one is a 400 that says where (`line 3 column 7: missing field …`).
pub(crate) struct Body<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = read_body(req, state).await?;
        read_json(&bytes, Inline::InScenario).map(Body)
    }
}

/// A JSON body that may be left out: an empty body (or one of only white space) and JSON's
/// `null` (what a client serialising "nothing" sends, as the panel does) are `None`; any other
/// is read as [`Body`] reads one, so a body that is there but wrong is a 400 that says what is
/// wrong, never taken for no body.
pub(crate) struct MaybeBody<T>(pub(crate) Option<T>);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for MaybeBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = read_body(req, state).await?;
        if matches!(bytes.trim_ascii(), b"" | b"null") {
            return Ok(MaybeBody(None));
        }
        read_json(&bytes, Inline::InScenario).map(|v| MaybeBody(Some(v)))
    }
}

/// A scenario reference as the whole body (`{"inline": {…}}`, `{"text": "…"}` or
/// `{"name": "…"}`), read as [`Body`] reads one under `scenario`: a mistake inside an inline
/// document is a scenario problem with its field path.
pub(crate) struct Reference(pub(crate) ScenarioRef);

impl<S: Send + Sync> FromRequest<S> for Reference {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = read_body(req, state).await?;
        read_json(&bytes, Inline::AtTop).map(Reference)
    }
}

/// Where a body holds its inline scenario document, if it has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Inline {
    /// `{"scenario": {"inline": {…}}, …}`.
    InScenario,
    /// `{"inline": {…}}`.
    AtTop,
}

impl Inline {
    /// The body path of the document.
    fn path(self) -> &'static str {
        match self {
            Inline::InScenario => "scenario.inline",
            Inline::AtTop => "inline",
        }
    }

    /// The field path inside the document of a body path, if the path is in it.
    fn field(self, path: &str) -> Option<&str> {
        match path.strip_prefix(self.path())? {
            "" => Some(""),
            rest => rest
                .strip_prefix('.')
                .or_else(|| rest.starts_with('[').then_some(rest)),
        }
    }
}

/// Reads a JSON body; a malformed one is a 400 that says where.
fn read_json<T: DeserializeOwned>(bytes: &[u8], inline: Inline) -> Result<T, ApiError> {
    if bytes.is_empty() {
        return Err(ApiError::BadRequest("the request needs a JSON body".into()));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    // An object, never a list of its fields in order (`"options": ["5s"]`).
    let strict = shared::strict::Strict::new(&mut de);
    let value = serde_path_to_error::deserialize(strict).map_err(|e| {
        let path = e.path().to_string();
        body_error(&path, &e.into_inner(), bytes, inline)
    })?;
    de.end().map_err(|e| {
        let (line, column) = serde_json_position(bytes, &e);
        let message = shared::scenario::serde_json_message(&e);
        ApiError::BadRequest(format!(
            "invalid JSON body: {message} at line {line} column {column}"
        ))
    })?;
    Ok(value)
}

/// A body that is not the JSON the endpoint takes, in words: what is wrong and where. A
/// problem inside an inline scenario (`scenario.inline.…`, or `inline.…` where `inline` says)
/// is a scenario problem, a 422 with its field path, as it is for a scenario sent as text.
fn body_error(path: &str, err: &serde_json::Error, body: &[u8], inline: Inline) -> ApiError {
    let path = match path {
        "." | "?" => "",
        p => p.strip_suffix(".?").unwrap_or(p),
    };
    let (line, column) = serde_json_position(body, err);
    let at = format!(" at line {line} column {column}");
    let message = if body.trim_ascii_start().first().is_some_and(|b| *b != b'{') {
        "the body must be a JSON object".to_owned()
    } else if err.is_eof() {
        "the body ends before its JSON is complete".to_owned()
    } else {
        let text = shared::scenario::serde_json_message(err);
        match (path, text.as_str()) {
            // serde_json's word for "none of the forms this field takes"; for a body that is
            // a scenario reference itself (`POST /api/scenarios/validate`), the whole body.
            (p, "expected value")
                if p == "scenario" || (p.is_empty() && inline == Inline::AtTop) =>
            {
                "expected exactly one of {\"name\": …}, {\"inline\": {…}} or {\"text\": \"…\"}"
                    .to_owned()
            }
            ("test_type", "expected value") => {
                expected_one_of(&TestType::ALL.map(TestType::as_str))
            }
            // Inside an inline scenario the path names a step, body or check whose forms the
            // message can list.
            _ => shared::scenario::name_the_forms(
                inline.field(path).unwrap_or(path),
                shared::scenario::humanize(text, Format::Json),
                Format::Json,
            ),
        }
    };
    if let Some(field) = inline.field(path) {
        // The reader stopped at the first mistake; read the inline document again as a
        // scenario sent as text is read, for every type error in one answer.
        let errors = match inline_errors(body, inline) {
            Some(all) if !field.is_empty() && all.len() > 1 => all,
            _ => vec![ScenarioError::at(
                field,
                format!("{message}{at} of the body"),
            )],
        };
        return ApiError::InvalidScenario(ScenarioErrors(errors));
    }
    let at_path = if path.is_empty() {
        String::new()
    } else {
        format!("{path}: ")
    };
    ApiError::BadRequest(format!("invalid JSON body: {at_path}{message}{at}"))
}

/// The type errors of the inline scenario in `body` (`{"scenario": {"inline": {…}}}`, or
/// `{"inline": {…}}`, as `at` says), found as for a document sent as text
/// ([`parse_scenario`]), each with its place in the body in its message: an inline document's
/// problems carry no line, which would be taken for a line of a scenario text. `None` when the
/// body has no inline document to read again.
fn inline_errors(body: &[u8], at: Inline) -> Option<Vec<ScenarioError>> {
    #[derive(serde::Deserialize)]
    struct Request<'a> {
        #[serde(borrow)]
        scenario: Document<'a>,
    }
    #[derive(serde::Deserialize)]
    struct Document<'a> {
        #[serde(borrow)]
        inline: &'a RawValue,
    }
    let document = match at {
        Inline::InScenario => serde_json::from_slice::<Request>(body).ok()?.scenario,
        Inline::AtTop => serde_json::from_slice::<Document>(body).ok()?,
    };
    let inline = document.inline.get();
    // Where the document starts in the body: its text is a slice of the body.
    let start = (inline.as_ptr() as usize).checked_sub(body.as_ptr() as usize)?;
    let before = body.get(..start)?;
    let line = before.iter().filter(|b| **b == b'\n').count() as u64;
    // In characters, as the document's own columns are: a character's first byte, not the
    // bytes that continue it.
    let column = before
        .iter()
        .rev()
        .take_while(|b| **b != b'\n')
        .filter(|b| **b & 0xC0 != 0x80)
        .count() as u64;
    let Err(errors) = parse_scenario(inline, Format::Json) else {
        return None;
    };
    let in_body = |e: ScenarioError| {
        let message = match (e.line, e.column) {
            (Some(l), Some(c)) => {
                let c = if l == 1 { column + c } else { c };
                format!("{} at line {} column {c} of the body", e.message, line + l)
            }
            _ => e.message,
        };
        ScenarioError::at(e.path, message)
    };
    Some(errors.0.into_iter().map(in_body).collect())
}

/// `expected one of "a", "b" or "c"`, of a type's wire names.
fn expected_one_of(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    quoted
        .split_last()
        .map(|(last, rest)| format!("expected one of {} or {last}", rest.join(", ")))
        .unwrap_or_default()
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

/// The most a request body may hold: a scenario document at its limit, and room for the
/// request around it (`{"scenario": {"text": …}, "overrides": …}`, JSON escapes).
pub(crate) const MAX_BODY_BYTES: usize = shared::scenario::MAX_SCENARIO_BYTES + 64 * 1024;

/// The UTF-8 byte-order mark, which Windows tools (PowerShell's `Set-Content -Encoding UTF8`,
/// Notepad) put at the start of a file saved as UTF-8.
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The whole body, within the router's size limit, without a leading UTF-8 byte-order mark:
/// JSON parsers may ignore one (RFC 8259, section 8.1) and YAML allows one, so a file sent as
/// it was saved reads the same with or without it, and its positions count from its text.
async fn read_body<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    // A compressed body would be read as its compressed bytes: "not UTF-8" or "not a JSON
    // object", which sends its sender looking for a mistake that is not there.
    let encodings = req
        .headers()
        .get_all(axum::http::header::CONTENT_ENCODING)
        .iter()
        .flat_map(|v| v.to_str().unwrap_or("?").split(','))
        .map(str::trim)
        .filter(|coding| !coding.is_empty() && !coding.eq_ignore_ascii_case("identity"))
        .collect::<Vec<_>>();
    if !encodings.is_empty() {
        return Err(ApiError::UnsupportedMedia(format!(
            "Content-Encoding {}: the server reads request bodies only as they are, not \
             compressed; send the body without a Content-Encoding",
            encodings.join(", ")
        )));
    }
    let mut bytes = Bytes::from_request(req, state).await.map_err(|e| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge(format!(
                "the request body is too large: the server takes at most {MAX_BODY_BYTES} bytes \
                 (a scenario document of up to {} bytes and 64 KiB around it)",
                shared::scenario::MAX_SCENARIO_BYTES
            ))
        } else {
            ApiError::BadRequest(format!("cannot read the request body: {e}"))
        }
    })?;
    if bytes.starts_with(UTF8_BOM) {
        bytes = bytes.slice(UTF8_BOM.len()..);
    }
    Ok(bytes)
}

/// Path parameters; one that does not read (percent-escapes that are not UTF-8, `%FF`) is a
/// JSON 400 naming it, instead of axum's plain-text rejection.
pub(crate) struct Segments<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Segments<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Segments(value)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => Err(match e.kind() {
                ErrorKind::InvalidUtf8InPathParam { key } => ApiError::BadRequest(format!(
                    "path parameter {key}: its percent-escapes are not UTF-8 text"
                )),
                kind if e.status().is_client_error() => {
                    ApiError::BadRequest(format!("invalid path: {kind}"))
                }
                kind => ApiError::Internal(format!("path parameters: {kind}")),
            }),
            Err(other) => Err(ApiError::Internal(format!(
                "path parameters: {}",
                other.body_text()
            ))),
        }
    }
}

/// A query string; a malformed one is a 400 naming the parameter.
pub(crate) struct Params<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        read_query(parts.uri.query().unwrap_or_default()).map(Params)
    }
}

/// The query parameter every API route takes and ignores, whatever its value: a cache-buster
/// (`?_=1700000000000`, as jQuery's `cache: false` and many dashboards add to each request).
/// Any other parameter a route does not take is a 400 naming it.
pub(crate) const CACHE_BUSTER: &str = "_";

/// The parameters of a query string other than [`CACHE_BUSTER`], decoded.
fn parameters(query: &str) -> impl Iterator<Item = (String, String)> + '_ {
    url::form_urlencoded::parse(query.as_bytes())
        .filter(|(key, _)| key != CACHE_BUSTER)
        .map(|(key, value)| (key.into_owned(), value.into_owned()))
}

/// Refuses, as a 400 naming it, a query parameter on an API route that takes none: it would
/// otherwise be ignored, as one a route does take but misspelt is not (`?stauts=running`).
/// The cache-buster is let through.
pub(crate) async fn no_query(
    req: Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    let query = req.uri().query().unwrap_or_default();
    if let Some((key, _)) = parameters(query).next() {
        return ApiError::BadRequest(format!(
            "query parameter {key}: {} {} takes no query parameters",
            req.method(),
            req.uri().path()
        ))
        .into_response();
    }
    next.run(req).await
}

/// Reads a query string; a parameter that is not what it should be is named with its value
/// and what was expected, in words (`limit="abc": expected a whole number`). The cache-buster
/// is left out.
fn read_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let kept = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(parameters(query))
        .finish();
    let query = kept.as_str();
    let pairs = url::form_urlencoded::parse(query.as_bytes());
    serde_path_to_error::deserialize(serde_urlencoded::Deserializer::new(pairs)).map_err(|e| {
        let inner = e.inner().to_string();
        // A repeated parameter is found at the query's root ("."): name the parameter.
        if let Some(name) = inner
            .strip_prefix("duplicate field `")
            .and_then(|rest| rest.strip_suffix('`'))
        {
            return ApiError::BadRequest(format!(
                "query parameter {name}: given more than once (give it once)"
            ));
        }
        let name = e.path().to_string();
        let message = match inner.as_str() {
            // The standard library's words for a number that is not one.
            "invalid digit found in string" | "cannot parse integer from empty string" => {
                "expected a whole number".to_owned()
            }
            "invalid float literal" | "cannot parse float from empty string" => {
                "expected a number".to_owned()
            }
            "number too large to fit in target type" => "the number is too large".to_owned(),
            "provided string was not `true` or `false`" => "expected true or false".to_owned(),
            other => shared::scenario::humanize(other.to_owned(), Format::Json),
        };
        let value = url::form_urlencoded::parse(query.as_bytes())
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value);
        ApiError::BadRequest(match value {
            Some(value) if !message.starts_with("unknown field") => {
                format!("query parameter {name}={value:?}: {message}")
            }
            _ => format!("query parameter {name}: {message}"),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::api::StartRun;

    /// What the start endpoint says of `body`.
    fn said(body: &str) -> (u16, String) {
        let mut de = serde_json::Deserializer::from_str(body);
        let err = serde_path_to_error::deserialize::<_, StartRun>(&mut de)
            .map(|_| ())
            .expect_err("a bad body");
        let path = err.path().to_string();
        let e = body_error(
            &path,
            &err.into_inner(),
            body.as_bytes(),
            Inline::InScenario,
        );
        let status = match &e {
            ApiError::InvalidScenario(_) => 422,
            ApiError::BadRequest(_) => 400,
            other => panic!("unexpected {other:?}"),
        };
        let text = match e {
            ApiError::InvalidScenario(errors) => errors.to_string(),
            other => other.to_string(),
        };
        (status, text)
    }

    #[test]
    fn malformed_bodies_say_what_is_wrong_in_words() {
        let cases = [
            (
                r#"{"scenario":{}}"#,
                400,
                "scenario: expected exactly one of {\"name\"",
            ),
            (
                r#"{"scenario":{"name":"a","text":"b"}}"#,
                400,
                "scenario: expected exactly one of",
            ),
            (
                r#"{"scenario":{"name":"a"},"test_type":5}"#,
                400,
                "test_type: expected one of \"load\", \"stress\", \"performance\", \"scalability\" or \"failure\" at",
            ),
            ("{", 400, "the body ends before its JSON is complete"),
            ("[]", 400, "the body must be a JSON object"),
            (
                r#"{"scenario":{"name":"a"},"overrides":{"users":-1}}"#,
                400,
                "overrides.users: invalid value: integer `-1`, expected a whole number (0 or more)",
            ),
            // An inline scenario is an object, not an array of its fields in order.
            (
                r#"{"scenario":{"inline":[]}}"#,
                422,
                "expected a scenario document (a JSON object)",
            ),
            (
                r#"{"scenario":{"inline":["seq",null,"http://127.0.0.1:1",{},{},[],{"type":"constant_users","users":1,"duration":"1s"},[],{}]}}"#,
                422,
                "expected a scenario document (a JSON object)",
            ),
            // Inside an inline scenario: a scenario problem with its field path, as for text.
            (
                r#"{"scenario":{"inline":{"name":"x","journeys":[],"load":{"type":"constant_users","users":"5","duration":"1s"}}}}"#,
                422,
                "load.users: invalid type: string \"5\", expected a whole number",
            ),
            // The forms a step takes, not serde_json's "expected value"; a mapping, not a
            // Rust struct.
            (
                r#"{"scenario":{"inline":{"name":"x","journeys":[{"name":"j","steps":[5]}],"load":{"type":"constant_users","users":1,"duration":"1s"}}}}"#,
                422,
                r#"journeys[0].steps[0]: expected a step: {"request": { … }} or {"think": "2s"}"#,
            ),
            (
                r#"{"scenario":{"inline":{"name":"x","journeys":[{"name":"j","steps":[{"request":5}]}],"load":{"type":"constant_users","users":1,"duration":"1s"}}}}"#,
                422,
                "journeys[0].steps[0].request: invalid type: integer `5`, expected a JSON object of fields ({ … })",
            ),
        ];
        for (body, status, want) in cases {
            let (got_status, text) = said(body);
            assert_eq!(got_status, status, "{body}: {text}");
            assert!(text.contains(want), "{body}: {text}");
            assert!(
                !text.contains("?:") && !text.contains("u32") && !text.contains("struct "),
                "{body}: {text}"
            );
        }
    }

    /// The problems the start endpoint reports for `body`.
    fn problems(body: &str) -> Vec<ScenarioError> {
        let mut de = serde_json::Deserializer::from_str(body);
        let err = serde_path_to_error::deserialize::<_, StartRun>(&mut de)
            .map(|_| ())
            .expect_err("a bad body");
        let path = err.path().to_string();
        match body_error(
            &path,
            &err.into_inner(),
            body.as_bytes(),
            Inline::InScenario,
        ) {
            ApiError::InvalidScenario(errors) => errors.0,
            other => panic!("not a scenario problem: {other:?}"),
        }
    }

    #[test]
    fn an_inline_scenario_gets_every_type_error_at_once() {
        // Three mistakes over four lines; the document starts on the first, after the key.
        let body = concat!(
            "{\"overrides\": {}, \"scenario\": {\"inline\": {\"name\": \"x\",\n",
            "  \"journeys\": [{\"name\": \"j\", \"weight\": \"heavy\", \"steps\": []}],\n",
            "  \"load\": {\"type\": \"constant_users\", \"users\": \"5\", \"duration\": \"1s\"},\n",
            "  \"optons\": {}}}}",
        );
        let got = problems(body);
        let paths: Vec<&str> = got.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            ["journeys[0].weight", "load.users", "optons"],
            "{got:?}"
        );
        let lines: Vec<&str> = got
            .iter()
            .map(|e| e.message.rsplit_once(" at line ").map_or("", |(_, at)| at))
            .collect();
        // Each in the body's lines, at the value it is about.
        assert!(
            lines[0].starts_with("2 column") && lines[1].starts_with("3 column"),
            "{got:?}"
        );
        assert!(lines[2].starts_with("4 column"), "{got:?}");
        let second = body.lines().nth(1).expect("a second line");
        let at = second.find("\"heavy\"").expect("the bad weight") + 1;
        assert_eq!(lines[0], format!("2 column {at} of the body"), "{got:?}");
        assert!(
            got.iter().all(|e| e.line.is_none()),
            "no scenario-text lines: {got:?}"
        );

        // On the body's first line, the document's own columns are moved along by where it starts.
        let body = r#"{"scenario": {"inline": {"name": 5, "journeys": [], "load": 7}}}"#;
        let got = problems(body);
        let paths: Vec<&str> = got.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["name", "load"], "{got:?}");
        let at = body.find("5,").expect("the bad name") + 1;
        assert!(
            got[0]
                .message
                .ends_with(&format!("at line 1 column {at} of the body")),
            "{got:?}"
        );

        // One mistake stays one, worded as before.
        let body = r#"{"scenario": {"inline": {"name": "x", "journeys": [], "load": {"type": "constant_users", "users": 1, "duration": "1s"}, "extra": 1}}}"#;
        let got = problems(body);
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(
            got[0].message.starts_with("unknown field `extra`"),
            "{got:?}"
        );
    }

    /// Columns in a body count characters, as a scenario text's do (and as the panel puts its
    /// cursor by them): serde_json counts bytes, so each "é" before the place on its line moved
    /// it on by one and each "日" by two.
    #[test]
    fn columns_in_a_body_count_characters() {
        // In the request's own fields, at serde_json's place.
        let body = r#"{"overrides": {"target": "http://日本.example"}, "scenario": {"name": "a"}, "test_type": 5}"#;
        let (status, text) = said(body);
        assert_eq!(status, 400, "{text}");
        assert!(text.ends_with(" at line 1 column 88"), "{text}");
        // After the body's JSON.
        let trailing = read_json::<StartRun>(
            r#"{"scenario": {"name": "日本"}} x"#.as_bytes(),
            Inline::InScenario,
        );
        assert!(
            matches!(&trailing, Err(ApiError::BadRequest(d)) if d == "invalid JSON body: trailing characters at line 1 column 30"),
            "{trailing:?}"
        );
        // In an inline document on the body's first line, after "日本": each at its value in
        // the document, moved on by where the document starts.
        let body = r#"{"overrides": {"target": "http://日本.example"}, "scenario": {"inline": {"name": 5, "journeys": [], "description": "é", "load": 7}}}"#;
        let got = problems(body);
        let places: Vec<(&str, &str)> = got
            .iter()
            .map(|e| {
                let at = e.message.rsplit_once(" at ").map_or("", |(_, at)| at);
                (e.path.as_str(), at)
            })
            .collect();
        assert_eq!(
            places,
            [
                ("name", "line 1 column 80 of the body"),
                ("load", "line 1 column 127 of the body"),
            ],
            "{got:?}"
        );
    }

    /// What a query string is told.
    fn query_said(query: &str) -> String {
        match read_query::<shared::api::RunFilter>(query) {
            Err(ApiError::BadRequest(detail)) => detail,
            other => panic!("{query}: not a 400: {other:?}"),
        }
    }

    #[test]
    fn query_parameters_say_what_is_wrong_in_words() {
        for (query, want) in [
            (
                "limit=abc",
                r#"query parameter limit="abc": expected a whole number"#,
            ),
            (
                "limit=-1",
                r#"query parameter limit="-1": expected a whole number"#,
            ),
            (
                "limit=",
                r#"query parameter limit="": expected a whole number"#,
            ),
            (
                "offset=99999999999",
                r#"query parameter offset="99999999999": the number is too large"#,
            ),
            (
                "status=bogus",
                r#"query parameter status="bogus": unknown kind `bogus`, expected one of pending, running, stopping, completed, failed, cancelled, interrupted"#,
            ),
            (
                "sttus=x",
                "query parameter sttus: unknown field `sttus`, expected one of status, test_type, scenario, limit, offset",
            ),
        ] {
            assert_eq!(query_said(query), want, "{query}");
        }
        // A parameter given twice is named, not the query's root (".").
        assert_eq!(
            query_said("limit=1&limit=2"),
            "query parameter limit: given more than once (give it once)"
        );
        // A number that is not one is said in words, as for whole numbers: `?tolerance=5%`
        // (how `stampede compare --tolerance` takes it) or an empty value.
        for (query, want) in [
            (
                "tolerance=5%25",
                r#"query parameter tolerance="5%": expected a number"#,
            ),
            (
                "tolerance=",
                r#"query parameter tolerance="": expected a number"#,
            ),
        ] {
            let compare = read_query::<shared::api::CompareQuery>(query);
            assert!(
                matches!(&compare, Err(ApiError::BadRequest(d)) if d == want),
                "{query}: {compare:?}"
            );
        }
        let series = read_query::<shared::api::SeriesQuery>("per_request=maybe");
        assert!(
            matches!(&series, Err(ApiError::BadRequest(d)) if d == r#"query parameter per_request="maybe": expected true or false"#),
            "{series:?}"
        );
        // What reads, reads (percent-encoding and all).
        let filter: shared::api::RunFilter =
            read_query("scenario=web%20app&limit=5").expect("a good query");
        assert_eq!(filter.scenario.as_deref(), Some("web app"));
        assert_eq!(filter.limit, Some(5));
        assert_eq!(
            read_query::<shared::api::RunFilter>("").expect("no query"),
            shared::api::RunFilter::default()
        );
    }
}
