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
    fn from_i32(v: i32) -> Access {
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
