//! Throwaway etcd clusters on loopback ports: `etcdtui demo` runs one, and the
//! integration tests run many. Every member lives under one temporary
//! directory that disappears with the [`LocalCluster`], unless
//! [`ClusterOptions::data_root`] keeps the data somewhere that outlives it.

mod error;
mod netns;
mod ready;
mod system;

pub use error::LocalClusterError;
pub use system::{find_binary, find_etcd_binary, free_port};

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

use error::log_excerpt;
use system::{free_ports, tee};

/// How long [`LocalCluster::start`] and [`LocalCluster::restart`] wait for
/// members to become ready.
pub const READY_TIMEOUT: Duration = Duration::from_secs(30);
const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// What cluster to start.
#[derive(Debug, Clone)]
pub struct ClusterOptions {
    /// Number of members, named `m1`..`mN`.
    pub size: usize,
    pub etcd_bin: PathBuf,
    /// Serve clients over TLS; peers always talk plain HTTP on loopback.
    pub tls: Option<ServerTls>,
    /// Appended after the generated flags, so they can override them.
    pub extra_args: Vec<String>,
    /// Send member output only to its log file instead of also to stderr.
    pub quiet: bool,
    /// Keep each member's data dir at `<data_root>/<name>` instead of in the
    /// temporary directory, so it survives the cluster (logs stay temporary).
    /// A member whose data dir already holds `member/` restarts on it with
    /// `--initial-cluster-state existing`. Only a single-member cluster can be
    /// reused this way: peer URLs are stored in the data and ports change per run.
    pub data_root: Option<PathBuf>,
    /// Run each member in a network namespace of its own (root only), on an address
    /// of a private 10.x subnet, so [`LocalCluster::partition`] can cut it off from its
    /// peers while clients still reach it. Plain HTTP only: the test certificates
    /// name 127.0.0.1.
    pub netns: bool,
    /// How long a member may take to answer after it starts. A member restarting on a
    /// store of millions of keys rebuilds its index first, which takes longer than the
    /// default (`READY_TIMEOUT`).
    pub ready_timeout: Duration,
}

impl ClusterOptions {
    /// A quiet plain-HTTP cluster of `size` members.
    pub fn new(size: usize, etcd_bin: impl Into<PathBuf>) -> Self {
        ClusterOptions {
            size,
            etcd_bin: etcd_bin.into(),
            tls: None,
            extra_args: Vec::new(),
            quiet: true,
            data_root: None,
            netns: false,
            ready_timeout: READY_TIMEOUT,
        }
    }
}

/// PEM files for the client-facing TLS listener. The certificate must allow
/// both server and client auth: etcd's own gateway dials the member with it,
/// and so does the readiness probe when `client_cert_auth` is on.
#[derive(Debug, Clone)]
pub struct ServerTls {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
    pub client_cert_auth: bool,
}

/// Where one member listens and keeps its files.
#[derive(Debug, Clone)]
pub struct MemberInfo {
    pub name: String,
    pub client_url: String,
    pub peer_url: String,
    pub metrics_url: String,
    pub data_dir: PathBuf,
    /// stdout and stderr of every run of this member, appended.
    pub log: PathBuf,
}

struct Member {
    info: MemberInfo,
    child: Option<Child>,
    /// Another binary than the cluster's, after [`LocalCluster::restart_with`].
    bin: Option<PathBuf>,
}

/// A running local cluster. Dropping it SIGKILLs every member and removes
/// all its files.
pub struct LocalCluster {
    opts: ClusterOptions,
    token: String,
    initial_cluster: String,
    members: Vec<Member>,
    dir: TempDir,
    /// Dropped after the members (field order), which are killed in `drop`.
    netns: Option<netns::NetNs>,
}

impl LocalCluster {
    /// Starts all members and waits until each one is ready.
    pub async fn start(opts: ClusterOptions) -> Result<LocalCluster, LocalClusterError> {
        match Self::start_once(&opts).await {
            // Ports are only reserved until we release them for etcd to
            // bind, so another process may win the race; fresh ports fix it.
            Err(LocalClusterError::PortInUse { .. }) => Self::start_once(&opts).await,
            other => other,
        }
    }

