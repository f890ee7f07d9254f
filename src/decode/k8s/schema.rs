//! The generated Kubernetes schema (`schema.txt`, written by `tools/gen-k8s-schema`), parsed
//! once on first use. A malformed line is skipped rather than trusted: the decoder then
//! falls back to its generic dump for whatever that line described.

use std::collections::HashMap;
use std::sync::OnceLock;

pub use super::releases::{Release, Releases};

const SCHEMA_TEXT: &str = include_str!("schema.txt");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalar {
    String,
    Bytes,
    Bool,
    Int32,
    Int64,
    UInt32,
    UInt64,
    SInt32,
    SInt64,
    Fixed32,
    Fixed64,
    SFixed32,
    SFixed64,
    Double,
    Float,
}

impl Scalar {
    fn parse(s: &str) -> Option<Scalar> {
        Some(match s {
            "string" => Scalar::String,
            "bytes" => Scalar::Bytes,
            "bool" => Scalar::Bool,
            "int32" => Scalar::Int32,
            "int64" => Scalar::Int64,
            "uint32" => Scalar::UInt32,
            "uint64" => Scalar::UInt64,
            "sint32" => Scalar::SInt32,
            "sint64" => Scalar::SInt64,
            "fixed32" => Scalar::Fixed32,
            "fixed64" => Scalar::Fixed64,
            "sfixed32" => Scalar::SFixed32,
            "sfixed64" => Scalar::SFixed64,
            "double" => Scalar::Double,
            "float" => Scalar::Float,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Card {
    Optional,
    Repeated,
    Map(Scalar),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Scalar(Scalar),
    Message(usize),
}

#[derive(Debug, Clone)]
pub struct FieldDef {
    pub number: u32,
    pub json: String,
    pub card: Card,
    pub ty: FieldType,
    /// No `omitempty` in Go: printed even when zero.
    pub required: bool,
    /// Go embeds the struct: its fields are printed on the parent.
    pub inline: bool,
    /// A Go pointer (`*int32`): written only when set, even when zero.
    pub pointer: bool,
    /// The Kubernetes releases that had this field.
    pub releases: Releases,
}

/// Types whose Go JSON form is not "an object of its fields".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Special {
    None,
    Time,
    MicroTime,
    Duration,
    Quantity,
    IntOrString,
    /// RawExtension, FieldsV1 and apiextensions JSON: field 1 holds JSON bytes.
    EmbeddedJson,
    PropsOrArray,
    PropsOrBool,
    PropsOrStringArray,
    /// go-to-protobuf wrapper of a named slice: printed as its `items` list.
    ListWrapper,
}

#[derive(Debug, Clone)]
pub struct MessageDef {
    pub full: String,
    pub special: Special,
    /// Sorted by number.
    pub fields: Vec<FieldDef>,
    /// The Kubernetes releases that had this message.
    pub releases: Releases,
}

impl MessageDef {
    pub fn field(&self, number: u32) -> Option<(usize, &FieldDef)> {
        let i = self
            .fields
            .binary_search_by_key(&number, |f| f.number)
            .ok()?;
        Some((i, self.fields.get(i)?))
    }
}

pub struct Schema {
    pub messages: Vec<MessageDef>,
    by_name: HashMap<String, usize>,
    /// (apiVersion, kind) -> message; `None` when the kind exists but has no protobuf schema.
    kinds: HashMap<(String, String), Option<usize>>,
    /// API group -> Go package prefix (`apps` -> `k8s.io.api.apps`).
    groups: HashMap<String, String>,
    pub source: String,
}

pub const META_V1: &str = "k8s.io.apimachinery.pkg.apis.meta.v1";

/// How a kind was found.
pub enum KindLookup {
    Found(usize),
    /// The API knows the kind but the protobuf source predates it.
    NoProtobuf,
    Unknown,
}

impl Schema {
    pub fn get() -> &'static Schema {
        static SCHEMA: OnceLock<Schema> = OnceLock::new();
        SCHEMA.get_or_init(|| parse(SCHEMA_TEXT))
    }

    pub fn message(&self, full: &str) -> Option<usize> {
        self.by_name.get(full).copied()
    }

    pub fn def(&self, index: usize) -> Option<&MessageDef> {
        self.messages.get(index)
    }

    /// Finds the message for apiVersion+kind: the kind table first, then the group's Go
    /// package (API versions the OpenAPI spec no longer serves, like apps/v1beta1), then the
    /// first DNS label of the group as Kubernetes names its packages, then meta/v1 types
    /// (Status, DeleteOptions, ...) that every group version registers.
    pub fn lookup_kind(&self, api_version: &str, kind: &str) -> KindLookup {
        match self.kinds.get(&(api_version.to_string(), kind.to_string())) {
            Some(Some(i)) => return KindLookup::Found(*i),
            Some(None) => return KindLookup::NoProtobuf,
            None => {}
        }
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
        let mut candidates = Vec::new();
        if let Some(prefix) = self.groups.get(group) {
            candidates.push(format!("{prefix}.{version}.{kind}"));
        }
        if let Some(label) = group.split('.').next().filter(|l| !l.is_empty()) {
            candidates.push(format!("k8s.io.api.{label}.{version}.{kind}"));
        }
        candidates.push(format!("{META_V1}.{kind}"));
        candidates
            .iter()
            .find_map(|c| self.message(c))
            .map_or(KindLookup::Unknown, KindLookup::Found)
    }
}

fn special_for(full: &str) -> Special {
    let (pkg, name) = full.rsplit_once('.').unwrap_or(("", full));
    match (pkg, name) {
        (META_V1, "Time") => Special::Time,
        (META_V1, "MicroTime") => Special::MicroTime,
        (META_V1, "Duration") => Special::Duration,
        (META_V1, "FieldsV1") => Special::EmbeddedJson,
        ("k8s.io.apimachinery.pkg.api.resource", "Quantity" | "QuantityValue") => Special::Quantity,
        ("k8s.io.apimachinery.pkg.util.intstr", "IntOrString") => Special::IntOrString,
        ("k8s.io.apimachinery.pkg.runtime", "RawExtension") => Special::EmbeddedJson,
        (p, n) if p.starts_with("k8s.io.apiextensions_apiserver.") => match n {
            "JSON" => Special::EmbeddedJson,
            "JSONSchemaPropsOrArray" => Special::PropsOrArray,
            "JSONSchemaPropsOrBool" => Special::PropsOrBool,
            "JSONSchemaPropsOrStringArray" => Special::PropsOrStringArray,
            _ => Special::None,
        },
        _ => Special::None,
    }
}

fn parse(text: &str) -> Schema {
    let mut packages: HashMap<&str, &str> = HashMap::new();
    let mut source = String::new();
    // First pass: name every message so field types can refer forwards. Field types are
    // looked up by their short form (`77.ObjectMeta`), without building the full name.
    let mut names = Vec::new();
    let mut shorts: HashMap<&str, usize> = HashMap::new();
    for line in text.lines() {
        let mut w = line.split(' ');
        match w.next() {
            Some("P") => {
                if let (Some(i), Some(p)) = (w.next(), w.next()) {
                    packages.insert(i, p);
                }
            }
            Some("M") => {
                if let Some(short) = w.next()
                    && let Some(full) = expand(short, &packages)
                {
                    shorts.insert(short, names.len());
                    names.push(full);
                }
            }
            Some("#") if line.starts_with("# protos:") => {
                source = line.trim_start_matches("# ").to_string();
            }
            _ => {}
        }
    }
    let by_name: HashMap<String, usize> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.clone(), i))
        .collect();
    let mut messages: Vec<MessageDef> = names
        .iter()
        .map(|full| MessageDef {
            full: full.clone(),
            special: special_for(full),
            fields: Vec::new(),
            releases: Releases::default(),
        })
        .collect();
    let mut kinds = HashMap::new();
    let mut groups = HashMap::new();
    let mut current: Option<usize> = None;
    for line in text.lines() {
        let w: Vec<&str> = line.split(' ').collect();
        match w.first().copied() {
            Some("M") => {
                current = w.get(1).and_then(|s| shorts.get(s).copied());
                if let Some(m) = current.and_then(|i| messages.get_mut(i)) {
                    if w.get(2) == Some(&"L") {
                        m.special = Special::ListWrapper;
                    }
                    m.releases = Releases::parse(w.iter().copied().find(|t| t.starts_with('@')));
                }
            }
            Some("F") => {
                let field = parse_field(&w, &shorts);
                if let (Some(i), Some(f)) = (current, field)
                    && let Some(m) = messages.get_mut(i)
                {
                    m.fields.push(f);
                }
            }
            Some("K") => {
                if let (Some(av), Some(kind), Some(target)) = (w.get(1), w.get(2), w.get(3)) {
                    let idx = expand(target, &packages).and_then(|f| by_name.get(&f).copied());
                    kinds.insert((av.to_string(), kind.to_string()), idx);
                }
            }
            Some("G") => {
                if let (Some(g), Some(prefix)) = (w.get(1), w.get(2)) {
                    let g = if *g == "\"\"" { "" } else { g };
                    groups.insert(g.to_string(), prefix.to_string());
                }
            }
            _ => {}
        }
    }
    for m in &mut messages {
        m.fields.sort_by_key(|f| f.number);
        m.fields.dedup_by_key(|f| f.number);
    }
    Schema {
        messages,
        by_name,
        kinds,
        groups,
        source,
    }
}

