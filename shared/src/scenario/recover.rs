//! The type errors after the first. serde stops at the first value it cannot read, so a
//! document with three mistakes would take three rounds to fix. Once the document has been
//! read and has failed, [`more_errors`] reads it again as a generic tree, takes the part that
//! failed out of the tree (an unknown key, a required section replaced by a stand-in, inside a
//! list item the field when the item reads without it and else the item, or else the field),
//! and reads what is left, until the rest reads or nothing more can be taken out without
//! inventing errors.
//!
//! Only errors that cannot be a consequence of what was taken out are reported: when the
//! next error is at or above the place a part was taken from, the search stops there. The tree
//! is read with the document's own rules: a JSON tree as the JSON reader reads, a YAML tree
//! with YAML's untyped scalars ([`Strict::yaml_tree`]). And an error placed before the first
//! one is dropped: the reader got past that part of the document, so the tree reads it
//! differently.

use serde_json::Value;
use serde_path_to_error::Segment;

use super::Scenario;
use super::locate::Locator;
use super::parse::{Format, ScenarioError, clean_path, humanize, name_the_forms};
use crate::strict::Strict;

/// At most this many errors after the first; each costs one more read of the document.
const MORE_AT_MOST: usize = 20;

/// Bytes of document the search may read in all, so a large document gets fewer reads (a
/// scenario of a few kilobytes gets all of them; one of 1 MB, eight).
const READ_AT_MOST: usize = 8 << 20;

/// One step of a path in the generic tree.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

