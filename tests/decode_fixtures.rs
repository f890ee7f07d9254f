//! Every built-in Kubernetes kind of every release, decoded from its stored protobuf bytes,
//! must equal the YAML Kubernetes itself printed for it (compared as parsed YAML values).
//!
//! Fixtures: `tests/fixtures/k8s-releases` (every `testdata/vX.Y.Z` of kubernetes/api and its
//! newest `testdata/HEAD`, written by `tools/gen-k8s-schema fixtures`); the snapshot and
//! property tests also read `tests/fixtures/k8s-api` (one HEAD copy) or `ETCDTUI_K8S_FIXTURES`.
//! Missing fixtures fail under CI and skip elsewhere.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use etcdtui::decode::{k8s, kubectl_yaml};

#[path = "support/k8s_releases.rs"]
mod k8s_releases;

fn fixture_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("ETCDTUI_K8S_FIXTURES") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/k8s-api"),
    };
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var_os("CI").is_some() {
        panic!("Kubernetes fixtures not found at {}", dir.display());
    }
    eprintln!("skipping: no Kubernetes fixtures at {}", dir.display());
    None
}

/// `group.version.Kind` (core group spelled `core`) -> (apiVersion, kind).
fn type_from_name(name: &str) -> (String, String) {
    let (gv, kind) = name.rsplit_once('.').unwrap_or(("", name));
    let (group, version) = gv.rsplit_once('.').unwrap_or(("", gv));
    let api_version = if group == "core" {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    (api_version, kind.to_string())
}

/// Fixtures that cannot match, by label (`release/name`), with the reason.
const EXCEPTIONS: &[(&str, &str)] = &[
    ("v1.21.0/batch.v1.JobTemplate", NO_JOB_TEMPLATE),
    ("v1.22.0/batch.v1.JobTemplate", NO_JOB_TEMPLATE),
    ("v1.23.0/batch.v1.JobTemplate", NO_JOB_TEMPLATE),
    ("v1.22.0/core.v1.EphemeralContainers", DUPLICATE_KEY),
    ("v1.23.0/core.v1.EphemeralContainers", DUPLICATE_KEY),
    (
        "v1.23.0/autoscaling.v2.HorizontalPodAutoscaler@v0.24.0-alpha.2",
        "this version of the fixture (replaced in later tags) is inconsistent: the .pb envelope \
         says apiVersion autoscaling/v2beta2, its YAML autoscaling/v2; the rest is equal",
    ),
];
const DUPLICATE_KEY: &str = "the fixture's own YAML repeats the key procMount in one mapping \
     (line 121), which YAML forbids and serde_yaml rejects; Go's YAML reader kept the last";
const NO_JOB_TEMPLATE: &str = "batch/v1 never had a JobTemplate type: no release's \
     generated.proto has the message (it exists in batch/v1beta1 and v2alpha1 only); the \
     decoder shows the object by field number with a note";

/// Every fixture of every release must decode to its YAML.
#[test]
fn every_release_fixture_decodes_to_its_yaml() {
    let dir = k8s_releases::dir();
    let fixtures = match k8s_releases::load(&dir) {
        Ok(f) => f,
        Err(e) if std::env::var_os("CI").is_some() => {
            panic!("Kubernetes release fixtures not readable: {e}")
        }
        Err(e) => {
            eprintln!("skipping: {e}");
            return;
        }
    };
    assert!(
        fixtures.len() >= 3785,
        "expected every release's fixtures (3785), found {}",
        fixtures.len()
    );
    let mut versions: HashMap<(&str, &str), usize> = HashMap::new();
    for f in &fixtures {
        *versions.entry((&f.release, &f.name)).or_default() += 1;
    }
    let mut per_release: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut excepted = Vec::new();
    for f in &fixtures {
        let label = f.label(versions[&(f.release.as_str(), f.name.as_str())]);
        let count = per_release.entry(&f.release).or_default();
        count.0 += 1;
        let problem = compare(&f.name, &f.pb, &f.yaml);
        let exception = EXCEPTIONS.iter().find(|(l, _)| *l == label);
        match (problem, exception) {
            (None, None) => count.1 += 1,
            (None, Some(_)) => {
                failures.push(format!("{label}: listed as an exception but now equal"))
            }
            (Some(_), Some((_, why))) => excepted.push(format!("{label}: {why}")),
            (Some(p), None) => failures.push(format!("{label}: {p}")),
        }
    }
    for (release, (all, equal)) in &per_release {
        eprintln!("{release}: {equal}/{all} fixtures equal");
    }
    for e in &excepted {
        eprintln!("exception: {e}");
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixtures differ:\n{}",
        failures.len(),
        fixtures.len(),
        failures.join("\n")
    );
}

/// `None` when the decoded object equals the YAML and the decoder left no notes.
fn compare(name: &str, pb: &[u8], yaml: &str) -> Option<String> {
    let expected: serde_yaml::Value = match serde_yaml::from_str(yaml) {
        Ok(v) => v,
        Err(e) => return Some(format!("fixture YAML does not parse: {e}")),
    };
    let (av, kind) = type_from_name(name);
    let obj = k8s::decode_with_hint(pb, Some((&av, &kind)));
    let text = kubectl_yaml(&obj.node);
    let got: serde_yaml::Value = match serde_yaml::from_str(&text) {
        Ok(v) => v,
        Err(e) => return Some(format!("output is not YAML: {e}")),
    };
    (got != expected || !obj.notes.is_empty()).then(|| {
        format!(
            "differs\n  notes: {:?}\n{}",
            obj.notes,
            diff(&expected, &got)
        )
    })
}

fn diff(expected: &serde_yaml::Value, got: &serde_yaml::Value) -> String {
    let mut out = Vec::new();
    diff_at("", expected, got, &mut out);
    out.truncate(12);
    out.join("\n")
}

fn diff_at(path: &str, e: &serde_yaml::Value, g: &serde_yaml::Value, out: &mut Vec<String>) {
    use serde_yaml::Value;
    match (e, g) {
        (Value::Mapping(em), Value::Mapping(gm)) => {
            for (k, ev) in em {
                let ks = k.as_str().unwrap_or("?");
                match gm.get(k) {
                    Some(gv) => diff_at(&format!("{path}.{ks}"), ev, gv, out),
                    None => out.push(format!("  missing {path}.{ks}")),
                }
            }
            for (k, _) in gm {
                if !em.contains_key(k) {
                    out.push(format!("  extra {path}.{}", k.as_str().unwrap_or("?")));
                }
            }
        }
        (Value::Sequence(es), Value::Sequence(gs)) if es.len() == gs.len() => {
            for (i, (ev, gv)) in es.iter().zip(gs).enumerate() {
                diff_at(&format!("{path}[{i}]"), ev, gv, out);
            }
        }
        _ if e != g => out.push(format!("  {path}: expected {e:?}, got {g:?}")),
        _ => {}
    }
}

mod never_panics {
    //! Truncated, bit-flipped and random values: every entry point returns output.

    use etcdtui::decode::wire::Writer;
    use etcdtui::decode::{Format, RenderOptions, detect, formats_for, k8s, render};
    use etcdtui::decode_cli::{OutputFormat, run_decode};
    use proptest::prelude::*;

    /// A Pod with nested messages, maps, times and quantities, built in code so the property
    /// tests run without the fixtures; fixture files are added when present.
    fn seeds() -> Vec<Vec<u8>> {
        let mut raw = Writer::new();
        raw.message(1, |m| {
            m.string(1, "p")
                .string(3, "ns")
                .message(8, |t| {
                    t.varint(1, 1_199_149_261);
                })
                .message(11, |e| {
                    e.string(1, "k").string(2, "v");
                });
        })
        .message(2, |spec| {
            spec.message(2, |c| {
                c.string(1, "app").string(2, "img").message(8, |r| {
                    r.message(1, |e| {
                        e.string(1, "cpu").message(2, |q| {
                            q.string(1, "100m");
                        });
                    });
                });
            });
        });
        let mut out = vec![
            Writer::k8s_value("v1", "Pod", &raw.finish()),
            br#"{"apiVersion":"v1","kind":"X","a":[1,{"b":null}]}"#.to_vec(),
            b"a: 1\nb:\n- c\n".to_vec(),
            b"k8s:enc:aescbc:v1:key1:abc".to_vec(),
        ];
        if let Some(dir) = std::env::var_os("ETCDTUI_K8S_FIXTURES")
            .map(std::path::PathBuf::from)
            .or_else(|| {
                Some(
                    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                        .join("tests/fixtures/k8s-api"),
                )
            })
        {
            for name in [
                "core.v1.Pod",
                "apps.v1.Deployment",
                "core.v1.Secret",
                "core.v1.Node",
            ] {
                if let Ok(b) = std::fs::read(dir.join(format!("{name}.pb"))) {
                    out.push(b);
                }
            }
        }
        out
    }

    fn exercise(value: &[u8]) {
        let opts = RenderOptions::default();
        let key = b"/registry/secrets/ns/x";
        let f = detect(key, value);
        let formats = formats_for(value);
        assert!(formats.contains(&f));
        for format in [
            Format::Kubernetes,
            Format::Json,
            Format::Yaml,
            Format::Text,
            Format::Hex,
            Format::Encrypted,
        ] {
            let _ = render(key, value, format, &opts);
        }
        let obj = k8s::decode(value);
        let _ = etcdtui::decode::kubectl_yaml(&obj.node);
        let _ = run_decode(value, OutputFormat::Json, None);
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

        #[test]
        fn truncated(seed in 0usize..8, cut in any::<prop::sample::Index>()) {
            let seeds = seeds();
            let v = &seeds[seed % seeds.len()];
            exercise(&v[..cut.index(v.len() + 1)]);
        }

        #[test]
        fn bit_flipped(seed in 0usize..8, flips in prop::collection::vec((any::<prop::sample::Index>(), 0u8..8), 1..6)) {
            let seeds = seeds();
            let mut v = seeds[seed % seeds.len()].clone();
            for (at, bit) in flips {
                let i = at.index(v.len());
                v[i] ^= 1 << bit;
            }
            exercise(&v);
        }

        #[test]
        fn random_bytes(body in prop::collection::vec(any::<u8>(), 0..512), prefix in 0usize..3) {
            let mut v = match prefix {
                0 => b"k8s\0".to_vec(),
                1 => b"k8s:enc:".to_vec(),
                _ => Vec::new(),
            };
            v.extend(body);
            exercise(&v);
        }
    }
}

mod snapshots {
    //! Golden renderings: kubectl-style layout, masking and the numbered dump.

    use etcdtui::decode::wire::Writer;
    use etcdtui::decode::{Format, RenderOptions, render};

    fn fixture(name: &str) -> Option<Vec<u8>> {
        let dir = super::fixture_dir()?;
        Some(std::fs::read(dir.join(format!("{name}.pb"))).expect("read fixture"))
    }

    #[test]
    fn secret_is_masked() {
        let Some(v) = fixture("core.v1.Secret") else {
            return;
        };
        let r = render(
            b"/registry/secrets/namespaceValue/nameValue",
            &v,
            Format::Kubernetes,
            &RenderOptions::default(),
        );
        insta::assert_snapshot!("decode_secret_masked", r.text);
    }

    #[test]
    fn config_map_as_kubectl_json() {
        let Some(v) = fixture("core.v1.ConfigMap") else {
            return;
        };
        let r = render(
            b"/registry/configmaps/namespaceValue/nameValue",
            &v,
            Format::Json,
            &RenderOptions::default(),
        );
        insta::assert_snapshot!("decode_configmap_json", r.text);
    }

    #[test]
    fn unknown_fields_and_kind() {
        let mut raw = Writer::new();
        raw.message(1, |m| {
            m.string(1, "w").string(3, "ns");
        })
        .message(2, |spec| {
            spec.string(1, "text")
                .varint(2, 150)
                .fixed64(3, 7)
                .bytes(4, &[0xff, 0]);
        })
        .varint(5, 1);
        let v = Writer::k8s_value("example.k8s.io/v1", "Widget", &raw.finish());
        let r = render(
            b"/registry/widgets/ns/w",
            &v,
            Format::Kubernetes,
            &RenderOptions::default(),
        );
        let shown = format!("{}\n--- notes\n{}\n", r.text, r.notes.join("\n"));
        insta::assert_snapshot!("decode_unknown_kind", shown);
    }
}
