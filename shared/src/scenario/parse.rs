//! Reading a scenario document (YAML or JSON) into [`Scenario`], with errors that name the
//! field path and, where known, the line and column.

use std::fmt;

use super::Scenario;
#[cfg(feature = "yaml")]
use super::locate::Locator;

/// The syntax of a scenario document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// YAML 1.2.
    Yaml,
    /// JSON.
    Json,
}

impl Format {
    /// `.json` files are JSON; everything else is read as YAML.
    pub fn from_path(path: &std::path::Path) -> Self {
        match path.extension().and_then(|e| e.to_str()) {
            Some(ext) if ext.eq_ignore_ascii_case("json") => Format::Json,
            _ => Format::Yaml,
        }
    }
}

/// One problem with a scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    /// Field path, e.g. `journeys[1].steps[3].request.method`; empty for the whole document.
    pub path: String,
    /// What is wrong, in plain words.
    pub message: String,
    /// 1-based line in the source, when known.
    pub line: Option<u64>,
    /// 1-based column in the source, in characters (not bytes), when known.
    pub column: Option<u64>,
}

impl ScenarioError {
    /// An error at a path, without a position yet.
    pub fn at(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
            line: None,
            column: None,
        }
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)?;
        } else {
            write!(f, "{}: {}", self.path, self.message)?;
        }
        if let (Some(line), Some(column)) = (self.line, self.column) {
            write!(f, " at line {line}, column {column}")?;
        }
        Ok(())
    }
}

/// All problems found in a scenario (validation reports every one it finds, not just the first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioErrors(pub Vec<ScenarioError>);

impl fmt::Display for ScenarioErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioErrors {}

impl From<ScenarioError> for ScenarioErrors {
    fn from(e: ScenarioError) -> Self {
        Self(vec![e])
    }
}

impl ScenarioErrors {
    /// Fills in line and column for errors that lack them, from the source text.
    #[cfg(not(feature = "yaml"))]
    pub fn locate(self, _source: &str) -> Self {
        self
    }

    /// Fills in line and column for errors that lack them, from the source text.
    #[cfg(feature = "yaml")]
    pub fn locate(mut self, source: &str) -> Self {
        if self.0.iter().all(|e| e.line.is_some()) {
            return self;
        }
        let locator = Locator::new(source);
        for e in &mut self.0 {
            if e.line.is_none()
                && let Some((line, column)) = locator.find(&e.path)
            {
                e.line = Some(line);
                e.column = Some(column);
            }
        }
        self
    }
}

/// Documents larger than this are refused before parsing.
pub const MAX_SCENARIO_BYTES: usize = 4 << 20;

/// Parses a scenario document. Unknown fields, wrong types and syntax errors are reported with
/// the field path and position; semantic checks are left to [`super::validate`].
pub fn parse_scenario(source: &str, format: Format) -> Result<Scenario, ScenarioErrors> {
    if source.len() > MAX_SCENARIO_BYTES {
        return Err(ScenarioError::at(
            "",
            format!(
                "scenario is {} bytes; the limit is {MAX_SCENARIO_BYTES}",
                source.len()
            ),
        )
        .into());
    }
    if source.trim().is_empty() {
        return Err(ScenarioError::at("", "scenario is empty").into());
    }
    match format {
        Format::Json => parse_json(source),
        Format::Yaml => parse_yaml(source),
    }
}

fn parse_json(source: &str) -> Result<Scenario, ScenarioErrors> {
    // serde would also read the document from an array of its fields in order; nobody means
    // that, and its errors would speak of "elements". `Strict` refuses the same below the
    // top, where the message can name the field.
    let start = source.len() - source.trim_start().len();
    if !source[start..].starts_with('{') {
        let before = &source[..start];
        return Err(ScenarioErrors::from(ScenarioError {
            path: String::new(),
            message: "a scenario document is a JSON object ({ … })".to_owned(),
            line: Some(before.matches('\n').count() as u64 + 1),
            column: Some(before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u64 + 1),
        }));
    }
    let mut de = serde_json::Deserializer::from_str(source);
    let strict = crate::strict::Strict::new(&mut de);
    let scenario: Scenario = serde_path_to_error::deserialize(strict).map_err(|e| {
        let mut path = clean_path(&e.path().to_string());
        let inner = e.into_inner();
        let (line, column) = serde_json_position(source.as_bytes(), &inner);
        let syntax = inner.classify() != serde_json::error::Category::Data;
        let text = serde_json_message(&inner);
        let message = if text == "recursion limit exceeded" {
            path = nesting_path(&path);
            too_deep(JSON_MAX_DEPTH, Format::Json)
        } else {
            name_the_forms(&path, humanize(text, Format::Json), Format::Json)
        };
        let first = ScenarioError {
            path,
            message,
            line: Some(line),
            column: Some(column),
        };
        if syntax {
            // Where the reader found it; nothing after it can be read. (The locator reads JSON
            // as YAML, which takes more than JSON does: it cannot tell.)
            return ScenarioErrors::from(first);
        }
        with_the_rest(first, source, Format::Json)
    })?;
    de.end().map_err(|e| {
        let (line, column) = serde_json_position(source.as_bytes(), &e);
        ScenarioError {
            path: String::new(),
            message: "trailing characters after the JSON document".into(),
            line: Some(line),
            column: Some(column),
        }
    })?;
    Ok(scenario)
}