/// The errors other than `first` (which the reader reported, with its position) in `source`,
/// each placed in the source. Empty when the document cannot be read as a generic tree.
pub(super) fn more_errors(
    source: &str,
    format: Format,
    first: &ScenarioError,
    locator: &Locator,
) -> Vec<ScenarioError> {
    let tree: Option<Value> = match format {
        Format::Json => serde_json::from_str(source).ok(),
        Format::Yaml => serde_saphyr::from_str(source).ok(),
    };
    let Some(mut tree) = tree else {
        return Vec::new();
    };
    // Items taken out of lists, in order, each as (the list's path, the item's index), in the
    // tree as it was when it was taken out.
    let mut taken: Vec<(Vec<Step>, usize)> = Vec::new();
    let mut more = Vec::new();
    // Where the last part was taken from (the parent of what was taken out), in the original
    // document's terms: an error at or above it may be caused by the taking.
    let mut guard: Option<Vec<Step>> = None;
    let mut first_seen = false;
    // Sections replaced by a stand-in: each at most once (a stand-in reads, so a second error
    // there would mean it does not, and the search would go round in circles).
    let mut stood_in: Vec<String> = Vec::new();
    // Reads of the tree: one per error, and one more to try an error's field alone inside a
    // list item.
    let mut reads_left = (READ_AT_MOST / source.len().max(1)).min(2 * MORE_AT_MOST + 1);
    let mut read = |tree: &Value| {
        reads_left = reads_left.checked_sub(1)?;
        Some(match format {
            Format::Json => serde_path_to_error::deserialize::<_, Scenario>(Strict::new(tree)),
            Format::Yaml => {
                serde_path_to_error::deserialize::<_, Scenario>(Strict::yaml_tree(tree))
            }
        })
    };
    let mut next = read(&tree);
    while more.len() < MORE_AT_MOST {
        let err = match next.take() {
            Some(Err(e)) => e,
            Some(Ok(_)) | None => break,
        };
        let Some(here) = steps_of(err.path()) else {
            break;
        };
        let original = to_original(&here, &taken);
        let path = path_text(&original);
        let message = humanize(super::serde_json_message(err.inner()), format);
        if guard.as_ref().is_some_and(|g| at_or_above(&original, g)) {
            break;
        }
        // The tree is read in its own order (a JSON object's keys sorted), so the reader's
        // first error turns up somewhere among the others.
        if !first_seen && path == first.path {
            first_seen = true;
        } else {
            let message = name_the_forms(&path, message.clone(), format);
            more.push(ScenarioError::at(path, message));
        }
        // Take out what failed: an unknown key (which nothing else needs), a required section
        // outside lists (replaced by a stand-in that reads), inside a list item the field
        // alone when the item reads without it (else the item), or else the field itself (if
        // it was required, the next error says it is missing, at the guard, and ends the
        // search).
        let unknown_key = message.starts_with("unknown field");
        let in_item = here.iter().rposition(|s| matches!(s, Step::Index(_)));
        if let (false, None, Some(Step::Key(section))) = (unknown_key, in_item, here.first())
            && let Some(stand_in) = stand_in(section)
            && let Value::Object(top) = &mut tree
        {
            if stood_in.contains(section) {
                break;
            }
            stood_in.push(section.clone());
            top.insert(section.clone(), stand_in);
            guard = None;
            next = read(&tree);
            continue;
        }
        if let Some(i) = in_item
            && !unknown_key
            && i + 1 < here.len()
        {
            // The field alone, tried on a copy: kept when what follows is not about the
            // mapping it was in (a required field now missing, a step now empty).
            let parent = &here[..here.len() - 1];
            let mut trial = tree.clone();
            if take_out(&mut trial, &here) {
                let after = read(&trial);
                let caused = match &after {
                    Some(Err(e)) => steps_of(e.path()).is_none_or(|p| at_or_above(&p, parent)),
                    Some(Ok(_)) => false,
                    None => break,
                };
                if !caused {
                    tree = trial;
                    guard = Some(to_original(parent, &taken));
                    next = after;
                    continue;
                }
            }
        }
        let cut = match in_item {
            Some(i) if !unknown_key => i + 1,
            _ => here.len(),
        };
        if cut == 0 {
            break;
        }
        let (parent, last) = here[..cut].split_at(cut - 1);
        match &last[0] {
            Step::Key(_) => {
                if !take_out(&mut tree, &here[..cut]) {
                    break;
                }
                guard = (!unknown_key).then(|| to_original(parent, &taken));
            }
            Step::Index(i) => {
                let Some(Value::Array(items)) = walk(&mut tree, parent) else {
                    break;
                };
                if *i >= items.len() {
                    break;
                }
                items.remove(*i);
                taken.push((parent.to_vec(), *i));
                guard = Some(to_original(parent, &taken[..taken.len() - 1]));
            }
        }
        next = read(&tree);
    }
    // A missing field is missing from the document too (the tree lacks only what the search
    // took out, and taking out a required field ends the search at the guard), wherever the
    // mapping that lacks it is placed.
    let before_first = |e: &ScenarioError| match (e.line, e.column, first.line, first.column) {
        _ if e.message.starts_with("missing field `") => false,
        (Some(l), Some(c), Some(fl), Some(fc)) => (l, c) < (fl, fc),
        _ => false,
    };
    more.into_iter()
        .map(|mut e| {
            (e.line, e.column) = locator
                .place(&e.path, &e.message)
                .or_else(|| locator.find(&e.path))
                .unzip();
            e
        })
        .filter(|e| !before_first(e))
        .collect()
}

/// A value that reads, for a required top-level section whose own value does not: the search
/// goes on past it (taking the section out would only make it missing).
fn stand_in(section: &str) -> Option<Value> {
    Some(match section {
        "name" => Value::String("stand-in".into()),
        "journeys" => Value::Array(Vec::new()),
        "load" => serde_json::json!({"type": "constant_users", "users": 1, "duration": "1s"}),
        _ => return None,
    })
}

/// A serde path as steps in the tree. An enum variant is a key there (`{ request: … }`);
/// `None` for a segment that cannot be followed.
fn steps_of(path: &serde_path_to_error::Path) -> Option<Vec<Step>> {
    path.iter()
        .map(|segment| match segment {
            Segment::Seq { index } => Some(Step::Index(*index)),
            Segment::Map { key } => Some(Step::Key(key.clone())),
            Segment::Enum { variant } => Some(Step::Key(variant.clone())),
            _ => None,
        })
        .collect()
}

/// True when `path` is `place` or one of the mappings and lists it is in.
fn at_or_above(path: &[Step], place: &[Step]) -> bool {
    place.starts_with(path)
}

