//! Streams one member's snapshot into a file, safely: the bytes go to a temporary file
//! next to the target, etcd's appended SHA-256 is checked, the file is fsynced and only
//! then renamed into place. A cancelled or failed save leaves nothing at the target
//! (the temporary file is removed when it is dropped, whatever path we leave by).

use std::io::Write;
use std::path::{Path, PathBuf};

use tokio::sync::{mpsc, oneshot};

use super::connect::EndpointClient;
use super::errors::{EtcdError, Problem};

/// etcd sends the database, then one last message holding the SHA-256 of it.
const HASH_LEN: usize = 32;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Saved {
    pub path: PathBuf,
    /// Bytes written, the trailing hash included (as `etcdctl snapshot save` writes).
    pub size: u64,
    /// The revision of the member's store when the stream started.
    pub revision: i64,
    pub sha256_verified: bool,
    /// The member's etcd version, for the right `snapshot status` command.
    pub server_version: Option<String>,
}

/// `(bytes received, bytes expected)`; the total is known after the first message.
pub type Progress = mpsc::Sender<(u64, u64)>;

/// A file system failure: the path and the OS's reason, nothing about connections.
fn io_error(what: &str, path: &Path, e: &std::io::Error) -> EtcdError {
    // tempfile adds the hidden temporary name to its errors; the OS's words are enough.
    let reason = os_reason(e);
    EtcdError::file(format!(
        "{what} {}: {reason}; nothing was saved",
        path.display()
    ))
}

/// The operating system's words. tempfile appends ` at path "…"` (the hidden temporary
/// name, gone by the time anyone reads this) and hides the OS error from `source()`.
fn os_reason(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.split_once(" at path \"") {
        Some((reason, _)) => reason.to_string(),
        None => text,
    }
}

/// Writing the data failed (a full disk, a file size limit): named after the target the
/// user chose, not the hidden temporary file, which is gone by the time this is read.
fn write_error(target: &Path, e: &std::io::Error) -> EtcdError {
    EtcdError::file(format!(
        "cannot write {}: {e}; nothing was saved",
        target.display()
    ))
}

/// The temporary file lives in the target's directory so the final rename cannot
/// cross file systems (which would make it a copy, and not atomic).
fn temp_next_to(target: &Path) -> Result<tempfile::NamedTempFile, EtcdError> {
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = target
        .file_name()
        .map(|n| format!(".{}.", n.to_string_lossy()))
        .unwrap_or_else(|| ".snapshot.".into());
    tempfile::Builder::new()
        .prefix(&name)
        .suffix(".part")
        .tempfile_in(&dir)
        .map_err(|e| io_error("cannot create a file in", &dir, &e))
}

/// Saves `client`'s member snapshot at `target`. `cancel` firing stops it at any
/// stage and removes the partial file. Refuses to overwrite an existing file.
pub async fn save_snapshot(
    client: &EndpointClient,
    target: &Path,
    progress: Progress,
    cancel: oneshot::Receiver<()>,
) -> Result<Saved, EtcdError> {
    if target.exists() {
        return Err(EtcdError::file(format!(
            "{} already exists: choose another file name",
            target.display()
        )));
    }
    let fixed = target.to_path_buf();
    save_snapshot_named(client, target, move |_| fixed, progress, cancel).await
}

/// As [`save_snapshot`], with the final name chosen once the snapshot's revision is
/// known (`name(revision)`); the temporary file is made next to `near`, in the
/// directory the name must lie in.
pub async fn save_snapshot_named(
    client: &EndpointClient,
    near: &Path,
    name: impl FnOnce(i64) -> PathBuf,
    progress: Progress,
    cancel: oneshot::Receiver<()>,
) -> Result<Saved, EtcdError> {
    tokio::select! {
        // Cancelling drops `stream_into`, and with it the temporary file.
        biased;
        _ = cancel => Err(EtcdError::new(Problem::Other, Some(&client.endpoint), "cancelled")),
        saved = stream_into(client, near, name, progress) => saved,
    }
}