#[cfg(not(feature = "yaml"))]
fn parse_yaml(_source: &str) -> Result<Scenario, ScenarioErrors> {
    Err(ScenarioError::at(
        "",
        "this build reads JSON scenarios only (YAML support is off)",
    )
    .into())
}

#[cfg(feature = "yaml")]
fn parse_yaml(source: &str) -> Result<Scenario, ScenarioErrors> {
    let options = serde_saphyr::options! { with_snippet: false };
    let mut path = String::new();
    let result = serde_saphyr::with_deserializer_from_str_with_options(source, options, |de| {
        // The YAML reader refuses a key twice as YAML sees keys, where `200` (a number) and
        // `"200"` (a text) differ. Read into a JSON value (a body, a check's `equals`) or a map
        // of names, both are the text "200", and the second would replace the first without a
        // word; `Strict` refuses it as it refuses it in JSON.
        serde_path_to_error::deserialize(crate::strict::Strict::new(de)).map_err(|e| {
            path = clean_path(&e.path().to_string());
            e.into_inner()
        })
    });
    result.map_err(|err| {
        let location = err.location();
        let message = match (budget_breach(&err), err.without_snippet()) {
            (Some(breach), _) => {
                use serde_saphyr::budget::BudgetBreach;
                // Below a body's `json` or a check's `equals` the path may go on for a long
                // way: into a value nested too deeply, or copied by aliases past the limit.
                path = nesting_path(&path);
                match breach {
                    BudgetBreach::Depth { .. } => {
                        too_deep(serde_saphyr::Budget::default().max_depth, Format::Yaml)
                    }
                    _ => format!(
                        "the document is larger than a scenario can be (the YAML reader's limit on {} was reached)",
                        yaml_limit(breach)
                    ),
                }
            }
            (None, other) => name_the_forms(
                &path,
                humanize(strip_position(&other.to_string()), Format::Yaml),
                Format::Yaml,
            ),
        };
        let error = ScenarioError {
            path,
            message,
            line: location.map(|l| l.line()),
            column: location.map(|l| l.column()),
        };
        with_the_rest(error, source, Format::Yaml)
    })
}

/// The first type error of a document and, where they can be found, the ones after it (see
/// [`super::recover`]), placed in the source.
fn with_the_rest(first: ScenarioError, source: &str, format: Format) -> ScenarioErrors {
    #[cfg(feature = "yaml")]
    {
        let locator = Locator::new(source);
        // Placed as the errors after it are (see [`Locator::place`]), not where the reader
        // noticed it: serde_json notices a wrong value after it, the YAML reader at its key or
        // its step. Else where the reader did, or else near its path.
        let mut first = first;
        (first.line, first.column) = locator
            .place(&first.path, &first.message)
            .or(first.line.zip(first.column))
            .or_else(|| locator.find(&first.path))
            .unzip();
        let more = super::recover::more_errors(source, format, &first, &locator);
        let mut all = ScenarioErrors::from(first);
        all.0.extend(more);
        // In the order of the document (unplaced ones last), as a reader fixes them.
        all.0.sort_by_key(|e| (e.line.is_none(), e.line, e.column));
        all
    }
    #[cfg(not(feature = "yaml"))]
    {
        let _ = (source, format);
        ScenarioErrors::from(first)
    }
}

/// How deep serde_json reads lists and objects inside one another.
const JSON_MAX_DEPTH: usize = 128;

