//! The value pane: the selected key's value as fetched, and how it is shown. Rendering
//! is done once when the value, the format or the secret reveal changes, never per frame.

use crate::etcd::keys::KeyValue;

use super::super::render_value::{Rendered, ValueFormat, empty, formats_for, render};

#[derive(Clone, Debug)]
pub struct ValuePane {
    pub key: Vec<u8>,
    pub kv: Option<KeyValue>,
    pub lease_ttl: Option<i64>,
    /// The store revision when the value was read.
    pub revision: i64,
    pub formats: Vec<ValueFormat>,
    pub format: ValueFormat,
    pub reveal: bool,
    pub rendered: Rendered,
    pub scroll: u16,
    pub loading: bool,
    /// Why the value could not be read: not the same as a key that is gone.
    pub error: Option<String>,
}

impl ValuePane {
    pub fn loading(key: Vec<u8>) -> ValuePane {
        ValuePane {
            key,
            kv: None,
            lease_ttl: None,
            revision: 0,
            formats: Vec::new(),
            format: ValueFormat::Text,
            reveal: false,
            rendered: empty(),
            scroll: 0,
            loading: true,
            error: None,
        }
    }

    pub fn set(&mut self, kv: Option<KeyValue>, lease_ttl: Option<i64>, revision: i64) {
        self.loading = false;
        self.error = None;
        self.lease_ttl = lease_ttl;
        self.revision = revision;
        if let Some(kv) = &kv {
            self.formats = formats_for(&kv.key, &kv.value);
            self.format = self.formats.first().copied().unwrap_or(ValueFormat::Hex);
        }
        self.kv = kv;
        self.rerender();
    }

    pub fn cycle_format(&mut self) {
        if self.formats.len() < 2 {
            return;
        }
        let i = self
            .formats
            .iter()
            .position(|f| *f == self.format)
            .unwrap_or(0);
        self.format = self.formats[(i + 1) % self.formats.len()];
        self.scroll = 0;
        self.rerender();
    }

    pub fn toggle_reveal(&mut self) {
        self.reveal = !self.reveal;
        self.rerender();
    }

    fn rerender(&mut self) {
        self.rendered = match &self.kv {
            Some(kv) => render(&kv.key, &kv.value, self.format, self.reveal),
            None => empty(),
        };
    }
}
