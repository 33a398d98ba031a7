//! Turning a result document into the HTML report, a one-screen summary, and the
//! Qin / socket.io comparison.

use qin_load::report::{self, Chart, Series, Table};
use qin_load::target::Dialect;
use serde_json::{Value, json};

/// The machine the run happened on.
pub fn machine() -> Value {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|m| m.trim_start_matches([' ', '\t', ':']).to_owned())
        .unwrap_or_default();
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_kib: u64 = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);
    // Other work on the machine skews every figure: record how busy it was.
    let loadavg = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    json!({
        "loadavg": loadavg.split_whitespace().take(3).collect::<Vec<_>>().join(" "),
        "nproc": std::thread::available_parallelism().map_or(0, std::num::NonZero::get),
        "cpu": model,
        "mem_gib": (mem_kib as f64 / 1048576.0 * 10.0).round() / 10.0,
    })
}

/// `qin` or `socketio`.
pub fn dialect(d: Dialect) -> &'static str {
    match d {
        Dialect::Qin => "qin",
        Dialect::Socketio => "socketio",
    }
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or(0.0)
}

fn s(v: &Value) -> String {
    match v {
        Value::Number(n) => match n.as_f64() {
            Some(x) if x.fract() != 0.0 => format!("{x:.3}"),
            _ => n.to_string(),
        },
        Value::String(t) => t.clone(),
        Value::Null => "-".into(),
        other => other.to_string(),
    }
}

/// Flat key/value pairs of an object (nested objects as `a.b`; arrays skipped).
fn flat(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
    if let Value::Object(map) = v {
        for (k, v) in map {
            let key = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            match v {
                Value::Object(_) => flat(&key, v, out),
                Value::Array(_) => {}
                _ => out.push((key, s(v))),
            }
        }
    }
}

/// The HTML report.
pub fn page(doc: &Value) -> String {
    let mut meta = Vec::new();
    for k in ["scenario", "target", "started_unix"] {
        meta.push((k.to_owned(), s(&doc[k])));
    }
    flat("machine", &doc["machine"], &mut meta);
    flat("spec", &doc["spec"], &mut meta);
    let mut result = Vec::new();
    flat("", &doc["result"], &mut result);
    let mut tables = vec![Table {
        title: "Result".into(),
        header: vec!["metric".into(), "value".into()],
        rows: result.into_iter().map(|(k, v)| vec![k, v]).collect(),
    }];
    let mut charts = Vec::new();
    if let Some(steps) = doc["result"]["steps"].as_array() {
        tables.push(relay_table(steps));
        let line = |name: &str, y: &dyn Fn(&Value) -> f64| Series {
            name: name.into(),
            points: steps
                .iter()
                .map(|st| (f(&st["offered_per_s"]), y(st)))
                .collect(),
        };
        charts.push(Chart {
            title: "Latency, shopper send → agent receive".into(),
            x_label: "offered msg/s".into(),
            y_label: "ms".into(),
            series: vec![
                line("p50", &|st| f(&st["latency"]["p50_ms"])),
                line("p99", &|st| f(&st["latency"]["p99_ms"])),
                line("p99.9", &|st| f(&st["latency"]["p999_ms"])),
            ],
        });
        charts.push(Chart {
            title: "Throughput".into(),
            x_label: "offered msg/s".into(),
            y_label: "msg/s".into(),
            series: vec![
                line("offered", &|st| f(&st["offered_per_s"])),
                line("delivered", &|st| f(&st["delivered_per_s"])),
            ],
        });
        charts.push(Chart {
            title: "Server CPU per delivered message".into(),
            x_label: "offered msg/s".into(),
            y_label: "µs".into(),
            series: vec![line("cpu µs/msg", &|st| f(&st["cpu_us_per_msg"]))],
        });
    }
    if let Some(series) = doc["result"]["timeline"].as_array() {
        let line = |name: &str, key: &str| Series {
            name: name.into(),
            points: series.iter().map(|p| (f(&p["t_s"]), f(&p[key]))).collect(),
        };
        charts.push(Chart {
            title: "Arrivals, queue and messages over time".into(),
            x_label: "s".into(),
            y_label: "per s / count".into(),
            series: vec![
                line("arrivals/s", "arrivals_per_s"),
                line("queued now", "queued"),
                line("in chat now", "assigned"),
                line("messages/s", "messages_per_s"),
            ],
        });
    }
    let title = format!(
        "qin-load {} against {}",
        s(&doc["scenario"]),
        s(&doc["target"])
    );
    report::html(&title, &meta, &tables, &charts)
}

