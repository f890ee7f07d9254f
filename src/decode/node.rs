//! An ordered value tree: what a decoded value looks like before it is printed as YAML or
//! JSON. Maps keep insertion order so JSON output can follow the value (or Go's struct order)
//! while YAML output sorts like kubectl.

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    /// A JSON number exactly as written in embedded JSON, so big or precise numbers survive.
    Number(String),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl Node {
    /// Go's `omitempty` zero: what a non-pointer scalar field holds when it was never set.
    pub fn is_scalar_zero(&self) -> bool {
        match self {
            Node::Bool(b) => !b,
            Node::Int(i) => *i == 0,
            Node::UInt(u) => *u == 0,
            Node::Float(f) => *f == 0.0,
            Node::Str(s) => s.is_empty(),
            _ => false,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        match self {
            Node::Map(entries) => entries.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Node::Str(s) => Some(s),
            _ => None,
        }
    }
}
