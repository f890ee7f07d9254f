//! The Prometheus parser and the per-member summary on real `/metrics` output of
//! etcd 3.4 and 3.5 (recorded under `tests/data/metrics/`), and the HTTP side of the
//! scrape against small fake servers.
//!
//! Re-record the data with
//! `ETCDTUI_RECORD_METRICS=1 cargo test --test metrics_parse live` (etcd 3.4 from PATH), and
//! the same with `ETCDTUI_ETCD_BIN=.cache/etcd-3.5/etcd`.

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use etcdtui::etcd::Problem;
use etcdtui::etcd::metrics_scrape::scrape;
use etcdtui::metrics::{MemberMetrics, Scrape, Window, parse, summarize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/metrics")
        .join(name)
}

fn recorded(version: &str) -> Scrape {
    let path = data(&format!("etcd-{version}.txt"));
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let scrape = parse(&text);
    assert!(scrape.skipped.is_empty(), "{version}: {:?}", scrape.skipped);
    assert!(
        scrape.samples.len() > 500,
        "{version}: {} samples",
        scrape.samples.len()
    );
    scrape
}

fn latency_ok(what: &str, l: Option<etcdtui::metrics::Latency>, min_observations: f64) {
    let l = l.unwrap_or_else(|| panic!("{what}: missing"));
    assert!(l.seconds > 0.0 && l.seconds < 10.0, "{what}: {l:?}");
    assert!(l.observations >= min_observations, "{what}: {l:?}");
    assert_eq!(l.window, Window::SinceStart, "{what}: one scrape");
}

/// Every metric the Cluster view uses is there with a plausible value.
fn check_summary(version: &str, m: &MemberMetrics) {
    eprintln!("{version}: {m:#?}");
    // Every write fsyncs the WAL; bbolt commits in batches (every 100ms by default).
    latency_ok("wal fsync p99", m.wal_fsync_p99, 300.0);
    latency_ok("backend commit p99", m.backend_commit_p99, 1.0);
    let committed = m.proposals_committed.expect("proposals committed");
    let applied = m.proposals_applied.expect("proposals applied");
    // The recorder wrote 300 keys.
    assert!(committed >= 300.0, "{version}: committed {committed}");
    assert!(
        applied <= committed && applied >= 300.0,
        "{version}: {applied}"
    );
    assert_eq!(m.proposals_pending, Some(0.0), "{version}");
    assert_eq!(m.proposals_failed, Some(0.0), "{version}");
    assert!(m.leader_changes.is_some_and(|n| n >= 1.0), "{version}");
    assert_eq!(m.has_leader, Some(true), "{version}");
    assert!(m.is_leader.is_some(), "{version}");
    let size = m.db_total_size.expect("db size");
    let in_use = m.db_in_use.expect("db in use");
    assert!(
        size >= 16384.0 && in_use > 0.0 && in_use <= size,
        "{version}: {size} {in_use}"
    );
    assert!(
        m.watchers.is_some_and(|w| w >= 1.0),
        "{version}: the recorder watched"
    );
    // etcd's default quota, 2 GiB.
    assert_eq!(m.quota_backend_bytes, Some(2_147_483_648.0), "{version}");
    assert_eq!(m.proposals_committed_delta, None, "no previous scrape");
}

#[test]
fn etcd_3_4_metrics_summarize() {
    let s = recorded("3.4");
    check_summary("3.4", &summarize(None, &s));
    assert_eq!(
        s.gauge("etcd_mvcc_watcher_total", &[]),
        None,
        "3.4 has only the debugging name"
    );
}

#[test]
fn etcd_3_5_metrics_summarize() {
    let s = recorded("3.5");
    check_summary("3.5", &summarize(None, &s));
    assert_eq!(
        s.gauge("etcd_mvcc_watcher_total", &[]),
        None,
        "3.5 has only the debugging name"
    );
}

#[test]
fn the_same_scrape_twice_has_zero_deltas_and_falls_back_to_since_start() {
    for version in ["3.4", "3.5"] {
        let s = recorded(version);
        let m = summarize(Some(&s), &s);
        assert_eq!(m.proposals_committed_delta, Some(0.0), "{version}");
        assert_eq!(m.leader_changes_delta, Some(0.0), "{version}");
        let p99 = m.wal_fsync_p99.expect("p99");
        assert_eq!(
            p99.window,
            Window::SinceStart,
            "{version}: nothing in the interval"
        );
    }
}

#[test]
fn missing_metrics_are_none_not_zero() {
    for version in ["3.4", "3.5"] {
        let text = std::fs::read_to_string(data(&format!("etcd-{version}.txt"))).expect("read");
        // What an etcd without these metrics (or a filtering proxy) would serve.
        let stripped: String = text
            .lines()
            .filter(|l| {
                !l.contains("etcd_disk_wal_fsync")
                    && !l.contains("proposals_pending")
                    && !l.contains("db_total_size_in_bytes")
                    && !l.contains("quota_backend_bytes")
                    && !l.contains("watcher_total")
            })
            .map(|l| format!("{l}\n"))
            .collect();
        let m = summarize(None, &parse(&stripped));
        assert_eq!(m.wal_fsync_p99, None, "{version}");
        assert_eq!(m.proposals_pending, None, "{version}");
        assert_eq!(m.db_total_size, None, "{version}");
        assert_eq!(m.quota_backend_bytes, None, "{version}");
        assert_eq!(m.watchers, None, "{version}");
        assert!(m.backend_commit_p99.is_some(), "{version}: the rest stays");
    }
}

