//! Human-friendly units used in scenario files: durations (`250ms`, `1.5s`, `2m`) and byte sizes
//! (`10KB`, `1MiB`). They are parsed once at the file edge into typed values; nothing past
//! validation handles unit strings.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A duration written with a unit, such as `500ms`, `30s`, `1.5m`, `1h` or `250us`.
///
/// A bare number is rejected on purpose: `timeout: 30` could mean seconds or milliseconds, and a
/// load test that silently picks the wrong one is worse than one that refuses to start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct HumanDuration(pub Duration);

impl HumanDuration {
    /// Parses `"<number><unit>"` with unit `us`, `ms`, `s`, `m` or `h` (whitespace allowed between).
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let split = text
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| {
                format!("duration \"{text}\" needs a unit (us, ms, s, m or h), e.g. \"{text}s\"")
            })?;
        let (number, unit) = text.split_at(split);
        let value = parse_decimal(number).ok_or_else(|| {
            format!("\"{text}\" is not a duration (expected e.g. 500ms, 30s, 2m)")
        })?;
        let seconds_per_unit = match unit.trim() {
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" | "min" => 60.0,
            "h" => 3600.0,
            other => {
                return Err(format!(
                    "unknown duration unit \"{other}\" in \"{text}\" (expected us, ms, s, m or h)"
                ));
            }
        };
        let seconds = value * seconds_per_unit;
        // A week is far beyond any sensible load test and keeps every later computation in range.
        if !seconds.is_finite() || seconds > 7.0 * 86_400.0 {
            return Err(format!(
                "duration \"{text}\" is too large (at most one week)"
            ));
        }
        // Whole microseconds, the finest unit a duration is written in: every parsed duration
        // then prints exactly, and reads back as itself (`0.0004ms` is 0us, not 400ns that
        // would print as "0us" and read back as zero).
        Ok(Self(Duration::from_micros((seconds * 1e6).round() as u64)))
    }

    /// The wrapped duration.
    pub fn get(self) -> Duration {
        self.0
    }
}

impl fmt::Display for HumanDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        if d.subsec_nanos() == 0 && d.as_secs() > 0 {
            let s = d.as_secs();
            if s.is_multiple_of(3600) {
                write!(f, "{}h", s / 3600)
            } else if s.is_multiple_of(60) {
                write!(f, "{}m", s / 60)
            } else {
                write!(f, "{s}s")
            }
        } else if d.subsec_nanos().is_multiple_of(1_000_000) {
            // `as_millis()`, written as seconds then three digits: no u128 formatting (which
            // the panel's wasm would otherwise carry for this one line).
            match d.as_secs() {
                0 => write!(f, "{}ms", d.subsec_millis()),
                s => write!(f, "{s}{:03}ms", d.subsec_millis()),
            }
        } else {
            match d.as_secs() {
                0 => write!(f, "{}us", d.subsec_micros()),
                s => write!(f, "{s}{:06}us", d.subsec_micros()),
            }
        }
    }
}

