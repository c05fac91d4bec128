//! `/api/openapi.json`: an OpenAPI 3.1 document generated from the route table, so it lists
//! exactly the routes the router serves.

use std::collections::BTreeMap;

use axum::Json;
use serde_json::{Map, Value, json};

use super::{ROUTES, RouteDoc};

fn schema_ref(name: &str) -> Value {
    match name.strip_suffix("[]") {
        Some(item) => {
            json!({ "type": "array", "items": { "$ref": format!("#/components/schemas/{item}") } })
        }
        None => json!({ "$ref": format!("#/components/schemas/{name}") }),
    }
}

fn parameters(path: &str) -> Vec<Value> {
    path.split('/')
        .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
        .collect()
}

fn operation(doc: &RouteDoc) -> Value {
    let mut op = Map::new();
    op.insert("summary".into(), json!(doc.summary));
    op.insert("tags".into(), json!([doc.tag]));
    op.insert(
        "operationId".into(),
        json!(format!("{} {}", doc.method, doc.path)),
    );
    let params = parameters(doc.path);
    if !params.is_empty() {
        op.insert("parameters".into(), Value::Array(params));
    }
    if let Some(req) = doc.request {
        op.insert(
            "requestBody".into(),
            json!({ "required": true, "content": { "application/json": { "schema": schema_ref(req) } } }),
        );
    }
    let ok = match doc.response {
        Some(resp) => {
            json!({ "description": "OK", "content": { "application/json": { "schema": schema_ref(resp) } } })
        }
        None => json!({ "description": "OK" }),
    };
    let error = json!({ "description": "Error", "content": { "application/json": { "schema": schema_ref("ErrorBody") } } });
    let status = match (doc.method, doc.response) {
        (_, Some("RunCreated")) => "201",
        ("DELETE", None) => "204",
        _ => "200",
    };
    op.insert(
        "responses".into(),
        json!({ status: ok, "4XX": error, "5XX": error }),
    );
    Value::Object(op)
}

/// The document.
pub(crate) fn build() -> Value {
    let mut paths: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    let mut schemas: BTreeMap<String, Value> = BTreeMap::new();
    schemas.insert("ErrorBody".into(), json!({ "type": "object", "description": "shared::api::ErrorBody: {error, detail, problems?, run_id?}" }));
    for doc in ROUTES.iter() {
        paths
            .entry(doc.path.to_owned())
            .or_default()
            .insert(doc.method.to_ascii_lowercase(), operation(doc));
        for name in doc.request.into_iter().chain(doc.response) {
            let name = name.trim_end_matches("[]");
            schemas
                .entry(name.to_owned())
                .or_insert_with(|| json!({ "type": "object", "description": format!("The JSON form of shared::{name} (see the shared crate).") }));
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Stampede control server",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Start and stop load tests, watch them live, and fetch their history and reports."
        },
        "paths": paths,
        "components": { "schemas": schemas }
    })
}

pub(super) async fn document() -> Json<Value> {
    Json(build())
}