fn relay_table(steps: &[Value]) -> Table {
    let header = [
        "offered/s",
        "sent/s",
        "delivered/s",
        "delivered/offered",
        "p50 ms",
        "p99 ms",
        "p99.9 ms",
        "max ms",
        "server CPU µs/msg",
        "generator CPU ms",
    ];
    Table {
        title: "Relay steps".into(),
        header: header.iter().map(|h| (*h).to_owned()).collect(),
        rows: steps
            .iter()
            .map(|st| {
                vec![
                    s(&st["offered_per_s"]),
                    format!("{:.0}", f(&st["sent_per_s"])),
                    format!("{:.0}", f(&st["delivered_per_s"])),
                    format!("{:.3}", f(&st["delivered_ratio"])),
                    format!("{:.2}", f(&st["latency"]["p50_ms"])),
                    format!("{:.2}", f(&st["latency"]["p99_ms"])),
                    format!("{:.2}", f(&st["latency"]["p999_ms"])),
                    format!("{:.2}", f(&st["latency"]["max_ms"])),
                    format!("{:.1}", f(&st["cpu_us_per_msg"])),
                    s(&st["generator_cpu_ms"]),
                ]
            })
            .collect(),
    }
}

/// A short text summary for the terminal (a markdown table for relay).
pub fn summary(doc: &Value) -> String {
    let mut out = String::new();
    if let Some(steps) = doc["result"]["steps"].as_array() {
        let t = relay_table(steps);
        out.push_str(&format!("| {} |\n", t.header.join(" | ")));
        out.push_str(&format!("|{}\n", "---|".repeat(t.header.len())));
        for row in t.rows {
            out.push_str(&format!("| {} |\n", row.join(" | ")));
        }
    }
    let mut flat_result = Vec::new();
    flat("", &doc["result"], &mut flat_result);
    for (k, v) in flat_result {
        out.push_str(&format!("{k}: {v}\n"));
    }
    out
}

/// Compares a Qin result with a socket.io result of the same scenario: socket.io / Qin
/// ratios of costs (above 1 means Qin is cheaper) and Qin / socket.io of rates.
pub fn compare(qin: &Value, sio: &Value) -> String {
    let mut out = format!("scenario {}: Qin vs socket.io\n", s(&qin["scenario"]));
    let row = |out: &mut String, name: &str, a: f64, b: f64, better: &str| {
        let ratio = if a > 0.0 { b / a } else { f64::NAN };
        out.push_str(&format!("  {name:<34} qin {a:>10.3}  socket.io {b:>10.3}  socket.io/qin {ratio:>6.2}  ({better})\n"));
    };
    let (q, o) = (&qin["result"], &sio["result"]);
    if let (Some(qs), Some(os)) = (q["steps"].as_array(), o["steps"].as_array()) {
        for (a, b) in qs.iter().zip(os) {
            let rate = s(&a["offered_per_s"]);
            row(
                &mut out,
                &format!("@{rate}/s delivered msg/s"),
                f(&a["delivered_per_s"]),
                f(&b["delivered_per_s"]),
                "higher is better",
            );
            row(
                &mut out,
                &format!("@{rate}/s p50 ms"),
                f(&a["latency"]["p50_ms"]),
                f(&b["latency"]["p50_ms"]),
                "lower is better",
            );
            row(
                &mut out,
                &format!("@{rate}/s p99 ms"),
                f(&a["latency"]["p99_ms"]),
                f(&b["latency"]["p99_ms"]),
                "lower is better",
            );
            row(
                &mut out,
                &format!("@{rate}/s server CPU µs/msg"),
                f(&a["cpu_us_per_msg"]),
                f(&b["cpu_us_per_msg"]),
                "lower is better",
            );
        }
        row(
            &mut out,
            "whole run server CPU µs/msg",
            f(&q["cpu_us_per_msg"]),
            f(&o["cpu_us_per_msg"]),
            "lower is better",
        );
    }
    if q.get("rss_per_conn_kib").is_some() {
        row(
            &mut out,
            "gateway KiB per idle connection",
            f(&q["rss_per_conn_kib"]),
            f(&o["rss_per_conn_kib"]),
            "lower is better",
        );
        row(
            &mut out,
            "connections/s",
            f(&q["connections_per_s"]),
            f(&o["connections_per_s"]),
            "higher is better",
        );
        row(
            &mut out,
            "handshake p99 ms",
            f(&q["handshake"]["p99_ms"]),
            f(&o["handshake"]["p99_ms"]),
            "lower is better",
        );
    }
    out
}
