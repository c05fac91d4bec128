//! A small HTML writer for the panel's read-only blocks. They are rendered as markup strings
//! by pure functions (tested natively) and set with `inner_html`, which costs far less
//! WebAssembly than a typed `view!` tree per element shape. Every text and attribute value
//! goes through [`shared::markup::escape`].

use shared::markup::escape;

/// HTML being written.
#[derive(Debug, Default)]
pub struct Html(String);

impl Html {
    /// Nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// `<tag name="value" …>`. Attributes with an empty value are left out, so optional ones
    /// (`data-tone`, a class that is sometimes there) can be passed as `""`.
    pub fn open(&mut self, tag: &str, attrs: &[(&str, &str)]) -> &mut Self {
        self.0.push('<');
        self.0.push_str(tag);
        for (name, value) in attrs {
            if !value.is_empty() {
                self.0.push(' ');
                self.0.push_str(name);
                self.0.push_str("=\"");
                self.0.push_str(&escape(value));
                self.0.push('"');
            }
        }
        self.0.push('>');
        self
    }

    /// Markup written as it is: for literals of this crate only (hence `'static`), never data.
    pub fn raw(&mut self, markup: &'static str) -> &mut Self {
        self.0.push_str(markup);
        self
    }

    /// Text, escaped.
    pub fn text(&mut self, text: &str) -> &mut Self {
        self.0.push_str(&escape(text));
        self
    }

    /// `</tag>`.
    pub fn close(&mut self, tag: &str) -> &mut Self {
        self.0.push_str("</");
        self.0.push_str(tag);
        self.0.push('>');
        self
    }

    /// `<tag …>text</tag>`.
    pub fn el(&mut self, tag: &str, attrs: &[(&str, &str)], text: &str) -> &mut Self {
        self.open(tag, attrs).text(text).close(tag)
    }

    /// The markup.
    pub fn finish(&mut self) -> String {
        std::mem::take(&mut self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_text_and_attributes_and_skips_empty_attributes() {
        let mut h = Html::new();
        h.open("p", &[("class", "a"), ("data-x", ""), ("title", "\"q\"")])
            .text("<script>&")
            .close("p")
            .el("span", &[], "x")
            .raw("<br>");
        assert_eq!(
            h.finish(),
            "<p class=\"a\" title=\"&quot;q&quot;\">&lt;script&gt;&amp;</p><span>x</span><br>"
        );
        assert_eq!(h.finish(), "");
    }
}