/// Takes the mapping entry at `steps` out of `tree`; false when there is none.
fn take_out(tree: &mut Value, steps: &[Step]) -> bool {
    let Some((Step::Key(key), parent)) = steps.split_last() else {
        return false;
    };
    match walk(tree, parent) {
        Some(Value::Object(map)) => map.remove(key).is_some(),
        _ => false,
    }
}

/// The value at `steps`, when it is there.
fn walk<'a>(tree: &'a mut Value, steps: &[Step]) -> Option<&'a mut Value> {
    steps
        .iter()
        .try_fold(tree, |value, step| match (value, step) {
            (Value::Object(map), Step::Key(key)) => map.get_mut(key),
            (Value::Array(items), Step::Index(i)) => items.get_mut(*i),
            _ => None,
        })
}

/// A path in the tree after the takings in `taken` as a path in the original document: undo
/// the takings from the last, each moving later items of its list back up by one.
fn to_original(steps: &[Step], taken: &[(Vec<Step>, usize)]) -> Vec<Step> {
    let mut steps = steps.to_vec();
    for (list, removed) in taken.iter().rev() {
        if steps.len() > list.len()
            && steps.starts_with(list)
            && let Step::Index(i) = &mut steps[list.len()]
            && *i >= *removed
        {
            *i += 1;
        }
    }
    steps
}

/// `journeys[1].steps[0].request`, as serde_path_to_error writes paths.
fn path_text(steps: &[Step]) -> String {
    let mut text = String::new();
    for step in steps {
        match step {
            Step::Key(key) => {
                if !text.is_empty() {
                    text.push('.');
                }
                text.push_str(key);
            }
            Step::Index(i) => text.push_str(&format!("[{i}]")),
        }
    }
    clean_path(&text)
}

#[cfg(test)]
mod tests {
    use crate::scenario::{Format, ScenarioErrors, parse_scenario};

    fn errors(doc: &str, format: Format) -> ScenarioErrors {
        parse_scenario(doc, format).expect_err("invalid")
    }

    /// Path and message of each error.
    fn said(errors: &ScenarioErrors) -> Vec<(&str, &str)> {
        errors
            .0
            .iter()
            .map(|e| (e.path.as_str(), e.message.as_str()))
            .collect()
    }

    /// Path and line of each error.
    fn placed(errors: &ScenarioErrors) -> Vec<(&str, u64)> {
        errors
            .0
            .iter()
            .map(|e| (e.path.as_str(), e.line.unwrap_or(0)))
            .collect()
    }

    const SIX_MISTAKES: &str = "\
name: t
target: http://127.0.0.1:9
options: { timeout: 5q }
journeys:
  - name: j
    steps:
      - request: { method: GETT, path: / }
      - think: 1s
      - request: { method: GET, path: /, bogus: 1 }
      - request: { method: GET, path: /, body: { payload: 10QB } }
  - name: k
    weight: -1
    steps: []
load: { type: constant_vus, users: 2, duration: 10s }
thresholds: [\"p(95) < 1s\", 5]
variables: { a: [1] }
";

    /// Every mistake at once, in the order of the document, each at its own line; list items
    /// after one taken out keep their own indices.
    #[test]
    fn every_type_error_in_one_round() {
        let want = [
            ("options.timeout", 3),
            ("journeys[0].steps[0].request.method", 7),
            ("journeys[0].steps[2].request.bogus", 9),
            ("journeys[0].steps[3].request.body.payload", 10),
            ("journeys[1].weight", 12),
            ("load.type", 14),
            ("thresholds[1]", 15),
            ("variables.a", 16),
        ];
        let yaml = errors(SIX_MISTAKES, Format::Yaml);
        assert_eq!(placed(&yaml), want, "{yaml}");
        assert!(
            yaml.0[2].message.starts_with("unknown field `bogus`"),
            "{yaml}"
        );
        assert!(yaml.0[3].message.contains("\"10QB\""), "{yaml}");

        // The same document as JSON, one value per line.
        let json = r#"{
"name": "t",
"target": "http://127.0.0.1:9",
"options": {"timeout": "5q"},
"journeys": [{"name": "j", "steps": [
  {"request": {"method": "GETT", "path": "/"}},
  {"think": "1s"},
  {"request": {"method": "GET", "path": "/", "bogus": 1}},
  {"request": {"method": "GET", "path": "/", "body": {"payload": "10QB"}}}]},
  {"name": "k",
   "weight": -1, "steps": []}],
"load": {"type": "constant_vus", "users": 2, "duration": "10s"},
"thresholds": ["p(95) < 1s", 5], "variables": {"a": [1]}
}"#;
        let json = errors(json, Format::Json);
        let paths: Vec<_> = placed(&json).into_iter().map(|(p, _)| p).collect();
        assert_eq!(paths, want.map(|(p, _)| p), "{json}");
        assert_eq!(json.0[4].line, Some(11), "{json}");
    }

