//! The encoder's input: a YAML or JSON document as a [`Node`] tree, keeping the text's key
//! order (embedded JSON such as a RawExtension is written back in that order).

use crate::decode::json;
use crate::decode::node::Node;

/// Parses `text` as YAML (JSON is YAML too, but its own parser keeps big numbers exact).
pub fn parse(text: &str, json_input: bool) -> Result<Node, String> {
    if json_input {
        return json::parse(text).map_err(|e| format!("not valid JSON: {e}"));
    }
    let value: serde_yaml::Value =
        serde_yaml::from_str(text).map_err(|e| format!("not valid YAML: {e}"))?;
    from_yaml(value, 0)
}

/// Deeper than any Kubernetes object; stops a hostile document from exhausting the stack.
const MAX_DEPTH: u32 = 200;

fn from_yaml(value: serde_yaml::Value, depth: u32) -> Result<Node, String> {
    use serde_yaml::Value as Y;
    if depth > MAX_DEPTH {
        return Err("the document is nested too deeply".to_string());
    }
    Ok(match value {
        Y::Null => Node::Null,
        Y::Bool(b) => Node::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Node::Int(i)
            } else if let Some(u) = n.as_u64() {
                Node::UInt(u)
            } else {
                Node::Float(n.as_f64().unwrap_or(f64::NAN))
            }
        }
        Y::String(s) => Node::Str(s),
        Y::Sequence(items) => Node::Seq(
            items
                .into_iter()
                .map(|v| from_yaml(v, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        Y::Mapping(map) => {
            let mut entries = Vec::with_capacity(map.len());
            for (k, v) in map {
                let key = match k {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    Y::Null => "null".to_string(),
                    other => return Err(format!("a mapping key is not a string: {other:?}")),
                };
                entries.push((key, from_yaml(v, depth + 1)?));
            }
            Node::Map(entries)
        }
        Y::Tagged(t) => return Err(format!("YAML tags ({}) are not supported", t.tag)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_and_types() {
        let n = parse("b: 1\na: [true, null, 1.5, x]\n", false).expect("yaml");
        assert_eq!(
            n,
            Node::Map(vec![
                ("b".into(), Node::Int(1)),
                (
                    "a".into(),
                    Node::Seq(vec![
                        Node::Bool(true),
                        Node::Null,
                        Node::Float(1.5),
                        Node::Str("x".into())
                    ])
                ),
            ])
        );
        assert!(parse("a: !!binary aGk=\n", false).is_ok());
        assert!(parse("{", true).is_err());
        assert!(parse("a: [", false).is_err());
    }
}
