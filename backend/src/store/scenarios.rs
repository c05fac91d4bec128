//! Scenarios saved through the API, by name.

use rusqlite::{OptionalExtension, params};
use shared::api::ScenarioEntry;
use shared::scenario::Scenario;

use super::{Store, StoreError, from_json, to_i64, to_u64};

/// Turns a `(name, updated_at_ms, scenario_json)` row into an entry.
fn entry(name: String, updated_at_ms: i64, json: &str) -> Result<ScenarioEntry, StoreError> {
    Ok(ScenarioEntry {
        updated_at_ms: to_u64(
            updated_at_ms,
            format_args!("scenario {name:?}: updated_at_ms"),
        )?,
        scenario: from_json::<Scenario>(json, format_args!("saved scenario {name:?}"))?,
        name,
    })
}

impl Store {
    /// Saves `scenario` under `name`, replacing what was saved under that name before; `true`
    /// when it replaced something.
    pub fn put_scenario(
        &self,
        name: &str,
        scenario: &Scenario,
        now_ms: u64,
    ) -> Result<bool, StoreError> {
        let json = serde_json::to_string(scenario)?;
        // Looked up and written under one hold of the connection (the only one: the data
        // directory is locked to this process), so two saves of a new name cannot both find it
        // free and both answer "created".
        let conn = self.lock();
        let existed = conn
            .query_row(
                "SELECT 1 FROM scenarios WHERE name = ?1",
                [name],
                |_| Ok(()),
            )
            .optional()?
            .is_some();
        // An upsert rather than INSERT OR REPLACE: it updates the row in place, which stays
        // correct if a later migration adds columns (such as a creation time) to keep.
        conn.execute(
            "INSERT INTO scenarios (name, updated_at_ms, scenario_json) VALUES (?1, ?2, ?3) \
             ON CONFLICT (name) DO UPDATE SET updated_at_ms = excluded.updated_at_ms, \
             scenario_json = excluded.scenario_json",
            params![name, to_i64(now_ms, "updated_at_ms")?, json],
        )?;
        Ok(existed)
    }

    /// The scenario saved under `name`, if any.
    pub fn get_scenario(&self, name: &str) -> Result<Option<ScenarioEntry>, StoreError> {
        let row = self
            .lock()
            .query_row(
                "SELECT name, updated_at_ms, scenario_json FROM scenarios WHERE name = ?1",
                [name],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                },
            )
            .optional()?;
        row.map(|(name, at, json)| entry(name, at, &json))
            .transpose()
    }

    /// Every saved scenario, by name.
    pub fn list_scenarios(&self) -> Result<Vec<ScenarioEntry>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT name, updated_at_ms, scenario_json FROM scenarios ORDER BY name",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        rows.map(|row| {
            let (name, at, json) = row?;
            entry(name, at, &json)
        })
        .collect()
    }

    /// Deletes the scenario saved under `name`; false if there was none.
    pub fn delete_scenario(&self, name: &str) -> Result<bool, StoreError> {
        let deleted = self
            .lock()
            .execute("DELETE FROM scenarios WHERE name = ?1", [name])?;
        Ok(deleted > 0)
    }
}
