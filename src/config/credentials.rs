//! Who we authenticate as, and where the password comes from.

use super::base::Base;
use super::overrides::Overrides;
use crate::etcd::spec::{Credentials, Password};

/// Password order: `--user name:pw`, `ETCDCTL_PASSWORD`, the context's `password_env`,
/// its `password_file`; else `None` and the caller prompts. The context's sources are
/// skipped when the user was overridden to someone else: they hold that other
/// account's password.
pub(crate) fn credentials(
    base: &Base,
    ov: &Overrides,
    env: &dyn Fn(&str) -> Option<String>,
) -> (Option<Credentials>, Option<String>) {
    let Some(user) = ov.user.clone().or_else(|| base.user.clone()) else {
        return (None, None);
    };
    let context_applies = base.user.as_ref().is_none_or(|u| *u == user);
    let mut file_error = None;
    let password = ov.password.clone().or_else(|| {
        if !context_applies {
            return None;
        }
        if let Some(pw) = base
            .password_env
            .as_deref()
            .and_then(env)
            .filter(|p| !p.is_empty())
        {
            return Some(Password::new(pw));
        }
        let path = base.password_file.as_ref()?;
        match std::fs::read_to_string(path) {
            // Editors and `echo` add a final newline that is not part of the password.
            Ok(text) => {
                let pw = text.trim_end_matches(['\n', '\r']);
                if pw.is_empty() {
                    file_error = Some(format!("password file {} is empty", path.display()));
                    return None;
                }
                Some(Password::new(pw))
            }
            Err(e) => {
                file_error = Some(format!("cannot read password file {}: {e}", path.display()));
                None
            }
        }
    });
    (Some(Credentials { user, password }), file_error)
}

/// A password file others may read leaks the password to every account on the
/// machine: said, with the fix, whenever the context names one.
pub(crate) fn password_file_warning(base: &Base) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let path = base.password_file.as_ref()?;
    let mode = std::fs::metadata(path).ok()?.permissions().mode();
    (mode & 0o077 != 0).then(|| {
        format!(
            "password file {} is readable by others (mode {:o}): chmod 600 {}",
            path.display(),
            mode & 0o777,
            path.display()
        )
    })
}

