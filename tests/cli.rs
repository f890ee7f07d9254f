//! The binary's behaviour before it touches the terminal: help, bad flags, bad config,
//! unknown contexts. All exit with status 2 and a message a person can act on.

use std::process::{Command, Output};

fn run(args: &[&str], home: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_etcdtui"))
        .args(args)
        .env_remove("ETCDCTL_ENDPOINTS")
        .env_remove("KUBECONFIG")
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_STATE_HOME", home.join(".state"))
        .output()
        .expect("run etcdtui")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn help_lists_the_etcdctl_flags_and_environment() {
    let home = tempfile::tempdir().expect("temp dir");
    let o = run(&["--help"], home.path());
    assert!(o.status.success());
    let text = String::from_utf8_lossy(&o.stdout);
    for flag in [
        "--endpoints",
        "--cacert",
        "--cert",
        "--key",
        "--user",
        "--insecure-skip-tls-verify",
        "--dial-timeout",
        "--command-timeout",
        "--context",
        "--config",
        "--read-only",
        "--quota-bytes",
        "--refresh",
        "ETCDCTL_ENDPOINTS",
        "ETCDCTL_PASSWORD",
        "demo",
    ] {
        assert!(
            text.contains(flag),
            "--help does not mention {flag}:\n{text}"
        );
    }
}

#[test]
fn bad_flags_exit_2() {
    let home = tempfile::tempdir().expect("temp dir");
    let o = run(&["--dial-timeout", "soon"], home.path());
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("soon"), "{}", stderr(&o));
    let o = run(&["--no-such-flag"], home.path());
    assert_eq!(o.status.code(), Some(2));
    let o = run(&["--quota-bytes", "lots"], home.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("8GiB"),
        "the error shows the expected form: {}",
        stderr(&o)
    );
}

#[test]
fn malformed_config_names_file_line_and_column_and_exits_2() {
    let home = tempfile::tempdir().expect("temp dir");
    let cfg = home.path().join("config.yaml");
    std::fs::write(
        &cfg,
        "contexts:\n  prod:\n    endpoints: [127.0.0.1:2379]\n    endpiont: typo\n",
    )
    .expect("write config");
    let o = run(
        &["--config", cfg.to_str().expect("utf-8 path")],
        home.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains(&format!("{}:4:", cfg.display())),
        "no file:line in: {err}"
    );
    assert!(err.contains("endpiont"), "{err}");
    // It must not have entered the alternate screen.
    assert!(!String::from_utf8_lossy(&o.stdout).contains("\x1b[?1049h"));
}

#[test]
fn missing_explicit_config_and_unknown_context_exit_2() {
    let home = tempfile::tempdir().expect("temp dir");
    let o = run(&["--config", "/nonexistent/etcdtui.yaml"], home.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("/nonexistent/etcdtui.yaml"),
        "{}",
        stderr(&o)
    );

    let cfg = home.path().join("config.yaml");
    std::fs::write(
        &cfg,
        "contexts:\n  prod:\n    endpoints: [127.0.0.1:2379]\n",
    )
    .expect("write config");
    let o = run(
        &[
            "--config",
            cfg.to_str().expect("utf-8 path"),
            "--context",
            "staging",
        ],
        home.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("staging") && err.contains("prod"),
        "should list known contexts: {err}"
    );
}

#[test]
fn a_user_without_password_and_no_terminal_is_told_what_to_set() {
    let home = tempfile::tempdir().expect("temp dir");
    let o = Command::new(env!("CARGO_BIN_EXE_etcdtui"))
        .args(["--endpoints", "127.0.0.1:1", "--user", "root"])
        .env_remove("ETCDCTL_PASSWORD")
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join(".config"))
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run etcdtui");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("ETCDCTL_PASSWORD"), "{}", stderr(&o));
}

#[test]
fn decode_prints_every_kubernetes_fixture_from_a_shell() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/k8s-api");
    let dir = std::env::var_os("ETCDTUI_K8S_FIXTURES")
        .map(std::path::PathBuf::from)
        .unwrap_or(dir);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "fixtures missing at {} under CI",
            dir.display()
        );
        eprintln!("skipping: no fixtures at {}", dir.display());
        return;
    };
    let home = tempfile::tempdir().expect("temp dir");
    let mut checked = 0;
    let mut mismatched = Vec::new();
    for e in entries.flatten() {
        let path = e.path();
        if path.extension().is_none_or(|x| x != "pb") {
            continue;
        }
        let o = run(&["decode", path.to_str().expect("utf-8 path")], home.path());
        assert!(o.status.success(), "{}: {}", path.display(), stderr(&o));
        let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        // Fidelity against Kubernetes' YAML is the decode_fixtures test's job; here the
        // binary must print exactly what the library decodes.
        let raw = std::fs::read(&path).expect("fixture");
        let want =
            etcdtui::decode_cli::run_decode(&raw, etcdtui::decode_cli::OutputFormat::Yaml, None);
        if o.stdout != want.as_bytes() {
            mismatched.push(name.to_string());
        }
        let json = run(
            &["decode", "-o", "json", path.to_str().expect("utf-8 path")],
            home.path(),
        );
        let parsed: Result<serde_json::Value, _> = serde_json::from_slice(&json.stdout);
        assert!(parsed.is_ok(), "{name}: -o json is not JSON");
        checked += 1;
    }
    assert_eq!(checked, 193, "every built-in kind");
    assert!(
        mismatched.is_empty(),
        "the binary printed something else than the decoder for {mismatched:?}"
    );
    let o = run(&["decode", "/nonexistent.pb"], home.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("/nonexistent.pb"));
}

