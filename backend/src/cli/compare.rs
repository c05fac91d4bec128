//! `stampede compare`: two runs side by side, and an exit code that tells CI whether the
//! candidate regressed. The comparison is `shared::compare`, as in the panel and the API.

use crate::console::errln;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use shared::api::{RunComparison, RunDetail, RunInfo};
use shared::compare::{self, Change, Figures, Side, Tolerance};

use super::exit;
use super::reports::run_info;
use super::summary::term;
use crate::files::{Input, OutFile, output_clash};

/// Flags of `stampede compare`.
#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// The run compared against: a summary written by `stampede run --out`, or a run saved
    /// from the API (`GET /api/runs/{id}`).
    pub baseline: PathBuf,
    /// The run judged, in either form.
    pub candidate: PathBuf,
    /// How large a change must be, in percent of the baseline, to count as a regression or an
    /// improvement (`5` or `5%`). Each metric also has a noise floor: 1 ms of latency, 1
    /// request/s, 0.1 percentage points of error rate.
    #[arg(long, value_name = "PERCENT", default_value = "5", value_parser = Tolerance::parse)]
    pub tolerance: Tolerance,
    /// Judge only the total over all requests; each request name is still shown. Request
    /// names with few requests have noisy percentiles.
    #[arg(long)]
    pub total_only: bool,
    /// Also write the comparison as JUnit XML to this file: one test case per judged metric of
    /// the total and of each request name, failed when it regressed.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Also write the comparison as JSON to this file, as `GET
    /// /api/runs/{baseline}/compare/{candidate}` answers it.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

/// A run as read from a file.
#[derive(Debug)]
enum Run {
    /// `stampede run --out`.
    Summary(Box<shared::metrics::RunSummary>),
    /// `GET /api/runs/{id}`.
    Detail(Box<RunDetail>),
}

impl Run {
    /// Reads either form; the error names the file and what is wrong with it.
    fn read(path: &Path) -> Result<Run, String> {
        let shown = path.display();
        let text = crate::files::read_text(path, crate::files::Limit::RUN)
            .map_err(|e| format!("cannot read {shown}: {e}"))?;
        let value: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| format!("{shown} is not JSON ({e}); compare reads run summaries"))?;
        // A run is a JSON object: anything else is named as what it is, not by serde's
        // "invalid length 0, expected struct RunSummary with 17 elements".
        let kind = match &value {
            serde_json::Value::Object(_) => None,
            serde_json::Value::Array(_) => Some("a list"),
            serde_json::Value::String(_) => Some("a string"),
            serde_json::Value::Number(_) => Some("a number"),
            serde_json::Value::Bool(_) => Some("true or false"),
            serde_json::Value::Null => Some("null"),
        };
        if let Some(kind) = kind {
            return Err(format!(
                "{shown} holds {kind}, not a run: compare reads a run summary (`stampede run \
                 --out FILE`) or a run from the API (GET /api/runs/{{id}}), each a JSON object"
            ));
        }
        let has = |key| value.get(key).is_some();
        if has("scenario_doc") {
            return serde_json::from_value(value)
                .map(|d| Run::Detail(Box::new(d)))
                .map_err(|e| {
                    format!("{shown} is not a run from the API (GET /api/runs/{{id}}): {e}")
                });
        }
        if has("test_id") {
            return Err(format!(
                "{shown} is a JSON report; compare reads a run summary (`stampede run --out \
                 FILE`) or a run from the API (GET /api/runs/{{id}})"
            ));
        }
        serde_json::from_value(value)
            .map(|s| Run::Summary(Box::new(s)))
            .map_err(|e| format!("{shown} is not a run summary (`stampede run --out`): {e}"))
    }

    /// Its figures; `path` names it in the error when it has none yet.
    fn figures(&self, path: &Path) -> Result<Figures<'_>, String> {
        match self {
            Run::Summary(s) => Ok(s.as_ref().into()),
            Run::Detail(d) => Figures::of_run(d).ok_or_else(|| {
                format!(
                    "the run in {} has no figures yet (no snapshot was recorded)",
                    path.display()
                )
            }),
        }
    }

    /// Its listing fields: the API's, or, for a summary, as the server would list it.
    fn info(&self) -> RunInfo {
        match self {
            Run::Summary(s) => run_info(s, s.started_at_ms.saturating_add(s.duration_ms)),
            Run::Detail(d) => d.info.clone(),
        }
    }

    fn side(&self) -> Side<'_> {
        match self {
            Run::Summary(s) => s.as_ref().into(),
            Run::Detail(d) => d.as_ref().into(),
        }
    }
}

/// Runs `stampede compare`: prints the comparison and writes `--junit` and `--json`; exit 0
/// without regressions, 1 with one or more, 2 when a file cannot be read as a run or an output
/// file is refused or cannot be created (nothing is written then), 3 when an output could not
/// be written (its old content is kept), as `run` answers for its `--out`.
pub(super) fn compare(args: &CompareArgs) -> u8 {
    let outputs = match open_outputs(args) {
        Ok(outputs) => outputs,
        Err(e) => {
            errln!("error: {e}");
            return exit::INVALID_INPUT;
        }
    };
    let (comparison, text) = match compared(args) {
        Ok(compared) => compared,
        Err(e) => {
            // Nothing to write: remove the files opening them created.
            outputs.into_iter().for_each(|(_, file)| file.discard());
            errln!("error: {e}");
            return exit::INVALID_INPUT;
        }
    };
    // A reader that quit (`| head`) changes nothing: the verdict is the exit code, and the
    // output files are still written.
    let _ = crate::console::write_out(format_args!("{text}"));
    let mut code = if comparison.regressions == 0 {
        exit::OK
    } else {
        exit::REGRESSED
    };
    for (output, file) in outputs {
        let path = file.path().to_owned();
        let written = output
            .render(args, &comparison)
            .and_then(|doc| file.write(doc.as_bytes()));
        if let Err(e) = written {
            errln!(
                "error: cannot write {} {}: {e}",
                output.flag(),
                path.display()
            );
            code = exit::RUN_FAILED;
        }
    }
    code
}

