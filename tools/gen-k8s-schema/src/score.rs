//! Matching wire values against YAML values and OpenAPI types, for the learner.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_yaml::Value as Y;

use crate::openapi::OaType;

#[derive(Debug, Clone, Copy)]
pub(crate) enum W<'a> {
    Varint(u64),
    Fixed64(u64),
    Bytes(&'a [u8]),
    /// Kubernetes has no fixed32 fields; kept only to step over one.
    Fixed32,
}

pub(crate) fn varint(b: &[u8], pos: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for i in 0..10 {
        let byte = *b.get(*pos)?;
        *pos += 1;
        v |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

pub(crate) fn fields(b: &[u8]) -> Option<Vec<(u32, W<'_>)>> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < b.len() {
        let key = varint(b, &mut pos)?;
        let n = u32::try_from(key >> 3).ok().filter(|n| *n > 0)?;
        let w = match key & 7 {
            0 => W::Varint(varint(b, &mut pos)?),
            1 => {
                let s = b.get(pos..pos + 8)?;
                pos += 8;
                W::Fixed64(u64::from_le_bytes(s.try_into().ok()?))
            }
            2 => {
                let len = usize::try_from(varint(b, &mut pos)?).ok()?;
                let s = b.get(pos..pos.checked_add(len)?)?;
                pos += len;
                W::Bytes(s)
            }
            5 => {
                b.get(pos..pos + 4)?;
                pos += 4;
                W::Fixed32
            }
            _ => return None,
        };
        out.push((n, w));
    }
    Some(out)
}

/// OpenAPI Rust type -> (card, proto type); `None` for shapes protobuf cannot hold directly.
pub(crate) fn proto_of(rust: &str) -> Option<(String, String)> {
    if let Some(inner) = rust
        .strip_prefix("std::vec::Vec<")
        .and_then(|t| t.strip_suffix('>'))
    {
        return Some(("r".into(), elem(inner)?));
    }
    if let Some(inner) = rust
        .strip_prefix("std::collections::BTreeMap<std::string::String, ")
        .and_then(|t| t.strip_suffix('>'))
    {
        // Protobuf maps cannot hold lists; go-to-protobuf wraps the slice in a message whose
        // one field is `repeated items = 1` (like ExtraValue). Its Go name is unknown here.
        if inner == "std::vec::Vec<std::string::String>" {
            return Some(("m:string".into(), STRING_LIST.into()));
        }
        return Some(("m:string".into(), elem(inner)?));
    }
    Some(("o".into(), elem(rust)?))
}

pub(crate) fn elem(rust: &str) -> Option<String> {
    Some(match rust {
        "std::string::String" => "string".into(),
        "i32" => "int32".into(),
        "i64" => "int64".into(),
        "bool" => "bool".into(),
        "f64" => "double".into(),
        "crate::ByteString" => "bytes".into(),
        t if t.starts_with("crate::") && !t.contains('<') => {
            format!(
                "k8s.io.{}",
                t.trim_start_matches("crate::").replace("::", ".")
            )
        }
        _ => return None,
    })
}

/// Placeholder type name for a learned map-of-string-lists value; `ensure` puts it in the
/// parent's package as a list wrapper.
pub(crate) const STRING_LIST: &str = "_StringList";

pub(crate) const META: &str = "k8s.io.apimachinery.pkg.apis.meta.v1";

pub(crate) fn special(ty: &str) -> Option<&'static str> {
    Some(match ty {
        t if t == format!("{META}.Time") => "time",
        t if t == format!("{META}.MicroTime") => "microtime",
        t if t == format!("{META}.FieldsV1") => "json",
        "k8s.io.apimachinery.pkg.runtime.RawExtension" => "json",
        "k8s.io.apimachinery.pkg.api.resource.Quantity" => "quantity",
        "k8s.io.apimachinery.pkg.util.intstr.IntOrString" => "intorstring",
        t if t.starts_with("k8s.io.apiextensions_apiserver.") && t.ends_with(".JSON") => "json",
        _ => return None,
    })
}

