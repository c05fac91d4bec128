//! The files a user hands to `stampede`: reading text files (scenarios, run summaries, the
//! server's config) as they wrote them, telling when two paths name one file, and writing
//! output files whole (a failed write keeps the old file).

use std::path::{Path, PathBuf};

/// The byte-order mark that some editors (Notepad, Windows PowerShell's `Out-File -Encoding
/// utf8`) put at the start of UTF-8 files.
const BOM: &[u8] = "\u{FEFF}".as_bytes();

/// How much of a file [`read_text`] reads, and what kind of file that is the most of (for the
/// error that says it is too large).
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub bytes: usize,
    /// Named in the error: "the most {what} may be".
    pub what: &'static str,
}

impl Limit {
    /// A scenario file: as much as the parser takes.
    pub const SCENARIO: Limit = Limit {
        bytes: shared::scenario::MAX_SCENARIO_BYTES,
        what: "a scenario",
    };
    /// A run summary or a run saved from the API (its scenario, summary and alerts).
    pub const RUN: Limit = Limit {
        bytes: 64 << 20,
        what: "a saved run",
    };
    /// The server's config file.
    pub const CONFIG: Limit = Limit {
        bytes: 1 << 20,
        what: "a config file",
    };
}

/// A UTF-8 text file, without the byte-order mark an editor may have put in front of it: a JSON
/// reader would refuse it as a character before the document, and a user cannot see it. No more
/// than `limit` is read: a file named by mistake (a log, a disk image, `/dev/zero`) is an
/// error, not a process that fills the memory.
pub fn read_text(path: &Path, limit: Limit) -> std::io::Result<String> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take((limit.bytes + BOM.len() + 1) as u64)
        .read_to_end(&mut bytes)?;
    let start = if bytes.starts_with(BOM) { BOM.len() } else { 0 };
    if bytes.len() - start > limit.bytes {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "it is larger than {}, the most {} may be",
                shared::units::human_bytes(limit.bytes as u64),
                limit.what
            ),
        ));
    }
    bytes.drain(..start);
    String::from_utf8(bytes).map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "it is not UTF-8 text (a binary file?)",
        )
    })
}

/// The file a path names, so that `a.json` and `./a.json` read as one: its canonical path when
/// it exists, else its canonical directory joined with its name. A symbolic link to a file not
/// there yet names that file, which writing through the link creates: `link.json` pointing to
/// `a.json` is `a.json`, whether or not `a.json` exists yet.
pub fn identity(path: &Path) -> PathBuf {
    if let Ok(canonical) = std::fs::canonicalize(path) {
        return canonical;
    }
    let mut path = path.to_path_buf();
    // As many links as the kernel follows (Linux: 40); a loop of them ends here.
    for _ in 0..40 {
        let Ok(target) = std::fs::read_link(&path) else {
            break;
        };
        // A relative target is read from the link's directory; `join` keeps an absolute one.
        path = match path.parent() {
            Some(dir) => dir.join(target),
            None => target,
        };
    }
    let path = path.as_path();
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    match (std::fs::canonicalize(dir), path.file_name()) {
        (Ok(dir), Some(name)) => dir.join(name),
        _ => path.to_path_buf(),
    }
}

/// A file a command reads, which none of its outputs may overwrite.
pub struct Input<'a> {
    pub path: &'a Path,
    /// What it is, for the error: "the scenario file".
    pub is: &'a str,
    /// What writing over it would lose: "the scenario it runs".
    pub keeps: &'a str,
}

