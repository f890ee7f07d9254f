//! Upgrades and downgrades: etcd's documented rules as data ([`rules`]), a plan for the
//! next allowed step with its pre-flight checks ([`plan`]), and the rolling upgrade
//! watched member by member ([`watch`]). Pure: the callers measure, this judges.

pub mod cli;
pub mod plan;
mod preflight;
pub mod rules;
pub mod version;

pub use version::Version;