fn too_deep(levels: usize, format: Format) -> String {
    let mapping = match format {
        Format::Yaml => "mappings",
        Format::Json => "objects",
    };
    format!("nested too deeply: a scenario nests lists and {mapping} at most {levels} levels deep")
}

/// The path of a value nested past the reader's limit, cut where the free-form value starts (a
/// body's `json`, a check's `equals`): below it, the path repeats one segment a hundred times.
fn nesting_path(path: &str) -> String {
    [".body.json", ".json.equals"]
        .iter()
        .filter_map(|root| path.find(root).map(|i| i + root.len()))
        .min()
        .map_or_else(|| path.to_owned(), |end| path[..end].to_owned())
}

/// The YAML reader's limit that ended the reading, if one did: also under the wrappers that
/// add an alias's places to an error (a value copied by aliases, `*name`, past the limit on
/// values is reported through the alias that copied it).
#[cfg(feature = "yaml")]
fn budget_breach(err: &serde_saphyr::Error) -> Option<&serde_saphyr::budget::BudgetBreach> {
    use serde_saphyr::Error;
    let mut err = err;
    loop {
        match err {
            Error::Budget { breach, .. } => return Some(breach),
            Error::AliasError { error, .. } | Error::WithSnippet { error, .. } => err = error,
            _ => return None,
        }
    }
}

/// What a YAML reader's limit counts, in words.
#[cfg(feature = "yaml")]
fn yaml_limit(breach: &serde_saphyr::budget::BudgetBreach) -> &'static str {
    use serde_saphyr::budget::BudgetBreach as B;
    match breach {
        B::Events { .. } | B::Nodes { .. } => "values",
        B::Aliases { .. } | B::AliasAnchorRatio { .. } | B::RecordedAnchorEvents { .. } => {
            "aliases (*name)"
        }
        B::Anchors { .. } => "anchors (&name)",
        B::ScalarBytes { .. } | B::InputBytes { .. } => "size",
        B::Documents { .. } => "documents",
        B::MergeKeys { .. } => "merge keys (<<)",
        _ => "size",
    }
}

/// serde_path_to_error writes `.` for "no path", and `?` for a segment it could not name
/// (a duplicate key, a key not read yet); we use the empty string and the named part.
pub fn clean_path(path: &str) -> String {
    let path = path.strip_suffix(".?").unwrap_or(path);
    if path == "." || path == "?" {
        String::new()
    } else {
        path.to_owned()
    }
}

