//! `/api/openapi.json`: an OpenAPI 3.1 document generated from the route table, so it lists
//! exactly the routes the router serves. Its schemas (JSON Schema 2020-12, which OpenAPI 3.1
//! uses) are generated from the `shared` types the handlers read and write, so they describe
//! the bodies as serde puts them on the wire.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use axum::Json;
use schemars::generate::SchemaSettings;
use schemars::{Schema, SchemaGenerator};
use serde_json::{Map, Value, json};
use shared::api::ErrorBody;

use super::{ROUTES, Reply, RouteDoc, SchemaFn};

/// Where the schemas go, as a JSON pointer; `$ref`s point there.
const SCHEMAS: &str = "/components/schemas";

/// The document, built once.
static DOCUMENT: LazyLock<Value> = LazyLock::new(build);

fn generator() -> SchemaGenerator {
    SchemaSettings::draft2020_12()
        .with(|s| {
            s.definitions_path = SCHEMAS.into();
            s.meta_schema = None;
        })
        .into_generator()
}

fn path_parameters(path: &str) -> impl Iterator<Item = Value> {
    path.split('/')
        .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| {
            let schema = if name == "name" {
                // A saved scenario's name (`/api/scenarios/{name}`); "only dots" is in words.
                json!({
                    "type": "string",
                    "pattern": "^[A-Za-z0-9._-]{1,128}$",
                    "description": shared::saved_name::RULE,
                })
            } else {
                json!({ "type": "string" })
            };
            json!({ "name": name, "in": "path", "required": true, "schema": schema })
        })
}

/// The component a `$ref` schema points to, if it is one of ours.
fn component<'a>(generator: &'a SchemaGenerator, schema: &Schema) -> Option<&'a Value> {
    let name = schema
        .get("$ref")?
        .as_str()?
        .strip_prefix('#')?
        .strip_prefix(SCHEMAS)?
        .strip_prefix('/')?;
    generator.definitions().get(name)
}

/// A field's schema without the `null` that an `Option` adds: an absent query parameter is
/// the `None`, and a query string has no null.
fn without_null(mut schema: Map<String, Value>) -> Map<String, Value> {
    schema.remove("default");
    let is_null = |v: &Value| v.get("type").and_then(Value::as_str) == Some("null");
    if let Some(Value::Array(options)) = schema.get("anyOf")
        && options.len() == 2
        && let Some(Value::Object(other)) = options.iter().find(|v| !is_null(v))
        && options.iter().any(is_null)
    {
        let other = other.clone();
        schema.remove("anyOf");
        schema.extend(other);
    }
    if let Some(Value::Array(types)) = schema.get_mut("type") {
        types.retain(|t| t != "null");
        if let [only] = types.as_slice() {
            let only = only.clone();
            schema.insert("type".into(), only);
        }
    }
    schema
}

/// One query parameter per field of the query type.
fn query_parameters(generator: &mut SchemaGenerator, query: SchemaFn) -> Vec<Value> {
    let schema = query(generator);
    let object = component(generator, &schema).unwrap_or(schema.as_value());
    let required: Vec<&Value> = object
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().collect())
        .unwrap_or_default();
    let Some(properties) = object.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    properties
        .iter()
        .map(|(name, field)| {
            let mut field = without_null(field.as_object().cloned().unwrap_or_default());
            let description = field.remove("description");
            let mut param = json!({
                "name": name,
                "in": "query",
                "required": required.iter().any(|r| r.as_str() == Some(name)),
                "schema": field,
            });
            if let Some(description) = description {
                param["description"] = description;
            }
            param
        })
        .collect()
}

fn json_body(description: &str, schema: Schema) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": schema } } })
}

fn operation(doc: &RouteDoc, generator: &mut SchemaGenerator, error: &Value) -> Value {
    let mut op = Map::new();
    op.insert("summary".into(), json!(doc.summary));
    op.insert("tags".into(), json!([doc.tag]));
    op.insert(
        "operationId".into(),
        json!(format!("{} {}", doc.method, doc.path)),
    );
    let mut params: Vec<Value> = path_parameters(doc.path).collect();
    if let Some(query) = doc.query {
        params.extend(query_parameters(generator, query));
    }
    if !params.is_empty() {
        op.insert("parameters".into(), Value::Array(params));
    }
    if let Some(request) = doc.request {
        let schema = (request.schema)(generator);
        let content: Map<String, Value> = request
            .media
            .iter()
            .map(|media| ((*media).to_owned(), json!({ "schema": schema })))
            .collect();
        op.insert(
            "requestBody".into(),
            json!({ "required": request.required, "content": content }),
        );
    }
    let mut responses = Map::new();
    match doc.reply {
        Reply::Json(schema) => {
            responses.insert("200".into(), json_body("OK", schema(generator)));
        }
        Reply::Created(schema) => {
            responses.insert("201".into(), json_body("Created", schema(generator)));
        }
        Reply::Saved(schema) => {
            let schema = schema(generator);
            responses.insert("200".into(), json_body("Replaced", schema.clone()));
            responses.insert("201".into(), json_body("Created", schema));
        }
        Reply::NoContent => {
            responses.insert("204".into(), json!({ "description": "No Content" }));
        }
        Reply::WebSocket(schema) => {
            responses.insert(
                "101".into(),
                json!({
                    "description": "Switching Protocols. Then every WebSocket text message is one \
                        JSON document of the schema in `x-message-schema`.",
                    "x-message-schema": schema(generator),
                }),
            );
        }
        Reply::Media(types) => {
            let content: Map<String, Value> =
                types.iter().map(|t| ((*t).to_owned(), json!({}))).collect();
            responses.insert(
                "200".into(),
                json!({ "description": "OK", "content": content }),
            );
        }
    }
    responses.insert("4XX".into(), error.clone());
    responses.insert("5XX".into(), error.clone());
    op.insert("responses".into(), Value::Object(responses));
    Value::Object(op)
}

/// The document.
fn build() -> Value {
    let mut generator = generator();
    let error = json_body(
        "Error: `error` is a short machine-friendly kind, `detail` a sentence for people.",
        generator.subschema_for::<ErrorBody>(),
    );
    let mut paths: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    for doc in ROUTES.iter() {
        let op = operation(doc, &mut generator, &error);
        paths
            .entry(doc.path.to_owned())
            .or_default()
            .insert(doc.method.to_ascii_lowercase(), op);
    }
    let mut document = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Stampede control server",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Start and stop load tests, watch them live, and fetch their history \
                and reports. The schemas are generated from the Rust types the server reads and \
                writes."
        },
        "paths": paths,
        "components": { "schemas": generator.take_definitions(true) }
    });
    unlink(&mut document);
    document
}

/// Descriptions come from doc comments, whose intra-doc links (`` [`RunInfo`] ``) mean nothing
/// to the API's readers: they become plain code spans (`` `RunInfo` ``).
fn unlink(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                match v {
                    Value::String(text) if key == "description" => {
                        *text = text.replace("[`", "`").replace("`]", "`");
                    }
                    _ => unlink(v),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(unlink),
        _ => {}
    }
}

pub(super) async fn document() -> Json<Value> {
    Json(DOCUMENT.clone())
}
