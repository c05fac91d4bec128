//! JSON text in and out of the panel.
//!
//! In the browser, the browser's own `JSON.parse` and `JSON.stringify` do the text work, and
//! serde (through serde-wasm-bindgen) only maps between JavaScript values and `shared`'s types.
//! So the wire is still `shared`'s types, but no JSON parser or printer is compiled into the
//! wasm (23 KB gzip; see docs/panel-size.md). Natively (the unit tests) serde_json does the
//! same job. `tests/wasm.rs` checks the browser's path against what the server writes and reads
//! (`make wasm-test`, under Node.js).

use serde::Serialize;
use serde::de::DeserializeOwned;
use shared::api::RunListing;
use shared::ws::ServerMsg;

/// Reads `T` from JSON text; the error says what is wrong.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    imp::from_str(text)
}

/// Compact JSON.
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String, String> {
    imp::to_string(value, false)
}

/// JSON laid out for people: two-space indentation.
pub fn to_string_pretty<T: Serialize + ?Sized>(value: &T) -> Result<String, String> {
    imp::to_string(value, true)
}

/// A live-feed message (its `type` tag, then that variant's fields).
pub fn server_msg(text: &str) -> Result<ServerMsg, String> {
    imp::server_msg(text)
}

/// A run list (`GET /api/runs`): each entry a run, or a stored run the server cannot read
/// (`{id, unreadable}`). Told apart by the `unreadable` key, not by serde's untagged reading,
/// which would buffer every entry first (and bring that machinery into the wasm).
pub fn run_list(text: &str) -> Result<Vec<RunListing>, String> {
    imp::run_list(text)
}

/// The value as a JavaScript value with JSON's shape (for `postMessage`).
pub fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<wasm_bindgen::JsValue, String> {
    imp::to_js(value)
}

#[cfg(target_arch = "wasm32")]
mod imp {
    use serde::Serialize;
    use serde::de::DeserializeOwned;
    use shared::api::RunListing;
    use shared::ws::ServerMsg;
    use wasm_bindgen::prelude::wasm_bindgen;
    use wasm_bindgen::{JsCast, JsValue};

