//! What was measured. Every measurement that can fail carries the reason instead, so
//! a check it feeds says "unknown" and why, never a false ok.

use std::collections::BTreeMap;

use crate::metrics::MemberMetrics;

#[derive(Clone, Debug, PartialEq)]
pub struct Facts {
    /// Client traffic goes over TLS.
    pub tls: bool,
    /// We presented a client certificate.
    pub client_cert_sent: bool,
    /// Whether the server let a TLS client in without a certificate; `None` without TLS.
    pub anonymous_tls_accepted: Option<Result<bool, String>>,
    pub auth: Result<AuthFacts, String>,
    pub secrets: Result<SecretFacts, String>,
    pub members: Vec<MemberFacts>,
    /// Each member's health as it sees it, or why the member list could not be read.
    pub health: Result<Vec<MemberHealth>, String>,
    pub cluster_version: Option<String>,
    /// `(member, alarm)`.
    pub alarms: Result<Vec<(String, String)>, String>,
    pub revision: i64,
    pub certs: Vec<CertFacts>,
    pub backups: BackupFacts,
    /// Seconds since the epoch when the facts were gathered.
    pub now: i64,
    /// Which keys protect the encrypted resources (empty: not counted).
    pub encryption: super::encryption_facts::EncryptionFacts,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuthFacts {
    pub enabled: bool,
    /// etcd 3.4 has no `AuthStatus`: `enabled` was worked out another way.
    pub inferred: bool,
    /// `None` when we may not list users (auth on and we are not root).
    pub root_user: Option<bool>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SecretFacts {
    pub total: u64,
    pub encrypted: u64,
    /// Values per provider (`aescbc`, `kms`, ...).
    pub providers: BTreeMap<String, u64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct MemberFacts {
    pub name: String,
    /// Why it did not answer, if it did not.
    pub down: Option<String>,
    pub version: Option<String>,
    pub db_size: Option<i64>,
    pub db_in_use: Option<i64>,
    /// From etcd (status or metrics); `None` if it does not say.
    pub quota: Option<i64>,
    /// Where `quota` came from.
    pub quota_source: Option<crate::metrics::QuotaSource>,
    /// Storage version and downgrade info (etcd 3.6+); `None` if not reported.
    pub since_36: Option<crate::etcd::cluster::Since36>,
    pub metrics: Result<MemberMetrics, String>,
    /// From metrics: `etcd_debugging_mvcc_compact_revision` (-1: never compacted).
    pub compact_revision: Option<i64>,
    /// From metrics: `process_start_time_seconds`.
    pub started: Option<i64>,
}

/// One member, asked on its own client URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberHealth {
    pub name: String,
    pub url: String,
    pub learner: bool,
    pub state: MemberState,
    /// Raft entries behind the leader.
    pub lag: Option<u64>,
    /// `/health ok, /readyz ok`, as far as it answered.
    pub probes: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MemberState {
    Ok,
    /// Did not answer `status`: refused, timed out (frozen), TLS... in words.
    Down(String),
    /// Answers, but not as part of the majority: why.
    CutOff(String),
    /// Follows the leader but its own health endpoint says not healthy: why.
    Unhealthy(String),
    /// Its status is not for this user to read.
    NotPermitted,
    NotStarted,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertFacts {
    /// "CA (--cacert)", "client certificate", "server certificate of m1".
    pub what: String,
    /// Not-after, in seconds since the epoch, of the soonest-expiring certificate.
    pub not_after: Result<i64, String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupFacts {
    pub dir: std::path::PathBuf,
    /// The newest `*.db` file and its modification time, or why none was found.
    pub newest: Result<Option<(String, i64)>, String>,
}

impl Facts {
    /// Nothing measured yet: every check it feeds says unknown.
    pub fn unmeasured() -> Facts {
        fn not<T>() -> Result<T, String> {
            Err("not measured".to_string())
        }
        Facts {
            tls: false,
            client_cert_sent: false,
            anonymous_tls_accepted: None,
            auth: not(),
            secrets: not(),
            members: Vec::new(),
            health: not(),
            cluster_version: None,
            alarms: not(),
            revision: 0,
            certs: Vec::new(),
            backups: BackupFacts {
                dir: Default::default(),
                newest: not(),
            },
            now: 0,
            encryption: Default::default(),
        }
    }
}
