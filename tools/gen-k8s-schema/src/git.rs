//! Reads a clone or bare mirror of a kubernetes/* repository through the `git` command:
//! tags, trees and blobs. Blobs are read once each (by id), since most files are identical
//! from one release to the next.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub struct Repo {
    pub dir: PathBuf,
    cache: HashMap<String, Vec<u8>>,
}

/// One file of a tree: path and blob id.
pub struct Entry {
    pub path: String,
    pub blob: String,
}

impl Repo {
    pub fn open(dir: &Path) -> Result<Repo, String> {
        let repo = Repo {
            dir: dir.to_path_buf(),
            cache: HashMap::new(),
        };
        repo.run(&["rev-parse", "--git-dir"])
            .map_err(|e| format!("{} is not a git repository: {e}", dir.display()))?;
        Ok(repo)
    }

    fn run(&self, args: &[&str]) -> Result<String, String> {
        let out = Command::new("git")
            .arg("-C")
            .arg(&self.dir)
            .args(args)
            .output()
            .map_err(|e| format!("git: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "git {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    pub fn tags(&self) -> Result<Vec<String>, String> {
        Ok(self.run(&["tag"])?.lines().map(str::to_string).collect())
    }

    pub fn commit_of(&self, rev: &str) -> Result<String, String> {
        Ok(self
            .run(&["rev-parse", &format!("{rev}^{{commit}}")])?
            .trim()
            .to_string())
    }

    /// Files under `prefix` (recursively) at `rev`.
    pub fn tree(&self, rev: &str, prefix: &str) -> Result<Vec<Entry>, String> {
        let mut args = vec!["ls-tree", "-r", rev];
        if !prefix.is_empty() {
            args.extend(["--", prefix]);
        }
        let text = self.run(&args)?;
        Ok(text
            .lines()
            .filter_map(|l| {
                let (meta, path) = l.split_once('\t')?;
                let mut w = meta.split(' ');
                let (_, kind, blob) = (w.next()?, w.next()?, w.next()?);
                (kind == "blob").then(|| Entry {
                    path: path.to_string(),
                    blob: blob.to_string(),
                })
            })
            .collect())
    }

    /// Reads every blob not yet cached in one `git cat-file --batch`.
    pub fn load(&mut self, blobs: &[&str]) -> Result<(), String> {
        let mut wanted: Vec<&str> = blobs
            .iter()
            .copied()
            .filter(|b| !self.cache.contains_key(*b))
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        if wanted.is_empty() {
            return Ok(());
        }
        let mut child = Command::new("git")
            .arg("-C")
            .arg(&self.dir)
            .args(["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("git cat-file: {e}"))?;
        let mut stdin = child.stdin.take().ok_or("git cat-file: no stdin")?;
        let list: String = wanted.iter().map(|b| format!("{b}\n")).collect();
        let writer = std::thread::spawn(move || stdin.write_all(list.as_bytes()));
        let stdout = child.stdout.take().ok_or("git cat-file: no stdout")?;
        let mut reader = BufReader::new(stdout);
        for id in &wanted {
            let mut header = String::new();
            reader
                .read_line(&mut header)
                .map_err(|e| format!("git cat-file: {e}"))?;
            let size: usize = header
                .split_whitespace()
                .nth(2)
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| format!("git cat-file: blob {id}: {}", header.trim()))?;
            let mut data = vec![0; size + 1];
            reader
                .read_exact(&mut data)
                .map_err(|e| format!("git cat-file: {e}"))?;
            data.truncate(size);
            self.cache.insert((*id).to_string(), data);
        }
        writer
            .join()
            .map_err(|_| "git cat-file: writer panicked")?
            .map_err(|e| format!("git cat-file: {e}"))?;
        child.wait().map_err(|e| format!("git cat-file: {e}"))?;
        Ok(())
    }

    pub fn blob(&self, id: &str) -> &[u8] {
        self.cache.get(id).map_or(&[], Vec::as_slice)
    }
}

/// A release: Kubernetes minor `1.N` from staging tag `v0.N.P` (newest patch), or the
/// unreleased next minor from the default branch.
#[derive(Clone, Debug)]
pub struct Release {
    pub minor: u32,
    pub rev: String,
}

impl Release {
    pub fn label(&self) -> String {
        format!("1.{}", self.minor)
    }
}

/// Parses `v0.N.P` (releases only, no `-alpha`/`-rc`).
fn staging_version(tag: &str) -> Option<(u32, u32)> {
    let mut p = tag.strip_prefix("v0.")?.split('.');
    let minor = p.next()?.parse().ok()?;
    let patch = p.next()?.parse().ok()?;
    p.next().is_none().then_some((minor, patch))
}

/// The newest patch of each minor from `from`, then the default branch as the next minor
/// when it differs from the newest tag.
pub fn releases(repo: &Repo, from: u32, head: &str) -> Result<Vec<Release>, String> {
    let mut newest: HashMap<u32, (u32, String)> = HashMap::new();
    for tag in repo.tags()? {
        if let Some((minor, patch)) = staging_version(&tag)
            && minor >= from
            && newest.get(&minor).is_none_or(|(p, _)| patch > *p)
        {
            newest.insert(minor, (patch, tag));
        }
    }
    let mut out: Vec<Release> = newest
        .into_iter()
        .map(|(minor, (_, rev))| Release { minor, rev })
        .collect();
    out.sort_by_key(|r| r.minor);
    let last = out
        .last()
        .map(|r| r.minor)
        .ok_or("no v0.N.P release tags")?;
    out.push(Release {
        minor: last + 1,
        rev: head.to_string(),
    });
    Ok(out)
}

/// The same release in a sibling repository (apimachinery, apiextensions-apiserver,
/// kube-aggregator tag in step with kubernetes/api): the same tag, or that minor's newest.
pub fn matching_rev(repo: &Repo, release: &Release, head: &str) -> Result<String, String> {
    if release.rev == head {
        return Ok(head.to_string());
    }
    let tags = repo.tags()?;
    if tags.contains(&release.rev) {
        return Ok(release.rev.clone());
    }
    tags.iter()
        .filter_map(|t| staging_version(t).map(|v| (v, t)))
        .filter(|((minor, _), _)| *minor == release.minor)
        .max_by_key(|(v, _)| *v)
        .map(|(_, t)| t.clone())
        .ok_or_else(|| {
            format!(
                "{}: no tag for Kubernetes {}",
                repo.dir.display(),
                release.label()
            )
        })
}