/// The comparison and its text.
fn compared(args: &CompareArgs) -> Result<(RunComparison, String), String> {
    let (a, b) = (Run::read(&args.baseline)?, Run::read(&args.candidate)?);
    let rows = compare::compare(
        a.figures(&args.baseline)?,
        b.figures(&args.candidate)?,
        args.tolerance,
    );
    let notes = compare::notes(a.side(), b.side());
    let comparison = RunComparison::new(
        (a.info(), b.info()),
        rows,
        notes,
        args.tolerance,
        args.total_only,
    );
    let text = render(args, (&a, &b), &comparison);
    Ok((comparison, text))
}

/// A file `compare` writes besides its text.
#[derive(Debug, Clone, Copy)]
enum Output {
    Junit,
    Json,
}

impl Output {
    fn flag(self) -> &'static str {
        match self {
            Output::Junit => "--junit",
            Output::Json => "--json",
        }
    }

    /// The file's content.
    fn render(self, args: &CompareArgs, comparison: &RunComparison) -> std::io::Result<String> {
        match self {
            Output::Junit => {
                let names = (
                    args.baseline.display().to_string(),
                    args.candidate.display().to_string(),
                );
                Ok(crate::report::comparison_junit(
                    comparison,
                    (&names.0, &names.1),
                ))
            }
            Output::Json => serde_json::to_string_pretty(comparison)
                .map(|json| json + "\n")
                .map_err(std::io::Error::other),
        }
    }
}

/// Opens the output files before any run is read, as `run` does before any load is sent.
/// Refused: an output that is one of the runs read (writing it would lose that run) or the
/// other output, and one that cannot be created; the files this call created are removed
/// again.
fn open_outputs(args: &CompareArgs) -> Result<Vec<(Output, OutFile)>, String> {
    let wanted: Vec<(Output, &Path)> = [(Output::Junit, &args.junit), (Output::Json, &args.json)]
        .into_iter()
        .filter_map(|(output, path)| path.as_deref().map(|p| (output, p)))
        .collect();
    let keeps = "a run it compares";
    let inputs = [
        Input {
            path: &args.baseline,
            is: "the baseline run's file",
            keeps,
        },
        Input {
            path: &args.candidate,
            is: "the candidate run's file",
            keeps,
        },
    ];
    let named: Vec<(&str, &Path)> = wanted.iter().map(|&(o, p)| (o.flag(), p)).collect();
    if let Some(problem) = output_clash(&inputs, &named) {
        return Err(problem);
    }
    let mut opened = Vec::with_capacity(wanted.len());
    for (output, path) in wanted {
        match OutFile::open(path) {
            Ok(file) => opened.push((output, file)),
            Err((path, e)) => {
                let problem = format!("cannot write {} {}: {e}", output.flag(), path.display());
                opened
                    .into_iter()
                    .for_each(|(_, file): (Output, OutFile)| file.discard());
                return Err(problem);
            }
        }
    }
    Ok(opened)
}

/// The comparison as text: the two runs, one block per request name (the total first), the
/// notes, and the verdict.
fn render(args: &CompareArgs, (a, b): (&Run, &Run), comparison: &RunComparison) -> String {
    let mut out = String::new();
    for (role, path, run) in [
        ("baseline ", &args.baseline, a),
        ("candidate", &args.candidate, b),
    ] {
        let side = run.side();
        let _ = writeln!(
            out,
            "{role}  {}: {}, {} after {}",
            term(&path.display().to_string()),
            term(side.scenario),
            side.status,
            compare::duration_ms(side.ran_ms)
        );
    }
    let _ = writeln!(
        out,
        "\n{:<16}{:>12}{:>12}{:>12}{:>9}",
        "", "baseline", "candidate", "change", "%"
    );
    for row in &comparison.rows {
        let _ = write!(out, "{}", term(row.title()));
        let note = row.presence.note();
        if !note.is_empty() {
            let _ = write!(out, "  ({note})");
        }
        out.push('\n');
        let judged = row.request.is_none() || !args.total_only;
        for cell in &row.cells {
            let mark = match cell.change {
                _ if !judged => "",
                Change::Worse => "  worse",
                Change::Better => "  better",
                Change::Same => "",
            };
            let _ = writeln!(
                out,
                "  {:<14}{:>12}{:>12}{:>12}{:>9}{mark}",
                cell.metric.label(),
                cell.baseline_text(),
                cell.candidate_text(),
                cell.delta_text(),
                cell.rel_text()
            );
        }
    }
    out.push('\n');
    for note in &comparison.notes {
        let _ = writeln!(out, "note: {}", term(note));
    }
    let _ = writeln!(out, "{}", comparison.verdict);
    out
}
