//! Live-feed messages pushed over the WebSocket (`GET /api/ws`). One tagged enum; the panel
//! matches on it exhaustively and reads it with [`ServerMsg::from_json`] (or, from an already
//! parsed value, [`ServerMsg::from_tagged`]).

use serde::{Deserialize, Serialize};

use crate::api::{Alert, RunInfo};
use crate::metrics::{MetricsSnapshot, RunSummary};
use crate::run::{RunId, RunStatus};

/// Bumped when a message changes incompatibly.
pub const PROTOCOL_VERSION: u32 = 1;

/// A message from the server: a JSON object with a `type` tag next to the variant's fields.
///
/// The derived `Deserialize` works with any format but buffers the whole message (serde's
/// internally tagged enums do), which doubles the reading code in the panel's WebAssembly;
/// the panel uses [`ServerMsg::from_tagged`] instead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "schema",
    derive(schemars::JsonSchema),
    schemars(
        description = "A live-feed message: a JSON object with a `type` tag next to the variant's fields."
    )
)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMsg {
    /// First message on every connection.
    Hello {
        /// The wire protocol's version ([`PROTOCOL_VERSION`]); it changes when messages
        /// change incompatibly.
        protocol: u32,
    },
    /// A run was created.
    RunStarted {
        /// The run.
        run: RunInfo,
    },
    /// Everything so far of a run already in progress, sent to a client that joins mid-run.
    History {
        /// The run.
        run: RunInfo,
        /// Its snapshots so far, in order.
        snapshots: Vec<MetricsSnapshot>,
        /// Its alerts so far.
        alerts: Vec<Alert>,
    },
    /// A run's status changed.
    Status {
        /// Which run.
        run_id: RunId,
        /// New status.
        status: RunStatus,
    },
    /// One interval's metrics.
    Snapshot {
        /// Which run.
        run_id: RunId,
        /// The snapshot.
        snapshot: Box<MetricsSnapshot>,
    },
    /// An alert fired.
    Alert {
        /// Which run.
        run_id: RunId,
        /// The alert.
        alert: Alert,
    },
    /// The run ended.
    Finished {
        /// Which run.
        run_id: RunId,
        /// Its summary.
        summary: Box<RunSummary>,
    },
    /// The client fell behind and missed this many messages; it should refetch the run.
    Lagged {
        /// Messages skipped.
        skipped: u64,
    },
}

impl ServerMsg {
    /// The `type` tags, in declaration order.
    const TYPES: &[&str] = &[
        "hello",
        "run_started",
        "history",
        "status",
        "snapshot",
        "alert",
        "finished",
        "lagged",
    ];

