//! `etcdtui demo`: a throwaway local cluster with sample data, removed on exit.

mod pb;
pub mod seed;

use std::path::PathBuf;

use color_eyre::eyre::{Result, WrapErr, eyre};

use crate::cli::DemoArgs;
use crate::config::Config;
use crate::etcd::ConnectSpec;
use crate::localcluster::{ClusterOptions, LocalCluster, find_etcd_binary};
use crate::theme::Theme;

pub async fn run(args: DemoArgs, theme: Theme) -> Result<()> {
    let bin: PathBuf = args.etcd.or_else(find_etcd_binary).ok_or_else(|| {
        eyre!(
            "etcd not found: install etcd-server (apt-get install etcd-server) or pass --etcd PATH"
        )
    })?;
    if args.members == 0 || args.members > 7 {
        return Err(eyre!("--members must be between 1 and 7"));
    }
    eprintln!(
        "starting a {}-member etcd cluster ({}) …",
        args.members,
        bin.display()
    );
    // From here on a dropped session (SIGHUP), SIGTERM or ctrl-c ends the demo through
    // the code below, so the cluster's directory is removed: dropping the start or the
    // cluster stops its members and deletes their data.
    let mut signals = crate::backup::signals::Signals::new();
    let cluster = tokio::select! {
        c = LocalCluster::start(ClusterOptions::new(args.members, bin)) => {
            c.wrap_err("could not start the demo cluster")?
        }
        sig = signals.recv() => return Err(eyre!("{} while starting the demo cluster: stopped", sig.name)),
    };
    let started = tokio::select! {
        s = connect_and_seed(&cluster) => s,
        sig = signals.recv() => Err(eyre!("{} while seeding the demo cluster: stopped", sig.name)),
    };
    let (spec, keys) = match started {
        Ok(s) => s,
        Err(e) => {
            drop(cluster);
            return Err(e);
        }
    };
    eprintln!("seeded {keys} keys under {}", cluster.dir().display());

    let info = crate::startup::plain_context(
        "demo",
        &format!(
            "demo cluster of {} local members, removed on exit",
            args.members
        ),
        &spec,
    );
    let app = crate::startup::new_app(info, &Config::default(), b'/');
    let resolver: crate::runtime::Resolver =
        Box::new(|name: &str| Err(format!("the demo has no other contexts (asked for {name})")));
    // The TUI catches the same signals and returns, so the drop below runs for them too.
    let result = crate::runtime::run(app, spec, theme, resolver).await;
    drop(cluster);
    result
}

async fn connect_and_seed(cluster: &LocalCluster) -> Result<(ConnectSpec, usize)> {
    let spec = ConnectSpec {
        endpoints: cluster.client_urls(),
        ..ConnectSpec::default()
    };
    let mut client = etcd_client::Client::connect(spec.endpoints.clone(), None)
        .await
        .wrap_err("could not reach the demo cluster")?;
    let keys = seed::seed(&mut client)
        .await
        .wrap_err("could not seed the demo cluster")?;
    Ok((spec, keys))
}
