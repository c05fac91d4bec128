//! Escaping text for HTML, SVG and XML markup, shared by the reports (HTML page, JUnit XML)
//! and the panel's hand-drawn SVG charts.

/// Escapes text for XML and HTML, in text and in quoted attributes alike. Characters that XML
/// 1.0 forbids (most C0 controls) become U+FFFD; tabs and line breaks are kept as character
/// references so that attribute values keep them too.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup_and_keeps_the_rest() {
        for (text, want) in [
            ("plain text", "plain text"),
            ("a < b && c > d", "a &lt; b &amp;&amp; c &gt; d"),
            (r#"say "hi" 'there'"#, "say &quot;hi&quot; &#39;there&#39;"),
            ("tab\there\nline\r", "tab&#9;here&#10;line&#13;"),
            ("bell\u{7}", "bell\u{FFFD}"),
            ("café µs ≥", "café µs ≥"),
            ("", ""),
        ] {
            assert_eq!(escape(text), want, "{text:?}");
        }
    }
}
