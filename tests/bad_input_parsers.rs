//! Property tests for the text a user writes: the config file, themes, key bindings,
//! kubeadm manifests, durations and sizes. Each gets arbitrary input and damaged copies
//! of good input; none may panic, and each property says what the answer must be.
//! What a cluster serves (values, `/metrics`) is in bad_input_values.rs.

use std::path::Path;

use etcdtui::config::{ConfigError, parse_bytes, parse_config, parse_duration, parse_manifest};
use etcdtui::keymap::{Key, Keymap, Overrides};
use proptest::prelude::*;

const CONFIG: &str = "\
current_context: prod
theme: dracula
separator: /
contexts:
  prod:
    endpoints: [https://10.0.0.1:2379, https://10.0.0.2:2379]
    user: root
    password_file: /etc/etcdtui/pw
    cacert: /etc/etcd/ca.crt
    read_only: true
    dial_timeout: 2s
  dev:
    endpoints: http://127.0.0.1:2379
keys:
  global:
    quit: [q, ctrl-q]
";

const MANIFEST: &str = "\
apiVersion: v1
kind: Pod
metadata:
  annotations:
    kubeadm.kubernetes.io/etcd.advertise-client-urls: https://192.0.2.10:2379
  name: etcd
spec:
  containers:
  - command:
    - etcd
    - --advertise-client-urls=https://192.0.2.10:2379
    - --cert-file=/etc/kubernetes/pki/etcd/server.crt
    - --key-file=/etc/kubernetes/pki/etcd/server.key
    - --listen-client-urls=https://127.0.0.1:2379,https://192.0.2.10:2379
    - --listen-metrics-urls=http://127.0.0.1:2381
    - --name=cp1
    - --trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt
    name: etcd
";

/// Damage done to good text: cut it short, or splice in arbitrary characters (YAML's
/// structure characters among them) at arbitrary places.
fn damaged(good: &'static str) -> impl Strategy<Value = String> {
    let splice = prop::collection::vec(
        (
            any::<prop::sample::Index>(),
            prop_oneof![
                Just(":".to_string()),
                Just("\n  - ".to_string()),
                Just("{".to_string()),
                Just("\t".to_string()),
                Just("\"".to_string()),
                Just("&a *a".to_string()),
                ".{0,3}",
            ],
        ),
        0..4,
    );
    (any::<prop::sample::Index>(), splice).prop_map(move |(cut, splices)| {
        let mut chars: Vec<char> = good.chars().collect();
        chars.truncate(cut.index(chars.len() + 1).max(chars.len() / 2));
        for (at, text) in splices {
            let i = at.index(chars.len() + 1);
            chars.splice(i..i, text.chars());
        }
        chars.into_iter().collect()
    })
}

/// Lines as YAML counts them: NEL, LS and PS break lines too, and so does a lone CR.
/// One more for the end of the input, which the YAML parser reports as the line after
/// the last when a document stops short.
fn yaml_lines(text: &str) -> usize {
    let breaks = text
        .replace("\r\n", "\n")
        .matches(['\n', '\r', '\u{85}', '\u{2028}', '\u{2029}'])
        .count();
    breaks + 2
}

/// A parse error names the file first, and its line (when it has one) is in the text.
fn error_names_the_place(e: &ConfigError, path: &Path, text: &str) -> Result<(), TestCaseError> {
    let shown = e.to_string();
    prop_assert!(
        shown.starts_with(&path.display().to_string()),
        "error does not start with the file: {shown}"
    );
    if let ConfigError::Parse {
        line: Some(line), ..
    } = e
    {
        prop_assert!(
            *line >= 1 && *line <= yaml_lines(text),
            "line {line} outside the text: {shown}"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn config_text_of_any_kind(text in "\\PC{0,200}|[a-z_:\\- \n\\[\\]{}\"'#&*!|>]{0,200}") {
        let path = Path::new("/etc/etcdtui/config.yaml");
        if let Err(e) = parse_config(&text, path) {
            error_names_the_place(&e, path, &text)?;
        }
    }

    #[test]
    fn damaged_config(text in damaged(CONFIG)) {
        let path = Path::new("/home/op/.config/etcdtui/config.yaml");
        match parse_config(&text, path) {
            Ok(config) => {
                // Whatever survives must be usable: names sorted, separator answered.
                let names = config.context_names();
                prop_assert!(names.windows(2).all(|w| w[0] <= w[1]), "{names:?}");
                let _ = config.separator_byte();
            }
            Err(e) => error_names_the_place(&e, path, &text)?,
        }
    }

    #[test]
    fn kubeadm_manifest(text in damaged(MANIFEST)) {
        let path = Path::new("/etc/kubernetes/manifests/etcd.yaml");
        match parse_manifest(&text, path, &|_| true) {
            Ok(k) => {
                prop_assert_eq!(k.manifest.as_path(), path);
                prop_assert_eq!(k.all_client_urls.first(), Some(&k.client_url));
            }
            Err(e) => error_names_the_place(&e, path, &text)?,
        }
    }

    #[test]
    fn kubeadm_manifest_of_any_text(text in "\\PC{0,200}") {
        let path = Path::new("/etc/kubernetes/manifests/etcd.yaml");
        if let Err(e) = parse_manifest(&text, path, &|_| false) {
            error_names_the_place(&e, path, &text)?;
        }
    }

    #[test]
    fn durations_round_trip(secs in 1u64..1_000_000, millis in 0u64..1000, text in "\\PC{0,12}") {
        prop_assert_eq!(parse_duration(&format!("{secs}s")), Ok(std::time::Duration::from_secs(secs)));
        prop_assert_eq!(parse_duration(&secs.to_string()), Ok(std::time::Duration::from_secs(secs)));
        prop_assert_eq!(
            parse_duration(&format!("{secs}s{millis}ms")),
            Ok(std::time::Duration::from_millis(secs * 1000 + millis))
        );
        // Anything else: a duration or an error that quotes the text.
        if let Err(e) = parse_duration(&text) {
            prop_assert!(text.trim().is_empty() || e.contains(text.as_str()), "{e}");
        }
    }

    #[test]
    fn sizes_round_trip(n in 1i64..1_000_000, text in "\\PC{0,12}") {
        prop_assert_eq!(parse_bytes(&n.to_string()), Ok(n));
        prop_assert_eq!(parse_bytes(&format!("{n}MiB")), Ok(n << 20));
        prop_assert_eq!(parse_bytes(&format!("{n}k")), Ok(n * 1000));
        if let Ok(v) = parse_bytes(&text) {
            prop_assert!((1..=1_000_000_000_000_000).contains(&v), "{text:?} -> {v}");
        }
    }
}

/// A key in the notation of the help and `config.yaml`.
fn any_key() -> impl Strategy<Value = Key> {
    let named = prop::sample::select(vec![
        "enter",
        "esc",
        "tab",
        "shift-tab",
        "backspace",
        "delete",
        "up",
        "down",
        "left",
        "right",
        "home",
        "end",
        "pgup",
        "pgdn",
        "space",
        "f1",
        "f12",
    ]);
    let base = prop_oneof![
        named.prop_map(str::to_string),
        any::<char>()
            .prop_filter("space has a name", |c| *c != ' ')
            .prop_map(String::from),
    ];
    (base, any::<bool>(), any::<bool>()).prop_map(|(b, ctrl, alt)| {
        let text = format!(
            "{}{}{b}",
            if ctrl { "ctrl-" } else { "" },
            if alt { "alt-" } else { "" }
        );
        Key::parse(&text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn keys_print_as_they_parse(key in any_key()) {
        let shown = key.to_string();
        prop_assert_eq!(Key::parse(&shown), Ok(key), "{}", shown);
    }

    #[test]
    fn key_notation_of_any_text(text in "\\PC{0,16}") {
        match Key::parse(&text) {
            Ok(k) => prop_assert!(!k.to_string().is_empty()),
            Err(e) => prop_assert!(e.contains(&format!("{text:?}")), "{e}"),
        }
    }

    /// Overrides in any shape: each entry is applied or named in a warning, and an
    /// applied one means what it says.
    #[test]
    fn key_overrides(
        entries in prop::collection::vec(
            (
                prop_oneof![Just("global".to_string()), Just("keys".to_string()), Just("cluster".to_string()), "\\PC{0,8}"],
                prop_oneof![Just("quit".to_string()), Just("help".to_string()), Just("history".to_string()), Just("view-watch".to_string()), "\\PC{0,10}"],
                prop::collection::vec(prop_oneof![any_key().prop_map(|k| k.to_string()), "\\PC{0,6}"], 0..3),
            ),
            0..6,
        )
    ) {
        let mut overrides = Overrides::new();
        for (scope, action, keys) in &entries {
            overrides
                .entry(scope.clone())
                .or_default()
                .insert(action.clone(), etcdtui::keymap::KeySpec::Many(keys.clone()));
        }
        let (km, warnings) = Keymap::defaults().with_overrides(&overrides);
        let entries_total: usize = overrides.values().map(|a| a.len()).sum();
        prop_assert!(warnings.len() <= entries_total, "{warnings:?}");
        for w in &warnings {
            prop_assert!(w.starts_with("keys: "), "{w}");
        }
        // An applied override gives the action exactly its keys, less any that a
        // later action of the same scope took over.
        for (scope, actions) in &overrides {
            for (action, spec) in actions {
                let etcdtui::keymap::KeySpec::Many(texts) = spec else { continue };
                let Ok(wanted) = texts.iter().map(|t| Key::parse(t)).collect::<Result<Vec<Key>, _>>() else {
                    continue;
                };
                let Some(b) = km.bindings().iter().find(|b| {
                    etcdtui::keymap::action_name(b.action) == *action && scope_is(b.scope, scope)
                }) else {
                    continue;
                };
                for k in &wanted {
                    let taken_later = actions.iter().any(|(other, s)| {
                        other > action
                            && matches!(s, etcdtui::keymap::KeySpec::Many(ks) if ks.iter().any(|t| Key::parse(t).as_ref() == Ok(k)))
                    });
                    prop_assert!(b.keys.contains(k) || taken_later, "{scope}.{action}: {k} missing from {:?}", b.keys);
                }
                prop_assert!(b.keys.iter().all(|k| wanted.contains(k)), "{scope}.{action}: {:?}", b.keys);
            }
        }
    }
}

fn scope_is(s: etcdtui::keymap::Scope, name: &str) -> bool {
    match s {
        etcdtui::keymap::Scope::Global => name == "global",
        etcdtui::keymap::Scope::View(v) => v.title().eq_ignore_ascii_case(name),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// A user's theme file in any state: used, or a warning naming the file, never a
    /// crash over colours.
    #[test]
    fn damaged_user_themes(text in damaged(etcdtui::theme::BUILTIN[3].1)) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("mine.yaml");
        std::fs::write(&path, &text).expect("write theme");
        let loaded = etcdtui::theme::load("mine", Some(dir.path()));
        if let Some(w) = loaded.warning {
            prop_assert!(w.contains(&path.display().to_string()), "{w}");
        }
    }

    #[test]
    fn theme_text_of_any_kind(text in "\\PC{0,120}|[a-z_:#0-9 \n{}\\[\\],]{0,120}") {
        if let Err(e) = etcdtui::theme::Theme::parse(&text) {
            prop_assert!(!e.is_empty());
        }
    }
}