/// `--user name:password` puts the password in the process list, where every local
/// account can read it while etcdtui runs: said, with the safer ways.
pub fn command_line_password_warning(user_flag: Option<&str>) -> Option<String> {
    let (name, _) = user_flag?.split_once(':')?;
    Some(format!(
        "--user {name}:... puts the password on the command line, where other local users \
         can see it (ps, /proc); use ETCDCTL_PASSWORD, a context's password_file, or --user \
         {name} alone to be asked for it"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    fn base(user: Option<&str>, password_env: Option<&str>, password_file: Option<&Path>) -> Base {
        let mut b = Base::ad_hoc("t");
        b.user = user.map(str::to_string);
        b.password_env = password_env.map(str::to_string);
        b.password_file = password_file.map(Path::to_path_buf);
        b
    }

    fn overrides(user: Option<&str>, password: Option<&str>) -> Overrides {
        Overrides {
            user: user.map(str::to_string),
            password: password.map(Password::new),
            ..Overrides::default()
        }
    }

    fn env_pw(k: &str) -> Option<String> {
        (k == "PW_VAR").then(|| "from-env-var".to_string())
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn pw_file(dir: &tempfile::TempDir, content: &str) -> PathBuf {
        let path = dir.path().join("pw");
        std::fs::write(&path, content).unwrap();
        path
    }

    fn password(c: &Option<Credentials>) -> Option<&str> {
        c.as_ref()?.password.as_ref().map(Password::expose)
    }

    #[test]
    fn no_user_means_no_credentials_even_with_a_password() {
        let (c, err) = credentials(
            &base(None, Some("PW_VAR"), None),
            &overrides(None, Some("x")),
            &env_pw,
        );
        assert_eq!(c, None);
        assert_eq!(err, None);
    }

    #[test]
    fn explicit_password_beats_context_sources() {
        let dir = tempfile::tempdir().unwrap();
        let file = pw_file(&dir, "from-file\n");
        let b = base(Some("root"), Some("PW_VAR"), Some(&file));
        let (c, _) = credentials(&b, &overrides(None, Some("explicit")), &env_pw);
        assert_eq!(c.as_ref().map(|c| c.user.as_str()), Some("root"));
        assert_eq!(password(&c), Some("explicit"));
    }

    #[test]
    fn password_env_beats_password_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = pw_file(&dir, "from-file\n");
        let b = base(Some("root"), Some("PW_VAR"), Some(&file));
        let (c, _) = credentials(&b, &Overrides::default(), &env_pw);
        assert_eq!(password(&c), Some("from-env-var"));
        // Named variable not set: the file is next.
        let (c, _) = credentials(&b, &Overrides::default(), &no_env);
        assert_eq!(password(&c), Some("from-file"));
    }

    #[test]
    fn password_file_loses_only_its_final_newline() {
        let dir = tempfile::tempdir().unwrap();
        for (content, want) in [
            ("s3cret\n", "s3cret"),
            (" a b \r\n", " a b "),
            ("nonl", "nonl"),
        ] {
            let file = pw_file(&dir, content);
            let (c, err) = credentials(
                &base(Some("root"), None, Some(&file)),
                &Overrides::default(),
                &no_env,
            );
            assert_eq!(password(&c), Some(want), "{content:?}");
            assert_eq!(err, None);
        }
    }

    #[test]
    fn unreadable_password_file_is_recorded_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope");
        let (c, err) = credentials(
            &base(Some("root"), None, Some(&missing)),
            &Overrides::default(),
            &no_env,
        );
        let c = c.unwrap();
        assert_eq!(c.user, "root");
        assert_eq!(c.password, None);
        let err = err.unwrap();
        assert!(err.contains(&missing.display().to_string()), "{err}");
        assert!(err.contains("os error 2"), "{err}");
    }

    #[test]
    fn empty_password_file_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let file = pw_file(&dir, "\n");
        let (c, err) = credentials(
            &base(Some("root"), None, Some(&file)),
            &Overrides::default(),
            &no_env,
        );
        assert_eq!(password(&c), None);
        assert!(err.unwrap().ends_with("is empty"));
    }

    #[test]
    fn file_is_not_read_when_a_password_was_found_earlier() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope");
        let b = base(Some("root"), Some("PW_VAR"), Some(&missing));
        let (_, err) = credentials(&b, &Overrides::default(), &env_pw);
        assert_eq!(err, None);
    }

    #[test]
    fn context_password_is_not_given_to_another_user() {
        let b = base(Some("root"), Some("PW_VAR"), None);
        let (c, _) = credentials(&b, &overrides(Some("alice"), None), &env_pw);
        assert_eq!(c.as_ref().map(|c| c.user.as_str()), Some("alice"));
        assert_eq!(password(&c), None);
        // Same user named again on the command line: still the context's password.
        let (c, _) = credentials(&b, &overrides(Some("root"), None), &env_pw);
        assert_eq!(password(&c), Some("from-env-var"));
        // A context without a user supplies the password for whoever is named.
        let b = base(None, Some("PW_VAR"), None);
        let (c, _) = credentials(&b, &overrides(Some("alice"), None), &env_pw);
        assert_eq!(password(&c), Some("from-env-var"));
    }

    #[test]
    fn a_password_file_others_can_read_is_a_warning() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = pw_file(&dir, "secret\n");
        let b = base(Some("root"), None, Some(&path));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let w = password_file_warning(&b).expect("a warning");
        assert!(w.contains("mode 644") && w.contains("chmod 600"), "{w}");
        assert!(
            !w.contains("secret"),
            "the warning never shows the password"
        );
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(password_file_warning(&b), None);
    }

    #[test]
    fn a_password_on_the_command_line_is_a_warning_that_does_not_repeat_it() {
        let w = command_line_password_warning(Some("root:hunter2:x")).expect("a warning");
        assert!(w.contains("ps") && w.contains("ETCDCTL_PASSWORD") && w.contains("password_file"));
        assert!(w.contains("root") && !w.contains("hunter2"), "{w}");
        assert_eq!(command_line_password_warning(Some("root")), None);
        assert_eq!(command_line_password_warning(None), None);
    }
}
