//! Members in network namespaces of their own, so a test can cut one off from its
//! peers while clients still reach it: a bridge in the root namespace, one veth pair
//! per member into it, and a private 10.A.B.0/24 per cluster. Peer traffic is dropped
//! with blackhole routes inside the member namespaces (members only talk to each other
//! on their peer URLs, and nothing else on this machine filters packets).
//!
//! Names carry the subnet (`etui-A-B` for the bridge, `etui-A-B-mI` for namespaces):
//! creating the bridge claims the subnet atomically across processes, and the bridge's
//! alias records the owning process, so leftovers of a killed run are swept by the
//! next one instead of colliding with it.

use std::collections::HashSet;
use std::process::Command;

use super::LocalClusterError;

const PREFIX: &str = "etui-";
/// Second octets tried for the cluster subnets: far from the usual 10.0.x and 10.1x.x.
const OCTETS: std::ops::RangeInclusive<u8> = 200..=249;

/// The namespaces, veths and bridge of one cluster; removed on drop.
#[derive(Debug)]
pub(super) struct NetNs {
    a: u8,
    b: u8,
    members: usize,
    /// Namespaces created so far, so a half-built set is still removed.
    created: usize,
}

fn ip(args: &[&str]) -> Result<String, LocalClusterError> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .map_err(LocalClusterError::io("running ip (iproute2)"))?;
    if out.status.success() {
        return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
    }
    Err(LocalClusterError::Io {
        context: format!("ip {}", args.join(" ")),
        source: std::io::Error::other(String::from_utf8_lossy(&out.stderr).trim().to_string()),
    })
}

