//! Hand-written SVG bar charts, inline in the page: horizontal bars (a ranking), grouped columns
//! (figures per level, a distribution) and stacked bars (statuses per system).
//!
//! Output is deterministic: fixed geometry, coordinates through [`Px`] (no locale, at most one
//! decimal), values are counts printed as integers. Every chart is `role="img"` with a `<title>`,
//! every bar carries its own `<title>` with label and value, and every value is also printed as
//! text beside its bar, so nothing is told by colour alone. Labels are escaped by [`Html`].

use super::page::{Html, Px};
use crate::sanitize::truncate;

const SVG_NS: &str = "http://www.w3.org/2000/svg";
/// Width of every chart's view box; the page scales it down to fit (`max-width: 100%`).
pub const WIDTH: f64 = 760.0;
pub(crate) const FONT: f64 = 12.0;
pub(crate) const SMALL: f64 = 10.0;
const ROW: f64 = 22.0;
/// A generous average width of one character at [`FONT`]: SVG cannot measure text, so labels
/// are cut to what fits by this estimate.
const CHAR_W: f64 = 7.5;
pub(crate) const TEXT: &str = "#1a1a1a";
pub(crate) const GRID: &str = "#cfd8dc";
pub(crate) const AXIS: &str = "#546e7a";

/// A value series: its legend text, its colour and the colour of text written on it.
#[derive(Debug, Clone, Copy)]
pub struct Series<'a> {
    pub label: &'a str,
    pub colour: &'static str,
    pub ink: &'static str,
}

/// One bar of a ranking.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub value: usize,
}

/// One group of columns (or one stacked row): a label and one value per series.
#[derive(Debug, Clone)]
pub struct Group {
    pub label: String,
    pub values: Vec<usize>,
}

pub(crate) fn open_svg(h: &mut Html, height: f64, title: &str) {
    let view_box = format!("0 0 {} {}", Px(WIDTH), Px(height));
    h.open(
        "svg",
        &[
            ("xmlns", &SVG_NS),
            ("viewBox", &view_box),
            ("width", &Px(WIDTH)),
            ("height", &Px(height)),
            ("role", &"img"),
            ("font-size", &Px(FONT)),
        ],
    );
    h.leaf("title", &[], title);
}

pub(crate) fn text(h: &mut Html, x: f64, y: f64, anchor: &'static str, size: f64, fill: &str, s: &str) {
    h.leaf(
        "text",
        &[("x", &Px(x)), ("y", &Px(y)), ("text-anchor", &anchor), ("font-size", &Px(size)), ("fill", &fill)],
        s,
    );
}

pub(crate) fn rect(h: &mut Html, x: f64, y: f64, w: f64, height: f64, fill: &str) {
    h.void("rect", &[("x", &Px(x)), ("y", &Px(y)), ("width", &Px(w)), ("height", &Px(height)), ("fill", &fill)]);
}

pub(crate) fn line(h: &mut Html, (x1, y1): (f64, f64), (x2, y2): (f64, f64), stroke: &str) {
    h.void(
        "line",
        &[
            ("x1", &Px(x1)),
            ("y1", &Px(y1)),
            ("x2", &Px(x2)),
            ("y2", &Px(y2)),
            ("stroke", &stroke),
            ("stroke-width", &1),
        ],
    );
}

/// Colour swatches with their labels, left to right from `x`.
pub(crate) fn legend(h: &mut Html, series: &[Series<'_>], x: f64, y: f64) {
    let mut x = x;
    for s in series {
        rect(h, x, y - 10.0, 12.0, 12.0, s.colour);
        text(h, x + 16.0, y, "start", FONT, TEXT, s.label);
        // No text measurement in SVG: advance by an estimate of the label's width.
        x += 16.0 + s.label.chars().count() as f64 * CHAR_W + 14.0;
    }
}

/// A horizontal bar per entry, longest value = full width: a ranking such as the controls most
/// often missing. The label is cut to fit; the bar's `<title>` has it whole.
pub fn horizontal_bars(h: &mut Html, title: &str, bars: &[Bar], colour: &'static str) {
    const LABEL_W: f64 = 330.0;
    const LABEL_CHARS: usize = (LABEL_W / CHAR_W) as usize - 4;
    const VALUE_W: f64 = 56.0;
    let plot_x = LABEL_W + 8.0;
    let plot_w = WIDTH - plot_x - VALUE_W;
    let height = bars.len() as f64 * ROW + 8.0;
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1) as f64;
    open_svg(h, height, title);
    for (i, b) in bars.iter().enumerate() {
        let y = 4.0 + i as f64 * ROW;
        let w = b.value as f64 / max * plot_w;
        h.el("g", &[], |h| {
            h.leaf("title", &[], &format!("{}: {}", b.label, b.value));
            text(h, LABEL_W, y + ROW / 2.0 + 4.0, "end", FONT, TEXT, &truncate(&b.label, LABEL_CHARS));
            rect(h, plot_x, y + 3.0, w, ROW - 6.0, colour);
            text(h, plot_x + w + 4.0, y + ROW / 2.0 + 4.0, "start", FONT, TEXT, &b.value.to_string());
        });
    }
    line(h, (plot_x, 2.0), (plot_x, height - 2.0), AXIS);
    h.close();
}

/// The smallest step of 1, 2 or 5 × 10ⁿ that divides `max` into at most four intervals.
fn step(max: usize) -> usize {
    let raw = max.div_ceil(4).max(1);
    let mut magnitude = 1usize;
    loop {
        for m in [1, 2, 5] {
            if m * magnitude >= raw {
                return m * magnitude;
            }
        }
        magnitude = magnitude.saturating_mul(10);
    }
}

