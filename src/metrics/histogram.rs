//! Cumulative Prometheus histograms and `histogram_quantile` over them.
//!
//! A quantile since the process started hides today's slow disk behind weeks of
//! fast ones, so the view asks for the quantile of what happened *between two
//! scrapes*: the bucket-wise difference is itself a histogram.

use super::Scrape;
use super::parse::parse_le;

#[derive(Clone, Debug, PartialEq)]
pub struct Histogram {
    /// `(upper bound, cumulative count)`, sorted by bound; the last bound is `+Inf`
    /// in any well-formed histogram.
    pub buckets: Vec<(f64, f64)>,
    pub sum: Option<f64>,
    pub count: f64,
}

/// What a quantile was computed over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Window {
    /// The observations between the previous scrape and this one.
    Interval,
    /// Everything since the member started: there was no earlier scrape, the
    /// member restarted in between, or nothing was observed in the interval.
    SinceStart,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Latency {
    pub seconds: f64,
    /// How many observations the quantile rests on.
    pub observations: f64,
    pub window: Window,
}

impl Histogram {
    /// Series that differ in labels other than `le` (and those in `labels`) are added
    /// up bucket by bucket, like `sum by (le)`.
    pub(super) fn from_scrape(
        scrape: &Scrape,
        name: &str,
        labels: &[(&str, &str)],
    ) -> Option<Self> {
        let bucket_name = format!("{name}_bucket");
        let mut buckets: Vec<(f64, f64)> = Vec::new();
        for s in scrape.select(&bucket_name, labels) {
            let Some(le) = s.label("le").and_then(parse_le) else {
                continue;
            };
            match buckets.iter_mut().find(|(b, _)| *b == le) {
                Some((_, c)) => *c += s.value,
                None => buckets.push((le, s.value)),
            }
        }
        if buckets.is_empty() {
            return None;
        }
        buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
        let inf = buckets
            .last()
            .filter(|(le, _)| le.is_infinite())
            .map(|(_, c)| *c);
        let count = scrape
            .counter(&format!("{name}_count"), labels)
            .or(inf)
            .unwrap_or(0.0);
        Some(Histogram {
            buckets,
            sum: scrape.counter(&format!("{name}_sum"), labels),
            count,
        })
    }

    /// The observations made since `earlier`, or `None` when the two cannot be
    /// compared: different buckets, or counts that went down (the member restarted).
    pub fn since(&self, earlier: &Histogram) -> Option<Histogram> {
        if self.buckets.len() != earlier.buckets.len() || self.count < earlier.count {
            return None;
        }
        let mut buckets = Vec::with_capacity(self.buckets.len());
        for (&(le, now), &(le0, then)) in self.buckets.iter().zip(&earlier.buckets) {
            if le != le0 || now < then {
                return None;
            }
            buckets.push((le, now - then));
        }
        Some(Histogram {
            buckets,
            sum: self.sum.zip(earlier.sum).map(|(a, b)| a - b),
            count: self.count - earlier.count,
        })
    }

