//! Host resources of the generator machine, read from `/proc` (Linux; zeros elsewhere).

use std::sync::{Arc, Mutex};

use shared::api::HostResources;

/// Remembers the previous CPU reading so each call reports use since the last one.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sampler {
    last: Arc<Mutex<Option<(u64, u64)>>>,
}

/// `(busy, total)` jiffies from the first line of /proc/stat.
fn cpu_jiffies() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().next()?;
    let v: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    let total: u64 = v.iter().sum();
    // idle + iowait are not busy.
    let idle = v.get(3).copied().unwrap_or(0) + v.get(4).copied().unwrap_or(0);
    Some((total.saturating_sub(idle), total))
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
        let now = cpu_jiffies();
        let mut last = self
            .last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let cpu_percent = match (*last, now) {
            (Some((b0, t0)), Some((b1, t1))) if t1 > t0 => {
                (b1 - b0) as f64 / (t1 - t0) as f64 * 100.0
            }
            (None, Some((b, t))) if t > 0 => b as f64 / t as f64 * 100.0,
            _ => 0.0,
        };
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