impl Serialize for HumanDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = HumanDuration;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration with a unit, such as \"500ms\" or \"30s\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<HumanDuration, E> {
                HumanDuration::parse(v).map_err(E::custom)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<HumanDuration, E> {
                Err(E::custom(format!(
                    "duration {v} needs a unit (us, ms, s, m or h), e.g. \"{v}s\""
                )))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<HumanDuration, E> {
                Err(E::custom(format!(
                    "duration {v} needs a unit and must not be negative, e.g. \"{}s\"",
                    v.unsigned_abs()
                )))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<HumanDuration, E> {
                Err(E::custom(format!(
                    "duration {v} needs a unit, e.g. \"{v}s\""
                )))
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// A byte count written with an optional unit: `512`, `1KB`, `10 KiB`, `1.5MB`.
/// `KB`/`KiB` both mean 1024 bytes (and `MB`/`MiB` 1024²), as payload sizes usually are meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ByteSize(pub u64);

impl ByteSize {
    /// The largest generated payload a scenario may ask for (1 GiB): bigger bodies belong to the
    /// streamed-upload workloads of a later issue, not to an in-memory body.
    pub const MAX: u64 = 1 << 30;

    /// Parses a size such as `100KB`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let split = text
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let value = parse_decimal(number)
            .ok_or_else(|| format!("\"{text}\" is not a size (expected e.g. 512B, 10KB, 1MB)"))?;
        let factor = match unit.trim().to_ascii_lowercase().as_str() {
            "" | "b" => 1.0,
            "kb" | "kib" | "k" => 1024.0,
            "mb" | "mib" | "m" => 1024.0 * 1024.0,
            "gb" | "gib" | "g" => 1024.0 * 1024.0 * 1024.0,
            other => {
                return Err(format!(
                    "unknown size unit \"{other}\" in \"{text}\" (expected B, KB, MB or GB)"
                ));
            }
        };
        let bytes = value * factor;
        if !bytes.is_finite() || bytes > Self::MAX as f64 {
            return Err(format!("size \"{text}\" is too large (at most 1GB)"));
        }
        Ok(Self(bytes.round() as u64))
    }
}

impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        if b >= 1 << 20 && b.is_multiple_of(1 << 20) {
            write!(f, "{}MB", b >> 20)
        } else if b >= 1024 && b.is_multiple_of(1024) {
            write!(f, "{}KB", b >> 10)
        } else {
            write!(f, "{b}B")
        }
    }
}