    /// Prometheus' `histogram_quantile`: linear interpolation inside the bucket the
    /// rank falls in; the highest finite bound when it falls in `+Inf`. `None` when
    /// there are no observations or no `+Inf` bucket.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let &(last_le, total) = self.buckets.last()?;
        if !last_le.is_infinite() || total <= 0.0 || !(0.0..=1.0).contains(&q) {
            return None;
        }
        // Counts scraped while being updated can be briefly non-monotonic; Prometheus
        // evens that out the same way.
        let mut cumulative = Vec::with_capacity(self.buckets.len());
        let mut max = 0.0f64;
        for &(le, c) in &self.buckets {
            max = max.max(c);
            cumulative.push((le, max));
        }
        let rank = q * total;
        let b = cumulative.iter().position(|&(_, c)| c >= rank)?;
        if b == cumulative.len() - 1 {
            // Everything above the last finite bound: that bound is all we know.
            return Some(if b == 0 { 0.0 } else { cumulative[b - 1].0 });
        }
        let (upper, count) = cumulative[b];
        let (lower, below) = if b == 0 {
            if upper <= 0.0 {
                return Some(upper);
            }
            (0.0, 0.0)
        } else {
            cumulative[b - 1]
        };
        let in_bucket = count - below;
        if in_bucket <= 0.0 {
            return Some(upper);
        }
        Some(lower + (upper - lower) * ((rank - below) / in_bucket))
    }

    /// The `q` quantile over the interval since `prev` when that interval saw
    /// observations, else since the start.
    pub fn quantile_over(prev: Option<&Histogram>, now: &Histogram, q: f64) -> Option<Latency> {
        if let Some(delta) = prev.and_then(|p| now.since(p))
            && delta.count > 0.0
            && let Some(seconds) = delta.quantile(q)
        {
            return Some(Latency {
                seconds,
                observations: delta.count,
                window: Window::Interval,
            });
        }
        now.quantile(q).map(|seconds| Latency {
            seconds,
            observations: now.count,
            window: Window::SinceStart,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;

    fn hist(counts: [f64; 4]) -> Histogram {
        let text = format!(
            "h_bucket{{le=\"0.001\"}} {}\nh_bucket{{le=\"0.01\"}} {}\nh_bucket{{le=\"0.1\"}} {}\nh_bucket{{le=\"+Inf\"}} {}\nh_count {}\n",
            counts[0], counts[1], counts[2], counts[3], counts[3]
        );
        parse(&text).histogram("h", &[]).expect("histogram h")
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn quantile_interpolates_inside_the_bucket() {
        // 100 observations: 50 below 1ms, 40 in (1ms,10ms], 10 in (10ms,100ms].
        let h = hist([50.0, 90.0, 100.0, 100.0]);
        assert!(close(h.quantile(0.5).unwrap_or(f64::NAN), 0.001));
        // rank 99: 9 of the 10 in the (0.01, 0.1] bucket.
        assert!(close(
            h.quantile(0.99).unwrap_or(f64::NAN),
            0.01 + 0.09 * 0.9
        ));
        // rank 25 of 50 in the first bucket, which starts at 0.
        assert!(close(h.quantile(0.25).unwrap_or(f64::NAN), 0.0005));
    }

    #[test]
    fn quantile_in_the_inf_bucket_is_the_last_finite_bound() {
        let h = hist([0.0, 0.0, 50.0, 100.0]);
        assert_eq!(h.quantile(0.99), Some(0.1));
    }

    #[test]
    fn no_observations_is_none_not_zero() {
        assert_eq!(hist([0.0; 4]).quantile(0.99), None);
    }

    #[test]
    fn interval_quantile_uses_the_difference() {
        // Long history of fast fsyncs, then 10 slow ones in the interval.
        let before = hist([1000.0, 1000.0, 1000.0, 1000.0]);
        let after = hist([1000.0, 1000.0, 1010.0, 1010.0]);
        let since_start = Histogram::quantile_over(None, &after, 0.99).expect("some");
        assert_eq!(since_start.window, Window::SinceStart);
        assert!(since_start.seconds <= 0.001);
        let interval = Histogram::quantile_over(Some(&before), &after, 0.99).expect("some");
        assert_eq!(interval.window, Window::Interval);
        assert_eq!(interval.observations, 10.0);
        assert!(interval.seconds > 0.01, "{interval:?}");
    }

    #[test]
    fn restart_or_idle_interval_falls_back_to_since_start() {
        let before = hist([1000.0, 1000.0, 1000.0, 1000.0]);
        let restarted = hist([5.0, 5.0, 5.0, 5.0]);
        assert_eq!(restarted.since(&before), None);
        let l = Histogram::quantile_over(Some(&before), &restarted, 0.99).expect("some");
        assert_eq!(l.window, Window::SinceStart);
        assert_eq!(l.observations, 5.0);
        let idle = Histogram::quantile_over(Some(&before), &before, 0.99).expect("some");
        assert_eq!(idle.window, Window::SinceStart);
    }

    #[test]
    fn labelled_series_are_summed_by_le_and_can_be_selected() {
        let text = "h_bucket{op=\"a\",le=\"1\"} 1\nh_bucket{op=\"a\",le=\"+Inf\"} 2\n\
                    h_bucket{op=\"b\",le=\"1\"} 3\nh_bucket{op=\"b\",le=\"+Inf\"} 3\n";
        let s = parse(text);
        let all = s.histogram("h", &[]).expect("h");
        assert_eq!(all.buckets, vec![(1.0, 4.0), (f64::INFINITY, 5.0)]);
        assert_eq!(all.count, 5.0, "count falls back to the +Inf bucket");
        let a = s.histogram("h", &[("op", "a")]).expect("h{op=a}");
        assert_eq!(a.buckets, vec![(1.0, 1.0), (f64::INFINITY, 2.0)]);
    }

    #[test]
    fn without_an_inf_bucket_there_is_no_quantile() {
        let s = parse("h_bucket{le=\"1\"} 3\n");
        assert_eq!(s.histogram("h", &[]).and_then(|h| h.quantile(0.5)), None);
    }
}
