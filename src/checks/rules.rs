//! Each check: from the facts and the thresholds to a status with the numbers behind it.

use super::facts::{Facts, MemberFacts};
use super::{Check, Status, Thresholds, sort};

const MIB: f64 = 1024.0 * 1024.0;
const DAY: i64 = 86_400;

pub(super) fn check(group: &'static str, name: &'static str, why: &'static str) -> Check {
    Check {
        group,
        name,
        status: Status::Unknown,
        value: String::new(),
        threshold: String::new(),
        why,
        next: String::new(),
        commands: Vec::new(),
    }
}

impl Check {
    pub(super) fn set(
        mut self,
        status: Status,
        value: impl Into<String>,
        next: impl Into<String>,
    ) -> Check {
        self.status = status;
        self.value = value.into();
        self.next = next.into();
        self
    }
    pub(super) fn threshold(mut self, t: impl Into<String>) -> Check {
        self.threshold = t.into();
        self
    }
    pub(super) fn commands(mut self, c: &[&str]) -> Check {
        self.commands = c.iter().map(|s| s.to_string()).collect();
        self
    }
    /// One more command, made for this cluster's version.
    fn also(mut self, command: String) -> Check {
        self.commands.push(command);
        self
    }
}

pub fn evaluate(f: &Facts, t: &Thresholds) -> Vec<Check> {
    let mut all = vec![
        tls(f),
        client_certs(f),
        auth(f),
        secrets(f),
        versions(f),
        super::members::members(f),
        quota(f, t),
        fragmentation(f, t),
        super::forecast::check_forecast(f, &[]),
        alarms(f),
        compaction(f, t),
        disk(f, t),
        leader_changes(f),
        proposals_failed(f),
        backups(f, t),
    ];
    all.extend(f.certs.iter().map(|c| cert(c, f.now, t)));
    all.extend(super::versions::evaluate(f));
    all.extend(super::encryption::checks(f));
    sort(&mut all);
    all
}

fn tls(f: &Facts) -> Check {
    let c = check(
        "security",
        "client TLS",
        "without TLS, keys, values and passwords cross the network in clear text",
    )
    .threshold("TLS on every client URL")
    .commands(&["etcdctl member list -w table   # client URLs: https:// or http://"]);
    if f.tls {
        c.set(Status::Ok, "connected over TLS", "")
    } else {
        c.set(
            Status::Warn,
            "connected in plain text (http://)",
            "serve clients with --cert-file/--key-file and connect with --cacert",
        )
    }
}

fn client_certs(f: &Facts) -> Check {
    let c = check(
        "security",
        "client certificates",
        "with --client-cert-auth only holders of a certificate signed by the CA get in",
    )
    .threshold("clients without a certificate refused")
    .commands(&[
        "etcdctl --cacert=CA endpoint health   # without --cert/--key: refused when required",
    ]);
    match &f.anonymous_tls_accepted {
        None => c.set(
            Status::Unknown,
            "no TLS, so no client certificates",
            "enable TLS first",
        ),
        Some(Err(e)) => c.set(
            Status::Unknown,
            format!("could not try without a certificate: {e}"),
            "",
        ),
        Some(Ok(true)) => c.set(
            Status::Warn,
            "a client without a certificate was let in",
            "start etcd with --client-cert-auth and --trusted-ca-file",
        ),
        Some(Ok(false)) => c.set(
            Status::Ok,
            format!(
                "required (a client without one was refused){}",
                if f.client_cert_sent {
                    ""
                } else {
                    "; we connected without one?"
                }
            ),
            "",
        ),
    }
}

