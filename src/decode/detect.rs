//! What a value looks like, independent of how it will be shown.

use super::encrypted;
use super::json;
use super::k8s;
use super::node::Node;

/// Above this size YAML is recognised by its first line instead of a full parse, so
/// selecting a huge key stays instant.
const YAML_FULL_PARSE_LIMIT: usize = 256 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Encrypted,
    K8sProto,
    /// A JSON object with string `apiVersion` and `kind` (CRDs, apiextensions, aggregator).
    K8sJson,
    Json,
    Yaml,
    Text,
    Binary,
}

pub fn shape(value: &[u8]) -> Shape {
    classify(value).0
}

/// The shape, and for JSON the parsed value so rendering need not parse it again.
pub fn classify(value: &[u8]) -> (Shape, Option<Node>) {
    if value.starts_with(encrypted::PREFIX) {
        return (Shape::Encrypted, None);
    }
    if value.starts_with(k8s::MAGIC) {
        return (Shape::K8sProto, None);
    }
    let Ok(text) = std::str::from_utf8(value) else {
        return (Shape::Binary, None);
    };
    let trimmed = text.trim_start();
    if trimmed.starts_with(['{', '[']) {
        match json::parse(text) {
            Ok(node) if is_k8s_object(&node) => return (Shape::K8sJson, Some(node)),
            Ok(node) => return (Shape::Json, Some(node)),
            Err(_) => {}
        }
    }
    if !is_text(text) {
        return (Shape::Binary, None);
    }
    if is_yaml_document(text) {
        return (Shape::Yaml, None);
    }
    (Shape::Text, None)
}

pub fn is_k8s_object(node: &Node) -> bool {
    let named = |k: &str| {
        node.get(k)
            .and_then(Node::as_str)
            .is_some_and(|s| !s.is_empty())
    };
    named("apiVersion") && named("kind")
}

/// Printable text: no control characters other than newline, tab and carriage return.
pub fn is_text(text: &str) -> bool {
    text.chars()
        .all(|c| !c.is_control() || matches!(c, '\n' | '\t' | '\r'))
}

/// Multi-line text whose top level is a YAML mapping or sequence.
fn is_yaml_document(text: &str) -> bool {
    if !text.trim().contains('\n') {
        return false;
    }
    if text.len() > YAML_FULL_PARSE_LIMIT {
        return first_line_looks_yaml(text);
    }
    let mut docs = 0;
    for doc in serde_yaml::Deserializer::from_str(text) {
        use serde::Deserialize;
        match serde_yaml::Value::deserialize(doc) {
            Ok(serde_yaml::Value::Mapping(_) | serde_yaml::Value::Sequence(_)) => docs += 1,
            Ok(serde_yaml::Value::Null) => {}
            _ => return false,
        }
    }
    docs > 0
}

fn first_line_looks_yaml(text: &str) -> bool {
    let Some(line) = text
        .lines()
        .map(str::trim_end)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
    else {
        return false;
    };
    if line == "---" || line.starts_with("- ") {
        return true;
    }
    match line.split_once(':') {
        Some((key, rest)) => {
            !key.is_empty()
                && !key.starts_with(' ')
                && !key.contains(' ')
                && (rest.is_empty() || rest.starts_with(' '))
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert_eq!(shape(b"k8s:enc:aescbc:v1:key1:xx"), Shape::Encrypted);
        assert_eq!(shape(b"k8s\0\x0a\x00"), Shape::K8sProto);
        assert_eq!(
            shape(br#"{"apiVersion":"x/v1","kind":"Y"}"#),
            Shape::K8sJson
        );
        assert_eq!(shape(br#"{"a": 1}"#), Shape::Json);
        assert_eq!(shape(b" [1, 2]\n"), Shape::Json);
        assert_eq!(shape(b"a: 1\nb:\n  - x\n"), Shape::Yaml);
        assert_eq!(shape(b"---\n- a\n- b\n"), Shape::Yaml);
        assert_eq!(shape(b"a: 1"), Shape::Text);
        assert_eq!(shape(b"hello\nworld"), Shape::Text);
        assert_eq!(shape(b"{not json"), Shape::Text);
        assert_eq!(shape(b"42"), Shape::Text);
        assert_eq!(shape(b""), Shape::Text);
        assert_eq!(shape(b"\x1b[31mred"), Shape::Binary);
        assert_eq!(shape(&[0xff, 0xfe, 0]), Shape::Binary);
    }

    #[test]
    fn big_yaml_is_recognised_by_its_first_line() {
        let big = "items:\n".to_string() + &"- x\n".repeat(100_000);
        assert!(big.len() > YAML_FULL_PARSE_LIMIT);
        assert_eq!(shape(big.as_bytes()), Shape::Yaml);
    }
}
