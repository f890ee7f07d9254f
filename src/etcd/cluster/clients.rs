//! One client per member, kept across refreshes.

use super::*;

/// One client per member, kept across refreshes: connecting (and authenticating)
/// every few seconds would cost more than the status call itself.
pub struct MemberClients {
    pub(super) spec: ConnectSpec,
    /// Read on first use, so a certificate problem shows up per member rather than
    /// as a constructor error.
    tls: Option<LoadedTls>,
    pub(super) clients: HashMap<u64, Cached>,
    /// Raft indexes of the last refresh, to see a member stop.
    pub(super) progress: Progress,
}

pub(super) struct Cached {
    /// The member's client URLs when the client was made: if they change, so must it.
    pub(super) urls: Vec<String>,
    pub(super) client: EndpointClient,
}

impl MemberClients {
    pub fn new(spec: ConnectSpec) -> Self {
        MemberClients {
            spec,
            tls: None,
            clients: HashMap::new(),
            progress: Progress::default(),
        }
    }

    /// The spec's certificates, read once; also what a metrics scrape should use.
    pub fn tls(&mut self) -> Result<Option<&LoadedTls>, EtcdError> {
        let Some(files) = &self.spec.tls else {
            return Ok(None);
        };
        if self.tls.is_none() {
            self.tls = Some(load_tls(files)?);
        }
        Ok(self.tls.as_ref())
    }

    /// Forgets every client and the certificates, so the next refresh reconnects and
    /// re-reads them (after a certificate rotation, or a reconnect of the session).
    pub fn clear(&mut self) {
        self.clients.clear();
        self.tls = None;
    }

    pub fn command_timeout(&self) -> Duration {
        self.spec.command_timeout
    }

    /// A client on member `id`'s own client URL: the seed if it is that member, the
    /// cached client if its URLs are unchanged, else a new one (kept for next time).
    pub async fn client_for(
        &mut self,
        seed: &EndpointClient,
        id: u64,
        client_urls: &[String],
    ) -> Result<EndpointClient, EtcdError> {
        let listed = Listed {
            id,
            name: String::new(),
            peer_urls: Vec::new(),
            client_urls: client_urls.to_vec(),
            is_learner: false,
        };
        match pick_client(seed, self, &listed) {
            Pick::Ready(c) => Ok(*c),
            Pick::NotStarted => Err(EtcdError::new(
                crate::etcd::errors::Problem::Unreachable,
                None,
                format!("member {id:x} has not started: it has no client URL to reach it on"),
            )),
            Pick::Connect(url) => {
                let tls = self.tls()?.cloned();
                let connecting = connect_endpoint(&url, &self.spec, tls.as_ref());
                let client = tokio::time::timeout(self.spec.dial_timeout, connecting)
                    .await
                    .map_err(|_| EtcdError::timeout(&url, self.spec.dial_timeout))??;
                let urls = client_urls.to_vec();
                self.clients.insert(
                    id,
                    Cached {
                        urls,
                        client: client.clone(),
                    },
                );
                Ok(client)
            }
        }
    }
}

impl MemberClients {
    /// Clients of the members connected to the leader, the leader first, for reads any
    /// member can answer; the seed stands in for a member it serves.
    pub fn connected(
        &self,
        statuses: &[MemberStatus],
        seed: &EndpointClient,
    ) -> Vec<EndpointClient> {
        let leader = majority_view(statuses).map(|(l, _)| l);
        let mut ordered: Vec<&MemberStatus> = statuses.iter().filter(|m| m.connected()).collect();
        ordered.sort_by_key(|m| Some(m.id) != leader);
        ordered
            .into_iter()
            .filter_map(|m| {
                let serves = |u: &String| u.trim_end_matches('/') == seed.endpoint;
                if m.client_urls.iter().any(serves) {
                    return Some(seed.clone());
                }
                self.clients.get(&m.id).map(|c| c.client.clone())
            })
            .collect()
    }
}
