//! The demo cluster's data: Kubernetes-shaped keys with real protobuf values, plus the
//! things applications keep in etcd (JSON, YAML, text, binary, leased keys) and a few
//! hostile ones (escape sequences, invalid UTF-8) to show they are drawn safely.

use etcd_client::{Client, PutOptions};

use super::pb::{Msg, k8s_value, object_meta};

const NAMESPACES: [&str; 3] = ["default", "kube-system", "payments"];

fn pod(name: &str, ns: &str, i: usize) -> Vec<u8> {
    let uid = format!("7c1e2a9b-0000-4000-8000-{i:012}");
    let spec = Msg::new()
        .msg(
            2,
            Msg::new()
                .str(1, "app")
                .str(2, "registry.k8s.io/nginx:1.27"),
        )
        .str(10, &format!("node-{}", i % 3 + 1));
    let status = Msg::new()
        .str(1, "Running")
        .str(5, &format!("10.0.0.{}", i % 3 + 11))
        .str(6, &format!("10.244.{}.{}", i % 3, 10 + i));
    let obj = Msg::new()
        .msg(
            1,
            object_meta(
                name,
                Some(ns),
                &uid,
                &[("app", name.split('-').next().unwrap_or(name))],
            ),
        )
        .msg(2, spec)
        .msg(3, status);
    k8s_value("v1", "Pod", obj)
}

fn config_map(name: &str, ns: &str, data: &[(&str, &str)]) -> Vec<u8> {
    let mut obj = Msg::new().msg(1, object_meta(name, Some(ns), "2f0c-cm", &[]));
    for (k, v) in data {
        obj = obj.map_entry(2, k, v.as_bytes());
    }
    k8s_value("v1", "ConfigMap", obj)
}

fn secret(name: &str, ns: &str) -> Vec<u8> {
    let obj = Msg::new()
        .msg(1, object_meta(name, Some(ns), "51c7-secret", &[]))
        .map_entry(2, "password", b"hunter2")
        .map_entry(2, "username", b"payments")
        .str(3, "Opaque");
    k8s_value("v1", "Secret", obj)
}

fn namespace(name: &str) -> Vec<u8> {
    let obj = Msg::new().msg(1, object_meta(name, None, "ns-uid", &[]));
    k8s_value("v1", "Namespace", obj)
}

fn node_lease(node: &str) -> Vec<u8> {
    let spec = Msg::new().str(1, node).int(2, 40);
    let obj = Msg::new()
        .msg(
            1,
            object_meta(node, Some("kube-node-lease"), "lease-uid", &[]),
        )
        .msg(2, spec);
    k8s_value("coordination.k8s.io/v1", "Lease", obj)
}

/// Every key and value the demo writes, in order.
pub fn entries() -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut out: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let mut put = |k: &str, v: Vec<u8>| out.push((k.as_bytes().to_vec(), v));
    for ns in NAMESPACES {
        put(&format!("/registry/namespaces/{ns}"), namespace(ns));
    }
    let pods = [
        ("default", "web-5d8f7c9b4-x2k9p"),
        ("default", "web-5d8f7c9b4-q7m3z"),
        ("default", "redis-0"),
        ("kube-system", "coredns-76f75df574-abcde"),
        ("kube-system", "etcd-node-1"),
        ("kube-system", "kube-apiserver-node-1"),
        ("payments", "checkout-6b9d8-p4s2w"),
        ("payments", "ledger-0"),
    ];
    for (i, (ns, name)) in pods.iter().enumerate() {
        put(&format!("/registry/pods/{ns}/{name}"), pod(name, ns, i));
    }
    put(
        "/registry/configmaps/default/web-config",
        config_map(
            "web-config",
            "default",
            &[("LOG_LEVEL", "info"), ("WORKERS", "4")],
        ),
    );
    put(
        "/registry/configmaps/kube-system/coredns",
        config_map(
            "coredns",
            "kube-system",
            &[("Corefile", ".:53 {\n    forward . /etc/resolv.conf\n}\n")],
        ),
    );
    put(
        "/registry/secrets/payments/db-credentials",
        secret("db-credentials", "payments"),
    );
    let mut enc = b"k8s:enc:aescbc:v1:key1:".to_vec();
    enc.extend((0u8..48).map(|b| b.wrapping_mul(37).wrapping_add(11)));
    put("/registry/secrets/kube-system/bootstrap-token-abcdef", enc);
    for n in 1..=3 {
        put(
            &format!("/registry/leases/kube-node-lease/node-{n}"),
            node_lease(&format!("node-{n}")),
        );
    }
    put(
        "/registry/apiextensions.k8s.io/customresourcedefinitions/widgets.example.com",
        br#"{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"widgets.example.com"},"spec":{"group":"example.com","names":{"kind":"Widget","plural":"widgets"},"scope":"Namespaced"}}"#.to_vec(),
    );
    put(
        "/registry/example.com/widgets/default/blue",
        br#"{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"blue","namespace":"default"},"spec":{"size":3,"colour":"blue"}}"#.to_vec(),
    );
    put(
        "/app/config/service.yaml",
        b"service:\n  name: checkout\n  replicas: 3\n  endpoints:\n    - https://checkout.internal:8443\n".to_vec(),
    );
    put(
        "/app/config/feature-flags",
        br#"{"newCheckout":true,"darkMode":false,"rollout":{"percent":25,"regions":["eu-west-1","us-east-1"]}}"#.to_vec(),
    );
    put(
        "/app/notes/readme",
        b"Plain text notes.\nSecond line.\n".to_vec(),
    );
    put("/app/binary/blob", (0u8..=255).rev().collect());
    put(
        "/app/hostile/escape",
        b"\x1b]0;pwned\x07\x1b[2Jvalue with escape sequences".to_vec(),
    );
    out.push((
        b"/app/hostile/\xff\xfe-not-utf8".to_vec(),
        b"key is not valid UTF-8".to_vec(),
    ));
    out
}

/// Writes everything, and a few keys attached to leases so the lease views have data.
pub async fn seed(client: &mut Client) -> Result<usize, etcd_client::Error> {
    let all = entries();
    for (k, v) in &all {
        client.put(k.clone(), v.clone(), None).await?;
    }
    // Revisions give the history view something to show.
    for step in 2..=4 {
        let flags = format!(
            r#"{{"newCheckout":true,"darkMode":false,"rollout":{{"percent":{}}}}}"#,
            step * 25
        );
        client.put("/app/config/feature-flags", flags, None).await?;
    }
    for (i, ttl) in [600i64, 1800, 3600].iter().enumerate() {
        let lease = client.lease_grant(*ttl, None).await?;
        let opts = PutOptions::new().with_lease(lease.id());
        client
            .put(
                format!("/app/sessions/session-{}", i + 1),
                format!("user-{}", i + 1),
                Some(opts),
            )
            .await?;
    }
    Ok(all.len() + 3)
}