pub(crate) fn map_entry(entry: &[u8]) -> Option<(String, &[u8])> {
    let mut key = String::new();
    let mut value: &[u8] = &[];
    for (n, w) in fields(entry)? {
        match (n, w) {
            (1, W::Bytes(k)) => key = String::from_utf8_lossy(k).into_owned(),
            (2, W::Bytes(v)) => value = v,
            _ => {}
        }
    }
    Some((key, value))
}

pub(crate) fn match_score(
    types: &HashMap<String, OaType>,
    card: &str,
    ty: &str,
    vals: &[W<'_>],
    yv: &Y,
    depth: u32,
) -> u32 {
    let single = |ty: &str, w: W<'_>, yv: &Y| single(types, ty, w, yv, depth);
    match card {
        "o" => vals.last().map_or(0, |w| single(ty, *w, yv)),
        "r" => {
            let Some(items) = yv.as_sequence() else {
                return 0;
            };
            let expanded: Vec<W<'_>> = match (vals, ty) {
                ([W::Bytes(b)], "int32" | "int64" | "bool") => {
                    let mut pos = 0;
                    let mut out = Vec::new();
                    while pos < b.len() {
                        match varint(b, &mut pos) {
                            Some(v) => out.push(W::Varint(v)),
                            None => return 0,
                        }
                    }
                    out
                }
                _ => vals.to_vec(),
            };
            if expanded.len() != items.len() {
                return 0;
            }
            let mut total = 0;
            for (w, item) in expanded.iter().zip(items) {
                match single(ty, *w, item) {
                    0 => return 0,
                    s => total += s,
                }
            }
            total
        }
        _ => {
            let Some(m) = yv.as_mapping() else { return 0 };
            let mut total = 0;
            for w in vals {
                let W::Bytes(entry) = w else { return 0 };
                let Some((key, value)) = map_entry(entry) else {
                    return 0;
                };
                let Some(v) = m.get(key.as_str()) else {
                    return 0;
                };
                let s = single(ty, W::Bytes(value), v);
                if s == 0 && !(ty.contains('.') || ty == "string" || ty == "bytes") {
                    return 0;
                }
                total += s.max(1);
            }
            total
        }
    }
}

pub(crate) fn single(
    types: &HashMap<String, OaType>,
    ty: &str,
    w: W<'_>,
    yv: &Y,
    depth: u32,
) -> u32 {
    match (ty, w) {
        ("string", W::Bytes(b)) => {
            u32::from(yv.as_str() == Some(&*String::from_utf8_lossy(b))) * 10
        }
        ("bytes", W::Bytes(b)) => u32::from(yv.as_str() == Some(&base64(b))) * 10,
        ("int32", W::Varint(v)) => u32::from(yv.as_i64() == Some(i64::from(v as u32 as i32))) * 5,
        ("int64", W::Varint(v)) => u32::from(yv.as_i64() == Some(v as i64)) * 5,
        ("bool", W::Varint(v)) => u32::from(yv.as_bool() == Some(v != 0)) * 3,
        ("double", W::Fixed64(v)) => u32::from(yv.as_f64() == Some(f64::from_bits(v))) * 5,
        (t, W::Bytes(b)) if t.contains('.') || t == STRING_LIST => {
            message_score(types, t, b, yv, depth)
        }
        _ => 0,
    }
}