    async fn start_once(opts: &ClusterOptions) -> Result<LocalCluster, LocalClusterError> {
        if opts.size == 0 {
            return Err(LocalClusterError::InvalidOptions(
                "a cluster needs at least one member".into(),
            ));
        }
        let dir = tempfile::Builder::new()
            .prefix("etcdtui-cluster-")
            .tempdir()
            .map_err(LocalClusterError::io("creating the cluster directory"))?;
        if opts.netns && opts.tls.is_some() {
            return Err(LocalClusterError::InvalidOptions(
                "members in namespaces serve plain HTTP only".into(),
            ));
        }
        if opts.netns && !opts.etcd_bin.is_file() {
            // `ip netns exec` would only say so in the member's log.
            return Err(LocalClusterError::BinaryNotFound(opts.etcd_bin.clone()));
        }
        let netns = if opts.netns {
            Some(netns::NetNs::create(opts.size)?)
        } else {
            None
        };
        // In its own namespace every member has its own address, so etcd's usual
        // ports cannot collide with anything.
        let ports = match &netns {
            Some(_) => [2379, 2380, 2381].repeat(opts.size),
            None => free_ports(opts.size * 3)
                .map_err(LocalClusterError::io("finding free loopback ports"))?,
        };
        let scheme = if opts.tls.is_some() { "https" } else { "http" };
        let mut members = Vec::with_capacity(opts.size);
        for (i, p) in ports.chunks(3).enumerate() {
            let name = format!("m{}", i + 1);
            let member_dir = dir.path().join(&name);
            fs::create_dir(&member_dir).map_err(LocalClusterError::io(format!(
                "creating {}",
                member_dir.display()
            )))?;
            // etcd creates the data dir itself with the 0700 mode it insists on.
            let data_dir = match &opts.data_root {
                Some(root) => {
                    fs::create_dir_all(root).map_err(LocalClusterError::io(format!(
                        "creating {}",
                        root.display()
                    )))?;
                    root.join(&name)
                }
                None => member_dir.join("data"),
            };
            let host = netns
                .as_ref()
                .map_or_else(|| "127.0.0.1".to_string(), |n| n.member_ip(i));
            let info = MemberInfo {
                client_url: format!("{scheme}://{host}:{}", p[0]),
                peer_url: format!("http://{host}:{}", p[1]),
                metrics_url: format!("http://{host}:{}", p[2]),
                data_dir,
                log: member_dir.join("etcd.log"),
                name,
            };
            members.push(Member {
                info,
                child: None,
                bin: None,
            });
        }
        let initial_cluster = members
            .iter()
            .map(|m| format!("{}={}", m.info.name, m.info.peer_url))
            .collect::<Vec<_>>()
            .join(",");
        // The temp dir name is random, which keeps tokens unique per cluster.
        let dir_name = dir.path().file_name().unwrap_or_default().to_string_lossy();
        let token = format!("etcdtui-{dir_name}");
        let mut cluster = LocalCluster {
            opts: opts.clone(),
            token,
            initial_cluster,
            members,
            dir,
            netns,
        };
        for i in 0..opts.size {
            let existing = cluster.members[i].info.data_dir.join("member").is_dir();
            cluster.spawn(i, if existing { "existing" } else { "new" })?;
        }
        // On error `cluster` is dropped here, which kills what was started.
        cluster.wait_ready(0..opts.size).await?;
        Ok(cluster)
    }

    pub fn client_urls(&self) -> Vec<String> {
        self.members
            .iter()
            .map(|m| m.info.client_url.clone())
            .collect()
    }

    pub fn size(&self) -> usize {
        self.members.len()
    }

    /// Panics if `i` is not below [`LocalCluster::size`].
    pub fn member(&self, i: usize) -> &MemberInfo {
        &self.members[i].info
    }

    /// The process id of member `i`, or `None` while it is killed.
    pub fn pid(&self, i: usize) -> Option<u32> {
        self.members[i].child.as_ref().map(Child::id)
    }

    pub fn tls(&self) -> Option<&ServerTls> {
        self.opts.tls.as_ref()
    }

