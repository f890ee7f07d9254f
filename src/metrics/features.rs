//! etcd 3.6's feature gates (`--feature-gates`), one `etcd_server_feature_enabled{name,stage}`
//! sample each, 1 when on. Earlier versions have no gates and no such metric.

use super::Scrape;

pub const FEATURE_ENABLED: &str = "etcd_server_feature_enabled";

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct FeatureGate {
    pub name: String,
    /// `ALPHA`, `BETA`, `GA`, `DEPRECATED`, as etcd labels it.
    pub stage: String,
    pub enabled: bool,
}

/// Every gate the member reports, sorted by name; `None` when it reports none (3.5 and
/// older), which is not the same as "all off".
pub fn feature_gates(s: &Scrape) -> Option<Vec<FeatureGate>> {
    let mut gates: Vec<FeatureGate> = s
        .select(FEATURE_ENABLED, &[])
        .filter_map(|x| {
            Some(FeatureGate {
                name: x.label("name")?.to_string(),
                stage: x.label("stage").unwrap_or_default().to_string(),
                enabled: x.value > 0.0,
            })
        })
        .collect();
    if gates.is_empty() {
        return None;
    }
    gates.sort();
    gates.dedup_by(|a, b| a.name == b.name);
    Some(gates)
}

/// The gates that are on, except the `AllAlpha`/`AllBeta` switches when off, as
/// `Name (stage)`, for one compact line.
pub fn enabled_names(gates: &[FeatureGate]) -> Vec<String> {
    gates
        .iter()
        .filter(|g| g.enabled)
        .map(|g| format!("{} ({})", g.name, g.stage.to_ascii_lowercase()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;

    // What etcd 3.6.17 serves with --feature-gates=CompactHashCheck=true (abridged).
    const SCRAPE_36: &str = "\
# HELP etcd_server_feature_enabled Whether or not a feature is enabled. 1 is enabled, 0 is not.
# TYPE etcd_server_feature_enabled gauge
etcd_server_feature_enabled{name=\"AllAlpha\",stage=\"ALPHA\"} 0
etcd_server_feature_enabled{name=\"CompactHashCheck\",stage=\"ALPHA\"} 1
etcd_server_feature_enabled{name=\"TxnModeWriteWithSharedBuffer\",stage=\"BETA\"} 1
";

    #[test]
    fn reads_every_gate_and_which_are_on() {
        let gates = feature_gates(&parse(SCRAPE_36)).expect("gates");
        assert_eq!(gates.len(), 3);
        assert_eq!(
            gates[1],
            FeatureGate {
                name: "CompactHashCheck".into(),
                stage: "ALPHA".into(),
                enabled: true
            }
        );
        assert_eq!(
            enabled_names(&gates),
            [
                "CompactHashCheck (alpha)",
                "TxnModeWriteWithSharedBuffer (beta)"
            ]
        );
    }

    #[test]
    fn no_metric_is_not_reported_rather_than_all_off() {
        assert_eq!(feature_gates(&parse("etcd_server_has_leader 1\n")), None);
        let off = feature_gates(&parse(
            "etcd_server_feature_enabled{name=\"AllAlpha\",stage=\"ALPHA\"} 0\n",
        ))
        .expect("one gate");
        assert!(enabled_names(&off).is_empty());
    }
}