async fn stream_into(
    client: &EndpointClient,
    near: &Path,
    name: impl FnOnce(i64) -> PathBuf,
    progress: Progress,
) -> Result<Saved, EtcdError> {
    let mut tmp = temp_next_to(near)?;
    // The snapshot holds at least this revision; older servers send no header on
    // the stream to say exactly which.
    let status = client.call(|mut c| async move { c.status().await }).await?;
    let before = status.header().map(|h| h.revision()).unwrap_or_default();
    let server_version = Some(status.version().to_string()).filter(|v| !v.is_empty());
    let mut stream = client
        .call(|mut c| async move { c.snapshot().await })
        .await?;
    let mut hasher = ring::digest::Context::new(&ring::digest::SHA256);
    // The last HASH_LEN bytes seen so far are held back from the hash: until the
    // stream ends we cannot know whether they are data or etcd's digest.
    let mut tail: Vec<u8> = Vec::with_capacity(2 * HASH_LEN);
    let (mut received, mut total, mut revision) = (0u64, 0u64, 0i64);
    loop {
        let next = tokio::time::timeout(client.command_timeout, stream.message()).await;
        let msg = match next {
            Err(_) => return Err(EtcdError::timeout(&client.endpoint, client.command_timeout)),
            Ok(Err(e)) => return Err(EtcdError::from_client(&client.endpoint, &e)),
            Ok(Ok(None)) => break,
            Ok(Ok(Some(m))) => m,
        };
        if received == 0 {
            total = msg.remaining_bytes() + msg.blob().len() as u64 + HASH_LEN as u64;
            revision = msg
                .header()
                .map(|h| h.revision())
                .filter(|&r| r > 0)
                .unwrap_or(before);
        }
        let blob = msg.blob();
        received += blob.len() as u64;
        // Writing a chunk of a few KiB to the page cache takes microseconds; the
        // fsync at the end is the slow part and happens once.
        tmp.as_file_mut()
            .write_all(blob)
            .map_err(|e| write_error(near, &e))?;
        tail.extend_from_slice(blob);
        if tail.len() > HASH_LEN {
            let cut = tail.len() - HASH_LEN;
            hasher.update(&tail[..cut]);
            tail.drain(..cut);
        }
        // A full progress channel means the UI is behind; it only needs the latest.
        let _ = progress.try_send((received, total.max(received)));
    }
    let target = name(revision);
    let target = target.as_path();
    let verified = tail.len() == HASH_LEN && hasher.finish().as_ref() == tail.as_slice();
    if !verified {
        return Err(EtcdError::new(
            Problem::Other,
            Some(&client.endpoint),
            format!(
                "the snapshot's SHA-256 does not match the data ({received} bytes received): \
                 the stream was damaged; nothing was saved"
            ),
        ));
    }
    tmp.as_file()
        .sync_all()
        .map_err(|e| write_error(target, &e))?;
    tmp.persist_noclobber(target)
        .map_err(|e| io_error("cannot rename the snapshot to", target, &e.error))?;
    sync_dir(target);
    Ok(Saved {
        path: target.to_path_buf(),
        size: received,
        revision,
        sha256_verified: verified,
        server_version,
    })
}

/// The rename is durable only once the directory entry is on disk too. Failing to
/// sync a directory (some file systems refuse) does not undo a saved snapshot.
fn sync_dir(target: &Path) {
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty())
        && let Ok(d) = std::fs::File::open(dir)
        && let Err(e) = d.sync_all()
    {
        tracing::warn!("could not sync directory {}: {e}", dir.display());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_that_is_a_file_is_a_file_error_naming_the_path_and_the_reason() {
        let dir = tempfile::tempdir().expect("tmp");
        let file = dir.path().join("plain");
        std::fs::write(&file, b"x").expect("write");
        let Err(e) = temp_next_to(&file.join("snap.db")) else {
            panic!("a file inside a regular file was created");
        };
        assert_eq!(e.problem, Problem::File);
        let shown = e.to_string();
        assert!(shown.contains(&file.display().to_string()), "{shown}");
        assert!(shown.contains("(os error 20)"), "{shown}");
        assert!(!shown.contains(".part"), "{shown}");
        assert!(!shown.contains("connection"), "{shown}");
        assert!(!e.advice().contains("connection"), "{}", e.advice());
    }

    #[test]
    fn a_failed_write_names_the_target_not_the_hidden_file() {
        let e = write_error(
            Path::new("/backups/etcd.db"),
            &std::io::Error::from_raw_os_error(28),
        );
        assert_eq!(e.problem, Problem::File);
        let shown = e.to_string();
        assert!(
            shown.starts_with("cannot write /backups/etcd.db: "),
            "{shown}"
        );
        assert!(shown.contains("No space left on device"), "{shown}");
        assert!(!e.is_transient());
    }
}