fn alive(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// `(a, b)` of a bridge or namespace name `etui-A-B[...]`.
fn subnet_of(name: &str) -> Option<(u8, u8)> {
    let mut parts = name.strip_prefix(PREFIX)?.split('-');
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

/// The process that owns bridge `name`, if the bridge exists: `Some(None)` while its
/// creator has not yet labelled it.
fn bridge_owner(name: &str) -> Option<Option<u32>> {
    let alias = std::fs::read_to_string(format!("/sys/class/net/{name}/ifalias")).ok()?;
    Some(
        alias
            .trim()
            .strip_prefix("etcdtui pid ")
            .and_then(|p| p.parse::<u32>().ok()),
    )
}

/// Removes bridges whose owner died and namespaces whose bridge is gone: a namespace
/// is only ever created after its bridge and removed before it, so one whose bridge is
/// missing when looked at (after listing the namespaces) belongs to nobody.
fn sweep_leftovers() {
    let links = ip(&["-o", "link", "show", "type", "bridge"]).unwrap_or_default();
    for line in links.lines() {
        let Some(name) = line
            .split(':')
            .nth(1)
            .map(|n| n.trim().split('@').next().unwrap_or_default())
        else {
            continue;
        };
        if subnet_of(name).is_none() {
            continue;
        }
        // No label yet: its creator is between two commands; leave it be.
        if let Some(Some(owner)) = bridge_owner(name)
            && !alive(owner)
        {
            let _ = ip(&["link", "del", name]);
        }
    }
    let namespaces = ip(&["netns", "list"]).unwrap_or_default();
    for ns in namespaces
        .lines()
        .filter_map(|l| l.split_whitespace().next())
    {
        let Some((a, b)) = subnet_of(ns) else {
            continue;
        };
        if bridge_owner(&format!("{PREFIX}{a}-{b}")).is_none() {
            let _ = ip(&["netns", "del", ns]);
        }
    }
}

/// Second and third octets already routed on this machine.
fn routed() -> HashSet<(u8, u8)> {
    let routes = ip(&["-4", "route", "show", "table", "all"]).unwrap_or_default();
    routes
        .lines()
        .filter_map(|l| l.split_whitespace().find(|w| w.starts_with("10.")))
        .filter_map(|net| {
            let mut o = net.split('/').next()?.split('.').skip(1);
            Some((o.next()?.parse().ok()?, o.next()?.parse().ok()?))
        })
        .collect()
}

impl NetNs {
    /// Claims a free subnet and builds a namespace per member, each with its address,
    /// a route to the others over the bridge, and loopback up.
    pub(super) fn create(members: usize) -> Result<NetNs, LocalClusterError> {
        sweep_leftovers();
        let taken = routed();
        let seed = std::process::id() as usize
            ^ (std::time::UNIX_EPOCH
                .elapsed()
                .unwrap_or_default()
                .subsec_nanos() as usize);
        let total = OCTETS.count() * 256;
        for k in 0..total {
            let n = (seed + k) % total;
            let (a, b) = (*OCTETS.start() + (n / 256) as u8, (n % 256) as u8);
            if taken.contains(&(a, b)) {
                continue;
            }
            let bridge = format!("{PREFIX}{a}-{b}");
            // Fails if another cluster (here or in another process) has it: try the next.
            if ip(&["link", "add", &bridge, "type", "bridge"]).is_err() {
                continue;
            }
            let mut ns = NetNs {
                a,
                b,
                members,
                created: 0,
            };
            ns.build()?;
            return Ok(ns);
        }
        Err(LocalClusterError::InvalidOptions(
            "no free 10.x subnet for the member namespaces".into(),
        ))
    }

    fn build(&mut self) -> Result<(), LocalClusterError> {
        let bridge = self.bridge();
        let owner = format!("etcdtui pid {}", std::process::id());
        ip(&["link", "set", &bridge, "alias", &owner])?;
        ip(&[
            "addr",
            "add",
            &format!("{}/24", self.host_ip()),
            "dev",
            &bridge,
        ])?;
        ip(&["link", "set", &bridge, "up"])?;
        for i in 0..self.members {
            let ns = self.namespace(i);
            ip(&["netns", "add", &ns])?;
            self.created = i + 1;
            let veth = format!("et{}-{}-{}", self.a, self.b, i + 1);
            ip(&[
                "link", "add", &veth, "type", "veth", "peer", "name", "eth0", "netns", &ns,
            ])?;
            ip(&["link", "set", &veth, "master", &bridge, "up"])?;
            let addr = format!("{}/24", self.member_ip(i));
            ip(&["-n", &ns, "addr", "add", &addr, "dev", "eth0"])?;
            ip(&["-n", &ns, "link", "set", "eth0", "up"])?;
            ip(&["-n", &ns, "link", "set", "lo", "up"])?;
        }
        Ok(())
    }

    fn bridge(&self) -> String {
        format!("{PREFIX}{}-{}", self.a, self.b)
    }

    /// The test process's address on the bridge.
    fn host_ip(&self) -> String {
        format!("10.{}.{}.1", self.a, self.b)
    }

    pub(super) fn namespace(&self, i: usize) -> String {
        format!("{PREFIX}{}-{}-m{}", self.a, self.b, i + 1)
    }

    pub(super) fn member_ip(&self, i: usize) -> String {
        format!("10.{}.{}.{}", self.a, self.b, i + 2)
    }

    /// Drops traffic between member `i` and every other member, both ways.
    pub(super) fn partition(&self, i: usize) -> Result<(), LocalClusterError> {
        self.routes(i, "add")
    }

    pub(super) fn heal(&self, i: usize) -> Result<(), LocalClusterError> {
        self.routes(i, "del")
    }

    fn routes(&self, i: usize, verb: &str) -> Result<(), LocalClusterError> {
        for j in (0..self.members).filter(|&j| j != i) {
            for (from, to) in [(i, j), (j, i)] {
                let target = format!("{}/32", self.member_ip(to));
                let done = ip(&[
                    "-n",
                    &self.namespace(from),
                    "route",
                    verb,
                    "blackhole",
                    &target,
                ]);
                // Partitioning twice, or healing what is whole, is not an error.
                if let Err(e) = done {
                    let benign = e.to_string().contains("File exists")
                        || e.to_string().contains("No such process");
                    if !benign {
                        return Err(e);
                    }
                }
            }
        }
        Ok(())
    }
}

impl Drop for NetNs {
    fn drop(&mut self) {
        // Namespaces first (their veths go with them), the bridge last: see the sweep.
        for i in 0..self.created {
            let _ = ip(&["netns", "del", &self.namespace(i)]);
        }
        let _ = ip(&["link", "del", &self.bridge()]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_the_subnet() {
        assert_eq!(subnet_of("etui-201-7"), Some((201, 7)));
        assert_eq!(subnet_of("etui-201-7-m3"), Some((201, 7)));
        assert_eq!(subnet_of("etui-x"), None);
        assert_eq!(subnet_of("eth0"), None);
    }
}
