//! Reads `tests/fixtures/k8s-releases`: every round-trip fixture of every Kubernetes release
//! (written by `tools/gen-k8s-schema fixtures`), each distinct file stored once in
//! `blobs.gz` and named per release in `manifest.txt`.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

pub struct Fixture {
    /// The testdata directory: `v1.23.0`, or `HEAD` (the default branch).
    pub release: String,
    /// `group.version.Kind` (core group spelled `core`).
    pub name: String,
    /// The kubernetes/api tag where this version of the fixture first appeared.
    pub first_tag: String,
    pub pb: Vec<u8>,
    pub yaml: String,
}

impl Fixture {
    /// `v1.23.0/apps.v1.Deployment`, with the tag when the release holds two versions.
    pub fn label(&self, versions: usize) -> String {
        if versions > 1 {
            format!("{}/{}@{}", self.release, self.name, self.first_tag)
        } else {
            format!("{}/{}", self.release, self.name)
        }
    }
}

pub fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/k8s-releases")
}

/// Every fixture, or why the store is missing or unreadable.
pub fn load(dir: &Path) -> Result<Vec<Fixture>, String> {
    let manifest = std::fs::read_to_string(dir.join("manifest.txt"))
        .map_err(|e| format!("{}: {e}", dir.join("manifest.txt").display()))?;
    let gz = std::fs::read(dir.join("blobs.gz"))
        .map_err(|e| format!("{}: {e}", dir.join("blobs.gz").display()))?;
    let mut raw = Vec::new();
    flate2::read::GzDecoder::new(gz.as_slice())
        .read_to_end(&mut raw)
        .map_err(|e| format!("blobs.gz: {e}"))?;
    let blobs = split_blobs(&raw)?;
    let mut out = Vec::new();
    for line in manifest.lines().filter(|l| !l.starts_with('#')) {
        let w: Vec<&str> = line.split(' ').collect();
        let [release, name, first_tag, pb, yaml] = w.as_slice() else {
            return Err(format!("manifest line: {line}"));
        };
        let get = |id: &str| {
            blobs
                .get(id)
                .map(|b| b.to_vec())
                .ok_or_else(|| format!("blob {id} of {release}/{name} is missing"))
        };
        out.push(Fixture {
            release: (*release).to_string(),
            name: (*name).to_string(),
            first_tag: (*first_tag).to_string(),
            pb: get(pb)?,
            yaml: String::from_utf8(get(yaml)?).map_err(|e| format!("{name}.yaml: {e}"))?,
        });
    }
    Ok(out)
}

/// Records `<id> <length>\n<bytes>\n`.
fn split_blobs(raw: &[u8]) -> Result<HashMap<&str, &[u8]>, String> {
    let mut out = HashMap::new();
    let mut rest = raw;
    while !rest.is_empty() {
        let nl = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or("blobs.gz: header without newline")?;
        let header = std::str::from_utf8(&rest[..nl]).map_err(|e| format!("blobs.gz: {e}"))?;
        let (id, len) = header
            .split_once(' ')
            .ok_or_else(|| format!("blobs.gz: header {header:?}"))?;
        let len: usize = len.parse().map_err(|_| format!("blobs.gz: {header:?}"))?;
        let body = rest
            .get(nl + 1..nl + 1 + len)
            .ok_or("blobs.gz: truncated")?;
        out.insert(id, body);
        rest = rest.get(nl + 2 + len..).unwrap_or(&[]);
    }
    Ok(out)
}
