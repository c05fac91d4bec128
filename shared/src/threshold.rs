//! Pass/fail thresholds in k6's readable form: `p(95) < 200ms`, `avg < 100ms`,
//! `error_rate < 1%`, `rps > 500`, optionally scoped to one request name.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A threshold as written in a scenario: either just the expression, or a map with options.
///
/// ```yaml
/// thresholds:
///   - "p(95) < 200ms"
///   - { expr: "p(99) < 1s", request: "GET /api/products", abort_on_fail: true }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThresholdSpec {
    /// The expression, `<metric> <op> <value>`.
    pub expr: String,
    /// Only this request name's metrics are compared (default: all requests).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
    /// Stop the run as soon as the threshold fails on the cumulative data.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub abort_on_fail: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FullSpec {
    expr: String,
    #[serde(default)]
    request: Option<String>,
    #[serde(default)]
    abort_on_fail: bool,
}

impl<'de> Deserialize<'de> for ThresholdSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = ThresholdSpec;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a threshold such as \"p(95) < 200ms\" or { expr, request, abort_on_fail }",
                )
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ThresholdSpec, E> {
                Ok(ThresholdSpec {
                    expr: v.to_owned(),
                    request: None,
                    abort_on_fail: false,
                })
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<ThresholdSpec, A::Error> {
                let f = FullSpec::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(ThresholdSpec {
                    expr: f.expr,
                    request: f.request,
                    abort_on_fail: f.abort_on_fail,
                })
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// What a threshold measures.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "q")]
pub enum ThresholdMetric {
    /// Mean latency.
    Avg,
    /// Minimum latency.
    Min,
    /// Maximum latency.
    Max,
    /// Median latency.
    Med,
    /// Latency percentile, 0–100.
    Percentile(f64),
    /// Failed requests / all requests.
    ErrorRate,
    /// Requests per second over the run.
    Rps,
}

impl ThresholdMetric {
    /// True when the metric is a latency (compared in milliseconds).
    pub fn is_latency(self) -> bool {
        !matches!(self, ThresholdMetric::ErrorRate | ThresholdMetric::Rps)
    }
}

impl fmt::Display for ThresholdMetric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ThresholdMetric::Avg => f.write_str("avg"),
            ThresholdMetric::Min => f.write_str("min"),
            ThresholdMetric::Max => f.write_str("max"),
            ThresholdMetric::Med => f.write_str("med"),
            ThresholdMetric::Percentile(q) => write!(f, "p({q})"),
            ThresholdMetric::ErrorRate => f.write_str("error_rate"),
            ThresholdMetric::Rps => f.write_str("rps"),
        }
    }
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Comparison {
    /// `<`
    #[serde(rename = "<")]
    Lt,
    /// `<=`
    #[serde(rename = "<=")]
    Le,
    /// `>`
    #[serde(rename = ">")]
    Gt,
    /// `>=`
    #[serde(rename = ">=")]
    Ge,
}

impl Comparison {
    fn holds(self, observed: f64, limit: f64) -> bool {
        match self {
            Comparison::Lt => observed < limit,
            Comparison::Le => observed <= limit,
            Comparison::Gt => observed > limit,
            Comparison::Ge => observed >= limit,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Comparison::Lt => "<",
            Comparison::Le => "<=",
            Comparison::Gt => ">",
            Comparison::Ge => ">=",
        }
    }
}

/// How a threshold's scope reads after its expression in a sentence: ` for request "login"`,
/// or nothing for a threshold on the whole run. The engine's abort reason and the reports'
/// notes use it, so they name a scoped threshold alike.
pub fn scope_phrase(request: Option<&str>) -> String {
    request
        .map(|r| format!(" for request \"{r}\""))
        .unwrap_or_default()
}

