//! Every built-in Kubernetes kind, decoded from its stored protobuf bytes, must equal the
//! YAML Kubernetes itself printed for it (compared as parsed YAML values).
//!
//! Fixtures: `../shared/fixtures/k8s-api` beside the crate, or `ETCDTUI_K8S_FIXTURES`.
//! Missing fixtures fail under CI and skip elsewhere.

use std::path::PathBuf;

use etcdtui::decode::{k8s, kubectl_yaml};

fn fixture_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("ETCDTUI_K8S_FIXTURES") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/k8s-api"),
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

/// Fixtures whose decoded form may not equal the YAML, each with why. The fixtures come from
/// Kubernetes' development branch, newer than the newest protobuf schema published as a
/// crate; what the schema lacks is decoded by field number (see the notes), so these
/// differ. Each entry names the exact paths whose fields are newer; the rest of the object
/// must still match.
const EXCEPTIONS: &[(&str, &str)] = &[];

fn load_fixture(dir: &std::path::Path, name: &str) -> (Vec<u8>, serde_yaml::Value) {
    let pb = std::fs::read(dir.join(format!("{name}.pb"))).expect("read .pb");
    let yaml = std::fs::read_to_string(dir.join(format!("{name}.yaml"))).expect("read .yaml");
    let expected: serde_yaml::Value = serde_yaml::from_str(&yaml).expect("fixture yaml parses");
    (pb, expected)
}

#[test]
fn every_fixture_decodes_to_its_yaml() {
    let Some(dir) = fixture_dir() else { return };
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("read fixture dir")
        .filter_map(|e| {
            let name = e.ok()?.file_name().to_string_lossy().to_string();
            name.strip_suffix(".pb").map(str::to_string)
        })
        .collect();
    names.sort();
    assert!(
        names.len() >= 193,
        "expected 193 fixtures, found {}",
        names.len()
    );

    let mut failures = Vec::new();
    let mut equal = 0;
    for name in &names {
        let (pb, expected) = load_fixture(&dir, name);
        let (av, kind) = type_from_name(name);
        let obj = k8s::decode_with_hint(&pb, Some((&av, &kind)));
        let text = kubectl_yaml(&obj.node);
        let got: serde_yaml::Value = match serde_yaml::from_str(&text) {
            Ok(v) => v,
            Err(e) => {
                failures.push(format!("{name}: output is not YAML: {e}"));
                continue;
            }
        };
        let exception = EXCEPTIONS.iter().find(|(n, _)| n == name);
        if got == expected && obj.notes.is_empty() {
            equal += 1;
            if exception.is_some() {
                failures.push(format!("{name}: listed as an exception but now equal"));
            }
        } else if exception.is_none() {
            failures.push(format!(
                "{name}: differs\n  notes: {:?}\n{}",
                obj.notes,
                diff(&expected, &got)
            ));
        }
    }
    eprintln!("{equal}/{} fixtures equal", names.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
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
