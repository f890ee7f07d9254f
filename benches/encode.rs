//! Encode time for a ~1 MiB Kubernetes object, next to decode time for the same object:
//! the ConfigMap of `benches/decode.rs`, decoded to its tree and encoded back to protobuf
//! (`etcdtui encode`'s work without reading the text), and from its kubectl YAML text.
//! Run: `cargo bench --bench encode`. Target: decode and encode each under 10 ms.

#[path = "common/mod.rs"]
mod common;

use std::hint::black_box;
use std::time::Instant;

use etcdtui::decode::k8s::{self, encode};
use etcdtui::decode::kubectl_yaml;

fn time_ms(runs: u32, mut f: impl FnMut()) -> f64 {
    f();
    let start = Instant::now();
    for _ in 0..runs {
        f();
    }
    start.elapsed().as_secs_f64() * 1000.0 / f64::from(runs)
}

fn main() {
    let value = common::big_config_map(1 << 20);
    let runs = 50;
    let mib = value.len() as f64 / f64::from(1 << 20);
    let decode = time_ms(runs, || {
        black_box(k8s::decode(black_box(&value)));
    });
    let obj = k8s::decode(&value);
    let encode_ms = time_ms(runs, || {
        black_box(encode::encode_node(black_box(&obj.node)).expect("encodes"));
    });
    let yaml = kubectl_yaml(&obj.node);
    let from_text = time_ms(10, || {
        black_box(
            encode::encode_text(black_box(&yaml), encode::InputFormat::Yaml).expect("encodes"),
        );
    });
    println!(
        "{mib:.2} MiB ConfigMap, mean of {runs} runs: decode {decode:.2} ms, encode {encode_ms:.2} ms, encode from YAML text (parse + encode) {from_text:.2} ms"
    );
    common::append_summary(
        "Encoder (benches/encode.rs)",
        &[
            common::Summary::new(
                format!("Decode a {mib:.1} MiB Kubernetes protobuf object, mean of {runs}"),
                format!("{decode:.2} ms"),
            )
            .reference("—")
            .target("< 10 ms", decode < 10.0),
            common::Summary::new(
                format!("Encode the same object back to protobuf, mean of {runs}"),
                format!("{encode_ms:.2} ms (from YAML text: {from_text:.2} ms)"),
            )
            .reference("—")
            .target("< 10 ms", encode_ms < 10.0),
        ],
    );
}