/// Why a command's outputs (`(flag, path)`, in the order given) cannot be written as given: one
/// is an input, which it would overwrite, or two name one file, which the second would
/// overwrite. `a.json` and `./a.json` are one file ([`identity`]), whether or not it exists.
pub fn output_clash(inputs: &[Input<'_>], outputs: &[(&str, &Path)]) -> Option<String> {
    let inputs: Vec<(PathBuf, &Input<'_>)> = inputs
        .iter()
        .map(|input| (identity(input.path), input))
        .collect();
    let ids: Vec<PathBuf> = outputs.iter().map(|(_, path)| identity(path)).collect();
    for (i, (&(flag, path), id)) in outputs.iter().zip(&ids).enumerate() {
        if let Some((_, input)) = inputs.iter().find(|(input_id, _)| input_id == id) {
            return Some(format!(
                "{flag} {} is {}; an output must not overwrite {}",
                path.display(),
                input.is,
                input.keeps
            ));
        }
        if let Some(j) = ids[..i].iter().position(|other| other == id) {
            let (first_flag, first_path) = outputs[j];
            return Some(
                if first_flag == flag && first_path.as_os_str() == path.as_os_str() {
                    format!(
                        "{flag} {} is given twice; each output needs a file of its own",
                        path.display()
                    )
                } else {
                    format!(
                        "{first_flag} {} and {flag} {} are the same file; each output needs a file \
                     of its own",
                        first_path.display(),
                        path.display()
                    )
                },
            );
        }
    }
    None
}

/// An output file a command writes (`run --out` and `--report`, `compare --junit` and
/// `--json`), opened before the work that fills it, so that a path that cannot be written is
/// reported before any load is sent (or any run is read) rather than after.
pub struct OutFile {
    path: PathBuf,
    file: std::fs::File,
    /// True when opening it created it (so giving up removes it again).
    created: bool,
}

impl OutFile {
    /// Opens `path` for writing, creating it if it does not exist; an existing file keeps its
    /// content until [`OutFile::write`]. The error comes with the path, for its message.
    pub fn open(path: &Path) -> Result<Self, (&Path, std::io::Error)> {
        let existed = path.exists();
        // No truncation yet: an existing file keeps its content until there is something to
        // write.
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|e| (path, e))?;
        Ok(Self {
            path: path.to_owned(),
            file,
            created: !existed,
        })
    }

    /// The path it was opened with.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `content` as the file's whole content.
    ///
    /// A regular file is replaced, not rewritten: the content goes to a new file beside it (in
    /// the directory of the file a symlink names), which is renamed over it once complete. So a
    /// write that fails half way (a full disk, a quota) leaves the old file as it was, not cut
    /// short. Only where no file can be made beside it is it rewritten in place. A pipe, FIFO
    /// or device (`--out /dev/stdout`, `--out >(jq …)`) is written as it is: it has no old
    /// content, and refuses to be truncated.
    pub fn write(mut self, content: &[u8]) -> std::io::Result<()> {
        use std::io::Write as _;
        let meta = self.file.metadata()?;
        if meta.is_file() {
            let real = std::fs::canonicalize(&self.path)?;
            if let Some(mut side) = SideFile::create(&real) {
                let replaced = side
                    .file
                    .write_all(content)
                    .and_then(|()| side.file.set_permissions(meta.permissions()))
                    .and_then(|()| side.file.sync_all())
                    .and_then(|()| std::fs::rename(&side.path, &real));
                if replaced.is_ok() {
                    side.renamed = true;
                }
                return replaced;
            }
            self.file.set_len(0)?;
        }
        self.file.write_all(content)?;
        self.file.flush()
    }

    /// Nothing will be written: remove the file if opening it created it.
    pub fn discard(self) {
        let Self {
            path,
            file,
            created,
        } = self;
        drop(file);
        if created {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// A new file beside another, to be renamed over it; removed on drop unless it was.
struct SideFile {
    path: PathBuf,
    file: std::fs::File,
    renamed: bool,
}

impl SideFile {
    /// `.NAME.PID.stampede` in `real`'s directory, or `None` where no file can be made there.
    fn create(real: &Path) -> Option<Self> {
        let mut name = std::ffi::OsString::from(".");
        name.push(real.file_name()?);
        name.push(format!(".{}.stampede", std::process::id()));
        let path = real.with_file_name(name);
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .ok()?;
        Some(Self {
            path,
            file,
            renamed: false,
        })
    }
}

impl Drop for SideFile {
    fn drop(&mut self) {
        if !self.renamed {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Limit, read_text};
    use std::path::Path;

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
            assert_eq!(
                read_text(&path, Limit::RUN).expect("read"),
                read,
                "{written:?}"
            );
        }
        let missing = read_text(&dir.join("missing.txt"), Limit::RUN).expect_err("no such file");
        assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Text up to the limit is read whole (a byte-order mark not counted); one byte more is an
    /// error that says how large the file may be, as is text that is not UTF-8.
    #[test]
    fn a_file_is_read_up_to_its_limit_and_no_further() {
        let dir = std::env::temp_dir().join(format!("stampede-limit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a directory");
        let limit = Limit {
            bytes: 8,
            what: "a test file",
        };
        let too_large = "it is larger than 8 B, the most a test file may be";
        let cases: [(&[u8], Result<&str, &str>); 7] = [
            (b"12345678", Ok("12345678")),
            (b"\xEF\xBB\xBF12345678", Ok("12345678")),
            (b"", Ok("")),
            (b"123456789", Err(too_large)),
            (b"\xEF\xBB\xBF123456789", Err(too_large)),
            // "é" is two bytes: eight characters, nine bytes.
            ("1234567é".as_bytes(), Err(too_large)),
            (b"12\xFF", Err("it is not UTF-8 text (a binary file?)")),
        ];
        for (i, (written, expected)) in cases.into_iter().enumerate() {
            let path = dir.join(format!("{i}.txt"));
            std::fs::write(&path, written).expect("written");
            let read = read_text(&path, limit).map_err(|e| e.to_string());
            assert_eq!(
                read.as_deref(),
                expected.map_err(str::to_owned).as_deref(),
                "{written:?}"
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// An endless file ends at the limit.
    #[cfg(unix)]
    #[test]
    fn an_endless_file_is_refused() {
        let read = read_text(Path::new("/dev/zero"), Limit::CONFIG).expect_err("too large");
        assert_eq!(read.kind(), std::io::ErrorKind::InvalidData);
        assert!(
            read.to_string().contains("the most a config file may be"),
            "{read}"
        );
    }

    #[test]
    fn an_output_may_not_overwrite_an_input_or_another_output() {
        use super::{Input, output_clash};
        let dir = std::env::temp_dir().join(format!("stampede-clash-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a directory");
        let scenario = dir.join("s.yaml");
        std::fs::write(&scenario, "name: s").expect("a scenario");
        let dotted = dir.join(".").join("s.yaml");
        let (a, b) = (dir.join("a.json"), dir.join("b.csv"));
        let a_again = dir.join("x").join("..").join("a.json");
        let b_dotted = dir.join(".").join("b.csv");
        std::fs::create_dir_all(dir.join("x")).expect("x");
        let inputs = [Input {
            path: &scenario,
            is: "the scenario file",
            keeps: "the scenario",
        }];
        let show = |p: &Path| p.display().to_string();
        type Outputs<'a> = Vec<(&'a str, &'a Path)>;
        let cases: Vec<(Outputs, Option<String>)> = vec![
            (vec![], None),
            (vec![("--out", &a), ("--report", &b)], None),
            (
                vec![("--out", &dotted)],
                Some(format!(
                    "--out {} is the scenario file; an output must not overwrite the scenario",
                    show(&dotted)
                )),
            ),
            (
                vec![("--report", &b), ("--report", &b)],
                Some(format!(
                    "--report {} is given twice; each output needs a file of its own",
                    show(&b)
                )),
            ),
            // One file, written two ways: not "given twice".
            (
                vec![("--report", &b), ("--report", &b_dotted)],
                Some(format!(
                    "--report {} and --report {} are the same file; each output needs a file of \
                     its own",
                    show(&b),
                    show(&b_dotted)
                )),
            ),
            // Neither exists yet: one file all the same.
            (
                vec![("--out", &a), ("--report", &b), ("--report", &a_again)],
                Some(format!(
                    "--out {} and --report {} are the same file; each output needs a file of \
                     its own",
                    show(&a),
                    show(&a_again)
                )),
            ),
        ];
        for (outputs, want) in cases {
            assert_eq!(output_clash(&inputs, &outputs), want, "{outputs:?}");
        }
        assert!(!a.exists() && !b.exists(), "checking creates nothing");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
