//! The operations typed on the command line (`:snapshot`, `:member add`, `:compact`, …)
//! and the parsing of their arguments.

use super::*;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OpCommand {
    Snapshot(Option<String>),
    MemberAdd {
        name: String,
        peer_urls: Vec<String>,
        voter: bool,
    },
    MemberPromote(Option<String>),
    MemberRemove(Option<String>),
    MemberUpdate {
        member: Option<String>,
        peer_urls: Vec<String>,
    },
    MoveLeader(Option<String>),
    /// `None`: the selected member; `Some("all")`: every member, leader last.
    Defrag(Option<String>),
    /// Every member, leader last; `handover` moves leadership away before the leader's
    /// turn, so writes never stall.
    DefragAll {
        handover: bool,
    },
    AlarmDisarm,
    Compact {
        revision: Option<i64>,
        physical: bool,
    },
    /// etcd 3.6+: `:downgrade validate|enable VERSION`, `:downgrade cancel`.
    Downgrade {
        action: crate::etcd::downgrade::DowngradeAction,
        version: Option<String>,
    },
}

pub(super) fn urls(list: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(str::to_string)
        .collect()
}

pub(super) fn parse_member(args: &[&str]) -> Result<Command, String> {
    let one = |a: &[&str]| a.first().map(|s| s.to_string());
    let op = match args {
        ["add", name, list] | ["add", name, list, "--learner"] => OpCommand::MemberAdd {
            name: (*name).into(),
            peer_urls: urls(list),
            voter: false,
        },
        ["add", name, list, "--voter"] => OpCommand::MemberAdd {
            name: (*name).into(),
            peer_urls: urls(list),
            voter: true,
        },
        ["promote", rest @ ..] if rest.len() <= 1 => OpCommand::MemberPromote(one(rest)),
        ["remove", rest @ ..] if rest.len() <= 1 => OpCommand::MemberRemove(one(rest)),
        ["update", list] => OpCommand::MemberUpdate {
            member: None,
            peer_urls: urls(list),
        },
        ["update", name, list] => OpCommand::MemberUpdate {
            member: Some((*name).into()),
            peer_urls: urls(list),
        },
        _ => {
            return Err(
                "usage: :member add NAME PEER-URL[,URL] [--voter] | promote [NAME] | \
                        remove [NAME] | update [NAME] PEER-URL[,URL]"
                    .into(),
            );
        }
    };
    Ok(Command::Op(op))
}

pub(super) fn parse_compact(args: &[&str]) -> Result<Command, String> {
    let physical = args.contains(&"--physical");
    let rest: Vec<&&str> = args.iter().filter(|a| **a != "--physical").collect();
    let revision = match rest.as_slice() {
        [] => None,
        [rev] => Some(
            rev.parse::<i64>()
                .map_err(|_| format!("compact wants a revision number, not {rev}"))?,
        ),
        _ => return Err("usage: :compact [REVISION] [--physical]".into()),
    };
    Ok(Command::Op(OpCommand::Compact { revision, physical }))
}
