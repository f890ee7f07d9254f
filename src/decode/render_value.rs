//! The one place the app asks how to show a value: a thin layer over `crate::decode`, so
//! views never call the decoder per frame and the detected format comes first in the
//! cycle.

pub use crate::decode::{Format as ValueFormat, Rendered};

use crate::decode::{RenderOptions, detect, formats_for as decoder_formats, render_keys as decode};

/// The formats the `f` key cycles through, starting with the detected one.
pub fn formats_for(key: &[u8], value: &[u8]) -> Vec<ValueFormat> {
    let first = detect(key, value);
    let mut all = decoder_formats(value);
    all.retain(|f| *f != first);
    all.insert(0, first);
    // Text with escapes is always worth a look, even when hex is the safe default.
    if !all.contains(&ValueFormat::Text) {
        all.push(ValueFormat::Text);
    }
    all
}

/// Values encrypted at rest are opened with the EncryptionConfiguration installed at
/// start (`crate::startup::setup_encryption`), in every pane that shows values.
pub fn render(key: &[u8], value: &[u8], format: ValueFormat, reveal: bool) -> Rendered {
    let keys = crate::encryption::installed();
    decode(
        key,
        value,
        format,
        &RenderOptions {
            reveal_secrets: reveal,
        },
        keys.as_deref(),
    )
}

/// Nothing to show yet.
pub fn empty() -> Rendered {
    Rendered {
        format: ValueFormat::Text,
        text: String::new(),
        notes: Vec::new(),
        kind: None,
    }
}
