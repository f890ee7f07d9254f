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
    let cluster = LocalCluster::start(ClusterOptions::new(args.members, bin))
        .await
        .wrap_err("could not start the demo cluster")?;
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
    let result = crate::runtime::run(app, spec, theme, resolver).await;
    drop(cluster);
    result
}