/// A parsed threshold. `limit` is in milliseconds for latencies, a ratio (0–1) for
/// `error_rate`, and requests per second for `rps`.
#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    /// The expression as written, for reports.
    pub expr: String,
    /// What is measured.
    pub metric: ThresholdMetric,
    /// How it is compared.
    pub op: Comparison,
    /// The limit, in the metric's unit.
    pub limit: f64,
    /// Scope to one request name.
    pub request: Option<String>,
    /// Abort the run on failure.
    pub abort_on_fail: bool,
}

impl Threshold {
    /// Parses a spec's expression.
    pub fn parse(spec: &ThresholdSpec) -> Result<Self, String> {
        let expr = spec.expr.trim();
        let op_at = expr.find(['<', '>']).ok_or_else(|| {
            format!("threshold \"{expr}\" has no comparison (expected e.g. \"p(95) < 200ms\")")
        })?;
        let (metric_text, rest) = expr.split_at(op_at);
        let (op, value_text) = if let Some(v) = rest.strip_prefix("<=") {
            (Comparison::Le, v)
        } else if let Some(v) = rest.strip_prefix(">=") {
            (Comparison::Ge, v)
        } else if let Some(v) = rest.strip_prefix('<') {
            (Comparison::Lt, v)
        } else if let Some(v) = rest.strip_prefix('>') {
            (Comparison::Gt, v)
        } else {
            return Err(format!("threshold \"{expr}\": unreadable comparison"));
        };
        let metric =
            parse_metric(metric_text.trim()).map_err(|e| format!("threshold \"{expr}\": {e}"))?;
        let limit = parse_limit(metric, value_text.trim())
            .map_err(|e| format!("threshold \"{expr}\": {e}"))?;
        Ok(Self {
            expr: expr.to_owned(),
            metric,
            op,
            limit,
            request: spec.request.clone(),
            abort_on_fail: spec.abort_on_fail,
        })
    }

    /// Compares an observed value (in the metric's unit). No data (e.g. no requests) fails a
    /// threshold: a run that made no requests has not shown that it meets anything.
    pub fn check(&self, observed: Option<f64>) -> bool {
        observed.is_some_and(|v| self.op.holds(v, self.limit))
    }

    /// Renders the limit with its unit, for reports.
    pub fn limit_text(&self) -> String {
        format_value(self.metric, self.limit)
    }

    /// Renders `observed` in the metric's unit.
    pub fn observed_text(&self, observed: Option<f64>) -> String {
        observed.map_or_else(|| "no data".to_owned(), |v| format_value(self.metric, v))
    }

    /// The comparison operator as text.
    pub fn op_text(&self) -> &'static str {
        self.op.as_str()
    }
}

/// In the style of every other figure (the panel's tiles, the reports): `1.26 s`, `12.3 ms`,
/// `0.45%`, `52.0/s`.
fn format_value(metric: ThresholdMetric, v: f64) -> String {
    match metric {
        ThresholdMetric::ErrorRate => crate::units::human_percent(v),
        // Two decimals below 0.1/s, as the reports and the panel write rates: 0.04/s, not 0.0/s.
        ThresholdMetric::Rps if v > 0.0 && v < 0.095 => format!("{v:.2}/s"),
        ThresholdMetric::Rps => format!("{v:.1}/s"),
        _ => crate::units::human_ms(v),
    }
}

fn parse_metric(text: &str) -> Result<ThresholdMetric, String> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    Ok(match compact.as_str() {
        "avg" | "mean" => ThresholdMetric::Avg,
        "min" => ThresholdMetric::Min,
        "max" => ThresholdMetric::Max,
        "med" | "median" => ThresholdMetric::Med,
        "error_rate" | "errors" => ThresholdMetric::ErrorRate,
        "rps" | "throughput" => ThresholdMetric::Rps,
        other => {
            // k6's `p(95)`, or `p95` as the tables and the panel label it.
            let q = other
                .strip_prefix("p(")
                .and_then(|r| r.strip_suffix(')'))
                .or_else(|| {
                    other
                        .strip_prefix('p')
                        .filter(|r| r.starts_with(|c: char| c.is_ascii_digit()))
                })
                .ok_or_else(|| {
                    format!("unknown metric \"{other}\" (expected avg, min, max, med, p(N) or pN, error_rate or rps)")
                })?;
            let q = crate::units::parse_decimal(q.trim())
                .ok_or_else(|| format!("\"{q}\" is not a percentile"))?;
            if !(q > 0.0 && q <= 100.0) {
                return Err(format!("percentile {q} is out of range (0, 100]"));
            }
            ThresholdMetric::Percentile(q)
        }
    })
}

