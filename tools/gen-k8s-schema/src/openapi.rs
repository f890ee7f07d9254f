//! Reads k8s-openapi's generated sources: one file per OpenAPI definition, headed
//! `// Generated from definition io.k8s.api.apps.v1.DeploymentSpec`, with a struct
//! (`pub rust_name: Type,`), a serde visitor (`"jsonName" => Field::Key_rust_name,`) and, for
//! top-level kinds, `impl crate::Resource` with `API_VERSION`, `GROUP` and `KIND`.

use std::collections::HashMap;
use std::path::Path;

#[derive(Debug, Clone)]
pub struct OaField {
    pub json: String,
    /// The Rust type with any `Option<..>` removed (`std::vec::Vec<crate::api::core::v1::Container>`).
    pub rust_type: String,
    /// Not `Option<..>`: the spec lists it as required, i.e. Go has no `omitempty`.
    pub required: bool,
}

#[derive(Debug, Clone, Default)]
pub struct OaType {
    pub fields: Vec<OaField>,
    pub api_version: Option<String>,
    pub group: Option<String>,
    pub kind: Option<String>,
}

/// Keyed by the proto-style full name (`k8s.io.api.apps.v1.DeploymentSpec`).
pub fn load_dir(root: &Path) -> Result<HashMap<String, OaType>, String> {
    let mut out = HashMap::new();
    walk(root, &mut out)?;
    Ok(out)
}

fn walk(dir: &Path, out: &mut HashMap<String, OaType>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("read {}: {e}", dir.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("read {}: {e}", path.display()))?;
            if let Some((name, ty)) = parse_file(&text) {
                out.insert(name, ty);
            }
        }
    }
    Ok(())
}

/// OpenAPI definition names are reversed-domain Go import paths; protos use the path itself.
pub fn definition_to_proto(def: &str) -> String {
    let rest = def.strip_prefix("io.k8s.").unwrap_or(def);
    format!("k8s.io.{}", rest.replace('-', "_"))
}

fn parse_file(text: &str) -> Option<(String, OaType)> {
    let def = text
        .lines()
        .next()?
        .strip_prefix("// Generated from definition ")?
        .trim();
    let mut ty = OaType::default();
    let mut rust_fields: Vec<(String, String, bool)> = Vec::new();
    let mut in_struct = false;
    let mut json_to_rust: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with("pub struct ") && t.ends_with('{') && rust_fields.is_empty() {
            in_struct = true;
            continue;
        }
        if in_struct {
            if t == "}" {
                in_struct = false;
            } else if let Some(f) = t.strip_prefix("pub ")
                && let Some((name, ty_)) = f.split_once(':')
            {
                let ty_ = ty_.trim().trim_end_matches(',');
                let inner = ty_
                    .strip_prefix("Option<")
                    .and_then(|t| t.strip_suffix('>'))
                    .unwrap_or(ty_);
                rust_fields.push((
                    name.trim().to_string(),
                    inner.to_string(),
                    !ty_.starts_with("Option<"),
                ));
            }
            continue;
        }
        if let Some(v) = const_str(t, "API_VERSION") {
            ty.api_version = Some(v);
        } else if let Some(v) = const_str(t, "GROUP") {
            ty.group = Some(v);
        } else if let Some(v) = const_str(t, "KIND") {
            ty.kind = Some(v);
        } else if let Some(rest) = t.strip_prefix('"')
            && let Some((json, arm)) = rest.split_once("\" => Field::Key_")
        {
            let rust = arm.trim_end_matches(',').to_string();
            json_to_rust.push((json.to_string(), rust));
        }
    }
    for (json, rust) in json_to_rust {
        if let Some((_, rust_type, required)) = rust_fields.iter().find(|(n, _, _)| *n == rust) {
            ty.fields.push(OaField {
                json,
                rust_type: rust_type.clone(),
                required: *required,
            });
        }
    }
    Some((definition_to_proto(def), ty))
}

fn const_str(line: &str, name: &str) -> Option<String> {
    let rest = line.strip_prefix(&format!("const {name}: &'static str = \""))?;
    Some(rest.strip_suffix("\";")?.to_string())
}
