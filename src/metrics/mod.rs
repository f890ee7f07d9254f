//! Prometheus metrics as etcd exposes them: a text-format parser, a small model with
//! lookups, histogram quantiles, and the per-member summary the Cluster view shows.
//! Pure: no I/O here (fetching is `etcd::metrics_scrape`).
//!
//! Absent never becomes zero: every lookup answers `None` when the metric is not
//! there, because "0 pending proposals" and "this etcd does not say" mean different
//! things to an operator.

mod features;
mod histogram;
mod parse;
mod quota;
mod summary;

use std::collections::HashMap;

pub use features::{FEATURE_ENABLED, FeatureGate, enabled_names, feature_gates};
pub use histogram::{Histogram, Latency, Window};
pub use parse::parse;
pub use quota::{DEFAULT_QUOTA, Quota, QuotaSource, choose_quota};
pub use summary::{MemberMetrics, summarize};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetricType {
    Counter,
    Gauge,
    Histogram,
    Summary,
    Untyped,
}

/// One sample line.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: Vec<(String, String)>,
    pub value: f64,
    /// Milliseconds since the epoch, when the exporter gave one (etcd does not).
    pub timestamp: Option<i64>,
}

impl Sample {
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether every `(name, value)` in `wanted` is among this sample's labels.
    pub fn matches(&self, wanted: &[(&str, &str)]) -> bool {
        wanted.iter().all(|(k, v)| self.label(k) == Some(v))
    }
}

/// A line we could not parse, kept so the log can say what was skipped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedLine {
    /// 1-based.
    pub line: usize,
    pub reason: String,
}

/// One `/metrics` body.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Scrape {
    pub samples: Vec<Sample>,
    /// `# TYPE` by metric family name.
    pub types: HashMap<String, MetricType>,
    /// `# HELP` by metric family name.
    pub help: HashMap<String, String>,
    pub skipped: Vec<SkippedLine>,
}

impl Scrape {
    /// Samples named `name` whose labels include `labels`.
    pub fn select<'a>(
        &'a self,
        name: &'a str,
        labels: &'a [(&'a str, &'a str)],
    ) -> impl Iterator<Item = &'a Sample> + 'a {
        self.samples
            .iter()
            .filter(move |s| s.name == name && s.matches(labels))
    }

    /// The sum of the matching samples (a counter summed over the labels not given),
    /// or `None` when there is none.
    pub fn counter(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        self.select(name, labels)
            .map(|s| s.value)
            .reduce(|a, b| a + b)
    }

    /// The value of the one matching sample. Summing gauges is meaningless, so several
    /// matches are as unanswerable as none.
    pub fn gauge(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let mut it = self.select(name, labels);
        let first = it.next()?;
        match it.next() {
            Some(_) => None,
            None => Some(first.value),
        }
    }

    /// The first of `names` this scrape has, as a gauge: metrics renamed between etcd
    /// versions (`etcd_debugging_mvcc_…` became `etcd_mvcc_…`).
    pub fn gauge_any(&self, names: &[&str]) -> Option<f64> {
        names.iter().find_map(|n| self.gauge(n, &[]))
    }

    /// The histogram family `name` (without `_bucket`), restricted to `labels`.
    pub fn histogram(&self, name: &str, labels: &[(&str, &str)]) -> Option<Histogram> {
        Histogram::from_scrape(self, name, labels)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "\
# TYPE grpc_total counter
grpc_total{method=\"Range\",code=\"OK\"} 10
grpc_total{method=\"Put\",code=\"OK\"} 5
grpc_total{method=\"Put\",code=\"Unavailable\"} 1
# TYPE g gauge
g 0
";

    #[test]
    fn counter_sums_over_unnamed_labels() {
        let s = parse(TEXT);
        assert_eq!(s.counter("grpc_total", &[]), Some(16.0));
        assert_eq!(s.counter("grpc_total", &[("method", "Put")]), Some(6.0));
        assert_eq!(
            s.counter("grpc_total", &[("method", "Put"), ("code", "OK")]),
            Some(5.0)
        );
        assert_eq!(s.counter("grpc_total", &[("method", "Txn")]), None);
    }

    #[test]
    fn absent_is_none_and_zero_is_zero() {
        let s = parse(TEXT);
        assert_eq!(s.gauge("g", &[]), Some(0.0));
        assert_eq!(s.gauge("missing", &[]), None);
        assert_eq!(s.counter("missing", &[]), None);
        assert_eq!(s.histogram("missing", &[]), None);
    }

    #[test]
    fn ambiguous_gauge_is_none() {
        let s = parse(TEXT);
        assert_eq!(s.gauge("grpc_total", &[("method", "Put")]), None);
        assert_eq!(s.gauge("grpc_total", &[("method", "Range")]), Some(10.0));
    }

    #[test]
    fn gauge_any_takes_the_first_name_present() {
        let s = parse("old 1\nnew 2\n");
        assert_eq!(s.gauge_any(&["new", "old"]), Some(2.0));
        assert_eq!(s.gauge_any(&["newer", "old"]), Some(1.0));
        assert_eq!(s.gauge_any(&["x", "y"]), None);
    }
}
