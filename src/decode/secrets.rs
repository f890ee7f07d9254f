//! Hiding Secret contents until the user asks to see them.

use super::base64;
use super::node::Node;

pub const SECRETS_PREFIX: &[u8] = b"/registry/secrets/";

pub fn mask_text(bytes: usize) -> String {
    let unit = if bytes == 1 { "byte" } else { "bytes" };
    format!("•••••• ({bytes} {unit})")
}

/// Replaces every value under `data` (base64, so the decoded length is shown) and
/// `stringData` with a mask that keeps only its size.
pub fn mask(object: &mut Node) {
    for (field, base64_values) in [("data", true), ("stringData", false)] {
        if let Some(Node::Map(entries)) = object.get_mut(field) {
            for (_, v) in entries.iter_mut() {
                let len = match v {
                    Node::Str(s) if base64_values => base64::decoded_len(s),
                    Node::Str(s) => s.len(),
                    _ => 0,
                };
                *v = Node::Str(mask_text(len));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_data_and_string_data() {
        let mut n = Node::Map(vec![
            (
                "data".into(),
                Node::Map(vec![("k".into(), Node::Str("aGVsbG8=".into()))]),
            ),
            (
                "stringData".into(),
                Node::Map(vec![("s".into(), Node::Str("abc".into()))]),
            ),
            ("type".into(), Node::Str("Opaque".into())),
        ]);
        mask(&mut n);
        assert_eq!(
            n.get("data").and_then(|d| d.get("k")),
            Some(&Node::Str("•••••• (5 bytes)".into()))
        );
        assert_eq!(
            n.get("stringData").and_then(|d| d.get("s")),
            Some(&Node::Str("•••••• (3 bytes)".into()))
        );
        assert_eq!(n.get("type"), Some(&Node::Str("Opaque".into())));
    }
}