    // Whole numbers past 2^53 − 1 (a 64-bit id in a JSON body, a check's `equals`) would be
    // rounded by `JSON.parse` and `JSON.stringify`, which read every number as a double; the
    // server keeps them exact. So the text is read with a reviver that turns such a number's
    // source text into a `BigInt` (serde-wasm-bindgen reads it as `i64`/`u64`), and written
    // with a replacer that turns a `BigInt` back into its digits (`JSON.rawJSON`). A browser
    // without JSON.parse's source text refuses such a number rather than rounding it.
    #[wasm_bindgen(inline_js = r#"
const I64_MIN = -9223372036854775808n, U64_MAX = 18446744073709551615n;
const SAFE = 9007199254740991n;
function revive(key, value, context) {
  if (typeof value !== "number" || !Number.isInteger(value) || Number.isSafeInteger(value)) return value;
  const source = context && context.source;
  if (source === undefined) {
    if (Math.abs(value) > 18446744073709551615) return value;
    throw new Error(`${value} (rounded) is a whole number above 2^53 − 1, which this browser cannot read exactly: use a newer browser, or write it as a string`);
  }
  if (!/^-?[0-9]+$/.test(source)) return value;
  const big = BigInt(source);
  return big >= I64_MIN && big <= U64_MAX ? big : value;
}
function replace(key, value) {
  if (typeof value !== "bigint") return value;
  if (JSON.rawJSON) return JSON.rawJSON(value.toString());
  if (value >= -SAFE && value <= SAFE) return Number(value);
  throw new Error(`${value} is a whole number above 2^53 − 1, which this browser cannot write exactly: use a newer browser`);
}
export function parse_exact(text) { return JSON.parse(text, revive); }
export function stringify_exact(value, space) { return JSON.stringify(value, replace, space); }
"#)]
    extern "C" {
        #[wasm_bindgen(catch)]
        fn parse_exact(text: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch)]
        fn stringify_exact(value: &JsValue, space: u32) -> Result<JsValue, JsValue>;
    }

    fn message(e: &JsValue) -> String {
        e.dyn_ref::<js_sys::Error>()
            .map_or_else(|| "not valid JSON".to_owned(), |e| e.message().into())
    }

    /// Whether the text has a run of 16 digits or more (2^53 has 16), the only way to write a
    /// whole number `JSON.parse` would round. Texts without one (every metrics series) are
    /// parsed without the reviver, which is much slower on large bodies.
    fn may_hold_large_integers(text: &str) -> bool {
        let mut run = 0;
        text.bytes().any(|b| {
            run = if b.is_ascii_digit() { run + 1 } else { 0 };
            run >= 16
        })
    }

    /// `JSON.parse`: the text as a JavaScript value.
    fn parse(text: &str) -> Result<JsValue, String> {
        if may_hold_large_integers(text) {
            parse_exact(text)
        } else {
            js_sys::JSON::parse(text)
        }
        .map_err(|e| message(&e))
    }

    /// A JavaScript value (from [`parse`]) as `T`.
    fn from_value<T: DeserializeOwned>(value: JsValue) -> Result<T, String> {
        serde_wasm_bindgen::from_value(value).map_err(|e| e.to_string())
    }

    pub(super) fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, String> {
        from_value(parse(text)?)
    }

    pub(super) fn run_list(text: &str) -> Result<Vec<RunListing>, String> {
        let list: js_sys::Array = parse(text)?
            .dyn_into()
            .map_err(|_| "a run list that is not a list".to_owned())?;
        let unreadable = JsValue::from_str("unreadable");
        list.iter()
            .map(|entry| {
                if entry.is_object() && js_sys::Reflect::has(&entry, &unreadable).unwrap_or(false) {
                    from_value(entry).map(RunListing::Unreadable)
                } else {
                    from_value(entry).map(RunListing::Run)
                }
            })
            .collect()
    }

    pub(super) fn server_msg(text: &str) -> Result<ServerMsg, String> {
        let value = parse(text)?;
        let kind = js_sys::Reflect::get(&value, &"type".into())
            .ok()
            .and_then(|t| t.as_string())
            .ok_or("a message without a `type`")?;
        ServerMsg::from_tagged(&kind, serde_wasm_bindgen::Deserializer::from(value))
            .map_err(|e| e.to_string())
    }

    /// Plain objects for maps and `null` for `None`, as JSON has them.
    pub(super) fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, String> {
        value
            .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
            .map_err(|e| e.to_string())
    }

    pub(super) fn to_string<T: Serialize + ?Sized>(
        value: &T,
        pretty: bool,
    ) -> Result<String, String> {
        // 64-bit integers as `BigInt`, written back as their digits by `stringify_exact`.
        let serializer = serde_wasm_bindgen::Serializer::json_compatible()
            .serialize_large_number_types_as_bigints(true);
        let value = value.serialize(&serializer).map_err(|e| e.to_string())?;
        stringify_exact(&value, if pretty { 2 } else { 0 })
            .map(|text| text.as_string().unwrap_or_default())
            .map_err(|e| message(&e))
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    use serde::Serialize;
    use serde::de::DeserializeOwned;
    use shared::api::RunListing;
    use shared::ws::ServerMsg;

    pub(super) fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }

    pub(super) fn run_list(text: &str) -> Result<Vec<RunListing>, String> {
        from_str(text)
    }

    pub(super) fn server_msg(text: &str) -> Result<ServerMsg, String> {
        ServerMsg::from_json(text).map_err(|e| e.to_string())
    }

    pub(super) fn to_string<T: Serialize + ?Sized>(
        value: &T,
        pretty: bool,
    ) -> Result<String, String> {
        if pretty {
            serde_json::to_string_pretty(value)
        } else {
            serde_json::to_string(value)
        }
        .map_err(|e| e.to_string())
    }

    /// Only meaningful in a browser (`JSON.parse` is JavaScript's); the panel runs there.
    pub(super) fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<wasm_bindgen::JsValue, String> {
        let text = to_string(value, false)?;
        js_sys::JSON::parse(&text).map_err(|_| "not valid JSON".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::scenario::{Body, Scenario};

    #[test]
    fn reads_and_writes_shared_types() {
        let body: Body = from_str(r#"{"json":{"a":[1,2.5,null]}}"#).expect("a JSON body");
        let Body::Json(value) = &body else {
            panic!("{body:?}")
        };
        assert_eq!(value["a"][1], 2.5);
        assert_eq!(
            from_str::<Body>(&to_string(&body).expect("writes")),
            Ok(body)
        );
        assert_eq!(
            to_string_pretty(&serde_json::json!({"a": [1]})).as_deref(),
            Ok("{\n  \"a\": [\n    1\n  ]\n}")
        );
        let err = from_str::<Scenario>(r#"{"name": 3}"#).expect_err("a number is no name");
        assert!(err.contains("invalid type"), "{err}");
    }
}
