//! The write ceiling bench's table and its headline rows for bench/RESULTS.md.

use std::time::Duration;

use super::common::{self, Summary, append_summary, ms, pct};
use super::{
    CLIENTS, IN_FLIGHT, Kind, NAMESPACES, PHASE, PROBE, Phase, TARGET_KEY, TARGET_RATIO,
    VALUE_BYTES,
};

/// The median; the mean of the middle two of an even count.
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

fn view(kind: Kind) -> &'static str {
    if kind == Kind::Churn {
        "Churn"
    } else {
        "Watch"
    }
}

/// Percent of one CPU over the phase's writes.
fn cpu_pct(phases: &[Phase], f: impl Fn(&Phase) -> f64) -> f64 {
    median(
        phases
            .iter()
            .map(|p| f(p) / p.written.secs * 100.0)
            .collect(),
    )
}

pub fn report(
    phases: &[Vec<Phase>; 4],
    in_flight: usize,
    version: &str,
    fs: &str,
    nice: &str,
    took: Duration,
) -> String {
    let rates = |i: usize| {
        phases[i]
            .iter()
            .map(|p| p.written.rate())
            .collect::<Vec<_>>()
    };
    let alone = median(rates(0));
    let mut out = format!(
        "etcd {version}, one member, data dir on {fs}; etcd, etcdtui and the load generator at {nice}; {CLIENTS} clients x {in_flight} puts in flight (the fastest of {IN_FLIGHT:?} per client in a {:.0} s probe each), Event-shaped keys over {NAMESPACES} namespaces, {VALUE_BYTES}-byte values; {} rounds of the four phases, {:.0} s of writes each, in the order a b c d, d c b a, …; total bench time {:.0} s.\n\n\
         \"÷ (a)\" is the median over the rounds of each round's rate ÷ that round's (a), so two phases of one round, minutes apart at most, are compared with each other. CPU is % of one CPU (the machine has {} CPUs) over the writes; \"rest of the machine\" is every other process on it (other builds and tests running alongside make a run noisy). etcd's CPU time per write depends far less than its rate on how much CPU the rest of the machine leaves it, so \"(a)'s CPU per write ÷ this\" (median of the rounds' pairs) is what a watcher costs etcd itself, the ceiling ratio a CPU-bound etcd would show on a machine of its own.\n\n",
        PROBE.as_secs_f64(),
        phases[0].len(),
        PHASE.as_secs_f64(),
        took.as_secs_f64(),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
    );
    out.push_str("| phase | writes/s, median (each round) | ÷ (a) | etcd CPU per write | (a)'s CPU per write ÷ this | etcd CPU | etcdtui CPU | load generator CPU | rest of the machine | events counted (each round) | target | met? |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    let mut summary = Vec::new();
    for (i, &kind) in Kind::ALL.iter().enumerate() {
        let m = median(rates(i));
        let each = rates(i)
            .iter()
            .map(|r| format!("{r:.0}"))
            .collect::<Vec<_>>()
            .join(", ");
        let paired = median(
            phases[i]
                .iter()
                .zip(&phases[0])
                .map(|(p, a)| p.written.rate() / a.written.rate().max(1.0))
                .collect(),
        );
        let cost = |p: &Phase| p.written.etcd_cpu / p.written.writes.max(1) as f64;
        let by_cpu = median(
            phases[i]
                .iter()
                .zip(&phases[0])
                .map(|(p, a)| cost(a) / cost(p).max(1e-12))
                .collect(),
        );
        let per_write = median(
            phases[i]
                .iter()
                .map(|p| p.written.etcd_cpu / p.written.writes.max(1) as f64 * 1e6)
                .collect(),
        );
        let etcd = cpu_pct(&phases[i], |p| p.written.etcd_cpu);
        let app = match phases[i].iter().all(|p| p.watcher_cpu.is_some()) {
            true => format!(
                "{:.0}%, drawing {:.0} KiB/s",
                cpu_pct(&phases[i], |p| p.watcher_cpu.unwrap_or(0.0)),
                median(phases[i].iter().filter_map(|p| p.output).collect()) / 1024.0
            ),
            false => "—".into(),
        };
        let bench = cpu_pct(&phases[i], |p| p.written.bench_cpu);
        let rest = cpu_pct(&phases[i], |p| {
            p.written.machine_cpu
                - p.written.etcd_cpu
                - p.written.bench_cpu
                - p.watcher_cpu.unwrap_or(0.0)
        });
        let counts: Vec<String> = phases[i]
            .iter()
            .filter_map(|p| p.counted.map(|c| format!("{c}/{}", p.written.writes)))
            .collect();
        let all_counted = phases[i]
            .iter()
            .all(|p| p.counted.is_none_or(|c| c == p.written.writes));
        let counts = if counts.is_empty() {
            "—".to_string()
        } else {
            counts.join(", ")
        };
        let (target, met) = match kind {
            Kind::Churn | Kind::Watch => (
                format!("≥ {TARGET_RATIO:.1}× (a); every event counted"),
                common::met(paired >= TARGET_RATIO && all_counted),
            ),
            Kind::None | Kind::PrevKv => ("—".to_string(), "—"),
        };
        out.push_str(&format!(
            "| {} | {m:.0} ({each}) | {paired:.2}× | {per_write:.0} µs | {by_cpu:.2}× | {etcd:.0}% | {app} | {bench:.0}% | {rest:.0}% | {counts} | {target} | {met} |\n",
            kind.name()
        ));
        match kind {
            Kind::Churn | Kind::Watch => {
                summary.push(
                    Summary::new(
                        format!("etcd {version}'s write ceiling with etcdtui's {} view open", view(kind)),
                        format!("{m:.0} writes/s"),
                    )
                    .reference(format!(
                        "{alone:.0} writes/s with no watcher (by etcd's CPU per write: {by_cpu:.2}×)"
                    ))
                    .with_ratio(format!("{paired:.2}×"))
                    .target(format!("≥ {TARGET_RATIO:.1}×"), paired >= TARGET_RATIO),
                );
                let total: u64 = phases[i].iter().filter_map(|p| p.counted).sum();
                let writes: u64 = phases[i].iter().map(|p| p.written.writes).sum();
                summary.push(
                    Summary::new(
                        format!("{} view: events counted while etcd writes at its ceiling", view(kind)),
                        format!("{total} of {writes}"),
                    )
                    .reference("the puts etcd acknowledged")
                    .target("all", all_counted),
                );
            }
            Kind::PrevKv => summary.push(
                Summary::new(
                    format!("etcd {version}'s write ceiling with a watch asking for prev_kv (the old behaviour)"),
                    format!("{m:.0} writes/s"),
                )
                .reference(format!(
                    "{alone:.0} writes/s with no watcher (by etcd's CPU per write: {by_cpu:.2}×)"
                ))
                .with_ratio(format!("{paired:.2}×")),
            ),
            Kind::None => {}
        }
    }
    out.push('\n');
    out.push_str("| key press (`?`: the help opens, or closes), pressed → drawn on the pty | while etcd writes at its ceiling: p50 / p99 / max (presses) | same session, etcd idle, just before: p50 / p99 / max (presses) | etcdtui's threads waiting for a CPU, ms per s: idle → writes | unanswered in 5 s | target | met? |\n|---|---|---|---|---|---|---|\n");
    for (i, &kind) in Kind::ALL.iter().enumerate() {
        if !matches!(kind, Kind::Churn | Kind::Watch) {
            continue;
        }
        let pool = |f: &dyn Fn(&Phase) -> &Vec<Duration>| {
            let mut v: Vec<Duration> = phases[i].iter().flat_map(|p| f(p).clone()).collect();
            v.sort();
            v
        };
        let keys = pool(&|p| &p.keys);
        let idle = pool(&|p| &p.idle_keys);
        if keys.is_empty() {
            continue;
        }
        let unanswered: usize = phases[i].iter().map(|p| p.unanswered).sum();
        let idle_unanswered: usize = phases[i].iter().map(|p| p.idle_unanswered).sum();
        let describe = |v: &[Duration]| match v.last() {
            Some(max) => format!(
                "{} / {} / {} ({})",
                ms(pct(v, 50)),
                ms(pct(v, 99)),
                ms(*max),
                v.len()
            ),
            None => "—".into(),
        };
        let ok = unanswered == 0 && pct(&keys, 99) <= TARGET_KEY;
        let waited = |f: fn((f64, f64)) -> f64| {
            median(phases[i].iter().filter_map(|p| p.waited.map(f)).collect()) * 1000.0
        };
        out.push_str(&format!(
            "| {} | {} | {} | {:.0} → {:.0} | {unanswered} (idle: {idle_unanswered}) | p99 ≤ {} | {} |\n",
            kind.name(),
            describe(&keys),
            describe(&idle),
            waited(|w| w.0),
            waited(|w| w.1),
            ms(TARGET_KEY),
            common::met(ok)
        ));
        summary.push(
            Summary::new(
                format!(
                    "{} view: key press answered while etcd writes at its ceiling, p99 / max",
                    view(kind)
                ),
                format!(
                    "{} / {}",
                    ms(pct(&keys, 99)),
                    ms(*keys.last().unwrap_or(&Duration::ZERO))
                ),
            )
            .reference(format!(
                "{} / {} etcd idle, same session",
                ms(pct(&idle, 99)),
                ms(*idle.last().unwrap_or(&Duration::ZERO))
            ))
            .target(format!("≤ {}", ms(TARGET_KEY)), ok),
        );
    }
    append_summary(
        "Write ceiling with etcdtui watching (benches/write_ceiling.rs)",
        &summary,
    );
    out
}