fn auth(f: &Facts) -> Check {
    let c = check("security", "authentication", "without auth (or client certificates), anyone who reaches the port reads and writes everything")
        .threshold("auth enabled, or client certificates required")
        .commands(&[super::versions::auth_status_command(super::versions::oldest_version(f)), "etcdctl user list"]);
    let certs = matches!(f.anonymous_tls_accepted, Some(Ok(false)));
    match &f.auth {
        Err(e) => c.set(
            Status::Unknown,
            format!("could not read the auth status: {e}"),
            "",
        ),
        Ok(a) if a.enabled => {
            let how = if a.inferred {
                " (inferred: etcd 3.4 has no AuthStatus)"
            } else {
                ""
            };
            c.set(Status::Ok, format!("enabled{how}"), "")
        }
        Ok(_) if certs => c.set(
            Status::Ok,
            "off, but client certificates are required (as Kubernetes does)",
            "",
        ),
        Ok(a) => {
            let root = match a.root_user {
                Some(true) => "a root user exists: `etcdctl auth enable` is next",
                Some(false) => "no root user yet: `etcdctl user add root` first",
                None => "users unknown",
            };
            c.set(
                Status::Warn,
                format!("off and no client certificates required; {root}"),
                "add a root user and enable auth, or require client certificates",
            )
        }
    }
}

fn secrets(f: &Facts) -> Check {
    let c = check("security", "secrets encrypted at rest", "a snapshot or a stolen disk holds every Secret in clear text unless the API server encrypts them")
        .threshold("every /registry/secrets/ value starts with k8s:enc:")
        .commands(&["etcdctl get /registry/secrets/ --prefix --keys-only | head", "etcdctl get /registry/secrets/NS/NAME | head -c 40"]);
    match &f.secrets {
        Err(e) => c.set(
            Status::Unknown,
            format!("could not read /registry/secrets/: {e}"),
            "",
        ),
        Ok(s) if s.total == 0 => c.set(
            Status::Unknown,
            "no Kubernetes Secrets here (nothing under /registry/secrets/)",
            "",
        ),
        Ok(s) => {
            let providers: Vec<String> = s
                .providers
                .iter()
                .map(|(p, n)| format!("{p} {n}"))
                .collect();
            let value = format!(
                "{} of {} encrypted{}",
                s.encrypted,
                s.total,
                if providers.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", providers.join(", "))
                }
            );
            if s.encrypted == s.total {
                c.set(Status::Ok, value, "")
            } else {
                c.set(Status::Warn, value, "configure an EncryptionConfiguration on the API server, then rewrite: kubectl get secrets -A -o json | kubectl replace -f -")
            }
        }
    }
}

fn minor(v: &str) -> Option<(u32, u32)> {
    let mut it = v.split('.');
    Some((it.next()?.parse().ok()?, it.next()?.parse().ok()?))
}

fn versions(f: &Facts) -> Check {
    let c = check("cluster", "versions", "members on different versions are an upgrade in progress; etcd upgrades one minor version at a time")
        .threshold("one server version")
        .commands(&["etcdctl endpoint status --cluster -w table"]);
    let mut seen: Vec<&str> = f
        .members
        .iter()
        .filter_map(|m| m.version.as_deref())
        .collect();
    seen.sort_unstable();
    seen.dedup();
    let cluster = f
        .cluster_version
        .as_deref()
        .map(|v| format!("; cluster version {v}"))
        .unwrap_or_default();
    match seen.as_slice() {
        [] => c.set(Status::Unknown, "no member reported its version", ""),
        [one] => c.set(Status::Ok, format!("all on {one}{cluster}"), ""),
        many => {
            let minors: Vec<(u32, u32)> = many.iter().filter_map(|v| minor(v)).collect();
            let spread = minors
                .iter()
                .max()
                .zip(minors.iter().min())
                .is_some_and(|(hi, lo)| hi.0 != lo.0 || hi.1 > lo.1 + 1);
            let value = format!("mixed: {}{cluster}", many.join(", "));
            if spread {
                c.set(
                    Status::Fail,
                    value,
                    "more than one minor version apart: upgrade one minor version at a time",
                )
            } else {
                c.set(Status::Warn, value, "finish the rolling upgrade")
            }
        }
    }
}

pub(super) fn up(f: &Facts) -> impl Iterator<Item = &MemberFacts> {
    f.members.iter().filter(|m| m.down.is_none())
}

