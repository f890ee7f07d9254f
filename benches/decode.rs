//! Decode time for a ~1 MiB Kubernetes object (a ConfigMap with many entries, encoded with
//! the crate's protobuf writer). Run: `cargo bench --bench decode`. Target: under 5 ms.

#[path = "common/mod.rs"]
mod common;

use std::hint::black_box;
use std::time::Instant;

use etcdtui::decode::{Format, RenderOptions, k8s, kubectl_yaml, render};

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
    let decode = time_ms(runs, || {
        black_box(k8s::decode(black_box(&value)));
    });
    let obj = k8s::decode(&value);
    let yaml = time_ms(runs, || {
        black_box(kubectl_yaml(black_box(&obj.node)));
    });
    let full = time_ms(runs, || {
        black_box(render(
            b"/registry/configmaps/default/big",
            black_box(&value),
            Format::Kubernetes,
            &RenderOptions::default(),
        ));
    });
    let hex = time_ms(10, || {
        black_box(render(
            b"/k",
            black_box(&value),
            Format::Hex,
            &RenderOptions::default(),
        ));
    });
    println!(
        "{:.2} MiB ConfigMap, mean of {runs} runs: decode {decode:.2} ms, YAML {yaml:.2} ms, render (decode+YAML) {full:.2} ms, hex dump {hex:.2} ms",
        value.len() as f64 / f64::from(1 << 20)
    );
    common::append_summary(
        "Decoder (benches/decode.rs)",
        &[common::Summary::new(
            format!(
                "Decode a {:.1} MiB Kubernetes protobuf object, mean of {runs}",
                value.len() as f64 / f64::from(1 << 20)
            ),
            format!("{decode:.2} ms (with YAML: {full:.2} ms)"),
        )
        .reference("— (etcdctl prints the raw protobuf)")
        .target("< 5 ms", decode < 5.0)],
    );

    let json: String = format!(
        "{{\"items\": [{}]}}",
        (0..12_000)
            .map(|i| format!(
                "{{\"name\": \"item-{i}\", \"value\": {i}, \"tags\": [\"a\", \"b\"]}}"
            ))
            .collect::<Vec<_>>()
            .join(",")
    );
    let json_ms = time_ms(10, || {
        let f = etcdtui::decode::detect(b"/app/big", black_box(json.as_bytes()));
        black_box(render(
            b"/app/big",
            json.as_bytes(),
            f,
            &RenderOptions::default(),
        ));
    });
    println!(
        "{:.2} MiB JSON document: detect + pretty render {json_ms:.2} ms",
        json.len() as f64 / f64::from(1 << 20)
    );
}
