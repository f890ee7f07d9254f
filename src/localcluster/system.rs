//! Host helpers: locating binaries, picking ports, copying output.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};

/// Shows a member's output live while keeping the copy that error messages
/// quote; ends when the member closes its end of the pipe.
pub(super) fn tee(mut from: impl Read, mut log: File) {
    let mut buf = [0u8; 8192];
    while let Ok(n) = from.read(&mut buf) {
        if n == 0 {
            break;
        }
        let _ = log.write_all(&buf[..n]);
        let _ = io::stderr().write_all(&buf[..n]);
    }
}

/// `$ETCDTUI_ETCD_BIN` if set, else `etcd` on `PATH`.
pub fn find_etcd_binary() -> Option<PathBuf> {
    find_binary("ETCDTUI_ETCD_BIN", "etcd")
}

/// The path in `env_var` if set (even if nothing is there, so that a wrong
/// setting surfaces as an error instead of silently using another binary),
/// else the first executable `name` on `PATH`.
pub fn find_binary(env_var: &str, name: &str) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(env_var).filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// A loopback TCP port that was free a moment ago.
pub fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// `n` distinct free ports: all listeners stay open until every port is
/// picked, so the kernel cannot hand out the same port twice.
pub(super) fn free_ports(n: usize) -> io::Result<Vec<u16>> {
    let listeners = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0"))
        .collect::<io::Result<Vec<_>>>()?;
    listeners
        .iter()
        .map(|l| Ok(l.local_addr()?.port()))
        .collect()
}
