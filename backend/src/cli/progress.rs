//! The live progress line on stderr: rewritten in place on a terminal, one line per snapshot
//! otherwise (CI logs).

use std::io::Write as _;
use std::time::Duration;

use shared::metrics::MetricsSnapshot;
use shared::run::RunStatus;

pub(super) struct Progress {
    total: Duration,
    tty: bool,
    drawn: bool,
    /// The length of the interval shown last, ms (0 before the first).
    last_interval_ms: u64,
}

impl Progress {
    pub(super) fn new(total: Duration, tty: bool) -> Self {
        Self {
            total,
            tty,
            drawn: false,
            last_interval_ms: 0,
        }
    }

    pub(super) fn show(&mut self, snap: &MetricsSnapshot) {
        // A run's final interval often lasts a few milliseconds: its rate would read as
        // thousands per second, so it is not shown.
        let rate = !shared::chart::too_short_for_a_rate(self.last_interval_ms, snap.interval_ms);
        self.last_interval_ms = snap.interval_ms;
        let line = line(snap, self.total, rate);
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

/// The progress line: req/s and p95 of the last interval (what the target does now), errors
/// since the start (a burst stays visible), users and dropped iterations now.
fn line(snap: &MetricsSnapshot, total: Duration, rate: bool) -> String {
    let elapsed = Duration::from_millis(snap.elapsed_ms);
    let width = 24;
    let done = if total.is_zero() {
        1.0
    } else {
        (elapsed.as_secs_f64() / total.as_secs_f64()).min(1.0)
    };
    let filled = (done * width as f64).round() as usize;
    // Once the load has ended (or a stop was asked for), iterations in flight finish: the
    // bar says so, or the seconds past the plan would read as the load running late.
    let bar: String = if snap.status == RunStatus::Stopping {
        let side = "#".repeat((width - " stopping ".len()) / 2);
        format!("{side} stopping {side}")
    } else {
        "#".repeat(filled) + &"-".repeat(width - filled)
    };
    let i = &snap.interval;
    let rps = if rate {
        format!("{:>8.1}", i.rps)
    } else {
        format!("{:>8}", "–")
    };
    // An interval without requests has no latency (its histogram reads 0).
    let p95 = if i.requests > 0 {
        format!("{:>8.2}", i.latency.p95_ms)
    } else {
        format!("{:>8}", "–")
    };
    let mut text = format!(
        "[{bar}] {:>5.0}s/{:.0}s  {rps} req/s  p95 {p95} ms  errors so far {:>5.2}% ({})  users {}",
        elapsed.as_secs_f64(),
        total.as_secs_f64(),
        snap.total.error_rate() * 100.0,
        snap.total.errors,
        snap.active_users,
    );
    if snap.dropped_iterations > 0 {
        text.push_str(&format!("  dropped {}", snap.dropped_iterations));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_says_when_the_run_is_stopping() {
        let mut snap = shared::samples::snapshot(3);
        let total = Duration::from_secs(10);
        snap.status = RunStatus::Running;
        snap.elapsed_ms = 5_000;
        let running = line(&snap, total, true);
        assert!(
            running.starts_with("[############------------]     5s/10s"),
            "{running}"
        );
        snap.status = RunStatus::Stopping;
        snap.elapsed_ms = 11_000;
        let stopping = line(&snap, total, true);
        assert!(
            stopping.starts_with("[####### stopping #######]    11s/10s"),
            "{stopping}"
        );
        assert_eq!(
            running.find(" req/s"),
            stopping.find(" req/s"),
            "columns kept"
        );
    }

    #[test]
    fn a_short_final_interval_shows_no_rate() {
        let mut snap = shared::samples::snapshot(3);
        snap.interval_ms = 1000;
        snap.interval.rps = 42.0;
        let total = Duration::from_secs(10);
        let full = line(&snap, total, true);
        assert!(full.contains("    42.0 req/s"), "{full}");
        assert!(full.contains("errors so far"), "{full}");
        let cut = line(&snap, total, false);
        assert!(cut.contains("       – req/s"), "{cut}");
        assert!(!cut.contains("42.0"), "{cut}");
        assert!(cut.contains(&format!("p95 {:>8.2} ms", snap.interval.latency.p95_ms)));
        // No requests in the interval: no latency either, rather than 0 ms.
        snap.interval = Default::default();
        let idle = line(&snap, total, true);
        assert!(idle.contains("p95        – ms"), "{idle}");
        assert!(shared::chart::too_short_for_a_rate(1000, 21));
        assert!(!shared::chart::too_short_for_a_rate(1000, 500));
        assert!(
            !shared::chart::too_short_for_a_rate(0, 1000),
            "the first interval"
        );
    }
}
