//! Churn by prefix: which part of the keyspace is being written, how fast. `group`
//! turns watch events into per-interval batches (in the etcd task, so the UI sees a
//! few messages a second whatever the write rate); `rates` keeps rings of per-second
//! buckets per group and ranks them; `name` says a group as `du` does (by kind).
//! Pure and leaf-level: no etcd, no terminal.

pub mod group;
pub mod name;
pub mod rates;

pub use group::{Batch, Counts, MAX_GROUPS, OTHER, default_depth, group_of};
pub use rates::{Rates, Row, TopWriter};