fn quota(f: &Facts, t: &Thresholds) -> Check {
    let c = check(
        "storage",
        "DB size vs quota",
        "at the quota etcd raises NOSPACE and refuses every write",
    )
    .threshold(format!(
        "warn at {:.0} %, fail at {:.0} %",
        t.quota_warn_percent, t.quota_fail_percent
    ))
    .commands(&["etcdctl endpoint status --cluster -w table"]);
    let worst = up(f)
        .filter_map(|m| {
            let quota = m.quota.filter(|q| *q > 0)?;
            Some((m.db_size? as f64 * 100.0 / quota as f64, m))
        })
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let Some((pct, m)) = worst else {
        return c.set(
            Status::Unknown,
            "no member reported its DB size and quota",
            "",
        );
    };
    let value = format!(
        "{:.0} % on {} ({:.1} MiB of {:.1} MiB{})",
        pct,
        m.name,
        m.db_size.unwrap_or(0) as f64 / MIB,
        m.quota.unwrap_or(0) as f64 / MIB,
        m.quota_source
            .map(|s| format!(", quota {}", s.label()))
            .unwrap_or_default()
    );
    let next = "compact and defragment, or raise --quota-backend-bytes (at most 8 GiB advised)";
    if pct >= t.quota_fail_percent {
        c.set(Status::Fail, value, next)
    } else if pct >= t.quota_warn_percent {
        c.set(Status::Warn, value, next)
    } else {
        c.set(Status::Ok, value, "")
    }
}

fn fragmentation(f: &Facts, t: &Thresholds) -> Check {
    let c = check(
        "storage",
        "fragmentation",
        "space freed by compaction stays in the DB file until a defrag gives it back",
    )
    .threshold(format!(
        "warn above {:.0} % reclaimable (and at least 1 MiB)",
        t.fragmentation_percent
    ))
    .commands(&[
        "etcdctl endpoint status --cluster -w json   # dbSize vs dbSizeInUse",
        "etcdctl defrag --endpoints=URL",
    ]);
    let worst = up(f)
        .filter_map(|m| {
            let (size, used) = (m.db_size?, m.db_in_use?);
            (size > 0).then(|| ((size - used) as f64 * 100.0 / size as f64, size - used, m))
        })
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let Some((pct, free, m)) = worst else {
        return c.set(
            Status::Unknown,
            "no member reported its DB size in use (etcd 3.4+ does)",
            "",
        );
    };
    let value = format!(
        "{:.0} % of {}'s DB file is free space ({:.1} MiB)",
        pct,
        m.name,
        free as f64 / MIB
    );
    if pct > t.fragmentation_percent && free as f64 >= MIB {
        c.set(
            Status::Warn,
            value,
            "defragment, one member at a time, the leader last (F in the Cluster view)",
        )
    } else {
        c.set(Status::Ok, value, "")
    }
}

fn alarms(f: &Facts) -> Check {
    let c = check(
        "storage",
        "alarms",
        "NOSPACE stops all writes; CORRUPT means members disagree on data",
    )
    .threshold("none raised")
    .commands(&["etcdctl alarm list"]);
    match &f.alarms {
        Err(e) => c.set(Status::Unknown, format!("could not list alarms: {e}"), ""),
        Ok(a) if a.is_empty() => c.set(Status::Ok, "none", ""),
        Ok(a) => {
            let list: Vec<String> = a.iter().map(|(m, k)| format!("{k} on {m}")).collect();
            c.set(
                Status::Fail,
                list.join(", "),
                "free space (compact, defrag), then disarm (A in the Cluster view)",
            )
        }
    }
}

