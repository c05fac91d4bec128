//! JSON Schemas (feature `schema`) of the wire types whose serde form is written by hand, so
//! derive cannot see it: units written as strings, the two-form think time and threshold, the
//! case-insensitive method, the load profile read through a flat field list, and maps keyed by
//! status code. Every other wire type derives `JsonSchema` next to its `Serialize`.
//!
//! Each schema here accepts what the `Deserialize` impl accepts and what `Serialize` writes
//! (the tests of the server's OpenAPI document check the latter on real responses and on
//! `samples`).

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde_json::{Map, Value, json};

use crate::metrics::ErrorKind;
use crate::scenario::{LoadKind, LoadProfile, Method, Stage, Think};
use crate::threshold::ThresholdSpec;
use crate::units::{ByteSize, HumanDuration};

/// A decimal number as `units::parse_decimal` reads it: digits with at most one point.
const DECIMAL: &str = r"([0-9]+(\.[0-9]*)?|\.[0-9]+)";

/// `schema_name` and `schema_id` of a type named here, so the id is unique across crates.
macro_rules! names {
    ($name:literal) => {
        fn schema_name() -> Cow<'static, str> {
            Cow::Borrowed($name)
        }

        fn schema_id() -> Cow<'static, str> {
            Cow::Borrowed(concat!(module_path!(), "::", $name))
        }
    };
}

impl JsonSchema for HumanDuration {
    names!("HumanDuration");

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A duration with a unit: us, ms, s, m (or min) or h. A bare number is \
                refused. Written back in the largest whole unit (`1500ms`, `30s`, `2m`).",
            "type": "string",
            "pattern": format!(r"^\s*{DECIMAL}\s*(us|µs|ms|s|m|min|h)\s*$"),
            "examples": ["250us", "500ms", "30s", "2m", "1h"],
        })
    }
}

impl JsonSchema for ByteSize {
    names!("ByteSize");

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A byte count: a number of bytes, or text with a unit B, KB (KiB, K), \
                MB (MiB, M) or GB (GiB, G), any case; KB = 1024 bytes. At most 1GB. Written \
                back as text (`512B`, `10KB`, `1MB`).",
            "anyOf": [
                {
                    "type": "string",
                    "pattern": format!(r"^\s*{DECIMAL}\s*([bB]|[kKmMgG]([iI]?[bB])?)?\s*$"),
                },
                { "type": "integer", "minimum": 0, "maximum": ByteSize::MAX },
            ],
            "examples": ["512B", "10KB", "1MB", 2048],
        })
    }
}

impl JsonSchema for Method {
    names!("Method");

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let names: Vec<&str> = Method::ALL.iter().map(|m| m.as_str()).collect();
        json_schema!({
            "description": "An HTTP method. Written in upper case; read in any case.",
            "type": "string",
            "enum": names,
        })
    }
}

impl JsonSchema for Think {
    names!("Think");

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let duration = generator.subschema_for::<HumanDuration>();
        json_schema!({
            "description": "A think time: a fixed pause (`2s`), or uniformly random between \
                `min` and `max`.",
            "anyOf": [
                duration,
                {
                    "type": "object",
                    "properties": { "min": duration, "max": duration },
                    "required": ["min", "max"],
                    "additionalProperties": false,
                },
            ],
        })
    }
}

impl JsonSchema for ThresholdSpec {
    names!("ThresholdSpec");

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let request = generator.subschema_for::<Option<String>>();
        json_schema!({
            "description": "A threshold: the expression `<metric> <op> <value>` (`p(95) < 200ms`, \
                `error_rate < 1%`, `rps > 500`), or an object with options. Written back as the \
                object.",
            "anyOf": [
                { "type": "string" },
                {
                    "type": "object",
                    "properties": {
                        "expr": {
                            "description": "The expression, `<metric> <op> <value>`.",
                            "type": "string",
                        },
                        "request": {
                            "description": "Only this request name's metrics are compared \
                                (default: all requests).",
                            "anyOf": [request],
                        },
                        "abort_on_fail": {
                            "description": "Stop the run as soon as the threshold fails on the \
                                cumulative data.",
                            "type": "boolean",
                            "default": false,
                        },
                    },
                    "required": ["expr"],
                    "additionalProperties": false,
                },
            ],
        })
    }
}

impl JsonSchema for LoadProfile {
    names!("LoadProfile");

