//! Pure chart math: scales, axis ticks, downsampling. No DOM; tested natively.
//! (Filled in by the live-page work; the signatures below are what components use.)

/// A line to draw: a name for the legend, a CSS colour, and `(x, y)` points in data units.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend label.
    pub name: String,
    /// CSS colour (a token such as `var(--chart-1)`).
    pub color: String,
    /// Points, x ascending.
    pub points: Vec<(f64, f64)>,
}
