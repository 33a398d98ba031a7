//! A self-contained HTML report: tables and line charts drawn as inline SVG (no scripts,
//! no CDN), so the file can be mailed or archived as is.

use std::fmt::Write;

/// A table of results.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// Caption.
    pub title: String,
    /// Column names.
    pub header: Vec<String>,
    /// Cells.
    pub rows: Vec<Vec<String>>,
}

/// One line of a chart.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend.
    pub name: String,
    /// (x, y) points in x order.
    pub points: Vec<(f64, f64)>,
}

/// A line chart.
#[derive(Debug, Clone)]
pub struct Chart {
    /// Caption.
    pub title: String,
    /// X axis label.
    pub x_label: String,
    /// Y axis label.
    pub y_label: String,
    /// Lines.
    pub series: Vec<Series>,
}

const COLORS: [&str; 6] = [
    "#d9480f", "#1971c2", "#2f9e44", "#7048e8", "#e8590c", "#495057",
];

/// The whole page.
pub fn html(title: &str, meta: &[(String, String)], tables: &[Table], charts: &[Chart]) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{t}</title><style>\
         body{{font:14px system-ui,sans-serif;margin:2em;color:#222}} table{{border-collapse:collapse;margin:1em 0}}\
         td,th{{border:1px solid #ccc;padding:3px 8px;text-align:right}} th{{background:#f1f3f5}}\
         caption{{font-weight:600;text-align:left;padding:4px 0}} svg{{margin:1em 0;display:block}}</style></head>\
         <body><h1>{t}</h1>",
        t = escape(title)
    );
    out.push_str("<table>");
    for (k, v) in meta {
        let _ = write!(
            out,
            "<tr><th>{}</th><td style=\"text-align:left\">{}</td></tr>",
            escape(k),
            escape(v)
        );
    }
    out.push_str("</table>");
    for t in tables {
        let _ = write!(out, "<table><caption>{}</caption><tr>", escape(&t.title));
        for h in &t.header {
            let _ = write!(out, "<th>{}</th>", escape(h));
        }
        out.push_str("</tr>");
        for row in &t.rows {
            out.push_str("<tr>");
            for c in row {
                let _ = write!(out, "<td>{}</td>", escape(c));
            }
            out.push_str("</tr>");
        }
        out.push_str("</table>");
    }
    for c in charts {
        out.push_str(&svg(c));
    }
    out.push_str("</body></html>\n");
    out
}

/// One chart as SVG.
pub fn svg(chart: &Chart) -> String {
    let (w, h, left, right, top, bottom) = (720.0, 320.0, 70.0, 150.0, 30.0, 45.0);
    let points = chart.series.iter().flat_map(|s| s.points.iter());
    let (mut x0, mut x1, mut y1) = (f64::MAX, f64::MIN, 0.0f64);
    for &(x, y) in points {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y1 = y1.max(y);
    }
    if x0 > x1 {
        (x0, x1) = (0.0, 1.0);
    }
    if x1 <= x0 {
        x1 = x0 + 1.0;
    }
    let y1 = if y1 <= 0.0 { 1.0 } else { y1 * 1.05 };
    let px = |x: f64| left + (x - x0) / (x1 - x0) * (w - left - right);
    let py = |y: f64| h - bottom - y / y1 * (h - top - bottom);
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-size=\"11\">\
         <text x=\"{left}\" y=\"16\" font-size=\"13\" font-weight=\"600\">{}</text>",
        escape(&chart.title)
    );
    for i in 0..=4 {
        let fy = y1 * f64::from(i) / 4.0;
        let fx = x0 + (x1 - x0) * f64::from(i) / 4.0;
        let _ = write!(
            out,
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#eee\"/>\
             <text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\
             <text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            w - right,
            left - 4.0,
            py(fy) + 4.0,
            num(fy),
            px(fx),
            h - bottom + 15.0,
            num(fx),
            y = py(fy)
        );
    }
    let _ = write!(
        out,
        "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>\
         <text x=\"12\" y=\"{:.1}\" transform=\"rotate(-90 12 {:.1})\" text-anchor=\"middle\">{}</text>",
        (left + w - right) / 2.0,
        h - 8.0,
        escape(&chart.x_label),
        h / 2.0,
        h / 2.0,
        escape(&chart.y_label)
    );
    for (i, s) in chart.series.iter().enumerate() {
        let color = COLORS[i % COLORS.len()];
        let path: Vec<String> = s
            .points
            .iter()
            .map(|&(x, y)| format!("{:.1},{:.1}", px(x), py(y)))
            .collect();
        let _ = write!(
            out,
            "<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{}\"/>",
            path.join(" ")
        );
        for &(x, y) in &s.points {
            let _ = write!(
                out,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.5\" fill=\"{color}\"/>",
                px(x),
                py(y)
            );
        }
        let ly = top + 14.0 * i as f64;
        let _ = write!(
            out,
            "<rect x=\"{}\" y=\"{:.1}\" width=\"10\" height=\"10\" fill=\"{color}\"/><text x=\"{}\" y=\"{:.1}\">{}</text>",
            w - right + 10.0,
            ly,
            w - right + 24.0,
            ly + 9.0,
            escape(&s.name)
        );
    }
    out.push_str("</svg>");
    out
}

fn num(v: f64) -> String {
    if v.abs() >= 10_000.0 {
        format!("{:.0}k", v / 1000.0)
    } else if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_a_self_contained_page() {
        let chart = Chart {
            title: "p99 <ms>".into(),
            x_label: "offered".into(),
            y_label: "ms".into(),
            series: vec![Series {
                name: "p99".into(),
                points: vec![(1000.0, 1.0), (2000.0, 3.0)],
            }],
        };
        let page = html("relay", &[("cpu".into(), "x".into())], &[], &[chart]);
        assert!(page.contains("<polyline") && page.contains("p99 &lt;ms&gt;"));
        assert!(!page.contains("http://") || page.matches("http://").count() == 1); // only the SVG namespace
    }
}
