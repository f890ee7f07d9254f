//! State of the Auth view: whether authentication is on, users with their roles, roles
//! with their permissions; and the guarded changes, asked for with a confirmation.

use std::collections::HashMap;

use crate::etcd::auth::{AuthAnswer, AuthInfo, AuthOp};
use crate::etcd::spec::Password;
use crate::etcd::{EtcdError, Problem};

use super::Effect;
use super::keys::write::{Confirm, WriteOp};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Pane {
    #[default]
    Users,
    Roles,
}

#[derive(Default)]
pub struct AuthState {
    pub info: Option<AuthInfo>,
    pub loading: bool,
    /// Set when the connected user may not read users and roles.
    pub not_permitted: Option<String>,
    pub pane: Pane,
    pub user_cursor: usize,
    pub role_cursor: usize,
    pub pending: HashMap<u64, bool>,
    next_id: u64,
    pub error: Option<String>,
    pub notice: Option<String>,
    pub ask: Option<Confirm>,
}

impl AuthState {
    fn request(&mut self, write: bool, op: AuthOp) -> Effect {
        self.next_id += 1;
        self.pending.insert(self.next_id, write);
        Effect::Auth {
            id: self.next_id,
            op,
        }
    }

    pub fn root_exists(&self) -> bool {
        self.info.as_ref().is_some_and(|i| {
            i.users
                .iter()
                .any(|u| u.name == "root" && u.roles.iter().any(|r| r == "root"))
        })
    }
}

pub fn load(a: &mut AuthState) -> Vec<Effect> {
    a.loading = true;
    vec![a.request(false, AuthOp::Load)]
}

pub fn step(a: &mut AuthState, delta: isize) {
    let (cursor, len) = match a.pane {
        Pane::Users => (
            &mut a.user_cursor,
            a.info.as_ref().map(|i| i.users.len()).unwrap_or(0),
        ),
        Pane::Roles => (
            &mut a.role_cursor,
            a.info.as_ref().map(|i| i.roles.len()).unwrap_or(0),
        ),
    };
    *cursor = cursor
        .saturating_add_signed(delta)
        .min(len.saturating_sub(1));
}

fn ask(title: String, lines: Vec<String>, typed: Option<String>, op: AuthOp) -> Confirm {
    Confirm {
        title,
        lines,
        typed,
        input: String::new(),
        secret: false,
        op: WriteOp::Auth(op),
    }
}

/// `:auth enable` / `:auth disable`. Enabling without a root user would lock everyone
/// out, so it is refused, as etcd itself would.
pub fn toggle(a: &AuthState, enable: bool) -> Result<Confirm, String> {
    if enable && !a.root_exists() {
        return Err(
            "refused: create a user root with the role root first (etcd requires it)".into(),
        );
    }
    let (word, cmd) = if enable {
        ("Enable", "enable")
    } else {
        ("Disable", "disable")
    };
    let effect = if enable {
        "every client must then authenticate; only root can change auth"
    } else {
        "every client gets full access without a password"
    };
    let op = if enable {
        AuthOp::Enable
    } else {
        AuthOp::Disable
    };
    Ok(ask(
        format!("{word} authentication"),
        vec![effect.into(), format!("etcdctl auth {cmd}")],
        Some(cmd.into()),
        op,
    ))
}

pub fn grant(user: &str, role: &str, revoke: bool) -> Confirm {
    let (word, cmd) = if revoke {
        ("Revoke", "revoke-role")
    } else {
        ("Grant", "grant-role")
    };
    let op = if revoke {
        AuthOp::RevokeRole {
            user: user.into(),
            role: role.into(),
        }
    } else {
        AuthOp::GrantRole {
            user: user.into(),
            role: role.into(),
        }
    };
    ask(
        format!(
            "{word} role {role} {} user {user}",
            if revoke { "from" } else { "to" }
        ),
        vec![format!("etcdctl user {cmd} {user} {role}")],
        None,
        op,
    )
}

/// The password is typed into the dialog, masked, and never logged or echoed.
pub fn add_user(name: &str) -> Confirm {
    Confirm {
        title: format!("Add user {name}"),
        lines: vec![
            format!("etcdctl user add {name}"),
            "password (hidden):".into(),
        ],
        typed: Some(String::new()),
        input: String::new(),
        secret: true,
        op: WriteOp::Auth(AuthOp::AddUser {
            name: name.into(),
            password: Password::new(""),
        }),
    }
}

pub fn confirmed(a: &mut AuthState, op: WriteOp) -> Vec<Effect> {
    match op {
        WriteOp::Auth(op) => vec![a.request(true, op)],
        _ => Vec::new(),
    }
}

pub fn on_answer(a: &mut AuthState, id: u64, result: Result<AuthAnswer, EtcdError>) -> Vec<Effect> {
    let Some(write) = a.pending.remove(&id) else {
        return Vec::new();
    };
    match result {
        Ok(AuthAnswer::Loaded(info)) => {
            a.loading = false;
            a.not_permitted = None;
            a.info = Some(info);
            Vec::new()
        }
        Ok(AuthAnswer::Done(what)) => {
            a.notice = Some(what);
            load(a)
        }
        Err(e)
            if !write && matches!(e.problem, Problem::PermissionDenied | Problem::AuthRequired) =>
        {
            a.loading = false;
            a.not_permitted = Some(e.to_string());
            Vec::new()
        }
        Err(e) => {
            a.loading = false;
            a.error = Some(e.to_string());
            Vec::new()
        }
    }
}