#[test]
fn completions_and_the_man_page_come_from_the_cli_definition() {
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_etcdtui"))
            .args(args)
            .output()
            .expect("run etcdtui");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    for shell in ["bash", "zsh", "fish"] {
        let script = run(&["completions", shell]);
        for word in ["endpoints", "check", "snapshot", "read-only"] {
            assert!(script.contains(word), "{shell} completion lacks {word}");
        }
    }
    // The bash script is valid bash.
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("etcdtui.bash");
    std::fs::write(&file, run(&["completions", "bash"])).expect("write");
    let syntax = std::process::Command::new("bash")
        .arg("-n")
        .arg(&file)
        .status()
        .expect("run bash -n");
    assert!(syntax.success());
    let man = run(&["man"]);
    assert!(
        man.starts_with(".ie") || man.contains(".TH etcdtui 1"),
        "{man}"
    );
    assert!(
        man.contains("\\-\\-endpoints") && man.contains("check"),
        "{man}"
    );
}

#[test]
fn a_password_file_others_can_read_is_warned_about_and_never_printed() {
    use std::os::unix::fs::PermissionsExt;
    let home = tempfile::tempdir().expect("temp dir");
    let pw = home.path().join("etcd.pw");
    std::fs::write(&pw, "hunter2-secret\n").expect("password file");
    std::fs::set_permissions(&pw, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let cfg = home.path().join("config.yaml");
    // A port nothing listens on: the warning comes before any connection.
    let port = etcdtui::localcluster::free_port().expect("port");
    std::fs::write(
        &cfg,
        format!(
            "contexts:\n  lab:\n    endpoints: [127.0.0.1:{port}]\n    user: root\n    password_file: {}\n",
            pw.display()
        ),
    )
    .expect("config");
    let args = [
        "--config",
        cfg.to_str().expect("utf-8 path"),
        "--context",
        "lab",
        "--dial-timeout",
        "200ms",
        "check",
    ];
    let o = run(&args, home.path());
    let err = stderr(&o);
    assert!(
        err.contains("readable by others") && err.contains("chmod 600"),
        "{err}"
    );
    assert!(
        !err.contains("hunter2"),
        "the password never appears: {err}"
    );
    assert!(!String::from_utf8_lossy(&o.stdout).contains("hunter2"));
    assert_eq!(o.status.code(), Some(2), "nothing answers: {err}");
    std::fs::set_permissions(&pw, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let o = run(&args, home.path());
    assert!(!stderr(&o).contains("readable by others"), "{}", stderr(&o));
}

/// etcdctl takes its connection flags anywhere on the line, and people type them
/// after the subcommand: `check` and `snapshot diff` must accept them there too and
/// use them (the error names the endpoint given after the subcommand).
#[test]
fn connection_flags_work_after_the_subcommand() {
    let home = tempfile::tempdir().expect("temp dir");
    let port = etcdtui::localcluster::free_port().expect("port");
    let endpoint = format!("127.0.0.1:{port}");
    let o = run(
        &[
            "check",
            "--endpoints",
            &endpoint,
            "--dial-timeout",
            "200ms",
            "--command-timeout=1s",
        ],
        home.path(),
    );
    let err = stderr(&o);
    assert!(!err.contains("unexpected argument"), "{err}");
    assert_eq!(o.status.code(), Some(2), "nothing listens there: {err}");
    assert!(err.contains(&port.to_string()), "names the endpoint: {err}");

    let snap = home.path().join("missing.db");
    let o = run(
        &[
            "snapshot",
            "diff",
            snap.to_str().expect("utf-8 path"),
            "--endpoints",
            &endpoint,
            "--dial-timeout",
            "200ms",
        ],
        home.path(),
    );
    let err = stderr(&o);
    assert!(!err.contains("unexpected argument"), "{err}");
    assert_ne!(o.status.code(), Some(0), "{err}");

    // Before the subcommand still works, and a flag given in both places takes the
    // later one, as clap's global arguments do.
    let o = run(
        &[
            "--endpoints",
            "127.0.0.1:1",
            "check",
            "--endpoints",
            &endpoint,
        ],
        home.path(),
    );
    let err = stderr(&o);
    assert!(err.contains(&port.to_string()), "{err}");
}
