//! The live progress line on stderr: rewritten in place on a terminal, one line per snapshot
//! otherwise (CI logs).

use std::io::Write as _;
use std::time::Duration;

use shared::metrics::MetricsSnapshot;

pub(super) struct Progress {
    total: Duration,
    tty: bool,
    drawn: bool,
}

impl Progress {
    pub(super) fn new(total: Duration, tty: bool) -> Self {
        Self {
            total,
            tty,
            drawn: false,
        }
    }

    pub(super) fn show(&mut self, snap: &MetricsSnapshot) {
        let line = line(snap, self.total);
        let mut err = std::io::stderr().lock();
        // Progress is best effort: a closed stderr must not stop the run.
        let _ = if self.tty {
            write!(err, "\r\x1b[2K{line}")
        } else {
            writeln!(err, "{line}")
        };
        let _ = err.flush();
        self.drawn = true;
    }

    pub(super) fn finish(&mut self) {
        if self.tty && self.drawn {
            let _ = writeln!(std::io::stderr());
        }
    }
}

fn line(snap: &MetricsSnapshot, total: Duration) -> String {
    let elapsed = Duration::from_millis(snap.elapsed_ms);
    let width = 24;
    let done = if total.is_zero() {
        1.0
    } else {
        (elapsed.as_secs_f64() / total.as_secs_f64()).min(1.0)
    };
    let filled = (done * width as f64).round() as usize;
    let bar: String = "#".repeat(filled) + &"-".repeat(width - filled);
    let i = &snap.interval;
    let mut text = format!(
        "[{bar}] {:>5.0}s/{:.0}s  {:>8.1} req/s  p95 {:>8.2} ms  errors {:>5.2}% ({})  users {}",
        elapsed.as_secs_f64(),
        total.as_secs_f64(),
        i.rps,
        i.latency.p95_ms,
        snap.total.error_rate() * 100.0,
        snap.total.errors,
        snap.active_users,
    );
    if snap.dropped_iterations > 0 {
        text.push_str(&format!("  dropped {}", snap.dropped_iterations));
    }
    text
}
