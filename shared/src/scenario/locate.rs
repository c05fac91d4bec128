//! Maps a field path such as `journeys[1].steps[3].request.method` to the line and column
//! where that value starts in a YAML (or JSON) source, so that errors found after parsing —
//! by validation — can still point into the file.

use std::collections::HashMap;

use serde_saphyr::granit_parser::{Event, Parser};

/// Line and column (both 1-based) of every value in a document, and of every mapping key, by
/// field path.
#[derive(Debug, Default)]
pub(crate) struct Locator {
    positions: HashMap<String, (u64, u64)>,
    keys: HashMap<String, (u64, u64)>,
    /// The whole document was read: it is well-formed, so an error about it is about a value.
    complete: bool,
}

enum Frame {
    /// In a mapping; `key` holds the pending key once read, `None` while expecting one.
    Map {
        path: String,
        key: Option<String>,
    },
    Seq {
        path: String,
        next: usize,
    },
}

impl Locator {
    /// Builds the maps. A document that does not parse yields the places up to its syntax
    /// error, which the deserializer reports with its own position.
    pub(crate) fn new(source: &str) -> Self {
        let mut positions = HashMap::new();
        let mut keys = HashMap::new();
        let mut complete = false;
        let mut stack: Vec<Frame> = Vec::new();
        // Bounded: a locator is a convenience and must not amplify a hostile document.
        for item in Parser::new_from_str(source).take(1_000_000) {
            let Ok((event, span)) = item else { break };
            let at = (span.start.line() as u64, span.start.col() as u64 + 1);
            complete = matches!(event, Event::StreamEnd);
            let starts_node = matches!(
                event,
                Event::Scalar(..)
                    | Event::MappingStart(..)
                    | Event::SequenceStart(..)
                    | Event::Alias(..)
            );
            if !starts_node {
                if matches!(event, Event::MappingEnd | Event::SequenceEnd) {
                    stack.pop();
                    finish_value(&mut stack);
                }
                continue;
            }
            // Is this node a mapping key? Then remember it and wait for the value.
            if let (
                Some(Frame::Map {
                    path,
                    key: key @ None,
                }),
                Event::Scalar(text, ..),
            ) = (stack.last_mut(), &event)
            {
                keys.entry(child(path, text)).or_insert(at);
                *key = Some(text.to_string());
                continue;
            }
            let path = match stack.last_mut() {
                None => String::new(),
                Some(Frame::Map { path, key }) => child(path, key.as_deref().unwrap_or_default()),
                Some(Frame::Seq { path, next }) => {
                    let p = format!("{path}[{next}]");
                    *next += 1;
                    p
                }
            };
            positions.entry(path.clone()).or_insert(at);
            match event {
                Event::MappingStart(..) => stack.push(Frame::Map { path, key: None }),
                Event::SequenceStart(..) => stack.push(Frame::Seq { path, next: 0 }),
                _ => finish_value(&mut stack),
            }
        }
        Self {
            positions,
            keys,
            complete,
        }
    }

    /// Where an error about `path` belongs, when the document was read whole and has that
    /// path: an unknown field at its key, an unknown kind at its name when that is a key,
    /// anything else at the start of its value (a missing field at the mapping that lacks it).
    /// `None` for an error about the whole document (no path) and for a duplicate key (its path
    /// is its mapping's): the reader's own place, if any, is the better one.
    pub(crate) fn place(&self, path: &str, message: &str) -> Option<(u64, u64)> {
        if !self.complete || path.is_empty() || message.starts_with("duplicate ") {
            return None;
        }
        if message.starts_with("unknown field") {
            return self.keys.get(path).copied();
        }
        let kind = message
            .strip_prefix("unknown kind `")
            .and_then(|rest| rest.split_once('`'))
            .and_then(|(name, _)| self.keys.get(&child(path, name)));
        kind.or_else(|| self.positions.get(path)).copied()
    }

    /// Where the value at `path` starts, or else its nearest ancestor that the document has.
    pub(crate) fn find(&self, path: &str) -> Option<(u64, u64)> {
        let mut p = path;
        loop {
            if let Some(pos) = self.positions.get(p) {
                return Some(*pos);
            }
            let cut = p.rfind(['.', '['])?;
            p = &p[..cut];
        }
    }
}

/// The path of `key` in the mapping at `path`.
fn child(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// A value in a mapping is complete: the mapping now expects its next key.
fn finish_value(stack: &mut [Frame]) {
    if let Some(Frame::Map { key, .. }) = stack.last_mut() {
        *key = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_nested_values() {
        let src = "name: x\njourneys:\n  - name: a\n    steps:\n      - request:\n          method: GETT\n          path: /\n";
        let loc = Locator::new(src);
        assert_eq!(loc.find("name"), Some((1, 7)));
        assert_eq!(
            loc.find("journeys[0].steps[0].request.method"),
            Some((6, 19))
        );
        assert_eq!(loc.find("journeys[0].steps[0].request.path"), Some((7, 17)));
        // Unknown deeper paths fall back to the nearest ancestor.
        assert_eq!(loc.find("journeys[0].steps[0].request.nope"), Some((6, 11)));
    }

    #[test]
    fn places_an_error_at_its_value_key_or_kind() {
        let src = "load: { type: constant_users, users: x }\nbody: { xml: 1 }\nthink: 2\n";
        let loc = Locator::new(src);
        let at = |path, message| loc.place(path, message);
        assert_eq!(at("load.users", "invalid type"), Some((1, 38)));
        // A missing field at the mapping that lacks it.
        assert_eq!(at("load", "missing field `duration`"), Some((1, 7)));
        assert_eq!(at("load.users", "unknown field `users`"), Some((1, 31)));
        assert_eq!(
            at("body", "unknown kind `xml`, expected one of …"),
            Some((2, 9))
        );
        // A kind given as a value, not a key: at the value.
        assert_eq!(at("think", "unknown kind `2`"), Some((3, 8)));
        // Only paths the document has; `find` falls back to an ancestor, `place` does not.
        assert_eq!(at("load.duration", "invalid type"), None);
        // Not the whole document, nor a duplicate key (whose path is its mapping's).
        assert_eq!(at("", "missing field `name`"), None);
        assert_eq!(at("load", "duplicate field `users`"), None);
        // Not in a document the reader could not read whole: its error has its own place.
        let broken = Locator::new("load: { users: x\nname: [");
        assert_eq!(broken.place("load.users", "invalid type"), None);
        assert_eq!(broken.find("load.users"), Some((1, 16)));
    }

    #[test]
    fn works_on_json_too() {
        let src =
            "{\n  \"name\": \"x\",\n  \"load\": {\"type\": \"constant_users\", \"users\": 0}\n}";
        let loc = Locator::new(src);
        assert_eq!(loc.find("load.users"), Some((3, 47)));
    }
}