#[test]
fn old_etcd_names_are_still_found() {
    // Before 3.4 the size only had its `debugging` name.
    let text = std::fs::read_to_string(data("etcd-3.4.txt")).expect("read");
    let old: String = text
        .lines()
        .filter(|l| !l.contains("etcd_mvcc_db_total_size_in_bytes"))
        .map(|l| format!("{l}\n"))
        .collect();
    let (new, old) = (recorded("3.4"), parse(&old));
    assert!(old.gauge("etcd_mvcc_db_total_size_in_bytes", &[]).is_none());
    assert_eq!(
        summarize(None, &old).db_total_size,
        summarize(None, &new).db_total_size
    );
}

// ------------------------------------------------------------ HTTP against fakes

/// A one-shot server that reads the request and answers `raw`; returns its URL.
async fn fake(raw: &'static [u8]) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        if let Ok((mut sock, _)) = listener.accept().await {
            let mut buf = [0u8; 2048];
            let _ = sock.read(&mut buf).await;
            let _ = sock.write_all(raw).await;
        }
    });
    format!("http://127.0.0.1:{port}")
}

async fn get(raw: &'static [u8]) -> Result<String, etcdtui::etcd::EtcdError> {
    scrape(&fake(raw).await, None, Duration::from_secs(2)).await
}

#[tokio::test]
async fn reads_content_length_chunked_and_close_delimited_bodies() {
    let body = get(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello and more").await;
    assert_eq!(body.ok().as_deref(), Some("hello"));
    let chunked = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n\
                    6;ext=1\r\nm 1\nn \r\nA\r\n2\nx 3\ny 4\n\r\n0\r\nTrailer: x\r\n\r\n";
    assert_eq!(
        get(chunked).await.ok().as_deref(),
        Some("m 1\nn 2\nx 3\ny 4\n")
    );
    let eof = get(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nup 1\n").await;
    assert_eq!(eof.ok().as_deref(), Some("up 1\n"));
}

#[tokio::test]
async fn http_errors_and_garbage_are_errors() {
    let e = get(b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found")
        .await
        .expect_err("404");
    assert!(e.detail.contains("404"), "{e:?}");
    let https_only =
        b"HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n";
    assert_eq!(
        get(https_only).await.expect_err("400").problem,
        Problem::TlsRequired
    );
    for raw in [
        &b"\x16\x03\x01garbage\r\n\r\n"[..],
        b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"",
    ] {
        assert!(
            get(raw).await.is_err(),
            "{:?}",
            String::from_utf8_lossy(raw)
        );
    }
}

#[tokio::test]
async fn nothing_listening_fails_at_once_and_silence_times_out() {
    let port = etcdtui::localcluster::free_port().expect("free port");
    let started = Instant::now();
    let e = scrape(
        &format!("http://127.0.0.1:{port}"),
        None,
        Duration::from_secs(5),
    )
    .await
    .expect_err("refused");
    assert_eq!(e.problem, Problem::Unreachable, "{e:?}");
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );

    // Accepts the connection (as the kernel does for a SIGSTOPped etcd) but never answers.
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let started = Instant::now();
    let e = scrape(&url, None, Duration::from_millis(300))
        .await
        .expect_err("timeout");
    assert_eq!(e.problem, Problem::Timeout, "{e:?}");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    drop(listener);
}

// ------------------------------------------------------------------ recording

/// The live `/metrics` of the etcd under test (3.4 in the first pass, 3.5 in the
/// second), read with our own scraper, summarize like the recorded files do. With
/// `ETCDTUI_RECORD_METRICS=1` it also rewrites `tests/data/metrics/etcd-<major.minor>.txt`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_metrics_of_this_etcd_summarize() {
    let Some(cluster) = common::start_cluster(3).await else {
        return;
    };
    let mut client = common::connect(&cluster).await;
    for i in 0..300 {
        client
            .put(format!("/record/key{i:03}"), format!("value {i}"), None)
            .await
            .expect("put");
    }
    let _watch = client.watch("/record/", None).await.expect("watch");
    // Let the watch registration land before the scrape.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let version = client.status().await.expect("status").version().to_string();
    let minor: String = version.split('.').take(2).collect::<Vec<_>>().join(".");
    let mut best: Option<String> = None;
    for i in 0..cluster.size() {
        let url = cluster.member(i).metrics_url.clone();
        let text = etcdtui::etcd::metrics_scrape::scrape(&url, None, Duration::from_secs(5))
            .await
            .unwrap_or_else(|e| panic!("scrape {url}: {e}"));
        let m = etcdtui::metrics::summarize(None, &parse(&text));
        assert!(
            m.wal_fsync_p99.is_some(),
            "{version}: no WAL fsync histogram"
        );
        assert!(
            m.proposals_committed.is_some_and(|c| c >= 300.0),
            "{version}: {m:?}"
        );
        assert!(
            m.db_total_size.is_some_and(|d| d >= 16384.0),
            "{version}: {m:?}"
        );
        let watchers = parse(&text).gauge("etcd_debugging_mvcc_watcher_total", &[]);
        if watchers.is_some_and(|w| w >= 1.0) || best.is_none() {
            best = Some(text);
        }
    }
    if std::env::var_os("ETCDTUI_RECORD_METRICS").is_some() {
        let path = data(&format!("etcd-{minor}.txt"));
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, best.expect("a scrape")).expect("write");
        eprintln!("recorded etcd {version} into {}", path.display());
    }
}