    /// Reads a message from its JSON text in two steps, without buffering: the `type` tag
    /// first (every other field ignored), then that variant's fields from the same text (the
    /// `type` field ignored). Accepts exactly what the derived `Deserialize` accepts from JSON.
    /// The panel reads through [`ServerMsg::from_tagged`] directly.
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        #[derive(Deserialize)]
        struct Tag<'a> {
            // Borrowed when it can be; a tag written with escapes (`"lagg\u0065d"`) is
            // unescaped into a copy, as the derived reader does.
            #[serde(rename = "type", borrow)]
            kind: std::borrow::Cow<'a, str>,
        }
        let tag: Tag<'_> = serde_json::from_str(text)?;
        let mut de = serde_json::Deserializer::from_str(text);
        let msg = Self::from_tagged(&tag.kind, &mut de)?;
        de.end()?;
        Ok(msg)
    }

    /// Reads the fields of the variant tagged `kind` from `de` (any self-describing format;
    /// the `type` field and unknown fields are ignored). The second step of
    /// [`ServerMsg::from_json`], for readers that find the tag another way (the panel reads it
    /// from the value the browser's `JSON.parse` built).
    pub fn from_tagged<'de, D: serde::Deserializer<'de>>(
        kind: &str,
        de: D,
    ) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Hello {
            protocol: u32,
        }
        #[derive(Deserialize)]
        struct RunStarted {
            run: RunInfo,
        }
        #[derive(Deserialize)]
        struct History {
            run: RunInfo,
            snapshots: Vec<MetricsSnapshot>,
            alerts: Vec<Alert>,
        }
        #[derive(Deserialize)]
        struct Status {
            run_id: RunId,
            status: RunStatus,
        }
        #[derive(Deserialize)]
        struct Snapshot {
            run_id: RunId,
            snapshot: Box<MetricsSnapshot>,
        }
        #[derive(Deserialize)]
        struct AlertFired {
            run_id: RunId,
            alert: Alert,
        }
        #[derive(Deserialize)]
        struct Finished {
            run_id: RunId,
            summary: Box<RunSummary>,
        }
        #[derive(Deserialize)]
        struct Lagged {
            skipped: u64,
        }

        Ok(match kind {
            "hello" => {
                let Hello { protocol } = Hello::deserialize(de)?;
                ServerMsg::Hello { protocol }
            }
            "run_started" => {
                let RunStarted { run } = RunStarted::deserialize(de)?;
                ServerMsg::RunStarted { run }
            }
            "history" => {
                let History {
                    run,
                    snapshots,
                    alerts,
                } = History::deserialize(de)?;
                ServerMsg::History {
                    run,
                    snapshots,
                    alerts,
                }
            }
            "status" => {
                let Status { run_id, status } = Status::deserialize(de)?;
                ServerMsg::Status { run_id, status }
            }
            "snapshot" => {
                let Snapshot { run_id, snapshot } = Snapshot::deserialize(de)?;
                ServerMsg::Snapshot { run_id, snapshot }
            }
            "alert" => {
                let AlertFired { run_id, alert } = AlertFired::deserialize(de)?;
                ServerMsg::Alert { run_id, alert }
            }
            "finished" => {
                let Finished { run_id, summary } = Finished::deserialize(de)?;
                ServerMsg::Finished { run_id, summary }
            }
            "lagged" => {
                let Lagged { skipped } = Lagged::deserialize(de)?;
                ServerMsg::Lagged { skipped }
            }
            other => {
                return Err(serde::de::Error::unknown_variant(other, Self::TYPES));
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::samples;

    #[test]
    fn every_message_reads_back_equal() {
        let messages = samples::messages();
        let mut tags = Vec::new();
        for msg in messages {
            let json = serde_json::to_string(&msg).expect("serializes");
            let back = ServerMsg::from_json(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
            assert_eq!(back, msg, "{json}");
            // The derived reader agrees (it is what other clients use).
            assert_eq!(
                serde_json::from_str::<ServerMsg>(&json).expect("derived reader"),
                msg
            );
            let value: serde_json::Value = serde_json::from_str(&json).expect("JSON");
            tags.push(value["type"].as_str().expect("a type tag").to_owned());
        }
        assert_eq!(tags, ServerMsg::TYPES, "every variant, in order");
    }

    #[test]
    fn every_message_reads_from_any_self_describing_format() {
        // The panel finds the tag itself and hands `from_tagged` a deserializer over the
        // browser's parsed value; a `serde_json::Value` stands in for it here.
        for msg in samples::messages() {
            let value = serde_json::to_value(&msg).expect("serializes");
            let tag = value["type"].as_str().expect("a type tag").to_owned();
            let back = ServerMsg::from_tagged(&tag, value).expect("reads");
            assert_eq!(back, msg);
        }
        let err = ServerMsg::from_tagged("lagged", serde_json::json!({"skipped": "3"}))
            .expect_err("a string is not a count");
        assert!(err.to_string().contains("invalid type"), "{err}");
    }

    #[test]
    fn the_tag_may_come_anywhere_and_unknown_types_are_errors() {
        let msg = ServerMsg::from_json(r#"{"skipped":3,"extra":[1],"type":"lagged"}"#)
            .expect("tag last, unknown field ignored");
        assert_eq!(msg, ServerMsg::Lagged { skipped: 3 });

        let err =
            ServerMsg::from_json(r#"{"type":"goodbye","skipped":3}"#).expect_err("unknown type");
        assert!(
            err.to_string().contains("unknown variant `goodbye`"),
            "{err}"
        );
        let err = ServerMsg::from_json(r#"{"skipped":3}"#).expect_err("no type");
        assert!(err.to_string().contains("missing field `type`"), "{err}");
        let err = ServerMsg::from_json(r#"{"type":"lagged"}"#).expect_err("no payload");
        assert!(err.to_string().contains("missing field `skipped`"), "{err}");
        assert!(ServerMsg::from_json("not json").is_err());
    }

    #[test]
    fn an_escaped_tag_reads_as_the_derived_reader_reads_it() {
        // JSON may spell any character of a string as an escape; the tag is still `lagged`.
        let text = r#"{"type":"lagg\u0065d","skipped":3}"#;
        let want = ServerMsg::Lagged { skipped: 3 };
        assert_eq!(
            serde_json::from_str::<ServerMsg>(text).expect("the derived reader"),
            want
        );
        assert_eq!(
            ServerMsg::from_json(text).unwrap_or_else(|e| panic!("{e}: {text}")),
            want
        );
    }
}
