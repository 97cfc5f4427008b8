//! Trend lines across periods: rates (0–100 %) per period as an inline SVG line chart, drawn with
//! the HTML report's SVG primitives ([`crate::report::kit::html::svg`]) so it looks like its charts.
//!
//! A period without a rate (no systems: the denominator is 0) is a gap in its line, never a zero.
//! Every point carries a `<title>` with its series, period and value, and the value is printed
//! above it, so nothing is told by colour alone.

use crate::report::kit::html::page::{Html, Px};
use crate::report::kit::html::svg::{self, AXIS, GRID, SMALL, Series, TEXT, WIDTH};
use crate::report::kit::words::pct;

const HEIGHT: f64 = 260.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 24.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 30.0;

/// One line: its series (legend text, colour) and its rate per period, in the periods' order.
pub struct Line<'a> {
    pub series: Series<'a>,
    pub values: Vec<Option<f64>>,
}

/// The chart of `lines` over `periods` (oldest first).
pub fn rates(h: &mut Html, title: &str, periods: &[String], lines: &[Line<'_>]) {
    svg::open_svg(h, HEIGHT, title);
    let plot_h = HEIGHT - TOP - BOTTOM;
    let y = |rate: f64| TOP + plot_h * (1.0 - rate.clamp(0.0, 1.0));
    let step = (WIDTH - LEFT - RIGHT) / periods.len().max(1) as f64;
    let x = |i: usize| LEFT + step * (i as f64 + 0.5);
    for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
        svg::line(h, (LEFT, y(tick)), (WIDTH - RIGHT, y(tick)), GRID);
        svg::text(h, LEFT - 6.0, y(tick) + 4.0, "end", SMALL, AXIS, &format!("{}%", tick * 100.0));
    }
    svg::line(h, (LEFT, TOP), (LEFT, TOP + plot_h), AXIS);
    for (i, p) in periods.iter().enumerate() {
        svg::text(h, x(i), HEIGHT - 10.0, "middle", SMALL, TEXT, p);
    }
    let series: Vec<Series<'_>> = lines.iter().map(|l| l.series).collect();
    svg::legend(h, &series, LEFT, 16.0);
    for line in lines {
        for segment in segments(&line.values) {
            if segment.len() < 2 {
                continue;
            }
            let points: Vec<String> = segment.iter().map(|&(i, v)| format!("{},{}", Px(x(i)), Px(y(v)))).collect();
            h.void(
                "polyline",
                &[
                    ("points", &points.join(" ")),
                    ("fill", &"none"),
                    ("stroke", &line.series.colour),
                    ("stroke-width", &2),
                ],
            );
        }
        for (i, v) in line.values.iter().enumerate() {
            let Some(v) = *v else { continue };
            let label =
                format!("{} {}: {}", line.series.label, periods.get(i).map_or("", String::as_str), pct(Some(v)));
            h.el("circle", &[("cx", &Px(x(i))), ("cy", &Px(y(v))), ("r", &4), ("fill", &line.series.colour)], |h| {
                h.leaf("title", &[], &label);
            });
            svg::text(h, x(i), y(v) - 8.0, "middle", SMALL, line.series.colour, &pct(Some(v)));
        }
    }
    h.close();
}

/// Runs of consecutive known values, with their indices: a missing rate breaks the line.
fn segments(values: &[Option<f64>]) -> Vec<Vec<(usize, f64)>> {
    let mut out = vec![Vec::new()];
    for (i, v) in values.iter().enumerate() {
        match v {
            Some(v) => out.last_mut().map_or((), |s| s.push((i, *v))),
            None => out.push(Vec::new()),
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_rate_breaks_the_line() {
        let s = segments(&[Some(0.1), Some(0.2), None, Some(0.4)]);
        assert_eq!(s, vec![vec![(0, 0.1), (1, 0.2)], vec![(3, 0.4)]]);
    }

    #[test]
    fn the_chart_is_well_formed_and_labels_every_point() {
        let mut h = Html::new();
        let series = Series { label: "approval <x>", colour: "#1565c0", ink: "#ffffff" };
        let periods = vec!["2025".to_string(), "2026".to_string()];
        rates(&mut h, "t", &periods, &[Line { series, values: vec![Some(0.5), Some(0.75)] }]);
        let svg = h.finish();
        assert!(svg.contains("<polyline points=\"220,135 564,87.5\""), "{svg}");
        assert!(svg.contains("<title>approval &lt;x&gt; 2026: 75.0%</title>"), "{svg}");
        assert_eq!(svg.matches("<circle").count(), 2);
    }
}