/// Rewrites parser messages that speak the library's language: Rust number and type names
/// (`invalid u32`, `expected f64`, `expected struct RequestStep`), the YAML reader's words for
/// structure (`expected mapping start`) and advice meant for programmers (`set
/// DuplicateKeyPolicy in Options`). Shapes are named in the words of the document's `format`.
pub fn humanize(message: String, format: Format) -> String {
    // The YAML reader's word for "a list or mapping where one value belongs" (`weight: [1`).
    if message == "expected string scalar" {
        return "expected a single value here, not a list or a mapping".to_owned();
    }
    // Structure: the YAML reader's and serde's words for mappings and lists, and Rust's
    // names of the types behind them (`expected struct RequestStep`).
    let (mapping, list) = match format {
        Format::Yaml => (
            "a mapping of fields (key: value lines, or { … })",
            "a list (\"- \" lines, or [ … ])",
        ),
        Format::Json => ("a JSON object of fields ({ … })", "a JSON array ([ … ])"),
    };
    match message.as_str() {
        "expected mapping start" => return format!("expected {mapping}"),
        "expected sequence start" => return format!("expected {list}"),
        // A step, body or check written with two kinds in one mapping (the YAML reader's
        // words, and a generic tree's reader's).
        "expected end of mapping after enum variant value"
        | "invalid value: map, expected map with a single key" => {
            return match format {
                Format::Yaml => {
                    "expected a single key here, the kind (such as `request:`); another key \
                     follows it (write each step or check as its own list item)"
                }
                Format::Json => {
                    "expected a single key here, the kind (such as \"request\"); another key \
                     follows it (write each step or check as its own object in the array)"
                }
            }
            .to_owned();
        }
        _ => {}
    }
    if let Some(head) = message.strip_suffix(", expected a sequence") {
        return format!("{head}, expected {list}");
    }
    // The names a field or kind takes, listed one way whoever read it: serde quotes them
    // (`expected `min` or `max``), the YAML reader writes `expected one of min, max`. A kind
    // (a step's, a body's, a load type) is not a Rust "variant".
    if (message.starts_with("unknown field `") || message.starts_with("unknown variant `"))
        && let Some((head, names)) = message.rsplit_once("`, expected ")
    {
        let head = head.replacen("unknown variant `", "unknown kind `", 1);
        let names: Vec<String> = names
            .strip_prefix("one of ")
            .unwrap_or(names)
            .split(", ")
            .flat_map(|n| n.split(" or "))
            .map(|n| n.trim_matches('`').to_owned())
            .collect();
        return match names.as_slice() {
            [one] => format!("{head}`, expected {one}"),
            _ => format!("{head}`, expected one of {}", names.join(", ")),
        };
    }
    // A generic tree's reader (errors after the first) names a mapping as a map.
    if let Some(head) = message.strip_suffix(", expected a map") {
        return format!("{head}, expected {mapping}");
    }
    // The YAML reader's words for a scalar that is not a number or a boolean, and serde's for
    // a boolean.
    match message.as_str() {
        "invalid floating point" => return "expected a number".to_owned(),
        "invalid boolean" => return "expected true or false".to_owned(),
        _ => {}
    }
    if let Some(head) = message.strip_suffix(", expected a boolean") {
        return format!("{head}, expected true or false");
    }
    if let Some(at) = message.find(", expected struct ") {
        return format!("{}, expected {mapping}", &message[..at]);
    }
    if let Some(rest) = message.strip_prefix("duplicate mapping key: ") {
        let key = rest.split(", set ").next().unwrap_or(rest).trim();
        return crate::strict::duplicate_key(key);
    }
    let integers = [
        ("u8", u64::from(u8::MAX)),
        ("u16", u64::from(u16::MAX)),
        ("u32", u64::from(u32::MAX)),
        ("u64", u64::MAX),
    ];
    // Rust's float types, for a value that is not a number.
    for ty in ["f32", "f64"] {
        if message == format!("invalid {ty}") {
            return "expected a number".to_owned();
        }
        if let Some(head) = message.strip_suffix(&format!(", expected {ty}")) {
            return format!("{head}, expected a number");
        }
    }
    // A Rust integer type as the numbers it holds. When the reader says what the value was,
    // only the bound it broke is named (the largest `u32` means nothing to a reader); when
    // it does not (the YAML reader), the whole range.
    for (ty, max) in integers {
        if message == format!("invalid {ty}") {
            return format!("expected a whole number from 0 to {max}");
        }
        if let Some(head) = message.strip_suffix(&format!(", expected {ty}")) {
            let whole = if head.starts_with("invalid value: integer `-") {
                "a whole number (0 or more)".to_owned()
            } else if head.starts_with("invalid value: integer `") {
                format!("a whole number up to {max}")
            } else {
                "a whole number".to_owned()
            };
            return format!("{head}, expected {whole}");
        }
    }
    message
}

/// A value that is none of the forms a step, a body or a check takes: serde_json says only
/// "expected value", the YAML reader speaks of an "externally tagged enum". Each becomes the
/// forms, named for the field at `path` (`journeys[0].steps[1]`) and written as the document's
/// `format` writes them. Other messages pass through.
pub fn name_the_forms(path: &str, message: String, format: Format) -> String {
    const NONE_OF_THE_FORMS: [&str; 3] = [
        "expected value",
        "externally tagged enum expected scalar or mapping",
        "expected string key for externally tagged enum",
    ];
    // What the value was, when the message says (a generic tree's reader, for the errors
    // after the first: `invalid type: sequence, expected string or map`).
    let head = if NONE_OF_THE_FORMS.contains(&message.as_str()) {
        None
    } else if let Some(head) = message.strip_suffix(", expected string or map") {
        Some(head)
    } else {
        return message;
    };
    let last = path.rsplit('.').next().unwrap_or(path);
    // Each as YAML writes it, and as JSON does.
    let (yaml, json) = if last.starts_with("steps[") {
        (
            "a step: { request: { … } } or { think: 2s }",
            r#"a step: {"request": { … }} or {"think": "2s"}"#,
        )
    } else if last == "body" {
        (
            "a body: { text: … }, { json: … } or { payload: 10KB }",
            r#"a body: {"text": …}, {"json": …} or {"payload": "10KB"}"#,
        )
    } else if last.starts_with("checks[") {
        (
            "a check such as { status: [200] } (status, body_contains, json, header_present or \
             latency_under)",
            r#"a check such as {"status": [200]} (status, body_contains, json, header_present or latency_under)"#,
        )
    } else if path == "load.type" {
        // The load profile's kind, read by name.
        return kind_names(head);
    } else if message == "expected value" {
        // serde_json's word for any value it cannot read, a syntax error included.
        let json = "a JSON value here (NaN, Infinity and bare words are not JSON)";
        (json, json)
    } else {
        (
            "a single name or a { name: … } mapping here, not a list",
            r#"a single name or a {"name": …} object here, not an array"#,
        )
    };
    let forms = match format {
        Format::Yaml => yaml,
        Format::Json => json,
    };
    match head {
        Some(head) => format!("{head}, expected {forms}"),
        None => format!("expected {forms}"),
    }
}

