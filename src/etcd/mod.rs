//! All etcd I/O lives here. Nothing in this module imports ratatui or crossterm.

pub mod access;
pub mod auth;
pub mod cert_expiry;
mod cert_reason;
pub mod churn_watch;
pub mod cluster;
pub mod cluster_ops;
pub mod connect;
pub mod downgrade;
pub mod du_scan;
pub mod encryption_facts;
pub mod encryption_scan;
pub mod errors;
pub mod export;
pub mod facts;
pub mod gather;
mod insecure;
pub mod keys;
pub mod leases;
pub mod livekeys;
pub mod member_health;
pub mod metrics_scrape;
pub mod operations;
pub mod permissions;
mod probe;
pub mod protocol;
pub mod range_stream;
mod reconnect;
pub mod scan;
pub mod session;
pub mod skipscan;
pub mod snapkeys;
pub mod snapshot_save;
pub mod span;
pub mod span_pager;
pub mod spec;
pub mod watch;

pub use errors::{EtcdError, Problem};
pub use protocol::{ClusterInfo, Event, Request};
pub use session::EtcdHandle;
pub use spec::ConnectSpec;

/// Short human form: `500ms`, `2s`, `1m30s`.
pub fn fmt_duration(d: std::time::Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms}ms")
    } else if !ms.is_multiple_of(1000) && ms < 10_000 {
        format!("{:.1}s", d.as_secs_f64())
    } else if d.as_secs() < 60 {
        format!("{}s", d.as_secs())
    } else {
        let (m, s) = (d.as_secs() / 60, d.as_secs() % 60);
        if s == 0 {
            format!("{m}m")
        } else {
            format!("{m}m{s}s")
        }
    }
}
