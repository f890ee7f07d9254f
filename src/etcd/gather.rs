//! Measures what the checks need, each part within the command timeout and in
//! parallel where it can be: cluster status of every member, their metrics, auth,
//! the Secrets' encryption, certificates (files and the server's), the backup
//! directory. A part that cannot be measured records why.

use std::path::Path;
use std::time::{Duration, SystemTime};

use super::cert_expiry as x509;
use super::facts::{
    AuthFacts, BackupFacts, CertFacts, Facts, MemberFacts, MemberHealth, MemberState,
};
use crate::metrics::{Scrape, parse, summarize};

use super::cluster::{ClusterSnapshot, Health, MemberClients, MemberStatus, cluster_status};
use super::connect::{EndpointClient, LoadedTls, connect_endpoint, load_tls};
use super::encryption_scan as scan;
use super::errors::{EtcdError, Problem};
use super::metrics_scrape::scrape;
use super::spec::ConnectSpec;

pub async fn gather(seed: &EndpointClient, spec: &ConnectSpec, backup_dir: &Path) -> Facts {
    gather_from(std::slice::from_ref(seed), spec, backup_dir).await
}

/// [`gather`] with several endpoints to start from: the member list comes from the
/// first that answers it, and every read any member can answer (auth, Secrets, alarms)
/// goes to a member connected to the leader, failing over to the next.
pub async fn gather_from(seeds: &[EndpointClient], spec: &ConnectSpec, backup_dir: &Path) -> Facts {
    let mut f = Facts::unmeasured();
    let Some(first) = seeds.first() else {
        f.health = Err("no endpoint answered".into());
        return f;
    };
    f.now = unix(SystemTime::now());
    f.tls = first.endpoint.starts_with("https://");
    f.client_cert_sent = first.has_identity;
    let tls = spec.tls.as_ref().map(load_tls).transpose();
    let mut members = MemberClients::new(spec.clone());
    let (listed, anonymous) = tokio::join!(
        members_from(seeds, &mut members),
        anonymous_accepted(first, spec),
    );
    let (seed, status) = listed;
    let mut readers = match &status {
        Ok(s) => members.connected(&s.members, seed),
        Err(_) => Vec::new(),
    };
    for c in std::iter::once(seed).chain(seeds) {
        if !readers.iter().any(|r| r.endpoint == c.endpoint) {
            readers.push(c.clone());
        }
    }
    let (auth, secrets) = tokio::join!(
        failover(&readers, |c| async move { auth(&c, spec).await }),
        failover(
            &readers,
            |c| async move { scan::count(&c, "secrets").await }
        ),
    );
    f.auth = auth;
    f.secrets = secrets
        .as_ref()
        .map(scan::secret_facts)
        .map_err(Clone::clone);
    f.encryption = encryption_facts(&readers, secrets).await;
    f.anonymous_tls_accepted = anonymous;
    let tls = match tls {
        Ok(t) => t,
        Err(e) => {
            f.certs.push(CertFacts {
                what: "certificate files".into(),
                not_after: Err(e.to_string()),
            });
            None
        }
    };
    match status {
        Ok(s) => {
            f.revision = s.revision;
            f.health = Ok(s.members.iter().map(|m| health_of(&s, m)).collect());
            f.alarms = match &s.alarms_error {
                Some(e) => Err(in_place(e)),
                None => Ok(s
                    .alarms
                    .iter()
                    .map(|(id, a)| {
                        let who = s
                            .member(*id)
                            .map(|m| m.name.clone())
                            .unwrap_or(format!("{id:x}"));
                        (who, a.clone())
                    })
                    .collect()),
            };
            let scrapes = futures::future::join_all(s.members.iter().map(|m| {
                let url = m.client_urls.first().cloned();
                let up = !matches!(m.health, Health::Unreachable(_) | Health::NotStarted);
                let tls = tls.clone();
                async move {
                    match url.filter(|_| up) {
                        Some(u) => scrape(&u, tls.as_ref(), spec.command_timeout)
                            .await
                            .map(|t| parse(&t))
                            .map_err(|e| e.to_string()),
                        None => Err("not answering".to_string()),
                    }
                }
            }))
            .await;
            for (m, sc) in s.members.iter().zip(scrapes) {
                f.cluster_version = f
                    .cluster_version
                    .or_else(|| sc.as_ref().ok().and_then(cluster_version));
                f.members.push(member(m, sc));
            }
        }
        Err(e) => {
            f.alarms = Err(e.to_string());
            f.health = Err(in_place(&e));
        }
    }
    f.certs.extend(certificates(seed, spec, tls.as_ref()).await);
    f.backups = backups(backup_dir);
    f
}

