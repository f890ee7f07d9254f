//! Reads go-to-protobuf `generated.proto` files: proto2, top-level messages only, fields
//! `optional|repeated TYPE name = N;` and `map<K, V> name = N;`.

use std::collections::HashMap;
use std::path::Path;

pub const SCALARS: &[&str] = &[
    "string", "bytes", "bool", "int32", "int64", "uint32", "uint64", "sint32", "sint64", "fixed32",
    "fixed64", "sfixed32", "sfixed64", "double", "float",
];

#[derive(Debug, Clone)]
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
    pub package: String,
    pub name: String,
    /// go-to-protobuf's `+protobuf.nullable=true`: a named Go slice wrapped in a message with
    /// one `items` field; Go's JSON prints it as the bare list.
    pub list_wrapper: bool,
    pub fields: Vec<Field>,
}

impl Message {
    pub fn full(&self) -> String {
        format!("{}.{}", self.package, self.name)
    }
}

/// All messages under `root`, with type references resolved to full names.
pub fn load_dir(root: &Path) -> Result<Vec<Message>, String> {
    let mut files = Vec::new();
    collect(root, &mut files)?;
    files.sort();
    let mut parsed = Vec::new();
    let mut alias_to_real = HashMap::new();
    for path in &files {
        let rel = path
            .strip_prefix(root)
            .unwrap_or(path)
            .to_string_lossy()
            .to_string();
        // Metrics APIs are served, never stored; testapigroup is apimachinery's test fixture.
        if rel.starts_with("metrics/") || rel.contains("testapigroup") {
            continue;
        }
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("read {}: {e}", path.display()))?;
        let file = parse_file(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        alias_to_real.insert(file.0.clone(), file.1.clone());
        parsed.push(file);
    }
    let mut messages = Vec::new();
    for (alias, real, msgs) in parsed {
        for mut m in msgs {
            m.package = real.clone();
            for f in &mut m.fields {
                f.ty = resolve(&f.ty, &alias, &real, &alias_to_real)?;
            }
            messages.push(m);
        }
    }
    Ok(messages)
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("read {}: {e}", dir.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out)?;
        } else if path.file_name().is_some_and(|n| n == "generated.proto") {
            out.push(path);
        }
    }
    Ok(())
}

fn resolve(
    ty: &str,
    alias: &str,
    real: &str,
    alias_to_real: &HashMap<String, String>,
) -> Result<String, String> {
    if SCALARS.contains(&ty) {
        return Ok(ty.to_string());
    }
    let Some(abs) = ty.strip_prefix('.') else {
        return Ok(format!("{real}.{ty}"));
    };
    let (pkg, name) = abs
        .rsplit_once('.')
        .ok_or_else(|| format!("bad type {ty}"))?;
    if pkg == alias {
        return Ok(format!("{real}.{name}"));
    }
    let real_pkg = alias_to_real
        .get(pkg)
        .ok_or_else(|| format!("type {ty}: unknown package {pkg}"))?;
    Ok(format!("{real_pkg}.{name}"))
}

/// Returns (package as written, real package from go_package, messages).
fn parse_file(text: &str) -> Result<(String, String, Vec<Message>), String> {
    let mut alias = String::new();
    let mut real = String::new();
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
            alias = p.trim_end_matches(';').trim().to_string();
        } else if let Some(g) = line.strip_prefix("option go_package = \"") {
            // The real proto package is the Go import path, dotted (k8s.io/api/core/v1).
            real = g
                .trim_end_matches("\";")
                .replace(['/'], ".")
                .replace('-', "_");
        } else if let Some(rest) = line.strip_prefix("message ") {
            let name = rest.trim_end_matches('{').trim().to_string();
            current = Some(Message {
                package: String::new(),
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
    if alias.is_empty() || real.is_empty() {
        return Err("missing package or go_package".into());
    }
    Ok((alias, real, messages))
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