fn compaction(f: &Facts, t: &Thresholds) -> Check {
    let c = check(
        "storage",
        "compaction",
        "history is kept until compacted; without compaction the DB only grows",
    )
    .threshold(format!(
        "warn above {} revisions since the last compaction",
        t.revisions_since_compaction
    ))
    .commands(&[
        "etcdctl endpoint status -w json   # header.revision",
        "etcdctl compact REV",
    ]);
    let Some(compacted) = up(f).filter_map(|m| m.compact_revision).max() else {
        return c.set(
            Status::Unknown,
            "no member exposes its compacted revision in /metrics",
            "",
        );
    };
    let (since, what) = if compacted < 0 {
        (f.revision, "never compacted".to_string())
    } else {
        (f.revision - compacted, format!("compacted at {compacted}"))
    };
    let value = format!("{since} revisions since: {what} (now {})", f.revision);
    if since > t.revisions_since_compaction {
        c.set(
            Status::Warn,
            value,
            "compact (C in the Cluster view), or enable --auto-compaction-retention",
        )
    } else {
        c.set(Status::Ok, value, "")
    }
}

fn metrics_of(f: &Facts) -> Vec<(&MemberFacts, &crate::metrics::MemberMetrics)> {
    up(f)
        .filter_map(|m| m.metrics.as_ref().ok().map(|x| (m, x)))
        .collect()
}

fn no_metrics(f: &Facts) -> String {
    let why: Vec<String> = f
        .members
        .iter()
        .filter_map(|m| m.metrics.as_ref().err().map(|e| format!("{}: {e}", m.name)))
        .collect();
    if why.is_empty() {
        "no member answered".into()
    } else {
        format!("no /metrics: {}", why.join("; "))
    }
}

fn disk(f: &Facts, t: &Thresholds) -> Check {
    let c = check(
        "performance",
        "disk latency",
        "slow fsyncs delay every write and cause missed heartbeats and leader elections",
    )
    .threshold(format!(
        "WAL fsync p99 ≤ {} ms, backend commit p99 ≤ {} ms",
        t.wal_fsync_p99_ms, t.backend_commit_p99_ms
    ))
    .commands(&["curl -s URL/metrics | grep -E 'wal_fsync|backend_commit'"]);
    let ms = |l: &Option<crate::metrics::Latency>| l.as_ref().map(|l| l.seconds * 1000.0);
    let all = metrics_of(f);
    let wal = all
        .iter()
        .filter_map(|(m, x)| Some((ms(&x.wal_fsync_p99)?, m.name.as_str())))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let commit = all
        .iter()
        .filter_map(|(m, x)| Some((ms(&x.backend_commit_p99)?, m.name.as_str())))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let (Some(wal), Some(commit)) = (wal, commit) else {
        return c.set(Status::Unknown, no_metrics(f), "");
    };
    let value = format!(
        "WAL fsync p99 {:.1} ms ({}), backend commit p99 {:.1} ms ({})",
        wal.0, wal.1, commit.0, commit.1
    );
    if wal.0 > t.wal_fsync_p99_ms || commit.0 > t.backend_commit_p99_ms {
        c.set(
            Status::Warn,
            value,
            "give etcd a dedicated SSD; check for noisy neighbours on the disk",
        )
    } else {
        c.set(Status::Ok, value, "")
    }
}

fn leader_changes(f: &Facts) -> Check {
    let c = check(
        "performance",
        "leader changes",
        "each election stalls writes; frequent ones point at slow disks or a flaky network",
    )
    .threshold("under one an hour")
    .commands(&["curl -s URL/metrics | grep leader_changes_seen_total"]);
    let all = metrics_of(f);
    let worst = all
        .iter()
        .filter_map(|(m, x)| {
            let hours = ((f.now - m.started?) as f64 / 3600.0).max(1.0 / 60.0);
            Some((x.leader_changes?, hours, m.name.as_str()))
        })
        .max_by(|a, b| (a.0 / a.1).total_cmp(&(b.0 / b.1)));
    let Some((n, hours, name)) = worst else {
        return c.set(Status::Unknown, no_metrics(f), "");
    };
    // The first election of a fresh member counts once; only more than that is news.
    let value = format!("{n:.0} on {name} in {hours:.1} h since it started");
    if n > 1.0 && hours >= 1.0 && n / hours >= 1.0 {
        c.set(
            Status::Warn,
            value,
            "look at disk latency and network between members",
        )
    } else {
        c.set(Status::Ok, value, "")
    }
}

