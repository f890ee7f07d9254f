//! `etcdtui decode [FILE] [-o yaml|json] [--etcd-key KEY]`: print one stored value the way
//! kubectl would, without a cluster. Pure: the caller reads the input and prints the result.

use crate::decode::{self, RenderOptions, k8s};
use crate::encryption::EncryptionConfig;

/// `-o yaml|json`; derives clap's `ValueEnum` so the CLI can take it as is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    #[default]
    Yaml,
    Json,
}

/// Text to print for `input`. Kubernetes objects (protobuf, or JSON with apiVersion and
/// kind) come out as `kubectl get -o yaml|json` would print them, Secrets unmasked as
/// kubectl shows them; in YAML, notes about undecodable parts lead as `#` comments. Any
/// other value is printed as the Keys view would show it (`output` does not apply).
pub fn run_decode(input: &[u8], output: OutputFormat, key: Option<&str>) -> String {
    run_decode_keys(input, output, key, None)
}

/// [`run_decode`] with the API server's EncryptionConfiguration: a value encrypted at
/// rest that its keys open is decoded as its plaintext (AES-GCM and KMS v2 need the
/// etcd key it was stored under, `key`).
pub fn run_decode_keys(
    input: &[u8],
    output: OutputFormat,
    key: Option<&str>,
    keys: Option<&EncryptionConfig>,
) -> String {
    let (text, notes) = run_decode_with_keys(input, output, key, keys);
    if output == OutputFormat::Yaml && !notes.is_empty() {
        let mut out: String = notes.iter().map(|n| format!("# note: {n}\n")).collect();
        out.push_str(&text);
        out
    } else {
        text
    }
}

/// Like [`run_decode`], with the notes returned separately (for stderr).
pub fn run_decode_with_notes(
    input: &[u8],
    output: OutputFormat,
    key: Option<&str>,
) -> (String, Vec<String>) {
    run_decode_with_keys(input, output, key, None)
}

fn run_decode_with_keys(
    input: &[u8],
    output: OutputFormat,
    key: Option<&str>,
    keys: Option<&EncryptionConfig>,
) -> (String, Vec<String>) {
    let named_key = key.is_some();
    let key = key.unwrap_or("").as_bytes();
    let open = |v: &[u8]| keys.map(|k| crate::encryption::decrypt(k, key, v));
    let mut opened = open(input);
    // `etcdctl get --print-value-only` adds a newline; ciphertext may end in one too.
    if matches!(opened, Some(Err(_)))
        && let Some(trimmed) = input.strip_suffix(b"\n")
        && let Some(Ok(o)) = open(trimmed)
    {
        opened = Some(Ok(o));
    }
    let bound = matches!(
        crate::encryption::split(input),
        Some(("aesgcm", ..) | ("kms", "v2", ..))
    );
    let mut lead = Vec::new();
    let input: &[u8] = match &opened {
        Some(Ok(o)) => {
            lead.push(format!("decrypted with {} key {}", o.provider, o.key));
            &o.plaintext
        }
        Some(Err(_)) if bound && !named_key => {
            lead.push(
                "AES-GCM and KMS v2 values are bound to their etcd key: give --etcd-key".into(),
            );
            input
        }
        _ => input,
    };
    let (text, notes) = decode_plain(input, output, key, keys);
    lead.extend(notes);
    (text, lead)
}

fn decode_plain(
    input: &[u8],
    output: OutputFormat,
    key: &[u8],
    keys: Option<&EncryptionConfig>,
) -> (String, Vec<String>) {
    let value = strip_shell_newline(input);
    let opts = RenderOptions {
        reveal_secrets: true,
    };
    let format = match decode::detect(key, value) {
        // A JSON object with apiVersion/kind read from a file has no /registry/ key to
        // tell it apart, but printing it kubectl-style is what this command is for.
        decode::Format::Json if is_k8s_json(value) => decode::Format::Kubernetes,
        other => other,
    };
    let format = match (format, output) {
        (decode::Format::Kubernetes, OutputFormat::Json) => decode::Format::Json,
        (f, _) => f,
    };
    let r = decode::render_keys(key, value, format, &opts, keys);
    let mut text = r.text;
    if !text.ends_with('\n') {
        text.push('\n');
    }
    // How the object was stored is the Keys view's business; here only problems count.
    let notes = r
        .notes
        .into_iter()
        .filter(|n| n != decode::NOTE_STORED_AS_JSON)
        .collect();
    (text, notes)
}

fn is_k8s_json(value: &[u8]) -> bool {
    decode::formats_for(value).first() == Some(&decode::Format::Kubernetes)
}

