//! Maps a field path such as `journeys[1].steps[3].request.method` to the line and column
//! where that value starts in a YAML (or JSON) source, so that errors found after parsing —
//! by validation — can still point into the file.

use std::collections::HashMap;

use serde_saphyr::granit_parser::{Event, Parser};

/// Line and column (both 1-based) of every value in a document, by field path.
#[derive(Debug, Default)]
pub(crate) struct Locator {
    positions: HashMap<String, (u64, u64)>,
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
    /// Builds the map. A document that does not parse yields an empty locator: its syntax error
    /// is reported by the deserializer, with its own position.
    pub(crate) fn new(source: &str) -> Self {
        let mut positions = HashMap::new();
        let mut stack: Vec<Frame> = Vec::new();
        // Bounded: a locator is a convenience and must not amplify a hostile document.
        for item in Parser::new_from_str(source).take(1_000_000) {
            let Ok((event, span)) = item else { break };
            let at = (span.start.line() as u64, span.start.col() as u64 + 1);
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
                    key: key @ None, ..
                }),
                Event::Scalar(text, ..),
            ) = (stack.last_mut(), &event)
            {
                *key = Some(text.to_string());
                continue;
            }
            let path = match stack.last_mut() {
                None => String::new(),
                Some(Frame::Map { path, key }) => {
                    let k = key.clone().unwrap_or_default();
                    if path.is_empty() {
                        k
                    } else {
                        format!("{path}.{k}")
                    }
                }
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
        Self { positions }
    }

    /// Position of the value at `path`, or of its closest ancestor that has one.
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
    fn works_on_json_too() {
        let src =
            "{\n  \"name\": \"x\",\n  \"load\": {\"type\": \"constant_users\", \"users\": 0}\n}";
        let loc = Locator::new(src);
        assert_eq!(loc.find("load.users"), Some((3, 47)));
    }
}