/// The member list and every member's status from the first seed that lists them; a
/// seed that is down passes the turn, one that refuses the user does not (they all would).
async fn members_from<'a>(
    seeds: &'a [EndpointClient],
    members: &mut MemberClients,
) -> (&'a EndpointClient, Result<ClusterSnapshot, EtcdError>) {
    let mut tried = None;
    for seed in seeds {
        match cluster_status(seed, members).await {
            Err(e) if e.is_transient() => tried = Some((seed, Err(e))),
            done => return (seed, done),
        }
    }
    tried.unwrap_or((&seeds[0], Err(EtcdError::settings("no endpoint to ask"))))
}

/// `read` on the first reader that answers. A refusal (permission, auth) is final:
/// every member would say the same. Errors name the endpoints that failed.
async fn failover<T, F, Fut>(readers: &[EndpointClient], read: F) -> Result<T, String>
where
    F: Fn(EndpointClient) -> Fut,
    Fut: std::future::Future<Output = Result<T, EtcdError>>,
{
    let mut failed = Vec::new();
    for c in readers {
        match read(c.clone()).await {
            Ok(v) => return Ok(v),
            Err(e) if e.is_transient() => failed.push(e.to_string()),
            Err(e) => return Err(in_place(&e)),
        }
    }
    Err(if failed.is_empty() {
        "no member answers".into()
    } else {
        failed.join("; ")
    })
}

/// "not permitted" in place of an error that only says this user may not look.
fn in_place(e: &EtcdError) -> String {
    if e.problem == Problem::PermissionDenied {
        format!("not permitted for this user ({e})")
    } else {
        e.to_string()
    }
}

fn health_of(s: &ClusterSnapshot, m: &MemberStatus) -> MemberHealth {
    let state = match &m.health {
        Health::Up => MemberState::Ok,
        Health::Unhealthy(why) => MemberState::Unhealthy(why.clone()),
        Health::CutOff(why) => MemberState::CutOff(why.clone()),
        Health::NotPermitted => MemberState::NotPermitted,
        Health::NotStarted => MemberState::NotStarted,
        Health::Unreachable(e) => MemberState::Down(e.headline().to_string()),
    };
    MemberHealth {
        name: if m.name.is_empty() {
            format!("{:x}", m.id)
        } else {
            m.name.clone()
        },
        url: m.client_urls.first().cloned().unwrap_or_default(),
        learner: m.is_learner,
        state,
        lag: s.lag(m),
        probes: m.probes.summary(),
    }
}

fn unix(t: SystemTime) -> i64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn cluster_version(s: &Scrape) -> Option<String> {
    // etcd keeps a series for every cluster version it has run at; only the current one is 1.
    s.select("etcd_cluster_version", &[])
        .filter(|x| x.value > 0.0)
        .find_map(|x| x.label("cluster_version").map(str::to_string))
}

fn member(m: &super::cluster::MemberStatus, sc: Result<Scrape, String>) -> MemberFacts {
    let gauge = |name: &str| sc.as_ref().ok().and_then(|s| s.gauge(name, &[]));
    // Only what etcd said: the checks have no use for an assumed default.
    let q = crate::metrics::choose_quota(m.quota, gauge("etcd_server_quota_backend_bytes"), None);
    let (quota, quota_source) = match q.source {
        crate::metrics::QuotaSource::Default => (None, None),
        s => (Some(q.bytes), Some(s)),
    };
    MemberFacts {
        name: if m.name.is_empty() {
            format!("{:x}", m.id)
        } else {
            m.name.clone()
        },
        down: match &m.health {
            Health::Up | Health::Unhealthy(_) | Health::CutOff(_) | Health::NotPermitted => None,
            Health::Unreachable(e) => Some(e.to_string()),
            Health::NotStarted => Some("not started".into()),
        },
        version: m.version.clone(),
        db_size: m.db_size,
        db_in_use: m.db_size_in_use,
        quota,
        quota_source,
        since_36: m.since_36.clone(),
        compact_revision: gauge("etcd_debugging_mvcc_compact_revision").map(|v| v as i64),
        started: gauge("process_start_time_seconds").map(|v| v as i64),
        metrics: sc.map(|s| summarize(None, &s)),
    }
}

/// Whether auth is on comes from etcd's `AuthStatus` (3.5+), never from what this user
/// may do: a client certificate whose CN is root lists users whether auth is on or not.
/// Only 3.4, which lacks the call, needs an inference (and the check says so).
async fn auth(c: &EndpointClient, spec: &ConnectSpec) -> Result<AuthFacts, EtcdError> {
    let (state, users) = tokio::join!(
        super::access::auth_state(c, spec),
        c.call(|mut cl| async move { cl.user_list().await }),
    );
    let Some(enabled) = state.is_enabled() else {
        return Err(users.err().unwrap_or_else(|| {
            EtcdError::new(
                Problem::Unreachable,
                Some(&c.endpoint),
                "neither AuthStatus nor an inference told whether authentication is on",
            )
        }));
    };
    Ok(AuthFacts {
        enabled,
        inferred: state.inferred(),
        // Listing users needs root once auth is on.
        root_user: users.ok().map(|r| r.users().iter().any(|u| u == "root")),
    })
}