    /// Scalars the YAML reader takes for their fields (a number for a string, a quoted number,
    /// `yes`) are no errors when they come after the first one.
    #[test]
    fn yaml_scalars_are_read_as_yaml_reads_them() {
        let doc = "\
name: 123
target: http://127.0.0.1:9
options: { timeout: 5q, insecure_tls: yes }
headers: { x-n: 5 }
variables: { id: 3, on: true }
journeys:
  - name: 7
    weight: \"2\"
    steps:
      - request: { method: GET, path: /a }
  - name: k
    weight: -1
    steps: [{ think: 1s }]
load: { type: constant_users, users: \"2\", duration: 10s }
";
        let errs = errors(doc, Format::Yaml);
        assert_eq!(
            placed(&errs),
            [("options.timeout", 3), ("journeys[1].weight", 12)],
            "{errs}"
        );
    }

    /// Taking out what failed must not invent errors: a required field taken out is not
    /// reported missing, and a list left empty is not reported (empty lists are for the
    /// validator to judge, after the document reads).
    #[test]
    fn no_error_comes_from_what_was_taken_out() {
        let doc = "\
name: t
journeys:
  - name: j
    steps:
      - request: { method: GETT, path: / }
load: { type: constant_vus, users: 2, duration: 10s }
";
        let errs = errors(doc, Format::Yaml);
        assert_eq!(
            placed(&errs),
            [("journeys[0].steps[0].request.method", 5), ("load.type", 6)],
            "{errs}"
        );
        let only = errors(
            "name: t\njourneys: []\nload: { type: constant_vus, users: 2, duration: 10s }\n",
            Format::Yaml,
        );
        assert_eq!(placed(&only), [("load.type", 3)], "{only}");
    }

    /// Two mistakes in one list item both show: a field the item reads without is taken out
    /// alone; a required one (a request's `path`) or the last of a mapping that must have one
    /// (a duration's `min` and `max`) takes its item with it, after its error is reported.
    #[test]
    fn two_mistakes_in_one_item_both_show() {
        let doc = "\
name: x
journeys:
  - name: j
    weight: lots
    steps:
      - request: { method: GETT, path: /, headers: [1], checks: [{ status: ok }, { latency_under: 1q }] }
      - request: { path: [1], name: [2] }
      - think: { min: 1q, max: 2q }
      - request: { path: /after, timeout_ms: 5 }
load: { type: constant_users, users: 1, duration: 1s }
";
        let errs = errors(doc, Format::Yaml);
        assert_eq!(
            placed(&errs),
            [
                ("journeys[0].weight", 4),
                ("journeys[0].steps[0].request.method", 6),
                ("journeys[0].steps[0].request.headers", 6),
                ("journeys[0].steps[0].request.checks[0].status", 6),
                ("journeys[0].steps[0].request.checks[1].latency_under", 6),
                ("journeys[0].steps[1].request.path", 7),
                ("journeys[0].steps[1].request.name", 7),
                ("journeys[0].steps[2].think.min", 8),
                ("journeys[0].steps[2].think.max", 8),
                ("journeys[0].steps[3].request.timeout_ms", 9),
            ],
            "{errs}"
        );
        // Nothing about what was taken out: no missing `path`, no empty `think`.
        assert!(
            errs.0.iter().all(|e| !e.message.contains("missing field")
                && !e.message.starts_with("expected a step")),
            "{errs}"
        );
    }

    /// A section the document lacks is reported with the other errors, though the mapping that
    /// lacks it starts before the first error.
    #[test]
    fn a_missing_section_comes_with_the_rest() {
        for (doc, format) in [
            ("name: x\njourneys: 5\n", Format::Yaml),
            (r#"{"name": "x", "journeys": 5}"#, Format::Json),
        ] {
            let errs = errors(doc, format);
            let said = said(&errs);
            assert_eq!(said.len(), 2, "{format:?}: {errs}");
            assert_eq!(said[0], ("", "missing field `load`"), "{format:?}: {errs}");
            assert_eq!(said[1].0, "journeys", "{format:?}: {errs}");
        }
    }

    /// The stand-ins read: a section replaced by one never fails again.
    #[test]
    fn stand_ins_read() {
        for section in ["name", "journeys", "load"] {
            let mut doc = serde_json::json!({
                "name": "t",
                "journeys": [],
                "load": {"type": "constant_users", "users": 1, "duration": "1s"}
            });
            doc[section] = super::stand_in(section).expect("a stand-in");
            let read: Result<crate::scenario::Scenario, _> = serde_json::from_value(doc);
            assert!(read.is_ok(), "{section}: {read:?}");
        }
        assert_eq!(
            super::stand_in("options"),
            None,
            "optional: taken out instead"
        );
    }

    /// A later error is worded as the first would be: a step, a body or a check that is none
    /// of its forms names them (the generic tree's reader says only "string or map"), in the
    /// words of the document's format.
    #[test]
    fn later_errors_name_the_forms_too() {
        let yaml = "\
name: [t]
journeys:
  - name: j
    steps:
      - request: { path: /, body: [1] }
      - [think]
      - request: { path: /x, checks: [[1]] }
      - { request: { path: /y }, think: 1s }
load: { type: constant_users, users: 1, duration: 1s }
";
        let json = r#"{"name": ["t"], "journeys": [{"name": "j", "steps": [
  {"request": {"path": "/", "body": [1]}},
  ["think"],
  {"request": {"path": "/x", "checks": [[1]]}},
  {"request": {"path": "/y"}, "think": "1s"}]}],
"load": {"type": "constant_users", "users": 1, "duration": "1s"}}"#;
        for (doc, format, step, body, check) in [
            (
                yaml,
                Format::Yaml,
                "a step: { request: { … } } or { think: 2s }",
                "a body: { text: … }",
                "a check such as { status: [200] }",
            ),
            (
                json,
                Format::Json,
                r#"a step: {"request": { … }} or {"think": "2s"}"#,
                r#"a body: {"text": …}"#,
                r#"a check such as {"status": [200]}"#,
            ),
        ] {
            let errs = errors(doc, format);
            let said = said(&errs);
            assert_eq!(said.len(), 5, "{format:?}: {errs}");
            for ((path, message), (want_path, forms)) in said[1..].iter().zip([
                ("journeys[0].steps[0].request.body", body),
                ("journeys[0].steps[1]", step),
                ("journeys[0].steps[2].request.checks[0]", check),
            ]) {
                assert_eq!(*path, want_path, "{format:?}: {errs}");
                assert!(
                    message.starts_with("invalid type: sequence, expected ")
                        && message.contains(forms),
                    "{format:?}: {errs}"
                );
            }
            // Two kinds in one step.
            assert_eq!(said[4].0, "journeys[0].steps[3]", "{format:?}: {errs}");
            assert!(
                said[4]
                    .1
                    .starts_with("expected a single key here, the kind (such as "),
                "{format:?}: {errs}"
            );
        }
    }

    /// A document that does not parse has one error, where it stops parsing.
    #[test]
    fn a_syntax_error_is_the_only_error() {
        let broken = "name: t\njourneys: [\n  {name: j, weight: -1}\nload: { type: x }\n";
        assert_eq!(errors(broken, Format::Yaml).0.len(), 1);
        let broken = r#"{"name": "t", "journeys": [{"name": "j", "weight": -1}], "load": }"#;
        assert_eq!(errors(broken, Format::Json).0.len(), 1);
    }
}
