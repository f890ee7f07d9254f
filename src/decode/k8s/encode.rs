//! The inverse of the decoder: an object as YAML or JSON (what `decode` prints) back to the
//! bytes the API server stores, `k8s\0` + `runtime.Unknown{typeMeta, raw, "", ""}`, so that
//! decode -> encode gives back the original value byte for byte.
//!
//! What cannot come back: fields the schema does not know (`'#15 string'` keys) are refused,
//! as is an object of a kind without a protobuf schema; a RawExtension that held a nested
//! `k8s\0` protobuf object is written back as JSON; a Quantity is written as given
//! (the API server would store its canonical form).

use super::MAGIC;
use super::encode_input;
use super::encode_message::Encoder;
use super::encode_wire as wire;
use super::schema::{KindLookup, Release};
use crate::decode::node::Node;

/// The input's syntax.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    Yaml,
    Json,
}

/// Encodes the text of one object (YAML or JSON) into its stored form.
pub fn encode_text(text: &str, format: InputFormat) -> Result<Vec<u8>, String> {
    let node = encode_input::parse(text, format == InputFormat::Json)?;
    encode_node(&node)
}

/// Encodes an object tree whose top level carries `apiVersion` and `kind`, as the newest
/// API server writes it.
pub fn encode_node(node: &Node) -> Result<Vec<u8>, String> {
    encode_node_as(node, None)
}

/// [`encode_text`] as the API server of `release` writes it: fields that release did not
/// have are not written even as zero (`None`: the newest release).
pub fn encode_text_as(
    text: &str,
    format: InputFormat,
    release: Option<Release>,
) -> Result<Vec<u8>, String> {
    let node = encode_input::parse(text, format == InputFormat::Json)?;
    encode_node_as(&node, release)
}

/// The release whose API server wrote `value`: the newest one whose encoding of the
/// decoded object gives back `value` byte for byte (`Some(None)`: the newest release);
/// `None` when none does.
pub fn writer_release(value: &[u8]) -> Option<Option<Release>> {
    let obj = super::decode(value);
    if encode_node_as(&obj.node, None).ok().as_deref() == Some(value) {
        return Some(None);
    }
    (14..=40)
        .rev()
        .map(|minor| Some(Release { major: 1, minor }))
        .find(|r| encode_node_as(&obj.node, *r).ok().as_deref() == Some(value))
}

/// [`encode_node`] as the API server of `release` writes it.
pub fn encode_node_as(node: &Node, release: Option<Release>) -> Result<Vec<u8>, String> {
    let Node::Map(entries) = node else {
        return Err("the document is not an object (a mapping with apiVersion and kind)".into());
    };
    let text = |key: &str| -> Result<&str, String> {
        match node.get(key) {
            Some(Node::Str(s)) if !s.is_empty() => Ok(s),
            Some(_) => Err(format!("{key} must be a non-empty string")),
            None => Err(format!("the object has no {key}")),
        }
    };
    let (api_version, kind) = (text("apiVersion")?, text("kind")?);
    let mut enc = Encoder::new();
    enc.release = release;
    let index = match enc.schema.lookup_kind(api_version, kind) {
        KindLookup::Found(i) => i,
        KindLookup::NoProtobuf => {
            return Err(format!(
                "{kind} ({api_version}) has no protobuf schema here; it cannot be encoded"
            ));
        }
        KindLookup::Unknown => {
            return Err(format!(
                "unknown kind {kind} ({api_version}): only built-in kinds are stored as protobuf"
            ));
        }
    };
    let body: Vec<(String, Node)> = entries
        .iter()
        .filter(|(k, _)| k != "apiVersion" && k != "kind")
        .cloned()
        .collect();
    let raw = enc.message(index, Some(&Node::Map(body)), 0)?;
    Ok(envelope(api_version, kind, &raw))
}

/// `k8s\0` + runtime.Unknown: TypeMeta and both content strings are written even when
/// empty, `raw` because it is set.
pub fn envelope(api_version: &str, kind: &str, raw: &[u8]) -> Vec<u8> {
    let mut type_meta = Vec::with_capacity(api_version.len() + kind.len() + 4);
    wire::bytes_field(&mut type_meta, 1, api_version.as_bytes());
    wire::bytes_field(&mut type_meta, 2, kind.as_bytes());
    let mut out = Vec::with_capacity(raw.len() + type_meta.len() + 20);
    out.extend_from_slice(MAGIC);
    wire::bytes_field(&mut out, 1, &type_meta);
    wire::bytes_field(&mut out, 2, raw);
    wire::bytes_field(&mut out, 3, b"");
    wire::bytes_field(&mut out, 4, b"");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMESPACE: &str = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n  creationTimestamp: \"2024-01-01T00:00:00Z\"\nspec:\n  finalizers:\n  - kubernetes\nstatus:\n  phase: Active\n";

    #[test]
    fn namespace_round_trips_through_the_decoder() {
        let bytes = encode_text(NAMESPACE, InputFormat::Yaml).expect("encodes");
        let obj = super::super::decode(&bytes);
        assert!(obj.notes.is_empty(), "{:?}", obj.notes);
        let yaml = crate::decode::kubectl_yaml(&obj.node);
        assert!(yaml.contains("- kubernetes"), "{yaml}");
        assert_eq!(
            encode_text(&yaml, InputFormat::Yaml).as_deref(),
            Ok(bytes.as_slice())
        );
    }

    #[test]
    fn non_pointer_zero_fields_are_written_and_pointers_are_not() {
        let bytes = encode_text(
            "apiVersion: v1\nkind: Namespace\nmetadata: {}\n",
            InputFormat::Yaml,
        )
        .expect("encodes");
        // metadata: name..resourceVersion empty strings, generation 0, creationTimestamp
        // (zero Time, empty); no deletionTimestamp or deletionGracePeriodSeconds.
        let meta = [
            0x0a, 0, 0x12, 0, 0x1a, 0, 0x22, 0, 0x2a, 0, 0x32, 0, 0x38, 0, 0x42, 0,
        ];
        let mut raw = vec![0x0a, meta.len() as u8];
        raw.extend_from_slice(&meta);
        // spec (no finalizers), status (phase "": strings are written even when empty).
        raw.extend_from_slice(&[0x12, 0, 0x1a, 2, 0x0a, 0]);
        assert_eq!(bytes, envelope("v1", "Namespace", &raw));
    }

    #[test]
    fn refuses_what_it_cannot_encode() {
        let cases = [
            ("kind: Namespace\n", "no apiVersion"),
            ("apiVersion: example.com/v1\nkind: Foo\n", "unknown kind"),
            (
                "apiVersion: v1\nkind: Namespace\nmetadata:\n  nme: x\n",
                "unknown field \"nme\"",
            ),
            (
                "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: 5\n",
                "metadata.name: expected a string",
            ),
            (
                "apiVersion: v1\nkind: Namespace\nmetadata:\n  '#15 string': ''\n",
                "#15",
            ),
            ("- a\n", "not an object"),
        ];
        for (text, want) in cases {
            let err = encode_text(text, InputFormat::Yaml).expect_err(text);
            assert!(err.contains(want), "{text}: {err}");
        }
    }
}