    /// One object schema per `type`, with exactly the fields [`LoadKind::field_names`] lists
    /// (which is what reading a profile checks against).
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let variants: Vec<Value> = LoadKind::ALL
            .into_iter()
            .map(|kind| {
                let mut properties = Map::new();
                properties.insert("type".into(), json!({ "const": kind.as_str() }));
                let mut required = vec![Value::from("type")];
                for &name in kind.field_names() {
                    let (schema, is_required) = load_field(generator, name);
                    properties.insert(name.into(), schema.to_value());
                    if is_required {
                        required.push(name.into());
                    }
                }
                json!({
                    "title": kind.as_str(),
                    "description": if kind.is_open() {
                        "Open model: journeys start on a schedule, whatever the responses do."
                    } else {
                        "Closed model: a number of users loop their journeys."
                    },
                    "type": "object",
                    "properties": properties,
                    "required": required,
                    "additionalProperties": false,
                })
            })
            .collect();
        json_schema!({
            "description": "How much load, and its shape over time: one object with a `type` tag \
                and that type's fields.",
            "oneOf": variants,
        })
    }
}

/// The schema of one load-profile field, and whether reading a profile requires it.
fn load_field(generator: &mut SchemaGenerator, name: &str) -> (Schema, bool) {
    let (mut schema, required, description) = match name {
        "users" => (generator.subschema_for::<u32>(), true, "Concurrent users."),
        "max_users" => (
            generator.subschema_for::<u32>(),
            true,
            "Pool cap: at most this many journeys in flight.",
        ),
        "start_users" => (
            generator.subschema_for::<u32>(),
            false,
            "Users at t = 0 (default 0).",
        ),
        "duration" => (
            generator.subschema_for::<HumanDuration>(),
            true,
            "How long the load lasts.",
        ),
        "spike_duration" => (
            generator.subschema_for::<HumanDuration>(),
            true,
            "How long each spike lasts (the end of every period).",
        ),
        "period" => (
            generator.subschema_for::<HumanDuration>(),
            true,
            "Time from one spike's start to the next.",
        ),
        "stages" => (
            generator.subschema_for::<Vec<Stage>>(),
            true,
            "Each stage ramps linearly to `target` over `duration`.",
        ),
        "rate" => (
            generator.subschema_for::<f64>(),
            true,
            "Journey starts per second.",
        ),
        "base_rate" => (
            generator.subschema_for::<f64>(),
            true,
            "Starts per second outside spikes.",
        ),
        "spike_rate" => (
            generator.subschema_for::<f64>(),
            true,
            "Starts per second during a spike.",
        ),
        "mean_rate" => (
            generator.subschema_for::<f64>(),
            true,
            "Mean journey starts per second (Poisson arrivals).",
        ),
        "start_rate" => (
            generator.subschema_for::<f64>(),
            false,
            "Starts per second at t = 0 (default 0).",
        ),
        "walk" => (
            generator.subschema_for::<f64>(),
            false,
            "Every second the mean drifts by up to ±walk × mean (0–1; default 0: no drift).",
        ),
        "min_rate" => (
            generator.subschema_for::<Option<f64>>(),
            false,
            "Lower bound of the drifting mean (default: half the mean).",
        ),
        "max_rate" => (
            generator.subschema_for::<Option<f64>>(),
            false,
            "Upper bound of the drifting mean (default: twice the mean).",
        ),
        "seed" => (
            generator.subschema_for::<Option<u64>>(),
            false,
            "Random seed, so a run can be replayed exactly (at most 2^53 − 1, 9007199254740991).",
        ),
        // Unreachable while this list covers `LoadKind::field_names` (a test checks that
        // no field is left as the accept-anything schema).
        _ => (Schema::default(), false, ""),
    };
    if !description.is_empty() {
        // A `$ref` with a sibling keyword is fine in JSON Schema 2020-12 (OpenAPI 3.1).
        schema.insert("description".into(), description.into());
    }
    (schema, required)
}

/// `#[schemars(schema_with)]` of the maps that `metrics::status_map` writes: counts keyed by
/// HTTP status code, the keys as strings.
pub(crate) fn status_map(generator: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "description": "Counts by HTTP status code; the keys are the codes as strings (\"200\").",
        "type": "object",
        "propertyNames": { "pattern": "^[0-9]+$" },
        "additionalProperties": generator.subschema_for::<u64>(),
    })
}

/// `#[schemars(schema_with)]` of the maps keyed by error kind: the keys are the kinds' names.
pub(crate) fn error_kind_map(generator: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "description": "Counts by error kind.",
        "type": "object",
        "propertyNames": generator.subschema_for::<ErrorKind>(),
        "additionalProperties": generator.subschema_for::<u64>(),
    })
}

#[cfg(test)]
mod tests {
    use schemars::SchemaGenerator;

    use super::*;

    #[test]
    fn every_load_field_has_a_real_schema() {
        let mut generator = SchemaGenerator::default();
        for kind in LoadKind::ALL {
            for &name in kind.field_names() {
                let (schema, _) = load_field(&mut generator, name);
                assert!(
                    schema.get("type").is_some() || schema.get("$ref").is_some(),
                    "{}.{name}: {schema:?}",
                    kind.as_str()
                );
            }
        }
    }
}