/// A load profile's `type` that is not a name: the names it takes, after what it was (`head`,
/// when the reader said).
fn kind_names(head: Option<&str>) -> String {
    let names = super::LoadKind::ALL.map(super::LoadKind::as_str).join(", ");
    let expected = format!("expected one of {names}");
    match head {
        Some(head) => format!("{head}, {expected}"),
        None => expected,
    }
}

/// serde_json's message without the position it ends with (` at line 1 column 40`), for
/// callers that say where in their own words (a JSON path, a file).
pub fn serde_json_message(err: &serde_json::Error) -> String {
    let at = format!(" at line {} column {}", err.line(), err.column());
    let text = err.to_string();
    match text.strip_suffix(&at) {
        Some(message) => message.to_owned(),
        None => text,
    }
}

/// Where serde_json places `err` in `source` (the text it read): the line, and the column in
/// characters, as the YAML reader and the locator count it and the panel puts its cursor by.
/// serde_json counts the column in bytes: each "é" before the place on its line would count
/// twice, each "日" three times.
pub fn serde_json_position(source: &[u8], err: &serde_json::Error) -> (u64, u64) {
    let (line, column) = (err.line(), err.column());
    let characters = line
        .checked_sub(1)
        .and_then(|index| source.split(|b| *b == b'\n').nth(index))
        // A character's first byte, not the bytes that continue it (0b10xx_xxxx).
        .map(|text| {
            text.iter()
                .take(column)
                .filter(|b| **b & 0xC0 != 0x80)
                .count()
        });
    (line as u64, characters.unwrap_or(column) as u64)
}

