//! Embedded JSON (RawExtension, FieldsV1, apiextensions JSON) written back compactly, as Go's
//! encoding/json writes it: no spaces, `<`, `>` and `&` escaped, floats in Go's form, keys
//! in the document's order (kubectl's YAML sorts them, as Go does for maps).

use crate::decode::json::quote;
use crate::decode::node::Node;

pub fn compact(node: &Node) -> String {
    let mut out = String::new();
    write(node, &mut out);
    out
}

fn write(node: &Node, out: &mut String) {
    match node {
        Node::Null => out.push_str("null"),
        Node::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Node::Int(i) => out.push_str(&i.to_string()),
        Node::UInt(u) => out.push_str(&u.to_string()),
        Node::Float(f) => out.push_str(&super::gotime::go_float(*f)),
        Node::Number(t) => out.push_str(t),
        Node::Str(s) => quote(s, true, out),
        Node::Seq(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(item, out);
            }
            out.push(']');
        }
        Node::Map(entries) => {
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                quote(k, true, out);
                out.push(':');
                write(v, out);
            }
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_like_go() {
        let n = Node::Map(vec![
            (
                "a".into(),
                Node::Seq(vec![Node::Int(1), Node::Float(0.5), Node::Null]),
            ),
            ("b".into(), Node::Str("<&>".into())),
        ]);
        assert_eq!(
            compact(&n),
            r#"{"a":[1,0.5,null],"b":"\u003c\u0026\u003e"}"#
        );
    }
}
