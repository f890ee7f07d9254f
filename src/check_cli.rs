//! `etcdtui check`: the Checks view's list, once, without a terminal UI: a table or
//! JSON on standard output, and an exit code for cron and monitoring.

use crate::checks::{self, Check, Thresholds};
use crate::cli::CheckOutput;
use crate::etcd::ConnectSpec;
use crate::etcd::connect::connect_all;
use crate::etcd::errors::Problem;

/// Connects every endpoint and runs every check from those that connected: the member
/// list from the first that answers it, reads from members connected to the leader.
/// Status is not asked first: a least-privilege user may be denied it. `Err`: no
/// endpoint could even be connected to, in words naming each.
pub async fn run_checks(spec: &ConnectSpec, t: &Thresholds) -> Result<Vec<Check>, String> {
    run_checks_with(spec, t, None).await
}

/// [`run_checks`], with `--snapshot FILE`'s history for the compaction forecast; a file
/// that cannot be read is said in that row, the other checks still run.
pub async fn run_checks_with(
    spec: &ConnectSpec,
    t: &Thresholds,
    snapshot: Option<&std::path::Path>,
) -> Result<Vec<Check>, String> {
    let clients = connect_all(spec).await.map_err(|e| e.to_string())?;
    let mut seeds = Vec::new();
    let mut errors = Vec::new();
    for c in clients {
        match c {
            Ok(c) => seeds.push(c),
            Err(e) => errors.push(format!("{e}: {}", e.advice())),
        }
    }
    // A client is made without a connection: ask each endpoint once, in parallel, and
    // keep those that answer. A refusal ("permission denied") is an answer: a
    // least-privilege user may be denied Status and still be checked.
    let answers = futures::future::join_all(
        seeds
            .iter()
            .map(|c| c.call(|mut cl| async move { cl.status().await })),
    )
    .await;
    let mut answering = Vec::new();
    for (c, a) in seeds.into_iter().zip(answers) {
        match a {
            Ok(_) => answering.push(c),
            Err(e) if e.problem == Problem::PermissionDenied => answering.push(c),
            Err(e) => errors.push(format!("{e}: {}", e.advice())),
        }
    }
    let seeds = answering;
    if seeds.is_empty() {
        return Err(if errors.is_empty() {
            "no endpoint to check".to_string()
        } else {
            errors.join("\n")
        });
    }
    let facts = crate::etcd::gather::gather_from(&seeds, spec, &t.backup_dir()).await;
    let mut all = checks::evaluate(&facts, t);
    if let Some(path) = snapshot {
        let row = match checks::compaction_file::read(path) {
            Ok(basis) => checks::compaction_free::check_compaction_free(&facts, Some(&basis)),
            Err(e) => {
                let mut c = checks::compaction_free::check_compaction_free(&facts, None);
                c.status = checks::Status::Unknown;
                c.value = format!("{e}; {}", c.value);
                c
            }
        };
        if let Some(slot) = all.iter_mut().find(|c| c.name == row.name) {
            *slot = row;
        }
        checks::sort(&mut all);
    }
    Ok(all)
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
