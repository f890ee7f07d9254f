//! One session: connect, probe, poll status, and back off between attempts.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, mpsc};

use super::connect::{EndpointClient, connect_all};
use super::errors::EtcdError;
use super::spec::ConnectSpec;

use super::protocol::*;
use super::session::*;

const MAX_BACKOFF: Duration = Duration::from_secs(10);

pub fn backoff(attempt: u32) -> Duration {
    let secs = 1u64 << attempt.saturating_sub(1).min(4);
    Duration::from_secs(secs).min(MAX_BACKOFF)
}

pub(super) async fn run_session(
    generation: u64,
    spec: ConnectSpec,
    events: mpsc::Sender<Event>,
    wake: Arc<Notify>,
    active: Arc<Active>,
) {
    let mut attempt: u32 = 0;
    let mut clients: Vec<EndpointClient> = Vec::new();
    let mut connected = false;
    loop {
        let announce = Event::Connecting {
            generation,
            attempt,
        };
        if clients.is_empty() && events.send(announce).await.is_err() {
            return;
        }
        let result = match refresh_clients(&spec, &mut clients).await {
            Ok(()) => super::probe::probe(&clients, &spec, !connected).await,
            Err(e) => Err(e),
        };
        let (event, pause) = match result {
            Ok(info) => {
                attempt = 0;
                let serving = clients
                    .iter()
                    .find(|c| c.endpoint == info.endpoint)
                    .cloned();
                // Who we are and what we may read arrives before `Connected`, so the
                // Keys view starts at what is permitted instead of at a refused root.
                // A slow cluster does not hold the connection up for it, though.
                if !connected && let Some(c) = &serving {
                    let mut learning = Box::pin(super::access::learn(
                        c.clone(),
                        spec.clone(),
                        info.status_denied,
                        generation,
                        events.clone(),
                    ));
                    if tokio::time::timeout(spec.command_timeout, &mut learning)
                        .await
                        .is_err()
                    {
                        tokio::spawn(learning);
                    }
                }
                active.send_replace(serving);
                let ev = if connected {
                    Event::Status { generation, info }
                } else {
                    Event::Connected { generation, info }
                };
                connected = true;
                (ev, POLL_INTERVAL)
            }
            Err(error) => {
                tracing::info!(
                    generation,
                    attempt,
                    "etcd unreachable: {error} ({})",
                    error.detail
                );
                attempt = attempt.saturating_add(1);
                connected = false;
                active.send_replace(None);
                // A fresh client per attempt: an auth failure or a replaced certificate
                // file must be picked up without restarting the program.
                clients.clear();
                let retry_in = backoff(attempt);
                (
                    Event::Disconnected {
                        generation,
                        error,
                        attempt,
                        retry_in,
                    },
                    retry_in,
                )
            }
        };
        if events.send(event).await.is_err() {
            return;
        }
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = wake.notified() => {}
        }
    }
}

/// Builds clients when there are none. Endpoints that fail to build are left out of
/// this round; if none builds, the first error explains why.
pub(super) async fn refresh_clients(
    spec: &ConnectSpec,
    clients: &mut Vec<EndpointClient>,
) -> Result<(), EtcdError> {
    if !clients.is_empty() {
        return Ok(());
    }
    let mut first_err = None;
    for r in connect_all(spec).await? {
        match r {
            Ok(c) => clients.push(c),
            Err(e) => {
                first_err.get_or_insert(e);
            }
        }
    }
    match (clients.is_empty(), first_err) {
        (true, Some(e)) => Err(e),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_then_caps() {
        let secs: Vec<u64> = (1..=7).map(|a| backoff(a).as_secs()).collect();
        assert_eq!(secs, vec![1, 2, 4, 8, 10, 10, 10]);
    }
}
