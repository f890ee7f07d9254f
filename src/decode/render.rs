//! `render`: one value in one format, with the fallbacks and secret handling documented in
//! `mod.rs`.

use super::detect::{Shape, classify};
use super::node::Node;
use super::secrets::{self, SECRETS_PREFIX};
use super::{Format, RenderOptions, Rendered, encrypted, hex, json, k8s, yaml};
use crate::encryption::EncryptionConfig;

pub fn render(
    key: &[u8],
    value: &[u8],
    format: Format,
    opts: &RenderOptions,
    keys: Option<&EncryptionConfig>,
) -> Rendered {
    let (shape, mut parsed) = classify(value);
    let hide = !opts.reveal_secrets && is_secret(key, value, shape);
    let rendered = match format {
        Format::Kubernetes => kubernetes(value, shape, parsed, hide, Out::Yaml),
        Format::Json => match shape {
            Shape::K8sProto | Shape::K8sJson => kubernetes(value, shape, parsed, hide, Out::Json),
            Shape::Json => parsed
                .take()
                .map(|n| plain(Format::Json, json::write(&n, json::PRETTY))),
            _ => None,
        },
        Format::Yaml => match shape {
            Shape::K8sProto => kubernetes(value, shape, None, hide, Out::Yaml),
            Shape::K8sJson | Shape::Json => {
                // The value's own key order: this is "the JSON as YAML", not kubectl's view.
                parsed.take().map(|mut n| {
                    if hide {
                        secrets::mask(&mut n);
                    }
                    plain(Format::Yaml, yaml::write(&n, false))
                })
            }
            Shape::Yaml => Some(plain(
                Format::Yaml,
                String::from_utf8_lossy(value).into_owned(),
            )),
            _ => None,
        },
        Format::Text if hide => Some(hidden(Format::Text, value.len())),
        Format::Text => Some(plain(Format::Text, text_view(value))),
        Format::Hex if hide => Some(hidden(Format::Hex, value.len())),
        Format::Hex => Some(plain(Format::Hex, hex::dump(value))),
        Format::Encrypted => encrypted::show(key, value, opts, keys),
    };
    rendered.unwrap_or_else(|| {
        let actual = super::detect(key, value);
        let mut r = render(key, value, actual, opts, keys);
        r.notes.insert(
            0,
            format!(
                "not {} content; shown as {}",
                format.label(),
                actual.label()
            ),
        );
        r
    })
}

/// A Secret by its key, or by the kind its envelope names (etcd prefixes other than
/// `/registry` exist). Encrypted values are ciphertext and need no hiding.
fn is_secret(key: &[u8], value: &[u8], shape: Shape) -> bool {
    if shape == Shape::Encrypted {
        return false;
    }
    key.starts_with(SECRETS_PREFIX)
        || (shape == Shape::K8sProto
            && k8s::peek_type(value).is_some_and(|(av, kind)| av == "v1" && kind == "Secret"))
}

pub(super) fn plain(format: Format, text: String) -> Rendered {
    Rendered {
        format,
        text,
        notes: Vec::new(),
        kind: None,
    }
}

fn hidden(format: Format, len: usize) -> Rendered {
    let mut r = plain(
        format,
        format!("secret value hidden ({len} bytes); reveal secrets to see the raw bytes"),
    );
    r.notes.push("raw bytes of a Secret are hidden".to_string());
    r
}

#[derive(Clone, Copy)]
pub enum Out {
    Yaml,
    Json,
}

/// kubectl's `-o yaml` (keys sorted like yaml.v2) or `-o json`.
pub fn kubectl_text(node: &Node, out: Out) -> String {
    match out {
        Out::Yaml => yaml::write(node, true),
        Out::Json => json::write(node, json::KUBECTL),
    }
}

fn kubernetes(
    value: &[u8],
    shape: Shape,
    parsed: Option<Node>,
    hide: bool,
    out: Out,
) -> Option<Rendered> {
    let (mut node, kind, notes) = match shape {
        Shape::K8sProto => {
            let obj = k8s::decode(value);
            (obj.node, (obj.api_version, obj.kind), obj.notes)
        }
        Shape::K8sJson => {
            let node = parsed?;
            let field = |k: &str| node.get(k).and_then(Node::as_str).unwrap_or("").to_string();
            let kind = (field("apiVersion"), field("kind"));
            (node, kind, vec![super::NOTE_STORED_AS_JSON.to_string()])
        }
        _ => return None,
    };
    if hide {
        secrets::mask(&mut node);
    }
    let format = match out {
        Out::Yaml => Format::Kubernetes,
        Out::Json => Format::Json,
    };
    Some(Rendered {
        format,
        text: kubectl_text(&node, out),
        notes,
        kind: (!kind.0.is_empty() || !kind.1.is_empty()).then_some(kind),
    })
}

/// The value as text. Valid text is returned as is; control characters and invalid UTF-8
/// are written as `\xNN` / `\u{..}` so nothing is hidden and nothing reaches the terminal raw.
pub fn text_view(value: &[u8]) -> String {
    if let Ok(text) = std::str::from_utf8(value)
        && super::detect::is_text(text)
    {
        return text.to_string();
    }
    let mut out = String::with_capacity(value.len());
    for chunk in value.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c.is_control() && !matches!(c, '\n' | '\t') {
                if (c as u32) < 0x80 {
                    out.push_str(&format!("\\x{:02x}", c as u32));
                } else {
                    out.push_str(&format!("\\u{{{:x}}}", c as u32));
                }
            } else {
                out.push(c);
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}