fn parse_limit(metric: ThresholdMetric, text: &str) -> Result<f64, String> {
    if text.is_empty() {
        return Err("missing value after the comparison".to_owned());
    }
    // `text × 10^shift`, rounded once.
    let number = |t: &str, shift: i32| -> Result<f64, String> {
        let t = t.trim();
        crate::units::parse_decimal_scaled(t, shift).ok_or_else(|| {
            if t.starts_with('-') {
                format!("\"{text}\" must be a finite, non-negative number")
            } else {
                format!("\"{text}\" is not a number")
            }
        })
    };
    match metric {
        ThresholdMetric::ErrorRate => {
            let v = match text.strip_suffix('%') {
                // One rounding: `0.7%` is exactly 0.007, as 7 errors in 1000 are.
                Some(p) => number(p, -2)?,
                None => number(text, 0)?,
            };
            if v > 1.0 {
                return Err(format!("error rate {text} is above 100%"));
            }
            Ok(v)
        }
        ThresholdMetric::Rps => number(text.strip_suffix("/s").unwrap_or(text), 0),
        _ => {
            // k6 treats a bare number as milliseconds; accept that, and explicit units.
            if text
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
            {
                number(text, 0)
            } else {
                // Nanoseconds to milliseconds in one rounding: `1.1ms` is exactly 1.1.
                crate::units::HumanDuration::parse(text).map(|d| d.get().as_nanos() as f64 / 1e6)
            }
        }
    }
}

/// The verdict of one threshold at the end of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ThresholdResult {
    /// The expression as written.
    pub expr: String,
    /// Request scope, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
    /// The observed value in the metric's unit (ms, ratio or req/s); none when there was no data.
    pub observed: Option<f64>,
    /// The observed value with its unit, for people.
    pub observed_text: String,
    /// Whether it passed.
    pub passed: bool,
}

impl Serialize for Threshold {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        ThresholdSpec {
            expr: self.expr.clone(),
            request: self.request.clone(),
            abort_on_fail: self.abort_on_fail,
        }
        .serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(expr: &str) -> Result<Threshold, String> {
        Threshold::parse(&ThresholdSpec {
            expr: expr.into(),
            request: None,
            abort_on_fail: false,
        })
    }

    #[test]
    fn parses_the_k6_forms() {
        let cases = [
            (
                "p(95) < 200ms",
                ThresholdMetric::Percentile(95.0),
                Comparison::Lt,
                200.0,
            ),
            (
                "p(99.9)<=1s",
                ThresholdMetric::Percentile(99.9),
                Comparison::Le,
                1000.0,
            ),
            // As the tables and the panel label percentiles.
            (
                "p95 < 200ms",
                ThresholdMetric::Percentile(95.0),
                Comparison::Lt,
                200.0,
            ),
            (
                "p99.9 <= 1s",
                ThresholdMetric::Percentile(99.9),
                Comparison::Le,
                1000.0,
            ),
            ("avg < 100", ThresholdMetric::Avg, Comparison::Lt, 100.0),
            ("med<50ms", ThresholdMetric::Med, Comparison::Lt, 50.0),
            ("max < 2s", ThresholdMetric::Max, Comparison::Lt, 2000.0),
            (
                "error_rate < 1%",
                ThresholdMetric::ErrorRate,
                Comparison::Lt,
                0.01,
            ),
            (
                "error_rate <= 0.05",
                ThresholdMetric::ErrorRate,
                Comparison::Le,
                0.05,
            ),
            ("rps > 500", ThresholdMetric::Rps, Comparison::Gt, 500.0),
            ("rps >= 20/s", ThresholdMetric::Rps, Comparison::Ge, 20.0),
        ];
        for (expr, metric, op, limit) in cases {
            let t = parse(expr).unwrap_or_else(|e| panic!("{expr}: {e}"));
            assert_eq!((t.metric, t.op), (metric, op), "{expr}");
            assert!(
                (t.limit - limit).abs() < 1e-9,
                "{expr}: {} != {limit}",
                t.limit
            );
        }
    }

