//! etcd 3.7's `RangeStream` through `etcd::range_stream`: on 3.7 the stream delivers
//! exactly what one `Range` would, pinned to a revision, and stopping after the first
//! chunk stops it; before 3.7 the member has no such method and the answer is `None`
//! (callers fall back to `Range`), never an error.

mod common;

use std::ops::ControlFlow;

use etcdtui::etcd::ConnectSpec;
use etcdtui::etcd::connect::connect_endpoint;
use etcdtui::etcd::range_stream::{Streamed, stream_range};

const KEYS: usize = 700;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_equals_one_range_or_says_it_is_not_there() {
    let Some(cluster) = common::start_cluster(1).await else {
        return;
    };
    let mut c = common::connect(&cluster).await;
    for i in 0..KEYS {
        c.put(format!("/s/k{i:04}"), format!("value {i}"), None)
            .await
            .expect("seed");
    }
    let pinned = c
        .put("/t/after", "x", None)
        .await
        .expect("put")
        .header()
        .expect("header")
        .revision()
        - 1;
    c.put("/s/k0000", "changed after the pin", None)
        .await
        .expect("put");
    let version = c.status().await.expect("status").version().to_string();
    let has_stream = !(version.starts_with("3.4.")
        || version.starts_with("3.5.")
        || version.starts_with("3.6."));

    let spec = ConnectSpec {
        endpoints: cluster.client_urls(),
        ..ConnectSpec::default()
    };
    let client = connect_endpoint(&cluster.client_urls()[0], &spec, None)
        .await
        .expect("connect");
    let mut got: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let mut chunks = 0;
    let whole = stream_range(
        &client,
        b"/s/".to_vec(),
        b"/s0".to_vec(),
        pinned,
        false,
        |kvs| {
            chunks += 1;
            got.extend(
                kvs.iter()
                    .map(|kv| (kv.key().to_vec(), kv.value().to_vec())),
            );
            ControlFlow::Continue(())
        },
    )
    .await
    .expect("no error on any version");
    if !has_stream {
        assert_eq!(
            whole, None,
            "{version} has no RangeStream: the caller falls back"
        );
        return;
    }
    // Like a Range's header, the revision is the store's when the stream began, not
    // the one the read is pinned to.
    assert_eq!(
        whole,
        Some(Streamed::Complete {
            revision: pinned + 2
        }),
        "{version}"
    );
    assert!(chunks > 1, "etcd sizes the chunks itself: {chunks}");
    let want: Vec<(Vec<u8>, Vec<u8>)> = (0..KEYS)
        .map(|i| {
            (
                format!("/s/k{i:04}").into_bytes(),
                format!("value {i}").into_bytes(),
            )
        })
        .collect();
    assert_eq!(
        got, want,
        "every key once, in order, as of the pinned revision"
    );

    // Stopping after the first chunk reads no more.
    let mut first = Vec::new();
    let stopped = stream_range(&client, vec![0], vec![0], 0, true, |kvs| {
        first.extend(kvs.iter().map(|kv| kv.key().to_vec()));
        ControlFlow::Break(())
    })
    .await
    .expect("stream");
    assert_eq!(stopped, Some(Streamed::Stopped));
    assert!(!first.is_empty() && first.len() < KEYS, "{}", first.len());
    assert_eq!(first[0], b"/s/k0000");
}
