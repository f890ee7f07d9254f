//! The TUI's restore plan (`R` after `:open FILE`): made by the same code as
//! `etcdtui snapshot restore-plan FILE`, on a blocking thread (verifying a large file
//! takes seconds), and handed back to the event loop as a message.

use std::path::{Path, PathBuf};

use tokio::sync::mpsc;

use super::args::{Output, RestorePlanArgs};
use super::{plan, plan_cli, plan_inputs};
use crate::app::Msg;
use crate::app::restore_plan::PlanLine;
use crate::etcd::ConnectSpec;

/// The plan's lines for `file`: members from the cluster `live` reaches if it answers,
/// else from the kubeadm `manifest` if there is one, else from the file itself.
pub async fn make(
    file: &Path,
    manifest: &Path,
    live: Option<&ConnectSpec>,
) -> Result<Vec<PlanLine>, String> {
    let args = RestorePlanArgs {
        file: file.to_path_buf(),
        etcd_version: None,
        members: Vec::new(),
        manifests: Vec::new(),
        new_data_dir: None,
        bump_revision: None,
        offline: live.is_none(),
        output: Output::Text,
    };
    let (input, notes) = plan_inputs::gather(&args, live, manifest).await?;
    let plan = plan::plan(&input)?;
    Ok(plan_cli::lines(&input, &plan, &notes))
}

/// Starts plans for the runtime and remembers which cluster they may ask: the one the
/// session last connected to (`:open` keeps it, to go back to).
pub struct Planner {
    pub live: Option<ConnectSpec>,
    tx: mpsc::Sender<Msg>,
}

impl Planner {
    pub fn new(live: Option<ConnectSpec>) -> (Planner, mpsc::Receiver<Msg>) {
        let (tx, rx) = mpsc::channel(4);
        (Planner { live, tx }, rx)
    }

    pub fn start(&self, generation: u64, file: PathBuf, manifest: PathBuf) {
        let live = self.live.clone();
        let tx = self.tx.clone();
        let handle = tokio::runtime::Handle::current();
        tokio::task::spawn_blocking(move || {
            let result = handle.block_on(make(&file, &manifest, live.as_ref()));
            let _ = tx.blocking_send(Msg::RestorePlanMade {
                generation,
                file,
                result,
            });
        });
    }
}
