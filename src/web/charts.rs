//! Charts drawn on the server as SVG: a histogram of scores and a train-versus-test scatter. Each has
//! a text alternative, and the numbers behind it are in the table beside it.

use maud::{html, Markup};

use super::layout::num;

const W: f64 = 520.0;
const H: f64 = 260.0;
const LEFT: f64 = 48.0;
const BOTTOM: f64 = 40.0;
const TOP: f64 = 12.0;
const RIGHT: f64 = 12.0;

/// Counts of `scores` (0–100) in ten bins of width 10; 100 falls in the last.
pub fn bins(scores: &[f64]) -> [usize; 10] {
    let mut out = [0usize; 10];
    for s in scores {
        let i = ((s / 10.0).floor().max(0.0) as usize).min(9);
        out[i] += 1;
    }
    out
}

pub fn histogram(scores: &[f64]) -> Markup {
    let counts = bins(scores);
    let max = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    let bar_w = plot_w / 10.0;
    let label = format!(
        "Histogram of scores: {}",
        counts.iter().enumerate().map(|(i, c)| format!("{}–{}: {c}", i * 10, i * 10 + 10)).collect::<Vec<_>>().join(", ")
    );
    html! {
        svg width=(W) height=(H) viewBox=(format!("0 0 {W} {H}")) role="img" aria-label=(label) {
            title { (label) }
            @for (i, c) in counts.iter().enumerate() {
                @let h = *c as f64 / max * plot_h;
                @let x = LEFT + i as f64 * bar_w;
                rect.bar x=(num(x + 1.0)) y=(num(TOP + plot_h - h)) width=(num(bar_w - 2.0)) height=(num(h)) {
                    title { (i * 10) "–" (i * 10 + 10) ": " (c) }
                }
                @if *c > 0 {
                    text x=(num(x + bar_w / 2.0)) y=(num(TOP + plot_h - h - 3.0)) text-anchor="middle" { (c) }
                }
                text x=(num(x)) y=(num(H - BOTTOM + 16.0)) text-anchor="middle" { (i * 10) }
            }
            text x=(num(LEFT + plot_w)) y=(num(H - BOTTOM + 16.0)) text-anchor="middle" { "100" }
            line.axis x1=(LEFT) y1=(num(TOP + plot_h)) x2=(num(LEFT + plot_w)) y2=(num(TOP + plot_h)) {}
            line.axis x1=(LEFT) y1=(TOP) x2=(LEFT) y2=(num(TOP + plot_h)) {}
            text x=(num(LEFT + plot_w / 2.0)) y=(num(H - 6.0)) text-anchor="middle" { "score" }
            text x="14" y=(num(TOP + plot_h / 2.0)) text-anchor="middle" transform=(format!("rotate(-90 14 {})", num(TOP + plot_h / 2.0))) { "submissions" }
        }
    }
}

/// One point of the scatter.
pub struct Point {
    pub label: String,
    pub train: f64,
    pub test: f64,
    pub flagged: bool,
}

/// The range both axes share, padded, so the diagonal train = test is a straight 45° line.
pub fn domain(points: &[Point]) -> (f64, f64) {
    let values = points.iter().flat_map(|p| [p.train, p.test]).filter(|v| v.is_finite());
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.05).max(0.01);
    (lo - pad, hi + pad)
}

pub fn train_vs_test(points: &[Point], metric: &str) -> Markup {
    let (lo, hi) = domain(points);
    let size = H - TOP - BOTTOM;
    let sx = |v: f64| LEFT + (v - lo) / (hi - lo) * size;
    let sy = |v: f64| TOP + size - (v - lo) / (hi - lo) * size;
    let label = format!(
        "{metric} on the training rows (across) against the hidden test rows (up), one point per accepted run; points below the dashed diagonal do better on training rows; red points are flagged"
    );
    let ticks: Vec<f64> = (0..=4).map(|i| lo + (hi - lo) * i as f64 / 4.0).collect();
    html! {
        svg width=(num(LEFT + size + RIGHT + 140.0)) height=(H) viewBox=(format!("0 0 {} {H}", num(LEFT + size + RIGHT + 140.0))) role="img" aria-label=(label) {
            title { (label) }
            @for t in &ticks {
                line.grid x1=(num(sx(*t))) y1=(TOP) x2=(num(sx(*t))) y2=(num(TOP + size)) {}
                line.grid x1=(LEFT) y1=(num(sy(*t))) x2=(num(LEFT + size)) y2=(num(sy(*t))) {}
                text x=(num(sx(*t))) y=(num(TOP + size + 14.0)) text-anchor="middle" { (format!("{t:.2}")) }
                text x=(num(LEFT - 4.0)) y=(num(sy(*t) + 4.0)) text-anchor="end" { (format!("{t:.2}")) }
            }
            line.diag x1=(num(sx(lo))) y1=(num(sy(lo))) x2=(num(sx(hi))) y2=(num(sy(hi))) {}
            @for p in points {
                circle class=(if p.flagged { "pt flagged" } else { "pt" }) cx=(num(sx(p.train))) cy=(num(sy(p.test))) r="5" {
                    title { (p.label) ": train " (num(p.train)) ", test " (num(p.test)) @if p.flagged { " (flagged)" } }
                }
            }
            text x=(num(LEFT + size / 2.0)) y=(num(H - 6.0)) text-anchor="middle" { (metric) " on training rows" }
            text x="12" y=(num(TOP + size / 2.0)) text-anchor="middle" transform=(format!("rotate(-90 12 {})", num(TOP + size / 2.0))) { (metric) " on test rows" }
            circle.pt cx=(num(LEFT + size + 24.0)) cy=(num(TOP + 10.0)) r="5" {}
            text x=(num(LEFT + size + 34.0)) y=(num(TOP + 14.0)) { "not flagged" }
            circle class="pt flagged" cx=(num(LEFT + size + 24.0)) cy=(num(TOP + 30.0)) r="5" {}
            text x=(num(LEFT + size + 34.0)) y=(num(TOP + 34.0)) { "flagged" }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_cover_the_whole_scale() {
        assert_eq!(bins(&[0.0, 9.99, 10.0, 55.0, 99.9, 100.0]), [2, 1, 0, 0, 0, 1, 0, 0, 0, 2]);
    }

    #[test]
    fn charts_draw_one_mark_per_value() {
        let svg = histogram(&[5.0, 15.0, 15.0]).into_string();
        assert_eq!(svg.matches("<rect").count(), 10);
        assert!(svg.contains("10–20: 2"));
        let points = vec![
            Point { label: "ada".into(), train: 1.0, test: 0.7, flagged: true },
            Point { label: "bob".into(), train: 0.9, test: 0.88, flagged: false },
        ];
        let svg = train_vs_test(&points, "accuracy").into_string();
        assert_eq!(svg.matches("class=\"pt flagged\"").count(), 2, "one flagged point and its legend");
        assert!(svg.contains("ada: train 1, test 0.7 (flagged)"));
        let (lo, hi) = domain(&points);
        assert!(lo < 0.7 && hi > 1.0);
    }
}
