//! Encoding is the decoder's inverse: for every Kubernetes round-trip fixture, the `.pb`
//! decoded to kubectl YAML and encoded again gives back the `.pb` byte for byte, and so does
//! encoding the fixture's own `.yaml`.
//!
//! Fixtures come from [`fixtures`]: `tests/fixtures/k8s-api` (HEAD) and every release's
//! round-trip fixtures in `tests/fixtures/k8s-releases`.

use etcdtui::decode::k8s::encode::{self, InputFormat, encode_text_as, writer_release};
use etcdtui::decode::k8s::schema::Release;
use etcdtui::decode::{k8s, kubectl_yaml};
use std::path::PathBuf;

#[path = "support/k8s_releases.rs"]
#[allow(dead_code)] // shared with decode_fixtures.rs, which uses all of it
mod k8s_releases;

struct Fixture {
    label: String,
    pb: Vec<u8>,
    yaml: String,
}

fn fixtures() -> Vec<Fixture> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/k8s-api");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("fixture dir")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|n| n.strip_suffix(".pb").map(str::to_string))
        .collect();
    names.sort();
    let mut out: Vec<Fixture> = names
        .into_iter()
        .map(|name| Fixture {
            pb: std::fs::read(dir.join(format!("{name}.pb"))).expect("pb"),
            yaml: std::fs::read_to_string(dir.join(format!("{name}.yaml"))).expect("yaml"),
            label: format!("HEAD/{name}"),
        })
        .collect();
    let releases = k8s_releases::load(&k8s_releases::dir()).expect("every release's fixtures");
    out.extend(releases.into_iter().map(|f| Fixture {
        label: format!("{}/{}@{}", f.release, f.name, f.first_tag),
        pb: f.pb,
        yaml: f.yaml,
    }));
    out
}

/// Fixtures that cannot round-trip, each with the reason. The label's prefix (release) is
/// ignored so an exception holds for every release of that kind. Besides these, a fixture
/// the decoder cannot name every field of (it says so in its notes, and the decoding test
/// names those exceptions) cannot be encoded from its YAML: its unnamed fields have no
/// JSON name to encode from.
const EXCEPTIONS: &[(&str, &str)] = &[
    (
        "v1.14.0/admission.k8s.io.v1beta1.AdmissionReview@v0.15.7",
        "written by 1.14, older than the oldest release the schema reads (1.15): a field \
         1.15 added is written as zero",
    ),
    (
        "v1.14.0/core.v1.ListOptions@v0.15.7",
        "written by 1.14, older than the oldest release the schema reads (1.15): a field \
         1.15 added is written as zero",
    ),
    (
        "v1.22.0/core.v1.EphemeralContainers@v0.23.0-alpha.2",
        "the fixture's YAML repeats the key procMount in one mapping, which YAML forbids",
    ),
    (
        "v1.23.0/autoscaling.v2.HorizontalPodAutoscaler@v0.24.0-alpha.2",
        "the fixture's YAML and its .pb disagree on apiVersion (the .pb was written as \
         another version of the group)",
    ),
    (
        "core.v1.WatchEvent",
        "not a stored object: its envelope has no apiVersion or kind, so its YAML does not say \
     what to encode",
    ),
];

fn exception(label: &str) -> Option<&'static str> {
    let name = label.rsplit('/').next().unwrap_or(label);
    let name = name.split('@').next().unwrap_or(name);
    EXCEPTIONS
        .iter()
        .find(|(n, _)| *n == name || *n == label)
        .map(|(_, why)| *why)
}

/// `v1.23.0/...` -> 1.23; `HEAD/...` -> the newest.
fn release_of(label: &str) -> Option<Release> {
    let v = label.strip_prefix('v')?.split('/').next()?;
    let mut parts = v.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some(Release { major, minor })
}

fn first_difference(a: &[u8], b: &[u8]) -> String {
    let at = a
        .iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    let show = |v: &[u8]| format!("{:02x?}", &v[at.saturating_sub(8)..(at + 16).min(v.len())]);
    format!(
        "first difference at byte {at} of {}/{}: want {} got {}",
        a.len(),
        b.len(),
        show(a),
        show(b)
    )
}