    /// SIGKILLs member `i` and reaps it; a no-op if it is not running.
    pub fn kill(&mut self, i: usize) {
        if let Some(mut child) = self.members[i].child.take() {
            // Errors mean it already exited, which is what we want anyway.
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Freezes member `i` with SIGSTOP, e.g. to simulate a hung member, and returns
    /// once the kernel reports it stopped: on a busy virtual machine a thread running
    /// on another CPU can go on serving requests for milliseconds after kill(2).
    pub fn stop_signal(&self, i: usize) {
        self.signal(i, libc::SIGSTOP);
        let Some(pid) = self.pid(i) else {
            return;
        };
        let stat = format!("/proc/{pid}/stat");
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline {
            // The state is the field after the parenthesised command name.
            let stopped = fs::read_to_string(&stat).ok().is_some_and(|s| {
                s.rsplit_once(')')
                    .and_then(|(_, rest)| rest.split_whitespace().next())
                    .is_some_and(|state| state == "T" || state == "t")
            });
            if stopped {
                return;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Resumes a member frozen by [`LocalCluster::stop_signal`].
    pub fn cont_signal(&self, i: usize) {
        self.signal(i, libc::SIGCONT);
    }

    fn signal(&self, i: usize, signal: libc::c_int) {
        let Some(child) = &self.members[i].child else {
            return;
        };
        if let Ok(pid) = libc::pid_t::try_from(child.id()) {
            // SAFETY: kill(2) has no memory-safety requirements; the pid is
            // our own unreaped child, so it cannot name a recycled process.
            unsafe {
                libc::kill(pid, signal);
            }
        }
    }

    /// Restarts member `i` on its old data dir and ports (killing it first if
    /// it still runs) and waits until it is ready again.
    pub async fn restart(&mut self, i: usize) -> Result<(), LocalClusterError> {
        self.kill(i);
        self.spawn(i, "existing")?;
        self.wait_ready(i..i + 1).await
    }

    /// Restarts member `i` with another etcd binary on its data dir and ports (killing
    /// it first if it still runs), as a rolling upgrade or downgrade does, and waits
    /// until it is ready. Later restarts keep that binary.
    pub async fn restart_with(&mut self, i: usize, bin: &Path) -> Result<(), LocalClusterError> {
        self.kill(i);
        self.members[i].bin = Some(bin.to_path_buf());
        self.spawn(i, "existing")?;
        self.wait_ready(i..i + 1).await
    }

    /// Cuts member `i` off from all its peers, both ways, while clients still reach
    /// it. Needs [`ClusterOptions::netns`].
    pub fn partition(&self, i: usize) -> Result<(), LocalClusterError> {
        self.namespaces()?.partition(i)
    }

    /// Undoes [`LocalCluster::partition`] of member `i`.
    pub fn heal(&self, i: usize) -> Result<(), LocalClusterError> {
        self.namespaces()?.heal(i)
    }

    fn namespaces(&self) -> Result<&netns::NetNs, LocalClusterError> {
        self.netns.as_ref().ok_or_else(|| {
            LocalClusterError::InvalidOptions(
                "partitions need the members in namespaces (ClusterOptions::netns)".into(),
            )
        })
    }

    /// The temporary directory holding every member's log, and its data unless
    /// [`ClusterOptions::data_root`] put that elsewhere.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    fn spawn(&mut self, i: usize, state: &str) -> Result<(), LocalClusterError> {
        let info = &self.members[i].info;
        let bin = self.members[i]
            .bin
            .clone()
            .unwrap_or(self.opts.etcd_bin.clone());
        let mut cmd = match &self.netns {
            // `ip netns exec` execs etcd in place: the child's pid is etcd's own, so
            // kill and SIGSTOP reach it.
            Some(n) => {
                let mut c = Command::new("ip");
                c.args(["netns", "exec", &n.namespace(i)]).arg(&bin);
                c
            }
            None => Command::new(&bin),
        };
        cmd.arg("--name")
            .arg(&info.name)
            .arg("--data-dir")
            .arg(&info.data_dir)
            .args(["--listen-client-urls", &info.client_url])
            .args(["--advertise-client-urls", &info.client_url])
            .args(["--listen-peer-urls", &info.peer_url])
            .args(["--initial-advertise-peer-urls", &info.peer_url])
            .args(["--listen-metrics-urls", &info.metrics_url])
            .args(["--initial-cluster", &self.initial_cluster])
            .args(["--initial-cluster-token", &self.token])
            .args(["--initial-cluster-state", state])
            // Halves the time to the first leader on 3.4 and 3.5 alike.
            .args(["--heartbeat-interval", "50", "--election-timeout", "500"])
            // 3.4 defaults to the deprecated capnslog; zap gives both versions
            // the same log format.
            .args(["--logger", "zap", "--log-outputs", "stderr"]);
        if let Some(tls) = &self.opts.tls {
            cmd.arg("--cert-file")
                .arg(&tls.cert)
                .arg("--key-file")
                .arg(&tls.key);
            // etcd demands a client certificate whenever it has a client CA, so a
            // cluster that lets clients in without one must not be given it.
            if tls.client_cert_auth {
                cmd.arg("--trusted-ca-file")
                    .arg(&tls.ca)
                    .arg("--client-cert-auth");
            }
        }
        cmd.args(&self.opts.extra_args);
        // etcd treats every ETCD_* variable as a flag, so the caller's
        // environment must not leak into the member's configuration.
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("ETCD_") {
                cmd.env_remove(key);
            }
        }

        let log_context = || format!("opening {}", info.log.display());
        let log = File::options()
            .create(true)
            .append(true)
            .open(&info.log)
            .map_err(LocalClusterError::io(log_context()))?;
        cmd.stdin(Stdio::null());
        let tee_log = if self.opts.quiet {
            let log_for_stdout = log
                .try_clone()
                .map_err(LocalClusterError::io(log_context()))?;
            cmd.stdout(log_for_stdout).stderr(log);
            None
        } else {
            cmd.stdout(Stdio::inherit()).stderr(Stdio::piped());
            Some(log)
        };
        let mut child = cmd.spawn().map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => LocalClusterError::BinaryNotFound(bin.clone()),
            _ => LocalClusterError::Io {
                context: format!("starting {}", bin.display()),
                source: e,
            },
        })?;
        if let (Some(stderr), Some(log)) = (child.stderr.take(), tee_log) {
            // Not quiet: show etcd's log live but keep a copy for error messages.
            std::thread::spawn(move || tee(stderr, log));
        }
        self.members[i].child = Some(child);
        Ok(())
    }

    async fn wait_ready(
        &mut self,
        members: std::ops::Range<usize>,
    ) -> Result<(), LocalClusterError> {
        let started = Instant::now();
        for i in members {
            loop {
                self.check_running(i)?;
                let info = &self.members[i].info;
                if ready::member_ready(&info.client_url, self.opts.tls.as_ref()).await {
                    break;
                }
                if started.elapsed() > self.opts.ready_timeout {
                    return Err(LocalClusterError::Timeout {
                        member: info.name.clone(),
                        waited: started.elapsed(),
                        log: log_excerpt(&info.log),
                    });
                }
                tokio::time::sleep(POLL_INTERVAL).await;
            }
        }
        Ok(())
    }

    /// Turns an early exit of member `i` into an error that says why.
    fn check_running(&mut self, i: usize) -> Result<(), LocalClusterError> {
        let member = &mut self.members[i];
        let status = match member.child.as_mut().map(Child::try_wait) {
            Some(Ok(None)) => return Ok(()),
            Some(Ok(Some(status))) => status.to_string(),
            Some(Err(e)) => format!("unknown status: {e}"),
            None => "not running".to_string(),
        };
        member.child = None;
        let log = log_excerpt(&member.info.log);
        let name = member.info.name.clone();
        if log.contains("address already in use") {
            return Err(LocalClusterError::PortInUse { member: name, log });
        }
        Err(LocalClusterError::Exited {
            member: name,
            status,
            log,
        })
    }
}

impl Drop for LocalCluster {
    fn drop(&mut self) {
        // Signal everyone first so the members die in parallel, then reap.
        for member in &mut self.members {
            if let Some(child) = member.child.as_mut() {
                let _ = child.kill();
            }
        }
        for member in &mut self.members {
            if let Some(mut child) = member.child.take() {
                let _ = child.wait();
            }
        }
    }
}
