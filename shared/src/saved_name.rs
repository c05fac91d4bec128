//! The name a scenario is saved under: it lives at `/api/scenarios/{name}`, so it must come back
//! unchanged as one URL path segment. The server judges names with [`problem`]; the panel
//! offers [`suggest`] (the scenario's own name made into a valid one) as the name to save under.

/// The rule, as the server's 400 and the OpenAPI document state it.
pub const RULE: &str = "a scenario name is 1 to 128 characters, each an ASCII letter, digit, \
     '-', '_' or '.', and not only dots (\".\" and \"..\" do not survive in a URL path)";

/// The longest name, in characters (all ASCII, so also in bytes).
pub const MAX_LEN: usize = 128;

/// Why a name cannot name a saved scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameProblem {
    Empty,
    TooLong,
    /// A character outside the set (the first one found).
    Character(char),
    /// `.`, `..` and the like: clients and proxies resolve them as path steps.
    OnlyDots,
}

impl std::fmt::Display for NameProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NameProblem::Empty => f.write_str("it is empty"),
            NameProblem::TooLong => write!(f, "it is longer than {MAX_LEN} characters"),
            NameProblem::Character(c) => write!(f, "'{c}' is not allowed"),
            NameProblem::OnlyDots => f.write_str("it is only dots"),
        }
    }
}

fn allowed(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

/// What is wrong with `name` as a saved scenario's name; `None` when it is a valid one.
pub fn problem(name: &str) -> Option<NameProblem> {
    if name.is_empty() {
        Some(NameProblem::Empty)
    } else if name.len() > MAX_LEN {
        Some(NameProblem::TooLong)
    } else if let Some(c) = name.chars().find(|c| !allowed(*c)) {
        Some(NameProblem::Character(c))
    } else if name.chars().all(|c| c == '.') {
        Some(NameProblem::OnlyDots)
    } else {
        None
    }
}

/// A valid name made from a scenario's `name`: each run of characters a name may not hold
/// becomes one `-` (none at either end), and the whole is cut at [`MAX_LEN`]. A valid name comes
/// back as it is. `None` when nothing usable is left (no allowed character, or only dots).
pub fn suggest(name: &str) -> Option<String> {
    let mut out = String::with_capacity(name.len().min(MAX_LEN));
    for part in name.split(|c| !allowed(c)).filter(|p| !p.is_empty()) {
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(part);
    }
    out.truncate(MAX_LEN);
    problem(&out).is_none().then_some(out)
}

/// [`suggest`], but never one of `reserved` (the built-in presets' names, which the server
/// refuses to save under): such a name gets `-copy` at its end.
pub fn suggest_besides<'a>(
    name: &str,
    reserved: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    const COPY: &str = "-copy";
    let mut out = suggest(name)?;
    if reserved.into_iter().any(|r| r == out) {
        out.truncate(MAX_LEN - COPY.len());
        out.push_str(COPY);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::{MAX_LEN, NameProblem, problem, suggest, suggest_besides};

    #[test]
    fn names_must_survive_as_a_url_path_segment() {
        let cases = [
            ("quick", None),
            ("web_app-2.yaml", None),
            (".hidden", None),
            ("a..b", None),
            ("...x", None),
            ("", Some(NameProblem::Empty)),
            (".", Some(NameProblem::OnlyDots)),
            ("..", Some(NameProblem::OnlyDots)),
            ("...", Some(NameProblem::OnlyDots)),
            ("a b", Some(NameProblem::Character(' '))),
            ("a/b", Some(NameProblem::Character('/'))),
            ("ünï", Some(NameProblem::Character('ü'))),
            ("a%2Fb", Some(NameProblem::Character('%'))),
        ];
        for (name, want) in cases {
            assert_eq!(problem(name), want, "{name:?}");
        }
        assert_eq!(problem(&"x".repeat(MAX_LEN)), None);
        assert_eq!(
            problem(&"x".repeat(MAX_LEN + 1)),
            Some(NameProblem::TooLong)
        );
    }

    #[test]
    fn a_scenario_name_suggests_a_valid_name_to_save_under() {
        let long = "y".repeat(MAX_LEN);
        let cases = [
            ("quick", Some("quick")),
            ("web_app-2.yaml", Some("web_app-2.yaml")),
            ("-x", Some("-x")),
            ("a--b", Some("a--b")),
            ("shop test", Some("shop-test")),
            ("  shop   test  ", Some("shop-test")),
            ("checkout / EU (v2)", Some("checkout-EU-v2")),
            ("ünï cödé", Some("n-c-d")),
            ("..", None),
            (". .", Some(".-.")),
            ("  ..  ", None),
            ("", None),
            (". .", Some(".-.")),
            ("  ..  ", None),
            ("日本語", None),
        ];
        for (name, want) in cases {
            assert_eq!(suggest(name).as_deref(), want, "{name:?}");
        }
        // Cut to the longest name; a name that long is kept whole.
        assert_eq!(
            suggest(&format!("{long} tail")).as_deref(),
            Some(long.as_str())
        );
        assert_eq!(suggest(&long).as_deref(), Some(long.as_str()));
    }

    #[test]
    fn a_preset_name_is_suggested_as_a_copy() {
        let presets = ["web_app", "api_load"];
        let long = "p".repeat(MAX_LEN);
        let cases = [
            ("web_app", Some("web_app-copy".to_owned())),
            ("web app", Some("web-app".to_owned())),
            ("shop", Some("shop".to_owned())),
            ("", None),
            (
                long.as_str(),
                Some(format!("{}-copy", &long[..MAX_LEN - 5])),
            ),
        ];
        for (name, want) in cases {
            let reserved = presets.iter().copied().chain([long.as_str()]);
            let got = suggest_besides(name, reserved);
            assert_eq!(got, want, "{name:?}");
            assert!(got.is_none_or(|n| problem(&n).is_none()));
        }
    }

    #[test]
    fn a_suggestion_is_valid_and_a_valid_name_is_its_own_suggestion() {
        let names = [
            "quick",
            "a b",
            "a/b",
            "ünï",
            "a%2Fb",
            ".",
            "..",
            ".hidden",
            "a..b",
            " . x",
            "x\u{0}y",
            "tab\there",
            "€100 load",
            "-",
            "_",
            "a-",
            "-a-",
        ];
        for name in names {
            match (problem(name), suggest(name)) {
                (None, suggestion) => assert_eq!(suggestion.as_deref(), Some(name), "{name:?}"),
                (Some(_), Some(s)) => assert_eq!(problem(&s), None, "{name:?} → {s:?}"),
                (Some(_), None) => {}
            }
        }
    }
}
