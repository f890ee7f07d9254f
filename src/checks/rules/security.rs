//! Security checks: TLS on client and peer URLs, client certificates, auth, and
//! whether Secrets are readable in plain text.

use super::*;

pub(super) fn tls(f: &Facts) -> Check {
    let c = check(
        "security",
        "client TLS",
        "without TLS, keys, values and passwords cross the network in clear text",
    )
    .threshold("TLS on every client URL")
    .commands(&["etcdctl member list -w table   # client URLs: https:// or http://"]);
    if f.tls {
        c.set(Status::Ok, "connected over TLS", "")
    } else {
        c.set(
            Status::Warn,
            "connected in plain text (http://)",
            "serve clients with --cert-file/--key-file and connect with --cacert",
        )
    }
}

pub(super) fn client_certs(f: &Facts) -> Check {
    let c = check(
        "security",
        "client certificates",
        "with --client-cert-auth only holders of a certificate signed by the CA get in",
    )
    .threshold("clients without a certificate refused")
    .commands(&[
        "etcdctl --cacert=CA endpoint health   # without --cert/--key: refused when required",
    ]);
    match &f.anonymous_tls_accepted {
        None => c.set(
            Status::Unknown,
            "no TLS, so no client certificates",
            "enable TLS first",
        ),
        Some(Err(e)) => c.set(
            Status::Unknown,
            format!("could not try without a certificate: {e}"),
            "",
        ),
        Some(Ok(true)) => c.set(
            Status::Warn,
            "a client without a certificate was let in",
            "start etcd with --client-cert-auth and --trusted-ca-file",
        ),
        Some(Ok(false)) => c.set(
            Status::Ok,
            format!(
                "required (a client without one was refused){}",
                if f.client_cert_sent {
                    ""
                } else {
                    "; we connected without one?"
                }
            ),
            "",
        ),
    }
}

pub(super) fn auth(f: &Facts) -> Check {
    let c = check("security", "authentication", "without auth (or client certificates), anyone who reaches the port reads and writes everything")
        .threshold("auth enabled, or client certificates required")
        .commands(&[crate::checks::versions::auth_status_command(crate::checks::versions::oldest_version(f)), "etcdctl user list"]);
    let certs = matches!(f.anonymous_tls_accepted, Some(Ok(false)));
    match &f.auth {
        Err(e) => c.set(
            Status::Unknown,
            format!("could not read the auth status: {e}"),
            "",
        ),
        Ok(a) if a.enabled => {
            let how = if a.inferred {
                " (inferred: etcd 3.4 has no AuthStatus)"
            } else {
                ""
            };
            c.set(Status::Ok, format!("enabled{how}"), "")
        }
        Ok(_) if certs => c.set(
            Status::Ok,
            "off, but client certificates are required (as Kubernetes does)",
            "",
        ),
        Ok(a) => {
            let root = match a.root_user {
                Some(true) => "a root user exists: `etcdctl auth enable` is next",
                Some(false) => "no root user yet: `etcdctl user add root` first",
                None => "users unknown",
            };
            c.set(
                Status::Warn,
                format!("off and no client certificates required; {root}"),
                "add a root user and enable auth, or require client certificates",
            )
        }
    }
}

pub(super) fn secrets(f: &Facts) -> Check {
    let c = check("security", "secrets encrypted at rest", "a snapshot or a stolen disk holds every Secret in clear text unless the API server encrypts them")
        .threshold("every /registry/secrets/ value starts with k8s:enc:")
        .commands(&["etcdctl get /registry/secrets/ --prefix --keys-only | head", "etcdctl get /registry/secrets/NS/NAME | head -c 40"]);
    match &f.secrets {
        Err(e) => c.set(
            Status::Unknown,
            format!("could not read /registry/secrets/: {e}"),
            "",
        ),
        Ok(s) if s.total == 0 => c.set(
            Status::Unknown,
            "no Kubernetes Secrets here (nothing under /registry/secrets/)",
            "",
        ),
        Ok(s) => {
            let providers: Vec<String> = s
                .providers
                .iter()
                .map(|(p, n)| format!("{p} {n}"))
                .collect();
            let value = format!(
                "{} of {} encrypted{}",
                s.encrypted,
                s.total,
                if providers.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", providers.join(", "))
                }
            );
            if s.encrypted == s.total {
                c.set(Status::Ok, value, "")
            } else {
                c.set(Status::Warn, value, "configure an EncryptionConfiguration on the API server, then rewrite: kubectl get secrets -A -o json | kubectl replace -f -")
            }
        }
    }
}
