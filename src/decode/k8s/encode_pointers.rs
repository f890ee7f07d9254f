//! Which fields are Go pointers (`*int32`, `*Time`, ...): gogo-protobuf writes those only when
//! set, and every other non-repeated field always, zero or not. The protobuf schema cannot
//! say which is which, so `encode_pointers.txt` (written by `tools/gen-k8s-pointers` from the
//! Go types of every release) does.

use super::schema::Schema;
use std::sync::OnceLock;

const POINTERS_TEXT: &str = include_str!("encode_pointers.txt");

/// Per schema message index, its pointer field numbers (sorted).
pub struct Pointers {
    by_message: Vec<Vec<u32>>,
}

impl Pointers {
    pub fn get() -> &'static Pointers {
        static P: OnceLock<Pointers> = OnceLock::new();
        P.get_or_init(|| parse(Schema::get(), POINTERS_TEXT))
    }

    pub fn is_pointer(&self, message: usize, number: u32) -> bool {
        self.by_message
            .get(message)
            .is_some_and(|v| v.binary_search(&number).is_ok())
    }
}

fn parse(schema: &Schema, text: &str) -> Pointers {
    let mut by_message = vec![Vec::new(); schema.messages.len()];
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let mut words = line.split(' ');
        let Some(index) = words.next().and_then(|m| schema.message(m)) else {
            continue;
        };
        if let Some(list) = by_message.get_mut(index) {
            list.extend(words.filter_map(|w| w.parse::<u32>().ok()));
            list.sort_unstable();
        }
    }
    Pointers { by_message }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_object_meta_and_deployment_pointers() {
        let s = Schema::get();
        let p = Pointers::get();
        let meta = s
            .message("k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta")
            .expect("ObjectMeta");
        assert!(p.is_pointer(meta, 10), "deletionGracePeriodSeconds");
        assert!(!p.is_pointer(meta, 7), "generation is an int64");
        let spec = s
            .message("k8s.io.api.apps.v1.DeploymentSpec")
            .expect("DeploymentSpec");
        assert!(p.is_pointer(spec, 1), "replicas");
    }
}
