//! What the user said explicitly, on the command line or in `ETCDCTL_*` variables.
//! A flag always wins over its variable, exactly as in etcdctl.

use std::path::PathBuf;
use std::time::Duration;

use super::error::ConfigError;
use super::resolve::ConnectFlags;
use crate::etcd::spec::Password;
use crate::go_values::{parse_bool, parse_duration};

#[derive(Debug, Default)]
pub(crate) struct Overrides {
    /// With the name of the ad-hoc context they would form: "flags" or "env".
    pub endpoints: Option<(Vec<String>, &'static str)>,
    pub cacert: Option<PathBuf>,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    pub insecure: bool,
    pub user: Option<String>,
    /// From `--user name:password` or `ETCDCTL_PASSWORD`.
    pub password: Option<Password>,
    pub dial_timeout: Option<Duration>,
    pub command_timeout: Option<Duration>,
}

pub(crate) fn gather(
    flags: &ConnectFlags,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Overrides, ConfigError> {
    // `export ETCDCTL_CACERT=` is how people unset things in scripts.
    let var = |name: &str| env(name).filter(|v| !v.trim().is_empty());

    let endpoints = match (&flags.endpoints, var("ETCDCTL_ENDPOINTS")) {
        (Some(list), _) => Some((non_empty_endpoints(list, "--endpoints")?, "flags")),
        (None, Some(list)) => Some((non_empty_endpoints(&list, "ETCDCTL_ENDPOINTS")?, "env")),
        (None, None) => None,
    };

    let path =
        |flag: &Option<PathBuf>, name: &str| flag.clone().or_else(|| var(name).map(PathBuf::from));

    let insecure = flags.insecure_skip_tls_verify
        || match var("ETCDCTL_INSECURE_SKIP_TLS_VERIFY") {
            Some(v) => parse_bool(&v).ok_or_else(|| {
                ConfigError::invalid(format!(
                    "ETCDCTL_INSECURE_SKIP_TLS_VERIFY=\"{v}\": expected true or false"
                ))
            })?,
            None => false,
        };

    let (user, user_password) = match (&flags.user, var("ETCDCTL_USER")) {
        (Some(u), _) => split_user(u.as_str(), "--user")?,
        (None, Some(u)) => split_user(&u, "ETCDCTL_USER")?,
        (None, None) => (None, None),
    };
    let password = user_password.or_else(|| {
        env("ETCDCTL_PASSWORD")
            .filter(|p| !p.is_empty())
            .map(Password::new)
    });

    let timeout = |flag: Option<Duration>, name: &str| -> Result<Option<Duration>, ConfigError> {
        match (flag, var(name)) {
            (Some(d), _) => Ok(Some(d)),
            (None, Some(v)) => parse_duration(&v)
                .map(Some)
                .map_err(|e| ConfigError::invalid(format!("{name}: {e}"))),
            (None, None) => Ok(None),
        }
    };

    Ok(Overrides {
        endpoints,
        cacert: path(&flags.cacert, "ETCDCTL_CACERT"),
        cert: path(&flags.cert, "ETCDCTL_CERT"),
        key: path(&flags.key, "ETCDCTL_KEY"),
        insecure,
        user,
        password,
        dial_timeout: timeout(flags.dial_timeout, "ETCDCTL_DIAL_TIMEOUT")?,
        command_timeout: timeout(flags.command_timeout, "ETCDCTL_COMMAND_TIMEOUT")?,
    })
}

/// Comma-separated, trimmed, empties dropped: `"a:2379, b:2379,"` is two endpoints.
pub(crate) fn split_endpoints(list: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(str::to_string)
        .collect()
}

fn non_empty_endpoints(list: &str, what: &str) -> Result<Vec<String>, ConfigError> {
    let endpoints = split_endpoints(list);
    if endpoints.is_empty() {
        return Err(ConfigError::invalid(format!(
            "{what} is set but names no endpoints (expected e.g. https://10.0.0.1:2379,https://10.0.0.2:2379)"
        )));
    }
    Ok(endpoints)
}

/// etcdctl's `name` or `name:password`; the password may itself contain ':'.
fn split_user(value: &str, what: &str) -> Result<(Option<String>, Option<Password>), ConfigError> {
    let (name, password) = match value.split_once(':') {
        Some((n, p)) => (n, Some(Password::new(p))),
        None => (value, None),
    };
    if name.trim().is_empty() {
        return Err(ConfigError::invalid(format!(
            "{what} has an empty user name (expected NAME or NAME:PASSWORD)"
        )));
    }
    Ok((Some(name.to_string()), password))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k: &str| map.get(k).cloned()
    }

    const FULL_ENV: &[(&str, &str)] = &[
        ("ETCDCTL_ENDPOINTS", "https://e1:2379,https://e2:2379"),
        ("ETCDCTL_CACERT", "/env/ca.crt"),
        ("ETCDCTL_CERT", "/env/c.crt"),
        ("ETCDCTL_KEY", "/env/c.key"),
        ("ETCDCTL_USER", "envuser:envpw"),
        ("ETCDCTL_PASSWORD", "otherpw"),
        ("ETCDCTL_INSECURE_SKIP_TLS_VERIFY", "true"),
        ("ETCDCTL_DIAL_TIMEOUT", "3s"),
        ("ETCDCTL_COMMAND_TIMEOUT", "700ms"),
    ];

    #[test]
    fn env_alone_acts_like_flags() {
        let o = gather(&ConnectFlags::default(), &env_of(FULL_ENV)).unwrap();
        let (eps, origin) = o.endpoints.unwrap();
        assert_eq!(eps, vec!["https://e1:2379", "https://e2:2379"]);
        assert_eq!(origin, "env");
        assert_eq!(o.cacert, Some("/env/ca.crt".into()));
        assert_eq!(o.cert, Some("/env/c.crt".into()));
        assert_eq!(o.key, Some("/env/c.key".into()));
        assert!(o.insecure);
        assert_eq!(o.user.as_deref(), Some("envuser"));
        // The password glued to the user beats ETCDCTL_PASSWORD.
        assert_eq!(o.password, Some(Password::new("envpw")));
        assert_eq!(o.dial_timeout, Some(Duration::from_secs(3)));
        assert_eq!(o.command_timeout, Some(Duration::from_millis(700)));
    }

    #[test]
    fn each_flag_beats_its_env_var() {
        let flags = ConnectFlags {
            endpoints: Some(" https://f1:2379 , ,https://f2:2379,".into()),
            cacert: Some("/flag/ca.crt".into()),
            cert: Some("/flag/c.crt".into()),
            key: Some("/flag/c.key".into()),
            user: Some("flaguser".into()),
            dial_timeout: Some(Duration::from_secs(9)),
            command_timeout: Some(Duration::from_secs(8)),
            ..ConnectFlags::default()
        };
        let o = gather(&flags, &env_of(FULL_ENV)).unwrap();
        let (eps, origin) = o.endpoints.unwrap();
        assert_eq!(eps, vec!["https://f1:2379", "https://f2:2379"]);
        assert_eq!(origin, "flags");
        assert_eq!(o.cacert, Some("/flag/ca.crt".into()));
        assert_eq!(o.cert, Some("/flag/c.crt".into()));
        assert_eq!(o.key, Some("/flag/c.key".into()));
        // --user without a password: ETCDCTL_USER's password is not borrowed,
        // ETCDCTL_PASSWORD is used.
        assert_eq!(o.user.as_deref(), Some("flaguser"));
        assert_eq!(o.password, Some(Password::new("otherpw")));
        assert_eq!(o.dial_timeout, Some(Duration::from_secs(9)));
        assert_eq!(o.command_timeout, Some(Duration::from_secs(8)));
    }

    #[test]
    fn user_splits_at_the_first_colon() {
        let flags = ConnectFlags {
            user: Some("root:pa:ss".into()),
            ..ConnectFlags::default()
        };
        let o = gather(&flags, &env_of(&[("ETCDCTL_PASSWORD", "x")])).unwrap();
        assert_eq!(o.user.as_deref(), Some("root"));
        assert_eq!(o.password, Some(Password::new("pa:ss")));
    }

    #[test]
    fn nothing_given_means_no_overrides() {
        let o = gather(
            &ConnectFlags::default(),
            &env_of(&[("ETCDCTL_ENDPOINTS", "")]),
        )
        .unwrap();
        assert!(o.endpoints.is_none());
        assert!(o.user.is_none() && o.password.is_none());
        assert!(!o.insecure);
    }

    #[test]
    fn bad_values_are_errors_naming_their_source() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("ETCDCTL_ENDPOINTS", ",,")], "ETCDCTL_ENDPOINTS"),
            (&[("ETCDCTL_DIAL_TIMEOUT", "2x")], "ETCDCTL_DIAL_TIMEOUT"),
            (
                &[("ETCDCTL_COMMAND_TIMEOUT", "soon")],
                "ETCDCTL_COMMAND_TIMEOUT",
            ),
            (
                &[("ETCDCTL_INSECURE_SKIP_TLS_VERIFY", "yes")],
                "ETCDCTL_INSECURE_SKIP_TLS_VERIFY",
            ),
            (&[("ETCDCTL_USER", ":pw")], "ETCDCTL_USER"),
        ];
        for (env, name) in cases {
            let err = gather(&ConnectFlags::default(), &env_of(env)).unwrap_err();
            assert!(err.to_string().contains(name), "{name}: {err}");
        }
        let flags = ConnectFlags {
            endpoints: Some(" ".into()),
            ..ConnectFlags::default()
        };
        let err = gather(&flags, &env_of(&[])).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("--endpoints is set but names no endpoints")
        );
    }

    #[test]
    fn a_flag_hides_a_broken_env_var() {
        let flags = ConnectFlags {
            dial_timeout: Some(Duration::from_secs(1)),
            ..ConnectFlags::default()
        };
        let o = gather(&flags, &env_of(&[("ETCDCTL_DIAL_TIMEOUT", "bogus")])).unwrap();
        assert_eq!(o.dial_timeout, Some(Duration::from_secs(1)));
    }

    #[test]
    fn insecure_env_false_is_false() {
        let o = gather(
            &ConnectFlags::default(),
            &env_of(&[("ETCDCTL_INSECURE_SKIP_TLS_VERIFY", "false")]),
        )
        .unwrap();
        assert!(!o.insecure);
    }
}
