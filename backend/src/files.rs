//! The files a user hands to `stampede`: reading text files (scenarios, run summaries, the
//! server's config) as they wrote them, and telling when two paths name one file.

use std::path::{Path, PathBuf};

/// The byte-order mark that some editors (Notepad, Windows PowerShell's `Out-File -Encoding
/// utf8`) put at the start of UTF-8 files.
const BOM: char = '\u{FEFF}';

/// A UTF-8 text file, without the byte-order mark an editor may have put in front of it: a JSON
/// reader would refuse it as a character before the document, and a user cannot see it.
pub fn read_text(path: &Path) -> std::io::Result<String> {
    let mut text = std::fs::read_to_string(path)?;
    if text.starts_with(BOM) {
        text.drain(..BOM.len_utf8());
    }
    Ok(text)
}

/// The file a path names, so that `a.json` and `./a.json` read as one: its canonical path when
/// it exists, else its canonical directory joined with its name.
pub fn identity(path: &Path) -> PathBuf {
    if let Ok(canonical) = std::fs::canonicalize(path) {
        return canonical;
    }
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    match (std::fs::canonicalize(dir), path.file_name()) {
        (Ok(dir), Some(name)) => dir.join(name),
        _ => path.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::read_text;

    #[test]
    fn a_leading_byte_order_mark_is_dropped_and_nothing_else() {
        let dir = std::env::temp_dir().join(format!("stampede-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a directory");
        let cases = [
            ("\u{FEFF}{\"a\": 1}", "{\"a\": 1}"),
            ("{\"a\": 1}", "{\"a\": 1}"),
            ("\u{FEFF}", ""),
            // Only the first is a byte-order mark; one inside the text is the user's.
            ("\u{FEFF}\u{FEFF}x", "\u{FEFF}x"),
            ("x\u{FEFF}", "x\u{FEFF}"),
        ];
        for (i, (written, read)) in cases.into_iter().enumerate() {
            let path = dir.join(format!("{i}.txt"));
            std::fs::write(&path, written).expect("written");
            assert_eq!(read_text(&path).expect("read"), read, "{written:?}");
        }
        let missing = read_text(&dir.join("missing.txt")).expect_err("no such file");
        assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
