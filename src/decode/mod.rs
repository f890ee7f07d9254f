//! Value decoding for the Keys and Watch views and `etcdtui decode`. Pure: no I/O, no
//! terminal; every function returns output for any input and never panics.
//!
//! # Using it from a view
//!
//! ```
//! use etcdtui::decode::{detect, formats_for, render, RenderOptions};
//! let (key, value) = (b"/app/config".as_slice(), br#"{"a": 1}"#.as_slice());
//! let format = detect(key, value);                 // what to show first
//! let cycle = formats_for(value);                  // what the "next format" key walks through
//! assert!(cycle.contains(&format));
//! let shown = render(key, value, format, &RenderOptions::default());
//! assert_eq!(shown.text, "{\n  \"a\": 1\n}\n");
//! ```
//!
//! `render` may show a different format than asked when the value cannot be shown that way
//! (asking for JSON on binary data): [`Rendered::format`] is what was actually rendered and
//! the first note says why. `detect`'s answer is always one of `formats_for`.
//!
//! # Formats
//!
//! | Format | Chosen by `detect` when | `render` shows |
//! |---|---|---|
//! | `Kubernetes` | `k8s\0` protobuf; or a JSON object with `apiVersion` and `kind` under `/registry/` (CRDs, apiextensions and aggregator objects are stored as JSON) | YAML exactly as `kubectl get -o yaml` prints it; `kind` is set; notes name anything the schema could not |
//! | `Json` | a JSON object or array | pretty JSON, 2-space indent, the value's key order; for Kubernetes objects kubectl's `-o json` (4 spaces, Go escaping) |
//! | `Yaml` | multi-line text whose top level is a YAML mapping or sequence | the text as is; a JSON value converted to YAML in its own key order |
//! | `Text` | valid UTF-8 without control characters other than `\n` `\t` `\r` | the text as is; forced on binary, control bytes and invalid UTF-8 become `\xNN` |
//! | `Hex` | anything else | `hexdump -C` style lines (always offered) |
//! | `Encrypted` | `k8s:enc:<provider>:v1:<key>:` or `k8s:enc:kms:v2:<name>:` | `encrypted at rest (provider aescbc, key key1), N bytes` |
//!
//! CRD objects stay `Format::Kubernetes` (not `Json`): the user sees them like any other
//! object, with a "stored as JSON" note, and can cycle to `Json` for the raw value.
//!
//! # Secrets
//!
//! Unless [`RenderOptions::reveal_secrets`], a Secret (key under `/registry/secrets/`, or an
//! object whose envelope says `v1 Secret`) has every `data` and `stringData` value replaced
//! by `•••••• (N bytes)`, and its Text and Hex views are withheld (protobuf keeps the values
//! in clear). Encrypted values are ciphertext and always shown.
//!
//! # Kubernetes fidelity
//!
//! Field numbers, names and types come from `k8s/schema.txt`, generated from real Kubernetes
//! sources by `tools/gen-k8s-schema` (see its README line in `schema.txt`). Output follows
//! Go's encoding/json: absent fields are omitted, zero scalars are omitted unless the field
//! is required, structs always print, `Time` as RFC 3339 (`null` when zero), `MicroTime`
//! with microseconds, `Duration` as Go prints it, `Quantity` and `IntOrString` as their
//! value, `RawExtension`/`FieldsV1` as embedded JSON, bytes as base64, maps sorted. Go
//! pointer fields holding an explicit zero (`replicas: 0`) cannot be told apart from
//! unset non-pointer fields on the wire and are omitted like them. Unknown field numbers
//! (a newer Kubernetes) appear as `'#<n> <wire type>'` keys with a note; unknown kinds get
//! a decoded `metadata` and a numbered dump of the rest.

mod base64;
mod detect;
mod encrypted;
mod generic;
mod hex;
pub mod json;
pub mod k8s;
pub mod node;
mod render;
mod secrets;
pub mod wire;
pub mod yaml;

use detect::Shape;

pub use node::Node;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Kubernetes,
    Json,
    Yaml,
    Text,
    Hex,
    Encrypted,
}

impl Format {
    /// Short name for a status line.
    pub fn label(self) -> &'static str {
        match self {
            Format::Kubernetes => "Kubernetes",
            Format::Json => "JSON",
            Format::Yaml => "YAML",
            Format::Text => "text",
            Format::Hex => "hex",
            Format::Encrypted => "encrypted",
        }
    }
}

/// A value ready to show.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// The format actually rendered (may differ from the one asked for; see the notes).
    pub format: Format,
    /// What to show. May contain any character the value held; the UI escapes control
    /// characters itself. Kubernetes objects are kubectl-style YAML.
    pub text: String,
    /// One line each: fields or kinds the schema could not name, corruption, fallbacks.
    pub notes: Vec<String>,
    /// (apiVersion, kind) of a Kubernetes object.
    pub kind: Option<(String, String)>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// Show Secret `data`/`stringData` and raw Secret bytes.
    pub reveal_secrets: bool,
}

const REGISTRY_PREFIX: &[u8] = b"/registry/";

/// The note on a Kubernetes object that was stored as JSON rather than protobuf.
pub const NOTE_STORED_AS_JSON: &str = "stored as JSON";

/// The format to show `value` in first.
pub fn detect(key: &[u8], value: &[u8]) -> Format {
    match detect::shape(value) {
        Shape::Encrypted => Format::Encrypted,
        Shape::K8sProto => Format::Kubernetes,
        Shape::K8sJson if key.starts_with(REGISTRY_PREFIX) => Format::Kubernetes,
        Shape::K8sJson | Shape::Json => Format::Json,
        Shape::Yaml => Format::Yaml,
        Shape::Text => Format::Text,
        Shape::Binary => Format::Hex,
    }
}

/// The formats that make sense for `value`, for a key that cycles through them. `Hex` is
/// always last.
pub fn formats_for(value: &[u8]) -> Vec<Format> {
    use Format::*;
    match detect::shape(value) {
        Shape::Encrypted => vec![Encrypted, Hex],
        Shape::K8sProto => vec![Kubernetes, Json, Hex],
        Shape::K8sJson => vec![Kubernetes, Json, Yaml, Text, Hex],
        Shape::Json => vec![Json, Yaml, Text, Hex],
        Shape::Yaml => vec![Yaml, Text, Hex],
        Shape::Text => vec![Text, Hex],
        Shape::Binary => vec![Hex],
    }
}

/// Renders `value` (stored under `key`) in `format`. Never fails; see the module docs.
pub fn render(key: &[u8], value: &[u8], format: Format, opts: &RenderOptions) -> Rendered {
    render::render(key, value, format, opts)
}

/// kubectl's `-o yaml` text for a decoded object.
pub fn kubectl_yaml(node: &Node) -> String {
    render::kubectl_text(node, render::Out::Yaml)
}

/// kubectl's `-o json` text for a decoded object.
pub fn kubectl_json(node: &Node) -> String {
    render::kubectl_text(node, render::Out::Json)
}

#[cfg(test)]
mod tests;
