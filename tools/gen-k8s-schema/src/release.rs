//! One Kubernetes release's schema: every `generated.proto` of the four repositories at that
//! release, joined with the Go struct tags beside each file.

use std::collections::{BTreeMap, HashMap};

use crate::git::Repo;
use crate::gotags::{self, GoTypes};
use crate::proto::{self, Card};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDef {
    pub json: String,
    pub card: Card,
    pub ty: String,
    /// No `omitempty`: Go prints the zero value.
    pub required: bool,
    /// `json:",inline"`: the embedded struct's fields are printed on the parent.
    pub inline: bool,
    /// A Go pointer: absent from the protobuf when nil, present even when zero.
    pub pointer: bool,
}

#[derive(Debug, Clone, Default)]
pub struct MessageDef {
    pub list_wrapper: bool,
    pub fields: BTreeMap<u32, FieldDef>,
}

#[derive(Default)]
pub struct Model {
    pub messages: BTreeMap<String, MessageDef>,
    /// API group -> Go package prefix (`apps` -> `k8s.io.api.apps`).
    pub groups: BTreeMap<String, String>,
    /// `message.field: proto name -> JSON name` where the two differ.
    pub renamed: Vec<String>,
    pub warnings: Vec<String>,
}

/// Proto files that describe nothing stored: apimachinery's test group, metrics, examples.
fn wanted(path: &str) -> bool {
    path.ends_with("/generated.proto")
        && ![
            "testapigroup",
            "metrics/",
            "example",
            "vendor/",
            "test/",
            "third_party/",
        ]
        .iter()
        .any(|skip| path.contains(skip))
}

/// Go files that may hold API struct definitions.
fn go_source(path: &str) -> bool {
    path.ends_with(".go")
        && !path.ends_with("_test.go")
        && !path.ends_with(".pb.go")
        && !path.contains("zz_generated")
        && !path.contains("swagger_doc")
}

/// Adds one repository at `rev` to `model`.
pub fn add_repo(model: &mut Model, repo: &mut Repo, rev: &str) -> Result<(), String> {
    let tree = repo.tree(rev, "")?;
    let proto_dirs: Vec<String> = tree
        .iter()
        .filter(|e| wanted(&e.path))
        .map(|e| e.path.trim_end_matches("/generated.proto").to_string())
        .collect();
    let in_dir = |e: &&crate::git::Entry, dir: &str| {
        e.path
            .strip_prefix(dir)
            .and_then(|r| r.strip_prefix('/'))
            .is_some_and(|r| !r.contains('/'))
    };
    let needed: Vec<&str> = tree
        .iter()
        .filter(|e| {
            proto_dirs
                .iter()
                .any(|d| in_dir(e, d) && (go_source(&e.path) || e.path.ends_with(".proto")))
        })
        .map(|e| e.blob.as_str())
        .collect();
    repo.load(&needed)?;
    for dir in &proto_dirs {
        let files: Vec<&crate::git::Entry> = tree.iter().filter(|e| in_dir(e, dir)).collect();
        let Some(pf) = files.iter().find(|e| e.path.ends_with("/generated.proto")) else {
            continue;
        };
        let text = String::from_utf8_lossy(repo.blob(&pf.blob)).into_owned();
        let parsed = proto::parse_file(&text).map_err(|e| format!("{rev}:{}: {e}", pf.path))?;
        let go_texts: Vec<String> = files
            .iter()
            .filter(|e| go_source(&e.path))
            .map(|e| String::from_utf8_lossy(repo.blob(&e.blob)).into_owned())
            .collect();
        let mut go = GoTypes::new();
        gotags::parse_package(
            &go_texts.iter().map(String::as_str).collect::<Vec<_>>(),
            &mut go,
        );
        if let Some(doc) = files.iter().find(|e| e.path.ends_with("/doc.go"))
            && let Some(group) = gotags::group_name(&String::from_utf8_lossy(repo.blob(&doc.blob)))
            && !parsed.package.starts_with("k8s.io.apimachinery.")
            && let Some((prefix, _version)) = parsed.package.rsplit_once('.')
        {
            model.groups.insert(group, prefix.to_string());
        }
        add_file(model, &parsed, &go);
    }
    Ok(())
}

fn add_file(model: &mut Model, file: &proto::ProtoFile, go: &GoTypes) {
    let empty = HashMap::new();
    for m in &file.messages {
        let full = format!("{}.{}", file.package, m.name);
        let tags = go.get(&m.name).unwrap_or(&empty);
        // meta/v1 Fields (1.15, before FieldsV1) prints as its one map field, like the
        // list wrappers print as their one list field.
        let wrapper = m.list_wrapper || full == "k8s.io.apimachinery.pkg.apis.meta.v1.Fields";
        let mut def = MessageDef {
            list_wrapper: wrapper,
            fields: BTreeMap::new(),
        };
        for f in &m.fields {
            let tag = tags.get(&f.number);
            if tag.is_none() && !wrapper && !go.is_empty() && go.contains_key(&m.name) {
                model
                    .warnings
                    .push(format!("{full}.{}: no Go struct tag", f.name));
            }
            let json = match tag {
                Some(t) if !t.json.is_empty() => t.json.clone(),
                _ => f.name.clone(),
            };
            if json != f.name && !tag.is_some_and(|t| t.inline) {
                model
                    .renamed
                    .push(format!("{full}.{}: JSON {json}", f.name));
            }
            def.fields.insert(
                f.number,
                FieldDef {
                    json,
                    card: f.card.clone(),
                    ty: f.ty.clone(),
                    required: tag.is_some_and(|t| !t.json.is_empty() && !t.omitempty && !t.inline),
                    inline: tag.is_some_and(|t| t.inline),
                    pointer: tag.is_some_and(|t| t.pointer),
                },
            );
        }
        model.messages.insert(full, def);
    }
}
