//! Reads go-to-protobuf `generated.proto` files: proto2, top-level messages only, fields
//! `optional|repeated TYPE name = N;` and `map<K, V> name = N;`. The declared `package` is
//! the Go import path with dots (`k8s.io.api.core.v1`); older releases' `go_package` is just
//! the last path element, so it is not used.

pub const SCALARS: &[&str] = &[
    "string", "bytes", "bool", "int32", "int64", "uint32", "uint64", "sint32", "sint64", "fixed32",
    "fixed64", "sfixed32", "sfixed64", "double", "float",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Card {
    Optional,
    Repeated,
    /// Map with this scalar key type.
    Map(String),
}

#[derive(Debug, Clone)]
pub struct Field {
    pub number: u32,
    pub name: String,
    pub card: Card,
    /// A scalar name, or the full name of a message (`k8s.io.api.core.v1.Pod`).
    pub ty: String,
}

#[derive(Debug, Clone)]
pub struct Message {
    pub name: String,
    /// go-to-protobuf's `+protobuf.nullable=true`: a named Go slice wrapped in a message with
    /// one `items` field; Go's JSON prints it as the bare list.
    pub list_wrapper: bool,
    pub fields: Vec<Field>,
}

pub struct ProtoFile {
    pub package: String,
    pub messages: Vec<Message>,
}

/// Parses one file; message-typed fields get full names.
pub fn parse_file(text: &str) -> Result<ProtoFile, String> {
    let mut package = String::new();
    let mut messages = Vec::new();
    let mut comment = String::new();
    let mut current: Option<Message> = None;
    for raw in text.lines() {
        let line = raw.trim();
        if let Some(c) = line.strip_prefix("//") {
            comment.push_str(c);
            comment.push('\n');
            continue;
        }
        if let Some(p) = line.strip_prefix("package ") {
            package = p.trim_end_matches(';').trim().to_string();
        } else if let Some(rest) = line.strip_prefix("message ") {
            let name = rest.trim_end_matches('{').trim().to_string();
            current = Some(Message {
                name,
                list_wrapper: comment.contains("+protobuf.nullable=true"),
                fields: Vec::new(),
            });
        } else if line == "}" {
            if let Some(m) = current.take() {
                messages.push(m);
            }
        } else if let Some(m) = current.as_mut()
            && !line.is_empty()
        {
            m.fields.push(parse_field(line)?);
        }
        comment.clear();
    }
    if package.is_empty() {
        return Err("no package".into());
    }
    for m in &mut messages {
        for f in &mut m.fields {
            f.ty = resolve(&f.ty, &package);
        }
    }
    Ok(ProtoFile { package, messages })
}

fn resolve(ty: &str, package: &str) -> String {
    if SCALARS.contains(&ty) {
        return ty.to_string();
    }
    // `.k8s.io.api.core.v1.X` (newer releases) and `k8s.io.api.core.v1.X` (older ones) are
    // both full names; a bare `X` is in this file's package.
    match ty.strip_prefix('.') {
        Some(abs) => abs.to_string(),
        None if ty.contains('.') => ty.to_string(),
        None => format!("{package}.{ty}"),
    }
}

fn parse_field(line: &str) -> Result<Field, String> {
    let bad = || format!("unparsed field line: {line}");
    let body = line.strip_suffix(';').ok_or_else(bad)?;
    let (decl, number) = body.rsplit_once('=').ok_or_else(bad)?;
    let number: u32 = number.trim().parse().map_err(|_| bad())?;
    let decl = decl.trim();
    if let Some(rest) = decl.strip_prefix("map<") {
        let (kv, name) = rest.split_once('>').ok_or_else(bad)?;
        let (k, v) = kv.split_once(',').ok_or_else(bad)?;
        return Ok(Field {
            number,
            name: name.trim().to_string(),
            card: Card::Map(k.trim().to_string()),
            ty: v.trim().to_string(),
        });
    }
    let mut words = decl.split_whitespace();
    let (Some(label), Some(ty), Some(name), None) =
        (words.next(), words.next(), words.next(), words.next())
    else {
        return Err(bad());
    };
    let card = match label {
        "optional" | "required" => Card::Optional,
        "repeated" => Card::Repeated,
        _ => return Err(bad()),
    };
    Ok(Field {
        number,
        name: name.to_string(),
        card,
        ty: ty.to_string(),
    })
}