/// `etcdctl get --print-value-only` and `echo` add a newline after the value; a protobuf
/// object ending in one stray byte would read as truncated.
fn strip_shell_newline(input: &[u8]) -> &[u8] {
    match input.strip_suffix(b"\n") {
        Some(trimmed) if input.starts_with(k8s::MAGIC) => {
            let clean = |v: &[u8]| k8s::decode(v).notes.is_empty();
            if !clean(input) && clean(trimmed) {
                trimmed
            } else {
                input
            }
        }
        _ => input,
    }
}

/// `etcdtui encode [FILE] [-f yaml|json]`: the object's stored bytes, or why not.
/// Without `-f`, input starting with `{` is JSON (its numbers stay exact), else YAML.
pub fn run_encode(
    input: &[u8],
    format: Option<crate::cli::EncodeInput>,
) -> Result<Vec<u8>, String> {
    use crate::cli::EncodeInput;
    use k8s::encode::InputFormat;
    let text = std::str::from_utf8(input).map_err(|_| "the input is not UTF-8 text".to_string())?;
    let format = match format {
        Some(EncodeInput::Json) => InputFormat::Json,
        Some(EncodeInput::Yaml) => InputFormat::Yaml,
        None if text.trim_start().starts_with('{') => InputFormat::Json,
        None => InputFormat::Yaml,
    };
    k8s::encode::encode_text(text, format)
}

/// The bytes of FILE, or of standard input when there is none (`decode` and `encode`).
pub fn read_input(file: Option<&std::path::Path>) -> Result<Vec<u8>, String> {
    use std::io::Read;
    match file {
        Some(path) => {
            std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
        }
        None => {
            let mut buf = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buf)
                .map(|_| buf)
                .map_err(|e| format!("cannot read standard input: {e}"))
        }
    }
}

/// Runs `etcdtui encode`: reads the file or standard input, refuses a terminal as output
/// (the bytes are binary and would garble it), writes the bytes. Exit 2 on bad input.
pub fn encode_main(args: &crate::cli::EncodeArgs) -> std::process::ExitCode {
    use std::io::{IsTerminal, Write};
    use std::process::ExitCode;
    let fail = |e: &str| {
        eprintln!("etcdtui encode: {e}");
        ExitCode::from(2)
    };
    if std::io::stdout().is_terminal() {
        return fail(
            "standard output is a terminal; the encoded value is binary: redirect it to a file \
             or pipe it (etcdtui encode obj.yaml > obj.pb, or | etcdctl put KEY)",
        );
    }
    let input = crate::decode_cli::read_input(args.file.as_deref());
    let bytes = match input.and_then(|i| run_encode(&i, args.format)) {
        Ok(b) => b,
        Err(e) => return fail(&e),
    };
    match std::io::stdout().write_all(&bytes) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => fail(&format!("cannot write: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_values_print_as_the_keys_view_would() {
        assert_eq!(run_decode(b"hello", OutputFormat::Yaml, None), "hello\n");
        assert_eq!(
            run_decode(br#"{"b":1,"a":2}"#, OutputFormat::Yaml, Some("/app")),
            "{\n  \"b\": 1,\n  \"a\": 2\n}\n"
        );
    }

    #[test]
    fn json_objects_with_kind_print_like_kubectl() {
        let v = br#"{"kind":"Widget","apiVersion":"example.com/v1","spec":{"b":1,"a":2}}"#;
        assert_eq!(
            run_decode(v, OutputFormat::Yaml, None),
            "apiVersion: example.com/v1\nkind: Widget\nspec:\n  a: 2\n  b: 1\n"
        );
        assert!(run_decode(v, OutputFormat::Json, None).starts_with("{\n    \"kind\": \"Widget\""));
    }

    #[test]
    fn protobuf_with_a_shell_newline_decodes_cleanly() {
        let mut raw = crate::decode::wire::Writer::new();
        raw.message(1, |m| {
            m.string(1, "cm");
        })
        .message(2, |e| {
            e.string(1, "k").string(2, "v");
        });
        let mut v = crate::decode::wire::Writer::k8s_value("v1", "ConfigMap", &raw.finish());
        v.push(b'\n');
        let (text, notes) = run_decode_with_notes(&v, OutputFormat::Yaml, None);
        assert!(notes.is_empty(), "{notes:?}");
        assert_eq!(
            text,
            "apiVersion: v1\ndata:\n  k: v\nkind: ConfigMap\nmetadata:\n  name: cm\n"
        );
    }
}
