//! etcdtui: a terminal UI for etcd clusters.

pub mod app;
pub mod backup;
pub mod check_cli;
pub mod checks;
pub mod cli;
pub mod clipboard;
pub mod config;
pub mod decode;
pub mod decode_cli;
pub mod demo;
pub mod editor;
pub mod etcd;
pub mod headless;
pub mod keymap;
pub mod localcluster;
pub mod logging;
pub mod metrics;
pub mod runtime;
pub mod snapbrowse;
pub mod snapfile;
pub mod snapshot_cli;
pub mod snapshot_diff;
pub mod startup;
pub mod theme;
pub mod tui;
pub mod ui;