fn proposals_failed(f: &Facts) -> Check {
    let c = check(
        "performance",
        "failed proposals",
        "failed proposals are writes lost to elections or a lost quorum",
    )
    .threshold("none")
    .commands(&["curl -s URL/metrics | grep proposals_failed_total"]);
    let all = metrics_of(f);
    let worst = all
        .iter()
        .filter_map(|(m, x)| Some((x.proposals_failed?, m.name.as_str())))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match worst {
        None => c.set(Status::Unknown, no_metrics(f), ""),
        Some((n, name)) if n > 0.0 => c.set(
            Status::Warn,
            format!("{n:.0} on {name} since it started"),
            "look for leader changes and members down",
        ),
        Some(_) => c.set(Status::Ok, "none", ""),
    }
}

fn cert(cf: &super::facts::CertFacts, now: i64, t: &Thresholds) -> Check {
    let mut c = check(
        "certificates",
        "expiry",
        "an expired certificate cuts clients (or peers) off at once",
    )
    .threshold(format!(
        "warn under {} days, fail under {}",
        t.cert_warn_days, t.cert_fail_days
    ))
    .commands(&[
        "openssl x509 -noout -enddate -in FILE",
        "openssl s_client -connect HOST:PORT </dev/null | openssl x509 -noout -enddate",
    ]);
    c.value = cf.what.clone();
    match &cf.not_after {
        Err(e) => c.set(Status::Unknown, format!("{}: {e}", cf.what), ""),
        Ok(end) => {
            let days = (end - now).div_euclid(DAY);
            let date = crate::decode::k8s::gotime::rfc3339(*end, 0, false);
            let value = if *end <= now {
                format!("{}: EXPIRED on {date}", cf.what)
            } else {
                format!("{}: {days} days left (until {date})", cf.what)
            };
            let next = "renew it (kubeadm: kubeadm certs renew etcd-server etcd-peer apiserver-etcd-client)";
            if days < t.cert_fail_days {
                c.set(Status::Fail, value, next)
            } else if days < t.cert_warn_days {
                c.set(Status::Warn, value, next)
            } else {
                c.set(Status::Ok, value, "")
            }
        }
    }
}

fn backups(f: &Facts, t: &Thresholds) -> Check {
    let dir = f.backups.dir.display();
    let c = check(
        "backups",
        "newest snapshot",
        "without a recent snapshot, losing quorum or data means losing the cluster",
    )
    .threshold(format!(
        "a *.db in {dir} younger than {} h",
        t.backup_max_age_hours
    ))
    .commands(&[
        &format!("etcdtui snapshot save --dir {dir} --keep 7"),
        "ls -lt DIR/*.db | head -1",
    ]);
    let c = c.also(crate::snapfile::tool::status_command(
        super::versions::oldest_version(f),
        "FILE",
    ));
    match &f.backups.newest {
        Err(e) => c.set(
            Status::Unknown,
            format!("cannot read {dir}: {e}"),
            "set checks.backup_dir in config.yaml",
        ),
        Ok(None) => c.set(
            Status::Warn,
            format!("no *.db in {dir}"),
            "save one now (s in the Cluster view, or etcdtui snapshot save), and schedule \
             `etcdtui snapshot save --keep N` (README: a systemd timer or a cron line)",
        ),
        Ok(Some((name, mtime))) => {
            let hours = (f.now - mtime) as f64 / 3600.0;
            let value = format!("{name}, {hours:.1} h old");
            if hours > t.backup_max_age_hours as f64 {
                c.set(
                    Status::Warn,
                    value,
                    "save a fresh snapshot (s in the Cluster view)",
                )
            } else {
                c.set(Status::Ok, value, "")
            }
        }
    }
}
