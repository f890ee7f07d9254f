//! `etcdtui check`: the Checks view's list, once, without a terminal UI: a table or
//! JSON on standard output, and an exit code for cron and monitoring.

use crate::checks::{self, Check, Thresholds};
use crate::cli::CheckOutput;
use crate::etcd::ConnectSpec;
use crate::etcd::connect::connect_all;

/// Connects to the first endpoint that answers and runs every check. `Err`: nothing
/// answered, in words.
pub async fn run_checks(spec: &ConnectSpec, t: &Thresholds) -> Result<Vec<Check>, String> {
    let clients = connect_all(spec).await.map_err(|e| e.to_string())?;
    let mut first_error = None;
    for c in clients {
        match c {
            Ok(seed) => match seed.call(|mut cl| async move { cl.status().await }).await {
                Ok(_) => {
                    let facts = crate::etcd::gather::gather(&seed, spec, &t.backup_dir()).await;
                    return Ok(checks::evaluate(&facts, t));
                }
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            },
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.map_or_else(
        || "no endpoint to check".to_string(),
        |e| format!("{e}: {}", e.advice()),
    ))
}

/// What to print and the exit code.
pub fn report(checks: &[Check], output: CheckOutput) -> (String, u8) {
    let code = checks::exit_code(checks);
    let text = match output {
        CheckOutput::Table => checks::table(checks),
        CheckOutput::Json => {
            let v = serde_json::json!({ "checks": checks, "exit_code": code });
            format!("{v:#}\n")
        }
    };
    (text, code)
}
