//! Users, roles and permissions, and the few guarded changes to them.

use super::connect::EndpointClient;
use super::errors::EtcdError;
use super::skipscan::prefix_end;
use super::spec::Password;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub roles: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
    ReadWrite,
}

impl Access {
    pub fn from_i32(v: i32) -> Access {
        match v {
            0 => Access::Read,
            1 => Access::Write,
            _ => Access::ReadWrite,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Access::Read => "read",
            Access::Write => "write",
            Access::ReadWrite => "readwrite",
        }
    }
}

/// What a permission covers, in the terms people use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Span {
    Key(Vec<u8>),
    Prefix(Vec<u8>),
    /// Everything from the key on (`range_end` "\0").
    FromKey(Vec<u8>),
    Range(Vec<u8>, Vec<u8>),
}

impl Span {
    pub fn new(key: &[u8], range_end: &[u8]) -> Span {
        if range_end.is_empty() {
            Span::Key(key.to_vec())
        } else if range_end == [0] {
            Span::FromKey(key.to_vec())
        } else if prefix_end(key).as_deref() == Some(range_end) {
            Span::Prefix(key.to_vec())
        } else {
            Span::Range(key.to_vec(), range_end.to_vec())
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Perm {
    pub access: Access,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Role {
    pub name: String,
    pub perms: Vec<Perm>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthInfo {
    pub users: Vec<User>,
    pub roles: Vec<Role>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthOp {
    Load,
    Enable,
    Disable,
    GrantRole { user: String, role: String },
    RevokeRole { user: String, role: String },
    AddUser { name: String, password: Password },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthAnswer {
    Loaded(AuthInfo),
    Done(String),
}

pub async fn load(c: &EndpointClient) -> Result<AuthInfo, EtcdError> {
    let names = c
        .call(|mut cl| async move { cl.user_list().await })
        .await?
        .users()
        .to_vec();
    let mut users = Vec::new();
    for name in names {
        let n = name.clone();
        let roles = c
            .call(|mut cl| async move { cl.user_get(n).await })
            .await?
            .roles()
            .to_vec();
        users.push(User { name, roles });
    }
    let names = c
        .call(|mut cl| async move { cl.role_list().await })
        .await?
        .roles()
        .to_vec();
    let mut roles = Vec::new();
    for name in names {
        let n = name.clone();
        let r = c.call(|mut cl| async move { cl.role_get(n).await }).await?;
        let perms = r
            .permissions()
            .iter()
            .map(|p| Perm {
                access: Access::from_i32(p.get_type()),
                span: Span::new(p.key(), p.range_end()),
            })
            .collect();
        roles.push(Role { name, perms });
    }
    Ok(AuthInfo { users, roles })
}

/// The key permissions of `user`, from its own user and roles: etcd lets every user
/// read those (`UserGet` on itself, `RoleGet` on its roles).
pub async fn user_permissions(
    c: &EndpointClient,
    user: &str,
) -> Result<super::permissions::Permissions, EtcdError> {
    let name = user.to_string();
    let roles = c
        .call(|mut cl| async move { cl.user_get(name).await })
        .await?
        .roles()
        .to_vec();
    let mut perms = Vec::new();
    for role in &roles {
        if role == "root" {
            return Ok(super::permissions::Permissions {
                all: true,
                roles,
                perms: Vec::new(),
            });
        }
        let n = role.clone();
        let r = c.call(|mut cl| async move { cl.role_get(n).await }).await?;
        perms.extend(r.permissions().iter().map(|p| Perm {
            access: Access::from_i32(p.get_type()),
            span: Span::new(p.key(), p.range_end()),
        }));
    }
    Ok(super::permissions::Permissions {
        all: false,
        roles,
        perms,
    })
}

/// etcd-client has no `AuthStatus`; it is one unary call with an empty request.
#[derive(Clone, PartialEq, prost::Message)]
struct AuthStatusRequest {}

#[derive(Clone, PartialEq, prost::Message)]
struct AuthStatusResponse {
    #[prost(bool, tag = "2")]
    enabled: bool,
}

/// Whether authentication is on, from `AuthStatus` (etcd 3.5+); `None` from a server
/// that does not have the call (3.4), where the caller has to infer it.
/// `token`: from `Authenticate`, for a password user (3.5 and 3.6 refuse the call
/// without one: "user name is empty"); a certificate user is known by its CN.
pub async fn auth_status(
    channel: tonic::transport::Channel,
    endpoint: &str,
    timeout: std::time::Duration,
    token: Option<String>,
) -> Result<Option<bool>, EtcdError> {
    let mut grpc = tonic::client::Grpc::new(channel);
    let call = async {
        grpc.ready()
            .await
            .map_err(|e| tonic::Status::unavailable(e.to_string()))?;
        let path =
            tonic::codegen::http::uri::PathAndQuery::from_static("/etcdserverpb.Auth/AuthStatus");
        let mut req = tonic::Request::new(AuthStatusRequest {});
        if let Some(t) = token.as_deref().and_then(|t| t.parse().ok()) {
            req.metadata_mut().insert("token", t);
        }
        grpc.unary(
            req,
            path,
            tonic_prost::ProstCodec::<AuthStatusRequest, AuthStatusResponse>::default(),
        )
        .await
    };
    match tokio::time::timeout(timeout, call).await {
        Ok(Ok(r)) => Ok(Some(r.into_inner().enabled)),
        Ok(Err(s)) if s.code() == tonic::Code::Unimplemented => Ok(None),
        Ok(Err(s)) => Err(EtcdError::from_client(
            endpoint,
            &etcd_client::Error::GRpcStatus(s),
        )),
        Err(_) => Err(EtcdError::timeout(endpoint, timeout)),
    }
}

/// The common name of the first certificate in a PEM file: with `--client-cert-auth`
/// etcd takes the user from it when no password is given.
pub fn certificate_cn(pem: &[u8]) -> Result<String, String> {
    let (_, pem) =
        x509_parser::pem::parse_x509_pem(pem).map_err(|e| format!("not a PEM certificate: {e}"))?;
    let cert = pem
        .parse_x509()
        .map_err(|e| format!("not an X.509 certificate: {e}"))?;
    let cn = cert
        .subject()
        .iter_common_name()
        .next()
        .ok_or("the certificate has no common name")?;
    cn.as_str()
        .map(str::to_string)
        .map_err(|e| format!("unreadable common name: {e}"))
}

pub async fn run_op(c: &EndpointClient, op: AuthOp) -> Result<AuthAnswer, EtcdError> {
    Ok(match op {
        AuthOp::Load => AuthAnswer::Loaded(load(c).await?),
        AuthOp::Enable => {
            c.call(|mut cl| async move { cl.auth_enable().await })
                .await?;
            AuthAnswer::Done("authentication enabled".into())
        }
        AuthOp::Disable => {
            c.call(|mut cl| async move { cl.auth_disable().await })
                .await?;
            AuthAnswer::Done("authentication disabled".into())
        }
        AuthOp::GrantRole { user, role } => {
            let (u, r) = (user.clone(), role.clone());
            c.call(|mut cl| async move { cl.user_grant_role(u, r).await })
                .await?;
            AuthAnswer::Done(format!("granted role {role} to {user}"))
        }
        AuthOp::RevokeRole { user, role } => {
            let (u, r) = (user.clone(), role.clone());
            c.call(|mut cl| async move { cl.user_revoke_role(u, r).await })
                .await?;
            AuthAnswer::Done(format!("revoked role {role} from {user}"))
        }
        AuthOp::AddUser { name, password } => {
            let (n, p) = (name.clone(), password.expose().to_string());
            c.call(|mut cl| async move { cl.user_add(n, p, None).await })
                .await?;
            AuthAnswer::Done(format!("added user {name}"))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_as_key_prefix_or_range() {
        assert_eq!(Span::new(b"/a", b""), Span::Key(b"/a".to_vec()));
        assert_eq!(Span::new(b"/a/", b"/a0"), Span::Prefix(b"/a/".to_vec()));
        assert_eq!(Span::new(b"/a", b"\0"), Span::FromKey(b"/a".to_vec()));
        assert_eq!(
            Span::new(b"/a", b"/c"),
            Span::Range(b"/a".to_vec(), b"/c".to_vec())
        );
    }
}
