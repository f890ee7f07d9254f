//! Once per connection: who we are (the `--user`, or the client certificate's common
//! name), whether authentication is on (`AuthStatus`, or on etcd 3.4 an inference that
//! says so), and what the user may do with keys (its own user and roles).

use tokio::sync::mpsc;

use super::auth::{auth_status, certificate_cn, user_permissions};
use super::connect::{EndpointClient, raw_channel};
use super::errors::{EtcdError, Problem};
use super::permissions::{AuthState, Permissions, SessionAccess};
use super::protocol::Event;
use super::spec::ConnectSpec;

/// The CN of the client certificate of the spec, if there is one to read.
pub(super) fn cert_cn(spec: &ConnectSpec) -> Option<String> {
    let path = spec.tls.as_ref()?.cert.as_ref()?;
    let pem = std::fs::read(path)
        .map_err(|e| tracing::info!("cannot read {}: {e}", path.display()))
        .ok()?;
    certificate_cn(&pem)
        .map_err(|e| tracing::info!("no user name in {}: {e}", path.display()))
        .ok()
}

/// etcd 3.4 has no `AuthStatus`. Its `Authenticate` says "authentication is not
/// enabled" when it is off, and refuses a made-up user when it is on; nothing else
/// about the current user's rights is taken as a sign either way.
async fn infer_auth(c: &EndpointClient) -> AuthState {
    let probe = c
        .call(|cl| async move {
            cl.auth_client()
                .authenticate("etcdtui-auth-probe".into(), "\u{1}".into())
                .await
        })
        .await;
    match probe {
        Err(e) if e.problem == Problem::AuthDisabled => AuthState::InferredDisabled,
        Err(e) if e.problem == Problem::AuthFailed => AuthState::InferredEnabled,
        // A made-up user cannot log in; should it ever, auth is on.
        Ok(_) => AuthState::InferredEnabled,
        Err(e) => {
            tracing::info!("could not tell whether authentication is on: {e}");
            AuthState::Unknown
        }
    }
}

/// A token for the password user, for the calls made outside etcd-client.
async fn token(c: &EndpointClient, spec: &ConnectSpec) -> Option<String> {
    let cred = spec.credentials.as_ref()?;
    let (user, password) = (
        cred.user.clone(),
        cred.password.as_ref().map(|p| p.expose().to_string())?,
    );
    c.call(|cl| async move { cl.auth_client().authenticate(user, password).await })
        .await
        .map(|r| r.token().to_string())
        .map_err(|e| tracing::info!("no token for AuthStatus: {e}"))
        .ok()
}

pub async fn auth_state(c: &EndpointClient, spec: &ConnectSpec) -> AuthState {
    let token = token(c, spec).await;
    let asked = match raw_channel(&c.endpoint, spec) {
        Ok(ch) => auth_status(ch, &c.endpoint, c.command_timeout, token).await,
        Err(e) => Err(e),
    };
    match asked {
        Ok(Some(true)) => AuthState::Enabled,
        Ok(Some(false)) => AuthState::Disabled,
        Ok(None) => infer_auth(c).await,
        // 3.5 and 3.6 answer AuthStatus to root only ("permission denied", or "user name
        // is empty" without a token), and check who asks only when auth is on: the
        // refusal is the server saying so, whatever this user may do with keys.
        Err(e) if matches!(e.problem, Problem::PermissionDenied | Problem::AuthRequired) => {
            AuthState::Enabled
        }
        Err(e) => {
            tracing::info!("AuthStatus failed on {}: {e}", c.endpoint);
            infer_auth(c).await
        }
    }
}

/// Learns the session's access and reports it, with the user's roles for the
/// operations that need root.
pub async fn learn(
    client: EndpointClient,
    spec: ConnectSpec,
    status_denied: bool,
    generation: u64,
    events: mpsc::Sender<Event>,
) {
    let auth = auth_state(&client, &spec).await;
    let password_user = spec.credentials.as_ref().map(|c| c.user.clone());
    // etcd takes the user from the certificate only when no password user is given and
    // authentication is on.
    let cert_cn = match (&password_user, auth.is_enabled()) {
        (None, Some(true) | None) => cert_cn(&spec),
        _ => None,
    };
    let user = password_user.or_else(|| cert_cn.clone());
    let keys: Option<Result<Permissions, EtcdError>> = match (auth.is_enabled(), &user) {
        (Some(false), _) => Some(Ok(Permissions::everything())),
        (_, Some(u)) => Some(user_permissions(&client, u).await),
        (_, None) => None,
    };
    if let (Some(u), Some(k)) = (&user, &keys) {
        let roles = k.as_ref().map(|p| p.roles.clone()).map_err(Clone::clone);
        let _ = events
            .send(Event::UserRoles {
                generation,
                user: u.clone(),
                roles,
            })
            .await;
    }
    let keys = match keys {
        Some(Ok(p)) => Some(p),
        Some(Err(e)) => {
            tracing::info!("could not read the permissions of the user: {e}");
            None
        }
        None => None,
    };
    let access = SessionAccess {
        auth,
        user,
        cert_cn,
        keys,
        status_denied,
    };
    let _ = events
        .send(Event::Access {
            generation,
            access: Box::new(access),
        })
        .await;
}
