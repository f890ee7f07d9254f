//! `snapshot restore-plan` for a kubeadm layout, tried as a new user would: three
//! control-plane nodes' etcd manifests (copied into a temp dir), no live cluster. Every
//! step of the plan names real paths and every flag is filled in.

mod common;

use std::path::Path;

use common::backup::{json_of, run, stderr};
use serde_json::Value;

fn manifest(root: &Path, n: usize) -> std::path::PathBuf {
    let dir = root.join(format!("cp{n}/manifests"));
    std::fs::create_dir_all(&dir).expect("dir");
    let pki = root.join("pki/etcd");
    let text = format!(
        r#"apiVersion: v1
kind: Pod
metadata:
  annotations:
    kubeadm.kubernetes.io/etcd.advertise-client-urls: https://10.0.0.{n}:2379
  name: etcd
  namespace: kube-system
spec:
  containers:
  - command:
    - etcd
    - --advertise-client-urls=https://10.0.0.{n}:2379
    - --cert-file={pki}/server.crt
    - --client-cert-auth=true
    - --data-dir=/var/lib/etcd
    - --initial-advertise-peer-urls=https://10.0.0.{n}:2380
    - --initial-cluster=cp1=https://10.0.0.1:2380,cp2=https://10.0.0.2:2380,cp3=https://10.0.0.3:2380
    - --initial-cluster-state=existing
    - --key-file={pki}/server.key
    - --listen-client-urls=https://127.0.0.1:2379,https://10.0.0.{n}:2379
    - --listen-peer-urls=https://10.0.0.{n}:2380
    - --name=cp{n}
    - --trusted-ca-file={pki}/ca.crt
    image: registry.k8s.io/etcd:3.5.16-0
    name: etcd
"#,
        pki = pki.display()
    );
    let path = dir.join("etcd.yaml");
    std::fs::write(&path, text).expect("manifest");
    std::fs::write(dir.join("kube-apiserver.yaml"), "kind: Pod\n").expect("apiserver manifest");
    path
}

