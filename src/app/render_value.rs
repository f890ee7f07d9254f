//! The one place the app asks how to show a value. It adapts the decoder's answer to
//! what the views need, so the views never call the decoder per frame.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueFormat {
    Kubernetes,
    Json,
    Yaml,
    Text,
    Hex,
    Encrypted,
}

impl ValueFormat {
    pub fn label(self) -> &'static str {
        match self {
            ValueFormat::Kubernetes => "kubernetes",
            ValueFormat::Json => "json",
            ValueFormat::Yaml => "yaml",
            ValueFormat::Text => "text",
            ValueFormat::Hex => "hex",
            ValueFormat::Encrypted => "encrypted",
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rendered {
    pub text: String,
    pub notes: Vec<String>,
    /// apiVersion and kind, for Kubernetes objects.
    pub kind: Option<(String, String)>,
}

pub fn formats_for(_key: &[u8], value: &[u8]) -> Vec<ValueFormat> {
    let mut v = Vec::new();
    if let Ok(text) = std::str::from_utf8(value) {
        if serde_yaml::from_str::<serde_yaml::Value>(text)
            .is_ok_and(|y| y.is_mapping() || y.is_sequence())
        {
            v.push(if text.trim_start().starts_with(['{', '[']) {
                ValueFormat::Json
            } else {
                ValueFormat::Yaml
            });
        }
        v.push(ValueFormat::Text);
    }
    v.push(ValueFormat::Hex);
    v
}

pub fn render(_key: &[u8], value: &[u8], format: ValueFormat, _reveal: bool) -> Rendered {
    let text = match format {
        ValueFormat::Hex => hex_dump(value),
        _ => String::from_utf8_lossy(value).into_owned(),
    };
    Rendered {
        text,
        ..Rendered::default()
    }
}

pub fn hex_dump(value: &[u8]) -> String {
    let mut out = String::with_capacity(value.len() * 4);
    for (i, chunk) in value.chunks(16).enumerate() {
        let hex: Vec<String> = chunk.iter().map(|b| format!("{b:02x}")).collect();
        let ascii: String = chunk
            .iter()
            .map(|b| {
                if b.is_ascii_graphic() || *b == b' ' {
                    *b as char
                } else {
                    '.'
                }
            })
            .collect();
        out.push_str(&format!(
            "{:08x}  {:<47}  |{ascii}|\n",
            i * 16,
            hex.join(" ")
        ));
    }
    out
}
