//! Numbers for people: units and sensible precision. Pure, tested natively.

/// A missing figure: `–`, everywhere in the panel (and in the reports and the CLI).
pub use shared::units::NONE;

/// Milliseconds with three significant figures: `0.42 ms`, `12.3 ms`, `1.25 s` (the reports'
/// and the alerts' style too).
pub use shared::units::human_ms as ms;

/// Requests per second: `0.5/s`, `123/s`, `12.3k/s`.
pub use shared::units::human_rate as rate;

/// A ratio as a percentage with two decimals: `0.00%`, `1.50%`, `50.00%`, `<0.01%` (the
/// reports' style too).
pub use shared::units::human_percent as percent;

/// A count with thousands separators: `1,234,567`.
pub use shared::units::human_count as count;

/// Bytes: `512 B`, `1.5 KiB`, `3.2 MiB` (the same text as the reports and the CLI).
pub use shared::units::human_bytes as bytes;
pub use shared::units::human_duration as duration_s;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_precision() {
        assert_eq!(ms(0.4213), "0.42 ms");
        assert_eq!(ms(12.34), "12.3 ms");
        assert_eq!(ms(512.0), "512 ms");
        assert_eq!(ms(1250.0), "1.25 s");
        assert_eq!(percent(0.0), "0.00%");
        assert_eq!(percent(0.015), "1.50%");
        assert_eq!(percent(0.5), "50.00%");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(count(999), "999");
        assert_eq!(bytes(1536), "1.5 KiB");
    }
}
