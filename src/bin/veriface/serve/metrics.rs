//! Prometheus metrics in the text exposition format (version 0.0.4), kept in one mutex-guarded
//! table: the label sets are few (the routes are fixed; codes come from the fixed code lists),
//! and one lock per request costs nothing beside hundreds of milliseconds of inference.
//!
//! - `veriface_requests_total{route,status}`: every answer.
//! - `veriface_errors_total{route,code}`: every answer with a failure, by veriface's code
//!   (`NO_FACE`, `BUSY`, ...; `HTTP_404` for a static file not found).
//! - `veriface_request_duration_seconds{route}`: latency histogram, from the first byte of the
//!   request's head to the response's head.
//! - gauges: `veriface_queue_depth`, `veriface_queue_capacity`, `veriface_jobs_running`,
//!   `veriface_workers`, `veriface_in_flight`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{Mutex, PoisonError};

/// Histogram bucket bounds, seconds: from a 404 to a liveness call on a loaded machine.
const BUCKETS: [f64; 14] = [
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

#[derive(Default)]
struct Table {
    requests: BTreeMap<(String, u16), u64>,
    errors: BTreeMap<(String, String), u64>,
    latency: BTreeMap<String, Histogram>,
}

/// The gauges, read when scraped.
pub struct Gauges {
    /// Jobs waiting for a worker.
    pub queue_depth: usize,
    /// Jobs that may wait.
    pub queue_capacity: usize,
    /// Jobs running.
    pub running: usize,
    /// Worker threads.
    pub workers: usize,
    /// Requests in progress (reading, queued, running or answering).
    pub in_flight: usize,
}

/// The counters and histograms.
#[derive(Default)]
pub struct Metrics {
    table: Mutex<Table>,
}

impl Metrics {
    /// Counts one answer.
    pub fn record(&self, route: &str, status: u16, code: Option<&str>, seconds: f64) {
        let mut t = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        *t.requests.entry((route.to_string(), status)).or_default() += 1;
        if let Some(code) = code {
            *t.errors
                .entry((route.to_string(), code.to_string()))
                .or_default() += 1;
        }
        let h = t.latency.entry(route.to_string()).or_default();
        for (count, bound) in h.counts.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *count += 1;
            }
        }
        h.sum += seconds;
        h.count += 1;
    }

    /// The exposition text.
    pub fn render(&self, g: &Gauges) -> String {
        let t = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP veriface_requests_total HTTP answers by route and status."
        );
        let _ = writeln!(out, "# TYPE veriface_requests_total counter");
        for ((route, status), n) in &t.requests {
            let _ = writeln!(
                out,
                "veriface_requests_total{{route=\"{}\",status=\"{status}\"}} {n}",
                escape(route)
            );
        }
        let _ = writeln!(
            out,
            "# HELP veriface_errors_total Failed answers by route and veriface code."
        );
        let _ = writeln!(out, "# TYPE veriface_errors_total counter");
        for ((route, code), n) in &t.errors {
            let _ = writeln!(
                out,
                "veriface_errors_total{{route=\"{}\",code=\"{}\"}} {n}",
                escape(route),
                escape(code)
            );
        }
        let name = "veriface_request_duration_seconds";
        let _ = writeln!(out, "# HELP {name} Time from request to response head.");
        let _ = writeln!(out, "# TYPE {name} histogram");
        for (route, h) in &t.latency {
            let route = escape(route);
            for (count, bound) in h.counts.iter().zip(BUCKETS) {
                let _ = writeln!(
                    out,
                    "{name}_bucket{{route=\"{route}\",le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "{name}_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(out, "{name}_sum{{route=\"{route}\"}} {}", h.sum);
            let _ = writeln!(out, "{name}_count{{route=\"{route}\"}} {}", h.count);
        }
        let gauges = [
            (
                "veriface_queue_depth",
                "Jobs waiting for a worker.",
                g.queue_depth,
            ),
            (
                "veriface_queue_capacity",
                "Jobs that may wait; beyond, 503 BUSY.",
                g.queue_capacity,
            ),
            (
                "veriface_jobs_running",
                "Jobs running on the workers.",
                g.running,
            ),
            (
                "veriface_workers",
                "Inference workers, one verifier each.",
                g.workers,
            ),
            ("veriface_in_flight", "Requests in progress.", g.in_flight),
        ];
        for (name, help, value) in gauges {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
            );
        }
        out
    }
}

/// A label value escaped as the format requires (backslash, quote, newline).
fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative() {
        let m = Metrics::default();
        m.record("/compare", 200, None, 0.3);
        m.record("/compare", 503, Some("BUSY"), 0.002);
        let g = Gauges {
            queue_depth: 1,
            queue_capacity: 8,
            running: 2,
            workers: 2,
            in_flight: 3,
        };
        let text = m.render(&g);
        assert!(text.contains("veriface_requests_total{route=\"/compare\",status=\"503\"} 1"));
        assert!(text.contains("veriface_errors_total{route=\"/compare\",code=\"BUSY\"} 1"));
        assert!(text.contains("le=\"0.005\"} 1"));
        assert!(text.contains("le=\"0.5\"} 2"));
        assert!(text.contains("le=\"+Inf\"} 2"));
        assert!(text.contains("veriface_queue_depth 1"));
    }
}
