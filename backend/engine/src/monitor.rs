//! The generator watching itself: CPU time and resident memory of this process, read from
//! `/proc` (Linux). Elsewhere the figures are zero and the CPU check is skipped.

use std::time::Duration;

/// Cumulative CPU time (user + system) of this process.
pub(crate) fn process_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name may contain spaces; fields are counted after its closing parenthesis.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line, i.e. 11 and 12 after ')'.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    // USER_HZ is 100 on every Linux platform Rust supports.
    Some(Duration::from_millis((utime + stime) * 10))
}

/// Resident set size of this process, bytes.
pub(crate) fn process_rss() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096)
}

/// Cores this process may use.
pub(crate) fn cores() -> u32 {
    std::thread::available_parallelism().map_or(1, |n| u32::try_from(n.get()).unwrap_or(u32::MAX))
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_own_usage_on_linux() {
        if cfg!(target_os = "linux") {
            assert!(super::process_cpu().is_some());
            assert!(super::process_rss() > 0);
        }
        assert!(super::cores() >= 1);
    }
}