/// Parser messages end with their own position ("… at line 3 column 5"); we print ours.
#[cfg(feature = "yaml")]
fn strip_position(message: &str) -> String {
    let mut m = message.trim();
    for marker in [" at line ", " at row "] {
        if let Some(i) = m.rfind(marker) {
            m = &m[..i];
        }
    }
    m.trim_end_matches([',', '.', ' ']).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "name: t\ntarget: http://127.0.0.1:1\njourneys: [{name: j, steps: [{request: {path: /}}]}]\n";

    fn first_error(source: &str, format: Format) -> ScenarioError {
        parse_scenario(source, format)
            .expect_err("invalid")
            .0
            .remove(0)
    }

    #[cfg(feature = "yaml")]
    #[test]
    fn a_duplicate_key_is_named_at_its_mapping() {
        let doc = format!(
            "{HEAD}load:\n  type: constant_users\n  users: 2\n  users: 3\n  duration: 1s\n"
        );
        let e = first_error(&doc, Format::Yaml);
        assert_eq!(e.path, "load");
        assert_eq!(
            e.message,
            "duplicate key \"users\" (each key may appear once per mapping)"
        );
        assert_eq!(e.line, Some(7));
    }

    #[cfg(feature = "yaml")]
    #[test]
    fn counts_that_are_not_whole_numbers_say_so_in_words() {
        for bad in ["two", "-5", "1.5"] {
            let doc = format!("{HEAD}load: {{type: constant_users, users: {bad}, duration: 1s}}\n");
            let e = first_error(&doc, Format::Yaml);
            assert_eq!(e.path, "load.users", "{bad}");
            assert_eq!(
                e.message, "expected a whole number from 0 to 4294967295",
                "{bad}"
            );
        }
    }

    #[cfg(feature = "yaml")]
    #[test]
    fn a_list_where_a_value_belongs_is_called_that() {
        for bad in ["[1]", "[1", "{a: 1}"] {
            let doc =
                format!("{HEAD}load:\n  type: constant_users\n  users: {bad}\n  duration: 1s\n");
            let e = first_error(&doc, Format::Yaml);
            assert_eq!(e.path, "load.users", "{bad}");
            assert_eq!(
                e.message, "expected a single value here, not a list or a mapping",
                "{bad}"
            );
            assert_eq!(e.line, Some(6), "{bad}");
        }
    }

    #[test]
    fn a_json_document_is_an_object() {
        for (doc, at) in [
            ("[\"t\", null]", (1, 1)),
            ("\n  5", (2, 3)),
            ("\"name\"", (1, 1)),
        ] {
            let e = first_error(doc, Format::Json);
            assert_eq!(
                e.message, "a scenario document is a JSON object ({ … })",
                "{doc}"
            );
            assert_eq!((e.line, e.column), (Some(at.0), Some(at.1)), "{doc}");
        }
    }

    #[test]
    fn a_rate_that_is_not_a_number_says_so_in_words() {
        for (value, said) in [("true", "boolean `true`"), ("\"7\"", "string \"7\"")] {
            let doc = format!(
                r#"{{"name":"t","journeys":[],"load":{{"type":"constant_rate","rate":{value},"duration":"1s","max_users":1}}}}"#
            );
            let e = first_error(&doc, Format::Json);
            assert_eq!(e.path, "load.rate");
            assert_eq!(
                e.message,
                format!("invalid type: {said}, expected a number"),
                "{value}"
            );
        }
    }

    #[test]
    fn wrong_shapes_are_named_in_words_not_rust_types() {
        let doc = |journeys: &str| {
            format!(
                r#"{{"name":"t","journeys":{journeys},"load":{{"type":"constant_users","users":1,"duration":"1s"}}}}"#
            )
        };
        let step = |step: &str| doc(&format!(r#"[{{"name":"j","steps":[{step}]}}]"#));
        let request = |fields: &str| step(&format!(r#"{{"request":{{"path":"/",{fields}}}}}"#));
        // Each in the words of its document's format: (the source, the path, what JSON says,
        // what YAML says).
        for (source, path, json, yaml) in [
            (
                doc("5"),
                "journeys",
                "expected a JSON array ([ … ])",
                "expected a list (\"- \" lines, or [ … ])",
            ),
            (
                doc("[5]"),
                "journeys[0]",
                "expected a JSON object of fields ({ … })",
                "expected a mapping of fields (key: value lines, or { … })",
            ),
            (
                step("[1]"),
                "journeys[0].steps[0]",
                r#"expected a step: {"request": { … }} or {"think": "2s"}"#,
                "expected a step: { request: { … } } or { think: 2s }",
            ),
            (
                request(r#""body":[1]"#),
                "journeys[0].steps[0].request.body",
                r#"expected a body: {"text": …}, {"json": …} or {"payload": "10KB"}"#,
                "expected a body: { text: … }, { json: … } or { payload: 10KB }",
            ),
            (
                request(r#""checks":[[1]]"#),
                "journeys[0].steps[0].request.checks[0]",
                r#"expected a check such as {"status": [200]} (status,"#,
                "expected a check such as { status: [200] } (status,",
            ),
        ] {
            for (format, message) in [(Format::Json, json), (Format::Yaml, yaml)] {
                #[cfg(not(feature = "yaml"))]
                if format == Format::Yaml {
                    continue;
                }
                let e = first_error(&source, format);
                assert_eq!(e.path, path, "{source}");
                assert!(
                    e.message.contains(message),
                    "{format:?} {source}: {}",
                    e.message
                );
                assert!(!e.message.contains("struct"), "{}", e.message);
            }
        }
    }

    /// The readers' words, as people read them: the same list of names whoever read it, a
    /// mapping, a number and a boolean named as such, a load type's names.
    #[test]
    fn humanize_table() {
        use Format::{Json, Yaml};
        for (message, format, want) in [
            (
                "unknown field `a`, expected `min` or `max`",
                Json,
                "unknown field `a`, expected one of min, max",
            ),
            (
                "unknown field `a`, expected one of `x`, `y`, `z`",
                Json,
                "unknown field `a`, expected one of x, y, z",
            ),
            (
                "unknown field `a`, expected one of x, y",
                Yaml,
                "unknown field `a`, expected one of x, y",
            ),
            (
                "unknown variant `b`, expected `only`",
                Json,
                "unknown kind `b`, expected only",
            ),
            (
                "invalid type: string \"x\", expected a map",
                Json,
                "invalid type: string \"x\", expected a JSON object of fields ({ … })",
            ),
            (
                "invalid type: string \"x\", expected a map",
                Yaml,
                "invalid type: string \"x\", expected a mapping of fields (key: value lines, or { … })",
            ),
            (
                "invalid type: string \"x\", expected u32",
                Json,
                "invalid type: string \"x\", expected a whole number",
            ),
            (
                "invalid value: integer `5000000000`, expected u32",
                Json,
                "invalid value: integer `5000000000`, expected a whole number up to 4294967295",
            ),
            (
                "invalid u16",
                Yaml,
                "expected a whole number from 0 to 65535",
            ),
            ("invalid floating point", Yaml, "expected a number"),
            ("invalid boolean", Yaml, "expected true or false"),
            (
                "invalid type: integer `1`, expected a boolean",
                Json,
                "invalid type: integer `1`, expected true or false",
            ),
        ] {
            assert_eq!(humanize(message.to_owned(), format), want, "{message}");
        }
        let kinds = "expected one of constant_users, ramping_users, constant_rate, ramping_rate, \
                     spike, random";
        assert_eq!(
            name_the_forms("load.type", "expected value".into(), Json),
            kinds
        );
        assert_eq!(
            name_the_forms(
                "load.type",
                "invalid type: boolean `true`, expected string or map".into(),
                Yaml
            ),
            format!("invalid type: boolean `true`, {kinds}")
        );
    }

    /// Columns count characters, as the YAML reader and the locator count them and as the
    /// panel puts its cursor by them: serde_json counts bytes, so each "é" before a mistake on
    /// its line moved the column on by one and each "日" by two.
    #[test]
    fn columns_count_characters_not_bytes() {
        use Format::{Json, Yaml};
        const LOAD: &str = r#""load": {"type": "constant_users", "users": 1, "duration": "1s"}"#;
        // Each with the place it is given, and whether the locator (which reads YAML) gives it.
        for (doc, format, at, located) in [
            // Where serde_json stopped: a syntax error, a repeated key, trailing characters.
            (r#"{"name": "日本", "journeys": [}"#.to_owned(), Json, (1, 29), false),
            (
                format!(r#"{{"name": "é", "headers": {{"a": "b", "a": "c"}}, "journeys": [], {LOAD}}}"#),
                Json,
                (1, 39),
                false,
            ),
            (
                format!(r#"{{"name": "日本", "journeys": [], {LOAD}}} é"#),
                Json,
                (1, 98),
                false,
            ),
            (
                "{\"name\": \"日本\",\n  \"description\": \"é\", \"journeys\": [,]}".to_owned(),
                Json,
                (2, 36),
                false,
            ),
            // Where the locator places a wrong value.
            (
                r#"{"name": "日本", "journeys": [], "load": {"type": "constant_users", "users": "x", "duration": "1s"}}"#.to_owned(),
                Json,
                (1, 76),
                true,
            ),
            // YAML: the locator's place and the reader's.
            (
                "name: 日本\njourneys: [{name: \"日本\", steps: [{request: {path: /, method: GETT}}]}]\n\
                 load: {type: constant_users, users: 1, duration: 1s}\n"
                    .to_owned(),
                Yaml,
                (2, 61),
                true,
            ),
            (
                "name: 日本\nload: {type: constant_users, users: 1, duration: 1s}\n\
                 journeys: [{name: \"日本\", steps: [{request: {path: /}}]}] x\n"
                    .to_owned(),
                Yaml,
                (3, 57),
                false,
            ),
        ] {
            if cfg!(not(feature = "yaml")) && (format == Yaml || located) {
                continue;
            }
            let e = first_error(&doc, format);
            assert_eq!((e.line, e.column), (Some(at.0), Some(at.1)), "{doc}: {e}");
        }
    }

    #[test]
    fn json_counts_too() {
        let doc = r#"{"name":"t","journeys":[],"load":{"type":"constant_users","users":-5,"duration":"1s"}}"#;
        let e = first_error(doc, Format::Json);
        assert_eq!(e.path, "load.users");
        assert_eq!(
            e.message,
            "invalid value: integer `-5`, expected a whole number (0 or more)"
        );
    }
}