impl Serialize for ByteSize {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = ByteSize;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a size such as \"10KB\" or a number of bytes")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ByteSize, E> {
                ByteSize::parse(v).map_err(E::custom)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<ByteSize, E> {
                if v > ByteSize::MAX {
                    return Err(E::custom(format!("size {v} is too large (at most 1GB)")));
                }
                Ok(ByteSize(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<ByteSize, E> {
                u64::try_from(v)
                    .map_err(|_| E::custom(format!("size {v} must not be negative")))
                    .and_then(|v| self.visit_u64(v))
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// A count for people, with thousands separators: `1,234,567`.
pub fn human_count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A count with its noun: `1 problem`, `3 problems`, `0 problems`.
pub fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A byte count for people, in binary units: `512 B`, `1.5 KiB`, `3.2 MiB`, `1.0 TiB`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

/// How a missing figure reads wherever figures are shown (panel, reports, CLI): an en dash.
pub const NONE: &str = "–";

/// A latency in milliseconds for people, with three significant figures wherever it is shown
/// (panel, reports, alerts): `0.42 ms`, `12.3 ms`, `512 ms`, `1.25 s`, `16.0 s`, `120 s`.
/// The unit is chosen after rounding, so 999.7 ms reads `1.00 s`, never `1000 ms`.
/// Non-finite values (no data) read `–`.
pub fn human_ms(ms: f64) -> String {
    if !ms.is_finite() {
        return NONE.to_owned();
    }
    if ms.abs() >= 999.5 {
        format!("{} s", three_figures(ms / 1000.0))
    } else {
        format!("{} ms", three_figures(ms))
    }
}

/// `v` with three significant figures from 1 up (`1.25`, `12.5`, `125`), two decimals below.
fn three_figures(v: f64) -> String {
    let decimals = if v.abs() >= 99.95 {
        0
    } else if v.abs() >= 9.995 {
        1
    } else {
        2
    };
    format!("{v:.decimals$}")
}

/// A ratio as a percentage for people, always with two decimals (`0.00%`, `1.25%`, `50.00%`).
/// A share that is neither nothing nor everything never reads as either: `<0.01%`, `>99.99%`.
/// Non-finite values (no data) read `–`.
pub fn human_percent(ratio: f64) -> String {
    let p = ratio * 100.0;
    if !p.is_finite() {
        NONE.to_owned()
    } else if p > 0.0 && p < 0.01 {
        "<0.01%".to_owned()
    } else if p > 99.99 && p < 100.0 {
        ">99.99%".to_owned()
    } else {
        format!("{p:.2}%")
    }
}

/// Requests per second for people: `0.04/s`, `0.5/s`, `123/s`, `12.3k/s`; non-finite reads
/// `–`. The precision is chosen after rounding, so 99.96 reads `100/s` and 9,999.96 `10.0k/s`;
/// a rate below 0.1 keeps two decimals rather than reading `0.0/s`.
pub fn human_rate(per_s: f64) -> String {
    if !per_s.is_finite() {
        NONE.into()
    } else if per_s >= 9_999.95 {
        format!("{:.1}k/s", per_s / 1000.0)
    } else if per_s >= 99.95 {
        format!("{per_s:.0}/s")
    } else if per_s > 0.0 && per_s < 0.095 {
        format!("{per_s:.2}/s")
    } else {
        format!("{per_s:.1}/s")
    }
}

/// A length of time in seconds for people: `0.5 s`, `45 s`, `2 min 05 s`, `1 h 02 min 05 s`.
/// Tenths show only under 10 s and when they are not zero; negative and non-finite read as 0.
pub fn human_duration(secs: f64) -> String {
    let secs = if secs.is_finite() { secs.max(0.0) } else { 0.0 };
    let tenths = (secs * 10.0).round();
    if secs < 10.0 && tenths % 10.0 != 0.0 {
        return format!("{:.1} s", tenths / 10.0);
    }
    let s = secs.round() as u64;
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min {:02} s", s / 60, s % 60),
        _ => format!("{} h {:02} min {:02} s", s / 3600, s % 3600 / 60, s % 60),
    }
}

/// Powers of ten that an `f64` holds exactly.
const EXACT_POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Reads a plain decimal as scenarios write numbers: digits with at most one `.` (`30`, `0.5`,
/// `.5`, `2.`), nothing else (no sign, exponent, spaces, `inf` or `NaN`).
///
/// For up to 15 significant digits and 22 digits after the point (every number a scenario
/// needs) the result is exactly `str::parse::<f64>`'s: the digits as an integer divided or
/// multiplied by an exact power of ten is one correctly rounded operation. Longer inputs are
/// read to 19 significant digits, within a few units in the last place. It is written out,
/// rather than `str::parse`, because core's general float parser brings 21 KB of tables into
/// the panel's WebAssembly (see docs/panel-size.md).
pub fn parse_decimal(text: &str) -> Option<f64> {
    parse_decimal_scaled(text, 0)
}

/// [`parse_decimal`] of `text × 10^shift` in one rounding: `parse_decimal_scaled("0.7", -2)` is
/// exactly `0.007`, where `parse_decimal("0.7") / 100.0` rounds twice and gives
/// `0.006999999999999999` (so a limit of `0.7%` would fail an observed 7 errors in 1000).
pub fn parse_decimal_scaled(text: &str, shift: i32) -> Option<f64> {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    if (int.is_empty() && frac.is_empty())
        || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
    {
        return None;
    }
    // value = mantissa × 10^exp10, with at most 19 significant digits in the mantissa.
    let (mut mantissa, mut significant, mut exp10) = (0u64, 0u32, shift);
    for (i, b) in int.bytes().chain(frac.bytes()).enumerate() {
        let after_point = i >= int.len();
        if significant < 19 {
            mantissa = mantissa * 10 + u64::from(b - b'0');
            if mantissa > 0 {
                significant += 1;
            }
            if after_point {
                exp10 -= 1;
            }
        } else if !after_point {
            exp10 += 1;
        }
    }
    let mut value = mantissa as f64;
    let mut left = exp10.unsigned_abs() as usize;
    while left > 0 {
        let step = left.min(EXACT_POW10.len() - 1);
        if exp10 < 0 {
            value /= EXACT_POW10[step];
        } else {
            value *= EXACT_POW10[step];
        }
        left -= step;
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_read_as_written() {
        for (text, expected) in [
            ("30", Some(30.0)),
            ("0.5", Some(0.5)),
            (".5", Some(0.5)),
            ("2.", Some(2.0)),
            ("007", Some(7.0)),
            ("0", Some(0.0)),
            ("0.000", Some(0.0)),
            ("99.9", Some(99.9)),
            ("12.34", Some(12.34)),
            ("", None),
            (".", None),
            ("1.2.3", None),
            ("1e3", None),
            ("-1", None),
            ("+1", None),
            (" 1", None),
            ("1 ", None),
            ("inf", None),
            ("NaN", None),
            ("1_000", None),
            ("٣", None),
        ] {
            assert_eq!(parse_decimal(text), expected, "{text:?}");
        }
    }

    #[test]
    fn decimals_match_the_standard_parser() {
        // Up to 15 significant digits and 22 after the point: exactly what `str::parse` gives.
        // A fixed pseudo-random sweep (xorshift), so the test is the same on every run.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..200_000 {
            let digits = 1 + (next() % 15) as usize;
            let mut text: String = (0..digits)
                .map(|_| char::from(b'0' + (next() % 10) as u8))
                .collect();
            let point = (next() % (digits as u64 + 1)) as usize;
            text.insert(point, '.');
            let zeros = (next() % 8) as usize;
            if point == 0 {
                text.insert_str(1, &"0".repeat(zeros));
            }
            let expected: f64 = text.parse().expect("a decimal");
            assert_eq!(parse_decimal(&text), Some(expected), "{text}");
        }
        // Longer than that: within a few units in the last place.
        for text in [
            "0.12345678901234567890123",
            "123456789012345678901234567890",
            "3.141592653589793238462643383279",
            "0.0000000000000000000000000001",
        ] {
            let expected: f64 = text.parse().expect("a decimal");
            let got = parse_decimal(text).expect("reads");
            assert!(
                ((got - expected) / expected).abs() < 1e-15,
                "{text}: {got} vs {expected}"
            );
        }
    }

    #[test]
    fn durations_for_people() {
        for (secs, want) in [
            (0.0, "0 s"),
            (0.5, "0.5 s"),
            (5.003, "5 s"),
            (9.96, "10 s"),
            (12.4, "12 s"),
            (45.0, "45 s"),
            (59.6, "1 min 00 s"),
            (125.0, "2 min 05 s"),
            (3600.0, "1 h 00 min 00 s"),
            (3725.0, "1 h 02 min 05 s"),
            (-3.0, "0 s"),
            (f64::NAN, "0 s"),
        ] {
            assert_eq!(human_duration(secs), want, "{secs}");
        }
    }

    #[test]
    fn durations_parse_with_units() {
        let cases = [
            ("500ms", Duration::from_millis(500)),
            ("30s", Duration::from_secs(30)),
            ("1.5s", Duration::from_millis(1500)),
            ("2m", Duration::from_secs(120)),
            ("1h", Duration::from_secs(3600)),
            ("250us", Duration::from_micros(250)),
            (" 10 s ", Duration::from_secs(10)),
            ("0s", Duration::ZERO),
        ];
        for (text, want) in cases {
            assert_eq!(
                HumanDuration::parse(text).map(HumanDuration::get),
                Ok(want),
                "{text}"
            );
        }
    }

    #[test]
    fn durations_reject_nonsense() {
        for text in ["", "30", "-5s", "5 parsecs", "1e400s", "9999h", "s", ".s"] {
            assert!(HumanDuration::parse(text).is_err(), "{text:?} should fail");
        }
    }

    #[test]
    fn durations_display_in_their_largest_whole_unit() {
        for (d, text) in [
            (Duration::from_secs(7200), "2h"),
            (Duration::from_secs(120), "2m"),
            (Duration::from_secs(90), "90s"),
            (Duration::from_millis(500), "500ms"),
            (Duration::from_millis(1500), "1500ms"),
            (Duration::from_millis(60_005), "60005ms"),
            (Duration::from_micros(250), "250us"),
            (Duration::from_micros(2_000_001), "2000001us"),
            (Duration::from_micros(1_000_050), "1000050us"),
            (Duration::ZERO, "0ms"),
        ] {
            assert_eq!(HumanDuration(d).to_string(), text, "{d:?}");
        }
    }

    #[test]
    fn durations_are_read_to_the_microsecond() {
        for (text, micros) in [
            ("0.0004ms", 0),
            ("0.0006ms", 1),
            ("1.0004ms", 1000),
            ("0.7ms", 700),
            ("1.1s", 1_100_000),
            ("0.1234567s", 123_457),
        ] {
            assert_eq!(
                HumanDuration::parse(text),
                Ok(HumanDuration(Duration::from_micros(micros))),
                "{text}"
            );
        }
    }

    #[test]
    fn durations_display_round_trips() {
        for text in [
            "500ms",
            "30s",
            "2m",
            "1h",
            "250us",
            "90s",
            "0.0004ms",
            "1.0006ms",
            "0.1234567s",
            "7.3333333m",
        ] {
            let parsed = HumanDuration::parse(text).expect("valid");
            assert_eq!(
                HumanDuration::parse(&parsed.to_string()),
                Ok(parsed),
                "{text}"
            );
        }
    }

    #[test]
    fn latencies_have_three_significant_figures_and_change_unit_after_rounding() {
        for (ms, want) in [
            (0.0, "0.00 ms"),
            (0.4213, "0.42 ms"),
            (9.994, "9.99 ms"),
            (9.996, "10.0 ms"),
            (12.34, "12.3 ms"),
            (99.96, "100 ms"),
            (512.4, "512 ms"),
            (999.4, "999 ms"),
            (999.7, "1.00 s"),
            (1250.0, "1.25 s"),
            (9_996.0, "10.0 s"),
            (16_040.0, "16.0 s"),
            (120_000.0, "120 s"),
            (f64::NAN, "–"),
            (f64::INFINITY, "–"),
        ] {
            assert_eq!(human_ms(ms), want, "human_ms({ms})");
        }
    }

    #[test]
    fn percentages_have_two_decimals_and_never_round_to_nothing_or_everything() {
        for (ratio, want) in [
            (0.0, "0.00%"),
            (0.000_01, "<0.01%"),
            (0.0125, "1.25%"),
            (0.5, "50.00%"),
            (0.999_99, ">99.99%"),
            (1.0, "100.00%"),
            (f64::NAN, "–"),
        ] {
            assert_eq!(human_percent(ratio), want, "human_percent({ratio})");
        }
    }

    #[test]
    fn rates_have_sensible_precision() {
        for (per_s, want) in [
            (0.0, "0.0/s"),
            (0.04, "0.04/s"),
            (0.1, "0.1/s"),
            (0.5, "0.5/s"),
            (99.94, "99.9/s"),
            (99.96, "100/s"),
            (123.4, "123/s"),
            (9_999.4, "9999/s"),
            (9_999.96, "10.0k/s"),
            (12_345.0, "12.3k/s"),
            (f64::INFINITY, "–"),
        ] {
            assert_eq!(human_rate(per_s), want, "human_rate({per_s})");
        }
    }

    #[test]
    fn human_bytes_uses_binary_units() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(3 << 20), "3.0 MiB");
        assert_eq!(human_bytes(1 << 40), "1.0 TiB");
    }

    #[test]
    fn sizes_parse() {
        let cases = [
            ("512", 512),
            ("1KB", 1024),
            ("10 KiB", 10240),
            ("100KB", 102_400),
            ("1.5MB", 1_572_864),
            ("0", 0),
        ];
        for (text, want) in cases {
            assert_eq!(ByteSize::parse(text), Ok(ByteSize(want)), "{text}");
        }
        for text in ["", "KB", "-1KB", "10XB", "5GB"] {
            assert!(ByteSize::parse(text).is_err(), "{text:?} should fail");
        }
    }
}
