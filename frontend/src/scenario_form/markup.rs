//! Read-only parts of the compose page as markup: problems next to a field, the list of
//! problems without one, and the options of a menu. The page sets them with `inner_html`, which
//! keeps the WebAssembly far smaller than a view per item; [`Html`] escapes every text.

use shared::api::Problem;

use crate::markup::Html;

/// The problems shown at one field: each a `.field-error` with `data-error-path` (the
/// problem's own path, which may be deeper than the field's).
pub fn field_errors(problems: &[Problem]) -> String {
    let mut h = Html::new();
    for p in problems {
        h.el(
            "span",
            &[("class", "field-error"), ("data-error-path", &p.path)],
            &p.message,
        );
    }
    h.finish()
}

/// The items of a list of problems. One with a position gets a button that carries it in
/// `data-line` and `data-column`, for a click handler on the list to put the cursor there.
pub fn problem_items(problems: &[Problem]) -> String {
    let mut h = Html::new();
    for p in problems {
        h.open("li", &[("class", "problem"), ("data-error-path", &p.path)]);
        if let Some(line) = p.line {
            let line = line.to_string();
            let column = p.column.unwrap_or(1).to_string();
            let pos = match p.column {
                Some(_) => format!("{line}:{column}"),
                None => line.clone(),
            };
            h.el(
                "button",
                &[
                    ("class", "problem__pos"),
                    ("type", "button"),
                    ("title", "Go to this line and column"),
                    ("data-line", &line),
                    ("data-column", &column),
                ],
                &pos,
            );
        }
        if !p.path.is_empty() {
            h.el("code", &[("class", "problem__path")], &p.path);
        }
        h.el("span", &[("class", "problem__message")], &p.message);
        h.close("li");
    }
    h.finish()
}

/// The options of a menu: `(value, label)` pairs, the one whose value is `selected` marked so.
/// (An option's `value` is always written, even when empty: that is the "all"/"none" choice.)
pub fn options(items: &[(String, String)], selected: &str) -> String {
    let mut h = Html::new();
    for (value, label) in items {
        h.raw("<option value=\"").text(value).raw("\"");
        if value == selected {
            h.raw(" selected");
        }
        h.raw(">").text(label).close("option");
    }
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(path: &str, message: &str, line: Option<u64>, column: Option<u64>) -> Problem {
        Problem {
            path: path.into(),
            message: message.into(),
            line,
            column,
        }
    }

    #[test]
    fn field_errors_are_escaped_spans_with_their_path() {
        assert_eq!(field_errors(&[]), "");
        assert_eq!(
            field_errors(&[
                problem("load.rate", "must be > 0 & <5", None, None),
                problem("a\"b", "x", None, None)
            ]),
            "<span class=\"field-error\" data-error-path=\"load.rate\">must be &gt; 0 &amp; &lt;5</span>\
             <span class=\"field-error\" data-error-path=\"a&quot;b\">x</span>"
        );
    }

    #[test]
    fn problem_items_show_position_path_and_message() {
        assert_eq!(
            problem_items(&[problem("target", "<bad>", Some(3), Some(7))]),
            "<li class=\"problem\" data-error-path=\"target\">\
             <button class=\"problem__pos\" type=\"button\" title=\"Go to this line and column\" \
             data-line=\"3\" data-column=\"7\">3:7</button>\
             <code class=\"problem__path\">target</code>\
             <span class=\"problem__message\">&lt;bad&gt;</span></li>"
        );
        // A line without a column goes to its start; no path, no position: just the message.
        assert!(
            problem_items(&[problem("", "m", Some(2), None)])
                .contains("data-line=\"2\" data-column=\"1\">2</button><span")
        );
        assert_eq!(
            problem_items(&[problem("", "m", None, Some(4))]),
            "<li class=\"problem\"><span class=\"problem__message\">m</span></li>"
        );
    }

    #[test]
    fn options_mark_the_selected_value() {
        assert_eq!(
            options(
                &[("".into(), "all".into()), ("a&b".into(), "a & b".into())],
                "a&b"
            ),
            "<option value=\"\">all</option><option value=\"a&amp;b\" selected>a &amp; b</option>"
        );
        assert_eq!(options(&[], "x"), "");
    }
}