pub(crate) fn message_score(
    types: &HashMap<String, OaType>,
    ty: &str,
    b: &[u8],
    yv: &Y,
    depth: u32,
) -> u32 {
    let Some(inner) = fields(b) else { return 0 };
    if ty == STRING_LIST {
        let items: Vec<String> = inner
            .iter()
            .filter_map(|(n, w)| match (n, w) {
                (1, W::Bytes(s)) => Some(String::from_utf8_lossy(s).into_owned()),
                _ => None,
            })
            .collect();
        let want: Option<Vec<String>> = yv.as_sequence().map(|s| {
            s.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        });
        return u32::from(want.as_ref() == Some(&items) && items.len() == inner.len()) * 10;
    }
    let get = |n: u32| {
        inner
            .iter()
            .rev()
            .find(|(num, _)| *num == n)
            .map(|(_, w)| *w)
    };
    match special(ty) {
        Some("time") | Some("microtime") => {
            let secs = match get(1) {
                Some(W::Varint(v)) => v as i64,
                None if b.is_empty() => return u32::from(yv.is_null()) * 2,
                _ => 0,
            };
            let nanos = match get(2) {
                Some(W::Varint(v)) => i64::from(v as u32 as i32),
                _ => 0,
            };
            let micro = special(ty) == Some("microtime");
            let text = rfc3339(secs, if micro { nanos } else { 0 }, micro);
            u32::from(yv.as_str() == Some(&text)) * 10
        }
        Some("quantity") => match get(1) {
            Some(W::Bytes(s)) => u32::from(yv.as_str() == Some(&*String::from_utf8_lossy(s))) * 10,
            _ => u32::from(yv.as_str() == Some("0")) * 2,
        },
        Some("intorstring") => match (get(1), get(2), get(3)) {
            (Some(W::Varint(1)), _, Some(W::Bytes(s))) => {
                u32::from(yv.as_str() == Some(&*String::from_utf8_lossy(s))) * 10
            }
            (_, Some(W::Varint(i)), _) => {
                u32::from(yv.as_i64() == Some(i64::from(i as u32 as i32))) * 5
            }
            _ => 0,
        },
        Some(_) => match get(1) {
            Some(W::Bytes(raw)) => {
                let parsed: Option<Y> = serde_yaml::from_slice(raw).ok();
                u32::from(parsed.as_ref() == Some(yv)) * 10
            }
            _ => u32::from(yv.is_null()) * 2,
        },
        None => {
            if !yv.is_mapping() {
                return 0;
            }
            let mut wire = BTreeSet::new();
            collect_strings(b, &mut wire, 0);
            let mut text = BTreeSet::new();
            yaml_strings(yv, &mut text);
            let mut score = 1 + wire.intersection(&text).count() as u32;
            // Same strings (or none) on both sides: compare structure, field by field,
            // against the candidate type's own fields.
            if let (Some(oa), Some(m)) = (types.get(ty), yv.as_mapping())
                && depth < 6
            {
                let mut groups: BTreeMap<u32, Vec<W<'_>>> = BTreeMap::new();
                for (n, w) in inner {
                    groups.entry(n).or_default().push(w);
                }
                if groups.len() == m.len() {
                    score += 2;
                }
                for vals in groups.values() {
                    score += oa
                        .fields
                        .iter()
                        .filter_map(|f| {
                            let yv = m.get(f.json.as_str())?;
                            let (card, ty) = proto_of(&f.rust_type)?;
                            Some(match_score(types, &card, &ty, vals, yv, depth + 1))
                        })
                        .max()
                        .unwrap_or(0);
                }
            }
            score
        }
    }
}

pub(crate) fn collect_strings(b: &[u8], out: &mut BTreeSet<String>, depth: u32) {
    let Some(fs) = fields(b) else { return };
    for (_, w) in fs {
        if let W::Bytes(s) = w {
            match std::str::from_utf8(s) {
                Ok(t) if !t.is_empty() && t.chars().all(|c| !c.is_control()) => {
                    out.insert(t.to_string());
                }
                _ if depth < 20 => collect_strings(s, out, depth + 1),
                _ => {}
            }
        }
    }
}

pub(crate) fn yaml_strings(y: &Y, out: &mut BTreeSet<String>) {
    match y {
        Y::String(s) => {
            out.insert(s.clone());
        }
        Y::Sequence(items) => items.iter().for_each(|i| yaml_strings(i, out)),
        Y::Mapping(m) => {
            for (k, v) in m {
                if let Some(k) = k.as_str() {
                    out.insert(k.to_string());
                }
                yaml_strings(v, out);
            }
        }
        _ => {}
    }
}

pub(crate) fn base64(input: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(A[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub(crate) fn rfc3339(secs: i64, nanos: i64, micros: bool) -> String {
    let days = secs.div_euclid(86_400);
    let tod = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let base = format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        tod / 3600,
        tod % 3600 / 60,
        tod % 60
    );
    if micros {
        format!("{base}.{:06}Z", nanos / 1000)
    } else {
        format!("{base}Z")
    }
}