fn steps<'a>(plan: &'a Value, phase: &str) -> Vec<&'a Value> {
    plan["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .filter(|s| s["phase"] == phase)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kubeadm_plan_names_every_path_and_flag() {
    let Some(c) = common::start_cluster(1).await else {
        return;
    };
    common::etcdctl_ok(&c, &["put", "/registry/pods/default/a", "x"]);
    let work = tempfile::tempdir().expect("work");
    let home = work.path().join("home");
    let file = work.path().join("snap.db").display().to_string();
    let o = run(
        &home,
        &[
            "snapshot",
            "save",
            "--endpoints",
            &c.client_urls()[0],
            &file,
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    drop(c);
    let manifests: Vec<String> = (1..=3)
        .map(|n| manifest(work.path(), n).display().to_string())
        .collect();
    let mut args = vec![
        "snapshot",
        "restore-plan",
        &file,
        "--endpoints",
        "127.0.0.1:1",
        "--dial-timeout",
        "300ms",
    ];
    for m in &manifests {
        args.extend(["--manifest", m.as_str()]);
    }
    let o = run(&home, &[args.as_slice(), &["-o", "json"]].concat());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let plan = json_of(&o);
    assert!(
        plan["membersFrom"]
            .as_str()
            .unwrap_or("")
            .starts_with("kubeadm manifest"),
        "{plan}"
    );
    assert_eq!(plan["kubeadm"], true);
    assert_eq!(
        plan["initialCluster"],
        "cp1=https://10.0.0.1:2380,cp2=https://10.0.0.2:2380,cp3=https://10.0.0.3:2380"
    );
    let token = plan["token"].as_str().expect("token");
    assert!(token.starts_with("etcd-restored-"), "{token}");
    let stamp = token.trim_start_matches("etcd-restored-");
    let tool = plan["tool"].as_str().expect("tool");
    let bump = plan["bump"]["by"].as_u64().expect("bump");
    // No live cluster to measure from: etcd's own advice for Kubernetes.
    assert_eq!(bump, 1_000_000_000, "{plan}");
    for (n, m) in manifests.iter().enumerate() {
        let name = format!("cp{}", n + 1);
        let on = |phase: &str| -> Vec<String> {
            steps(&plan, phase)
                .iter()
                .filter(|s| s["member"] == name.as_str())
                .map(|s| s["command"].as_str().unwrap_or("").to_string())
                .collect()
        };
        let dir = Path::new(m).parent().expect("dir").display().to_string();
        let stopped = Path::new(&dir)
            .parent()
            .expect("root")
            .join("manifests-stopped")
            .display()
            .to_string();
        let stop_api = on("stop-apiservers");
        assert_eq!(stop_api.len(), 1, "{plan}");
        assert!(
            stop_api[0].contains(&format!("mv {dir}/kube-apiserver.yaml {stopped}/")),
            "{}",
            stop_api[0]
        );
        let stop = on("stop-etcd");
        assert!(
            stop[0].contains(&format!("mv {m} {stopped}/")),
            "{}",
            stop[0]
        );
        let restore = on("restore");
        let r = &restore[0];
        for flag in [
            format!("{tool} snapshot restore {file}"),
            format!("--name {name}"),
            "--initial-cluster cp1=https://10.0.0.1:2380,cp2=https://10.0.0.2:2380,cp3=https://10.0.0.3:2380".to_string(),
            format!("--initial-cluster-token {token}"),
            format!("--initial-advertise-peer-urls https://10.0.0.{}:2380", n + 1),
            format!("--data-dir /var/lib/etcd.restored-{stamp}"),
        ] {
            assert!(r.contains(&flag), "{flag} missing from {r}");
        }
        if tool == "etcdutl" {
            assert!(
                r.contains(&format!("--bump-revision {bump} --mark-compacted")),
                "{r}"
            );
        }
        let start = on("start-etcd");
        assert!(
            start[0].contains(&format!(
                "mv /var/lib/etcd /var/lib/etcd.before-restore-{stamp} && mv /var/lib/etcd.restored-{stamp} /var/lib/etcd && mv {stopped}/etcd.yaml {dir}/"
            )),
            "{}",
            start[0]
        );
        let back = on("start-apiservers");
        assert!(
            back[0].contains(&format!("mv {stopped}/kube-apiserver.yaml {dir}/")),
            "{}",
            back[0]
        );
    }
    let verify = steps(&plan, "verify");
    let pki = work.path().join("pki");
    for v in &verify {
        let cmd = v["command"].as_str().expect("command");
        assert!(
            cmd.contains(
                "--endpoints=https://10.0.0.1:2379,https://10.0.0.2:2379,https://10.0.0.3:2379"
            ),
            "{cmd}"
        );
        assert!(
            cmd.contains(&format!("--cacert={}/etcd/ca.crt", pki.display())),
            "{cmd}"
        );
        assert!(cmd.contains("--cert=") && cmd.contains("--key="), "{cmd}");
    }
    // Nothing is left for the reader to fill in.
    let text = String::from_utf8_lossy(&run(&home, &args).stdout).into_owned();
    for placeholder in ["NEW_DATA_DIR", "{name}", "DIR", "FILE", "<"] {
        assert!(!text.contains(placeholder), "{placeholder} in:\n{text}");
    }
    if tool == "etcdutl" {
        assert!(text.contains("why: no live revision"), "{text}");
    } else {
        // The snapshot was written by etcd 3.4: its version picks etcdctl, and no bump.
        assert!(
            text.contains("bump       not available with etcdctl"),
            "{text}"
        );
    }

    // etcd 3.4: etcdctl restores, with no bump flags, and the plan says so.
    let o = run(
        &home,
        &[args.as_slice(), &["--etcd-version", "3.4.23", "-o", "json"]].concat(),
    );
    let plan = json_of(&o);
    assert_eq!(plan["tool"], "etcdctl");
    assert_eq!(plan["bump"]["supported"], false);
    for s in steps(&plan, "restore") {
        let cmd = s["command"].as_str().expect("command");
        assert!(
            cmd.starts_with("ETCDCTL_API=3 etcdctl snapshot restore"),
            "{cmd}"
        );
        assert!(!cmd.contains("bump"), "{cmd}");
    }
    let warnings = plan["warnings"].to_string();
    assert!(warnings.contains("no --bump-revision"), "{warnings}");
}