#[test]
fn every_fixture_round_trips_byte_for_byte() {
    let all = fixtures();
    assert!(
        all.len() >= 190,
        "expected the fixtures, found {}",
        all.len()
    );
    let mut failures = Vec::new();
    let mut excepted = 0;
    let mut unnamed = Vec::new();
    // Releases share most fixtures: check each distinct one once.
    let mut seen = std::collections::HashSet::new();
    let all: Vec<&Fixture> = all
        .iter()
        .filter(|f| seen.insert((&f.pb, &f.yaml)))
        .collect();
    for f in all.iter().copied() {
        let decoded = k8s::decode(&f.pb);
        if !decoded.notes.is_empty() && exception(&f.label).is_none() {
            unnamed.push(f.label.clone());
            continue;
        }
        let yaml = kubectl_yaml(&decoded.node);
        // As the release whose API server wrote it (the edit in the Keys view infers it the
        // same way): the label's release first, else whichever release reproduces it
        // (testdata of old releases was rewritten when later ones dropped a field).
        let labelled = release_of(&f.label);
        let release = if encode::encode_node_as(&decoded.node, labelled)
            .ok()
            .as_ref()
            == Some(&f.pb)
        {
            labelled
        } else {
            writer_release(&f.pb).unwrap_or(labelled)
        };
        let via_decode = encode_text_as(&yaml, InputFormat::Yaml, release);
        let via_fixture = encode_text_as(&f.yaml, InputFormat::Yaml, release);
        let problem = match (&via_decode, &via_fixture) {
            (Ok(a), Ok(b)) if *a == f.pb && *b == f.pb => None,
            (Err(e), _) => Some(format!("decoded YAML does not encode: {e}")),
            (_, Err(e)) => Some(format!("fixture YAML does not encode: {e}")),
            (Ok(a), Ok(b)) if *a != f.pb => {
                Some(format!("decoded YAML: {}", first_difference(&f.pb, a)))
            }
            (_, Ok(b)) => Some(format!("fixture YAML: {}", first_difference(&f.pb, b))),
        };
        match (problem, exception(&f.label)) {
            (None, Some(why)) => failures.push(format!(
                "{}: round-trips now; drop the exception ({why})",
                f.label
            )),
            (None, None) => {}
            (Some(_), Some(_)) => excepted += 1,
            (Some(p), None) => failures.push(format!("{}: {p}", f.label)),
        }
    }
    eprintln!(
        "{}/{} fixtures round-trip; {excepted} named exceptions; {} not decoded by name: {}",
        all.len() - excepted - unnamed.len() - failures.len(),
        all.len(),
        unnamed.len(),
        unnamed.join(", ")
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn run(args: &[&str], input: &[u8]) -> (bool, Vec<u8>, String) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_etcdtui"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start etcdtui");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("write stdin");
    let out = child.wait_with_output().expect("etcdtui runs");
    (
        out.status.success(),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn cli_encode_of_cli_decode_gives_back_the_bytes() {
    // Every eighth fixture: the library test above covers all; this one proves the two
    // commands compose (each run starts the binary twice).
    let mut checked = 0;
    // HEAD's fixtures: the command writes as the newest API server does.
    for f in fixtures()
        .into_iter()
        .filter(|f| f.label.starts_with("HEAD/"))
        .step_by(8)
    {
        if exception(&f.label).is_some() || !k8s::decode(&f.pb).notes.is_empty() {
            continue;
        }
        let (ok, yaml, err) = run(&["decode"], &f.pb);
        assert!(ok, "{}: decode failed: {err}", f.label);
        let (ok, bytes, err) = run(&["encode"], &yaml);
        assert!(ok, "{}: encode failed: {err}", f.label);
        assert!(
            bytes == f.pb,
            "{}: {}",
            f.label,
            first_difference(&f.pb, &bytes)
        );
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} fixtures checked");
    // JSON output of decode encodes too, with -f json.
    let pb = fixtures()
        .into_iter()
        .find(|f| f.label.ends_with("apps.v1.Deployment"))
        .expect("Deployment");
    let (ok, json, _) = run(&["decode", "-o", "json"], &pb.pb);
    assert!(ok);
    let (ok, bytes, err) = run(&["encode", "-f", "json"], &json);
    assert!(ok && bytes == pb.pb, "JSON: {err}");
}

#[test]
fn cli_encode_refuses_bad_input_with_the_reason() {
    let (ok, out, err) = run(
        &["encode"],
        b"apiVersion: v1\nkind: Namespace\nmetadata:\n  nmae: x\n",
    );
    assert!(!ok && out.is_empty());
    assert!(err.contains("unknown field \"nmae\""), "{err}");
    let (ok, _, err) = run(&["encode", "-f", "json"], b"apiVersion: v1\n");
    assert!(!ok && err.contains("not valid JSON"), "{err}");
}
