//! Host resources of the generator machine, read from `/proc` (Linux; zeros elsewhere).

use std::sync::{Arc, Mutex};

use shared::api::HostResources;

/// Remembers the previous CPU reading so each call reports use since the last one.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sampler {
    last: Arc<Mutex<Option<CpuTicks>>>,
}

/// Clock ticks of the whole host from the aggregate `cpu` line of /proc/stat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct CpuTicks {
    /// Ticks not spent busy: idle and iowait.
    idle: u64,
    /// All ticks.
    total: u64,
}

/// Parses the first (aggregate) line of /proc/stat:
/// `cpu user nice system idle iowait irq softirq steal guest guest_nice`.
/// `guest` and `guest_nice` are already counted in `user` and `nice`, so they are left out of
/// the total; fields a kernel does not have count as 0. `None` unless the line starts with
/// `cpu` and has at least the first four fields, all numbers.
fn parse_cpu_ticks(stat: &str) -> Option<CpuTicks> {
    let mut fields = stat.lines().next()?.split_whitespace();
    if fields.next()? != "cpu" {
        return None;
    }
    let v = fields
        .map(str::parse::<u64>)
        .collect::<Result<Vec<u64>, _>>()
        .ok()?;
    if v.len() < 4 {
        return None;
    }
    // user nice system idle iowait irq softirq steal
    let total = v.iter().take(8).fold(0u64, |sum, n| sum.saturating_add(*n));
    // idle + iowait are not busy.
    let idle = v[3].saturating_add(v.get(4).copied().unwrap_or(0));
    Some(CpuTicks { idle, total })
}

/// Busy share of the host's CPU time between two readings, percent; `None` when no time
/// passed between them (same tick) or a counter went backwards (a reset, or a kernel's idle
/// accounting), rather than a made-up 0% or a wrapped subtraction.
fn cpu_percent(before: CpuTicks, now: CpuTicks) -> Option<f64> {
    let total = now.total.checked_sub(before.total).filter(|t| *t > 0)?;
    let idle = now.idle.checked_sub(before.idle)?;
    let busy = total.checked_sub(idle)?;
    Some(busy as f64 / total as f64 * 100.0)
}

fn cpu_ticks() -> Option<CpuTicks> {
    parse_cpu_ticks(&std::fs::read_to_string("/proc/stat").ok()?)
}

fn meminfo(key: &str, text: &str) -> u64 {
    text.lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |kib| kib * 1024)
}

fn net_bytes() -> (u64, u64) {
    let Ok(text) = std::fs::read_to_string("/proc/net/dev") else {
        return (0, 0);
    };
    text.lines()
        .skip(2)
        .filter_map(|l| {
            let (name, rest) = l.split_once(':')?;
            if name.trim() == "lo" {
                return None;
            }
            let f: Vec<u64> = rest
                .split_whitespace()
                .filter_map(|x| x.parse().ok())
                .collect();
            Some((*f.first()?, *f.get(8)?))
        })
        .fold((0, 0), |(rx, tx), (r, t)| (rx + r, tx + t))
}

impl Sampler {
    pub(crate) fn sample(&self) -> HostResources {
        let now = cpu_ticks();
        let mut last = self
            .last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let since = last.unwrap_or(CpuTicks { idle: 0, total: 0 });
        let cpu_percent = now.and_then(|now| cpu_percent(since, now)).unwrap_or(0.0);
        *last = now;
        let mem = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let (rx, tx) = net_bytes();
        let load = std::fs::read_to_string("/proc/loadavg")
            .ok()
            .and_then(|s| s.split_whitespace().next()?.parse().ok())
            .unwrap_or(0.0);
        let rss = std::fs::read_to_string("/proc/self/statm")
            .ok()
            .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
            .map_or(0, |p| p * 4096);
        HostResources {
            cpu_percent,
            cores: std::thread::available_parallelism().map_or(1, |n| n.get() as u32),
            memory_total_bytes: meminfo("MemTotal:", &mem),
            memory_available_bytes: meminfo("MemAvailable:", &mem),
            process_rss_bytes: rss,
            net_rx_bytes: rx,
            net_tx_bytes: tx,
            load_avg_1m: load,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{CpuTicks, cpu_percent, parse_cpu_ticks};

    /// /proc/stat's busy share, reading to reading: guest time is already part of user and
    /// nice time, and counters that go backwards or do not move give no figure (not 0%).
    #[test]
    fn cpu_percent_from_proc_stat_readings() {
        let ticks = |line: &str| parse_cpu_ticks(line).expect("parses");
        // (what, before, now, percent busy)
        let cases: &[(&str, &str, &str, Option<f64>)] = &[
            (
                "half busy",
                "cpu  100 0 100 800 0 0 0 0 0 0",
                "cpu  150 0 150 900 0 0 0 0 0 0",
                Some(50.0),
            ),
            (
                "iowait is not busy",
                "cpu  0 0 0 0 0 0 0 0 0 0",
                "cpu  25 0 0 50 25 0 0 0 0 0",
                Some(25.0),
            ),
            (
                "guest ticks are counted in user and nice already",
                "cpu  0 0 0 0 0 0 0 0 0 0",
                "cpu  100 100 0 200 0 0 0 0 100 100",
                Some(50.0),
            ),
            (
                "a kernel with only four fields",
                "cpu 10 0 10 80",
                "cpu 20 0 20 160",
                Some(20.0),
            ),
            (
                "no time passed: unknown",
                "cpu  100 0 100 800 0 0 0 0 0 0",
                "cpu  100 0 100 800 0 0 0 0 0 0",
                None,
            ),
            (
                "counters went backwards (a reset): unknown",
                "cpu  500 0 500 800 0 0 0 0 0 0",
                "cpu  100 0 100 900 0 0 0 0 0 0",
                None,
            ),
            (
                "busy ticks went backwards while the total grew: unknown",
                "cpu  500 0 500 800 0 0 0 0 0 0",
                "cpu  100 0 100 1700 0 0 0 0 0 0",
                None,
            ),
            (
                "idle and iowait went backwards: unknown",
                "cpu  100 0 100 800 100 0 0 0 0 0",
                "cpu  200 0 200 750 100 0 0 0 0 0",
                None,
            ),
        ];
        for (what, before, now, want) in cases {
            let got = cpu_percent(ticks(before), ticks(now));
            match (got, want) {
                (Some(got), Some(want)) => {
                    assert!((got - want).abs() < 1e-9, "{what}: {got} != {want}");
                }
                _ => assert_eq!(got, *want, "{what}"),
            }
        }
        for bad in ["", "intr 1 2 3", "cpu", "cpu 1 2 x"] {
            assert_eq!(parse_cpu_ticks(bad), None, "{bad:?}");
        }
        assert_eq!(
            parse_cpu_ticks("cpu  1 2 3 4 5 6 7 8 9 10\ncpu0 1 2 3 4 5 6 7 8 9 10"),
            Some(CpuTicks { idle: 9, total: 36 })
        );
    }
}
