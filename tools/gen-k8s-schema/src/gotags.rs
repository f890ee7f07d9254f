//! Reads the Go struct tags of an API package (`types.go` and friends), which decide what
//! encoding/json prints and the proto file cannot say: `omitempty` (a zero scalar without it
//! is printed), `json:",inline"` (an embedded struct whose fields appear on the parent) and
//! JSON names that are not proto identifiers (`$ref`). Fields are matched to the proto by
//! their `protobuf:"...,N,..."` number.

use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct GoField {
    /// The JSON name; empty for an inline (embedded) struct, or when the tag names none
    /// (`json:"-"` or no json tag: types with their own MarshalJSON).
    pub json: String,
    pub omitempty: bool,
    pub inline: bool,
    /// A pointer (`*int32`): Go's protobuf writes it only when set, even when zero.
    pub pointer: bool,
}

/// Go type name -> protobuf field number -> tag facts.
pub type GoTypes = HashMap<String, HashMap<u32, GoField>>;

pub fn parse_package(files: &[&str], out: &mut GoTypes) {
    for text in files {
        parse_file(text, out);
    }
}

fn parse_file(text: &str, out: &mut GoTypes) {
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("type ")
            && let Some(name) = rest.strip_suffix(" struct {")
        {
            current = Some(name.trim().to_string());
            continue;
        }
        if line.starts_with('}') {
            current = None;
            continue;
        }
        let Some(name) = &current else { continue };
        if let Some((number, field)) = parse_field(line) {
            out.entry(name.clone()).or_default().insert(number, field);
        }
    }
}

/// `Name Type `json:"name,omitempty" protobuf:"bytes,1,opt,name=name"``.
fn parse_field(line: &str) -> Option<(u32, GoField)> {
    let tag = line.split('`').nth(1)?;
    let proto = tag_value(tag, "protobuf")?;
    let number: u32 = proto.split(',').nth(1)?.parse().ok()?;
    let Some(json) = tag_value(tag, "json").filter(|j| *j != "-") else {
        let field = GoField {
            json: String::new(),
            omitempty: true,
            inline: false,
            pointer: false,
        };
        return Some((number, field));
    };
    let mut parts = json.split(',');
    let name = parts.next().unwrap_or("");
    let opts: Vec<&str> = parts.collect();
    // encoding/json flattens an embedded (anonymous) struct that its tag gives no name:
    // `VolumeSource `json:",inline"`` in older releases, `json:""` in newer ones.
    let decl: Vec<&str> = line
        .split('`')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let embedded = decl.len() == 1;
    let pointer = decl.last().is_some_and(|t| t.starts_with('*'));
    Some((
        number,
        GoField {
            json: name.to_string(),
            omitempty: opts.contains(&"omitempty"),
            inline: name.is_empty() && (embedded || opts.contains(&"inline")),
            pointer,
        },
    ))
}

fn tag_value<'a>(tag: &'a str, key: &str) -> Option<&'a str> {
    let start = tag.find(&format!("{key}:\""))? + key.len() + 2;
    let rest = tag.get(start..)?;
    rest.get(..rest.find('"')?)
}

/// `// +groupName=apps` in doc.go; `Some("")` for the core group.
pub fn group_name(doc: &str) -> Option<String> {
    doc.lines()
        .find_map(|l| l.trim().strip_prefix("// +groupName="))
        .map(|g| g.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_say_name_omitempty_inline_and_pointer() {
        let go = "type Volume struct {
\tName string `json:\"name\" protobuf:\"bytes,1,opt,name=name\"`
\tVolumeSource `json:\",inline\" protobuf:\"bytes,2,opt,name=volumeSource\"`
}
type NamedRuleWithOperations struct {
\tRuleWithOperations `json:\"\" protobuf:\"bytes,2,opt,name=ruleWithOperations\"`
\tController *bool `json:\"controller,omitempty\" protobuf:\"varint,6,opt,name=controller\"`
\tRef string `json:\"$ref,omitempty\" protobuf:\"bytes,3,opt,name=ref\"`
\tRaw []byte `json:\"-\" protobuf:\"bytes,1,opt,name=raw\"`
}
";
        let mut out = GoTypes::new();
        parse_package(&[go], &mut out);
        let v = &out["Volume"];
        assert_eq!(v[&1].json, "name");
        assert!(!v[&1].omitempty && !v[&1].inline && !v[&1].pointer);
        assert!(v[&2].inline, "json:\",inline\"");
        let n = &out["NamedRuleWithOperations"];
        assert!(n[&2].inline, "an embedded struct with json:\"\"");
        assert!(n[&6].pointer && n[&6].omitempty);
        assert_eq!(n[&3].json, "$ref");
        assert_eq!(n[&1].json, "", "json:\"-\" leaves the proto name");
    }
}