/// Vertical columns, one per series side by side in each group, on a count axis with grid lines;
/// a legend names the series. Figures per level, or (one series) a distribution.
pub fn grouped_columns(h: &mut Html, title: &str, series: &[Series<'_>], groups: &[Group]) {
    const HEIGHT: f64 = 280.0;
    const LEFT: f64 = 44.0;
    const TOP: f64 = 34.0;
    const BOTTOM: f64 = 30.0;
    let plot_w = WIDTH - LEFT - 8.0;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let max = groups.iter().flat_map(|g| g.values.iter().copied()).max().unwrap_or(0);
    let step = step(max);
    let top = max.div_ceil(step).max(1) * step;
    let y_of = |v: usize| TOP + plot_h - v as f64 / top as f64 * plot_h;
    open_svg(h, HEIGHT, title);
    legend(h, series, LEFT, 16.0);
    for tick in (0..=top).step_by(step) {
        let y = y_of(tick);
        line(h, (LEFT, y), (WIDTH - 8.0, y), if tick == 0 { AXIS } else { GRID });
        text(h, LEFT - 6.0, y + 4.0, "end", SMALL, AXIS, &tick.to_string());
    }
    let group_w = plot_w / groups.len().max(1) as f64;
    let bar_w = group_w * 0.8 / series.len().max(1) as f64;
    for (gi, g) in groups.iter().enumerate() {
        let gx = LEFT + gi as f64 * group_w + group_w * 0.1;
        for (si, (s, &v)) in series.iter().zip(&g.values).enumerate() {
            let x = gx + si as f64 * bar_w;
            let y = y_of(v);
            h.el("g", &[], |h| {
                h.leaf("title", &[], &format!("{} — {}: {v}", g.label, s.label));
                rect(h, x + 1.0, y, (bar_w - 2.0).max(1.0), TOP + plot_h - y, s.colour);
                text(h, x + bar_w / 2.0, y - 3.0, "middle", SMALL, TEXT, &v.to_string());
            });
        }
        text(
            h,
            gx + group_w * 0.4,
            HEIGHT - BOTTOM + 18.0,
            "middle",
            FONT,
            TEXT,
            &truncate(&g.label, (group_w / CHAR_W) as usize),
        );
    }
    h.close();
}

/// One horizontal bar per row, split into its series in proportion (each row is 100 %), with the
/// count written in each segment wide enough to hold it: statuses per system.
pub fn stacked_bars(h: &mut Html, title: &str, series: &[Series<'_>], rows: &[Group]) {
    const LABEL_W: f64 = 230.0;
    const TOP: f64 = 28.0;
    let plot_x = LABEL_W + 8.0;
    let plot_w = WIDTH - plot_x - 8.0;
    let height = TOP + rows.len() as f64 * ROW + 6.0;
    open_svg(h, height, title);
    legend(h, series, plot_x, 16.0);
    for (ri, r) in rows.iter().enumerate() {
        let y = TOP + ri as f64 * ROW;
        let total: usize = r.values.iter().sum();
        let label = format!("{} ({total})", truncate(&r.label, 24));
        text(h, LABEL_W, y + ROW / 2.0 + 4.0, "end", FONT, TEXT, &label);
        let mut x = plot_x;
        for (s, &v) in series.iter().zip(&r.values).filter(|(_, v)| **v > 0) {
            let w = v as f64 / total.max(1) as f64 * plot_w;
            h.el("g", &[], |h| {
                h.leaf("title", &[], &format!("{} — {}: {v}", r.label, s.label));
                rect(h, x, y + 3.0, w, ROW - 6.0, s.colour);
                if w >= 8.0 * v.to_string().len() as f64 + 4.0 {
                    text(h, x + w / 2.0, y + ROW / 2.0 + 4.0, "middle", SMALL, s.ink, &v.to_string());
                }
            });
            x += w;
        }
    }
    h.close();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(f: impl FnOnce(&mut Html)) -> String {
        let mut h = Html::new();
        f(&mut h);
        h.finish()
    }

    #[test]
    fn steps_are_round() {
        assert_eq!([0, 1, 4, 5, 9, 20, 21, 1000, 7206].map(step), [1, 1, 1, 2, 5, 5, 10, 500, 2000]);
    }

    #[test]
    fn charts_are_deterministic_accessible_and_escaped() {
        let bars =
            vec![Bar { label: "NET.01 <b>\"x\"</b>".into(), value: 5 }, Bar { label: "DES.02".into(), value: 0 }];
        let one = render(|h| horizontal_bars(h, "Top <missing>", &bars, "#e65100"));
        assert_eq!(one, render(|h| horizontal_bars(h, "Top <missing>", &bars, "#e65100")));
        assert!(one.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(one.contains("role=\"img\"") && one.contains("<title>Top &lt;missing&gt;</title>"));
        assert!(one.contains("NET.01 &lt;b&gt;&quot;x&quot;&lt;/b&gt;") && !one.contains("<b>"));
        assert!(!one.contains("NaN") && !one.contains("inf"));

        let series =
            [Series { label: "a", colour: "#000", ink: "#fff" }, Series { label: "b", colour: "#111", ink: "#fff" }];
        let groups =
            vec![Group { label: "1".into(), values: vec![0, 0] }, Group { label: "2".into(), values: vec![3, 1] }];
        let cols = render(|h| grouped_columns(h, "levels", &series, &groups));
        assert!(cols.contains("<title>2 — a: 3</title>"));
        let stacked = render(|h| stacked_bars(h, "statuses", &series, &groups));
        assert!(stacked.contains("<title>2 — b: 1</title>") && !stacked.contains("<title>1 — a"));
    }
}