    #[test]
    fn rejects_bad_expressions_with_a_reason() {
        let cases = [
            ("q95 < 200ms", "unknown metric"),
            ("p < 200ms", "unknown metric"),
            ("pmax < 200ms", "unknown metric"),
            ("p95x < 200ms", "not a percentile"),
            ("p0 < 1ms", "out of range"),
            ("p(0) < 1ms", "out of range"),
            ("p(101) < 1ms", "out of range"),
            ("avg = 5ms", "no comparison"),
            ("avg <", "missing value"),
            ("error_rate < 150%", "above 100%"),
            ("rps > lots", "not a number"),
            ("avg < 5 parsecs", "unknown duration unit"),
            ("avg < -5", "non-negative"),
        ];
        for (expr, want) in cases {
            let err = parse(expr).expect_err(expr);
            assert!(err.contains(want), "{expr}: {err}");
        }
    }

    #[test]
    fn limits_are_the_numbers_written() {
        // An error rate of k errors in 1000 must meet a limit of k/10 percent exactly.
        for k in 0..=1000u32 {
            let observed = f64::from(k) / 1000.0;
            let text = format!("error_rate <= {}.{}%", k / 10, k % 10);
            let t = parse(&text).expect("valid");
            assert_eq!(t.limit, observed, "{text}");
            assert!(t.check(Some(observed)), "{text}");
            let t = parse(&format!("error_rate < {}.{}%", k / 10, k % 10)).expect("valid");
            assert!(!t.check(Some(observed)), "{text} with <");
        }
        for (expr, ms) in [
            ("avg < 1.1ms", 1.1),
            ("avg < 0.3s", 300.0),
            ("avg < 2.5", 2.5),
        ] {
            assert_eq!(parse(expr).expect("valid").limit, ms, "{expr}");
        }
        // Observed values and limits read as the tiles and tables write them.
        let t = parse("p(95) < 10s").expect("valid");
        assert_eq!(t.observed_text(Some(10.974)), "11.0 ms");
        assert_eq!(t.observed_text(Some(1259.52)), "1.26 s");
        assert_eq!(t.observed_text(None), "no data");
        assert_eq!(t.limit_text(), "10.0 s");
        let t = parse("error_rate < 1%").expect("valid");
        assert_eq!(t.observed_text(Some(0.000_01)), "<0.01%");
        assert_eq!(t.limit_text(), "1.00%");
    }

    #[test]
    fn a_slow_rate_does_not_read_as_none() {
        // A failed `rps < 0.01` read "observed 0.0/s" in the summary and JUnit, a figure that
        // meets it; the HTML report and the panel wrote 0.04/s.
        let t = parse("rps < 0.01").expect("valid");
        assert!(!t.check(Some(0.04)));
        assert_eq!(t.observed_text(Some(0.04)), "0.04/s");
        assert_eq!(t.observed_text(Some(0.0)), "0.0/s");
        assert_eq!(t.observed_text(Some(0.1)), "0.1/s");
        assert_eq!(t.observed_text(Some(52.04)), "52.0/s");
    }

    #[test]
    fn comparison_and_missing_data() {
        let t = parse("p(95) < 200ms").expect("valid");
        assert!(t.check(Some(199.9)));
        assert!(!t.check(Some(200.0)));
        assert!(!t.check(None));
        let t = parse("rps >= 10").expect("valid");
        assert!(t.check(Some(10.0)));
    }
}