/// Secrets (counted already) and every other resource the EncryptionConfiguration
/// names, by key.
async fn encryption_facts(
    readers: &[EndpointClient],
    secrets: Result<super::encryption_facts::KeyCounts, String>,
) -> super::encryption_facts::EncryptionFacts {
    let installed = crate::encryption::installed();
    let mut e = super::encryption_facts::EncryptionFacts::from_config(installed.as_deref());
    e.counted.insert("secrets".into(), secrets);
    for r in e.resources().into_iter().skip(1) {
        let counted = failover(readers, |c| {
            let r = r.clone();
            async move { scan::count(&c, &r).await }
        })
        .await;
        e.counted.insert(r, counted);
    }
    e
}

/// Over TLS: does the server let in a client that shows no certificate?
async fn anonymous_accepted(
    seed: &EndpointClient,
    spec: &ConnectSpec,
) -> Option<Result<bool, String>> {
    if !seed.endpoint.starts_with("https://") {
        return None;
    }
    let mut bare = spec.clone();
    bare.credentials = None;
    if let Some(t) = bare.tls.as_mut() {
        t.cert = None;
        t.key = None;
    }
    let tls = match bare.tls.as_ref().map(load_tls).transpose() {
        Ok(t) => t,
        Err(e) => return Some(Err(e.to_string())),
    };
    let tried = async {
        let c = connect_endpoint(&seed.endpoint, &bare, tls.as_ref()).await?;
        c.call(|mut cl| async move { cl.status().await }).await
    };
    Some(match tried.await {
        Ok(_) => Ok(true),
        Err(e)
            if matches!(
                e.problem,
                Problem::TlsClientCertRequired | Problem::TlsClientCertRejected
            ) =>
        {
            Ok(false)
        }
        Err(e) => Err(e.to_string()),
    })
}

async fn certificates(
    seed: &EndpointClient,
    spec: &ConnectSpec,
    tls: Option<&LoadedTls>,
) -> Vec<CertFacts> {
    let mut out = Vec::new();
    let file = |what: &str, path: &Path| CertFacts {
        what: format!("{what} {}", path.display()),
        not_after: std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))
            .and_then(|pem| x509::soonest_not_after_pem(&pem)),
    };
    if let Some(files) = &spec.tls {
        if let Some(ca) = &files.cacert {
            out.push(file("CA", ca));
        }
        if let Some(cert) = &files.cert {
            out.push(file("client certificate", cert));
        }
    }
    if let Some(tls) = tls.filter(|_| seed.endpoint.starts_with("https://")) {
        let timeout = spec.command_timeout.max(Duration::from_secs(1));
        let not_after = super::insecure::server_certificate(&seed.endpoint, tls, timeout)
            .await
            .map_err(|e| e.to_string())
            .and_then(|der| x509::not_after_der(&der));
        out.push(CertFacts {
            what: format!("server certificate of {}", seed.endpoint),
            not_after,
        });
    }
    out
}

pub fn backups(dir: &Path) -> BackupFacts {
    // No directory yet is no backup yet: a warning, not an unknown.
    let newest = match std::fs::read_dir(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return BackupFacts {
                dir: dir.to_path_buf(),
                newest: Ok(None),
            };
        }
        other => other,
    };
    let newest = newest.map_err(|e| e.to_string()).map(|entries| {
        entries
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "db"))
            .filter_map(|e| {
                let m = e.metadata().ok()?.modified().ok()?;
                Some((e.file_name().to_string_lossy().into_owned(), unix(m)))
            })
            .max_by_key(|(_, t)| *t)
    });
    BackupFacts {
        dir: dir.to_path_buf(),
        newest,
    }
}

#[cfg(test)]
mod tests {
    use super::cluster_version;

    #[test]
    fn cluster_version_is_the_series_set_to_one_not_the_first_listed() {
        // What a member upgraded from 3.5 to 3.6 without a restart of the scraper exposes.
        let s = crate::metrics::parse(
            "etcd_cluster_version{cluster_version=\"3.5\"} 0\n\
             etcd_cluster_version{cluster_version=\"3.6\"} 1\n",
        );
        assert_eq!(cluster_version(&s).as_deref(), Some("3.6"));
    }
}
