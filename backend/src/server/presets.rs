//! Built-in scenario presets: the shipped examples, compiled into the binary so `GET
//! /api/presets` and "start by name" work from any directory.

use shared::scenario::{Format, Scenario, parse_scenario};

const PRESETS: [(&str, &str); 6] = [
    ("web_app", include_str!("../../../examples/web_app.yaml")),
    ("api_load", include_str!("../../../examples/api_load.yaml")),
    (
        "constant_users",
        include_str!("../../../examples/constant_users.yaml"),
    ),
    (
        "ramping_rate",
        include_str!("../../../examples/ramping_rate.yaml"),
    ),
    ("spike", include_str!("../../../examples/spike.yaml")),
    (
        "random_arrivals",
        include_str!("../../../examples/random_arrivals.yaml"),
    ),
];

/// Every preset, parsed. A preset that does not parse is a build defect caught by the tests, so
/// here it is skipped rather than taking the server down.
pub(crate) fn all() -> Vec<(String, Scenario)> {
    PRESETS
        .iter()
        .filter_map(|(name, text)| {
            parse_scenario(text, Format::Yaml)
                .ok()
                .map(|s| ((*name).to_owned(), s))
        })
        .collect()
}

/// One preset by name.
pub(crate) fn get(name: &str) -> Option<Scenario> {
    PRESETS
        .iter()
        .find(|(n, _)| *n == name)
        .and_then(|(_, text)| parse_scenario(text, Format::Yaml).ok())
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_preset_parses() {
        assert_eq!(super::all().len(), super::PRESETS.len());
    }
}