fn expand(short: &str, packages: &HashMap<&str, &str>) -> Option<String> {
    let (i, name) = short.split_once('.')?;
    Some(format!("{}.{name}", packages.get(i)?))
}

fn parse_field(w: &[&str], shorts: &HashMap<&str, usize>) -> Option<FieldDef> {
    let number: u32 = w.get(1)?.parse().ok()?;
    let json = w.get(2)?.to_string();
    let card = match *w.get(3)? {
        "o" => Card::Optional,
        "r" => Card::Repeated,
        m => Card::Map(Scalar::parse(m.strip_prefix("m:")?)?),
    };
    let ty_s = *w.get(4)?;
    let ty = match Scalar::parse(ty_s) {
        Some(s) => FieldType::Scalar(s),
        None => FieldType::Message(*shorts.get(ty_s)?),
    };
    // Optional flags, then an optional `@first-last` range.
    let flags = w
        .get(5)
        .copied()
        .filter(|f| !f.starts_with('@'))
        .unwrap_or("");
    Some(FieldDef {
        number,
        json,
        card,
        ty,
        required: flags.contains('R'),
        inline: flags.contains('I'),
        pointer: flags.contains('P'),
        releases: Releases::parse(w.iter().skip(5).copied().find(|t| t.starts_with('@'))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_loads_and_names_pod_fields() {
        let s = Schema::get();
        let pod = s
            .message("k8s.io.api.core.v1.PodStatus")
            .expect("PodStatus");
        let def = s.def(pod).expect("def");
        let (_, f) = def.field(6).expect("field 6");
        assert_eq!(f.json, "podIP");
        assert!(matches!(s.lookup_kind("v1", "Pod"), KindLookup::Found(_)));
        assert!(matches!(
            s.lookup_kind("v1", "Status"),
            KindLookup::Found(_)
        ));
        assert!(matches!(
            s.lookup_kind("apps/v1beta1", "Deployment"),
            KindLookup::Found(_)
        ));
        assert!(matches!(
            s.lookup_kind("example.com/v1", "Foo"),
            KindLookup::Unknown
        ));
    }
}

#[cfg(test)]
mod parse_time {
    /// The first decode parses schema.txt; it must stay quick even in a debug build (it holds
    /// every release since 1.15). Printed for the notes: `cargo test --lib parse_time -- --nocapture`.
    #[test]
    fn first_parse_is_fast() {
        let start = std::time::Instant::now();
        let schema = super::parse(super::SCHEMA_TEXT);
        let took = start.elapsed();
        eprintln!(
            "schema.txt: {} bytes, {} messages, parsed in {took:?}",
            super::SCHEMA_TEXT.len(),
            schema.messages.len()
        );
        assert!(schema.messages.len() > 1500);
        assert!(took < std::time::Duration::from_millis(200), "{took:?}");
    }
}
