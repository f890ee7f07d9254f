//! The `:` command line: editing, history, completion and parsing.

use crate::app::ViewId;

mod editing;
mod operations;
pub use operations::*;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommandLine {
    pub input: String,
    /// Cursor position in chars.
    pub cursor: usize,
    pub history: Vec<String>,
    history_pos: Option<usize>,
}

const COMMANDS: &[&str] = &[
    "ctx",
    "info",
    "watch",
    "churn",
    "record",
    "goto",
    "put",
    "export",
    "open",
    "restore-plan",
    "diff",
    "grant",
    "revoke",
    "useradd",
    "help",
    "quit",
    "q",
    "reconnect",
    "keys",
    "cluster",
    "leases",
    "auth",
    "snapshot",
    "member",
    "move-leader",
    "defrag",
    "alarm",
    "compact",
    "downgrade",
    "theme",
];

/// `\xNN` becomes the byte NN and `\\` a backslash, the inverse of how keys are drawn,
/// so any key on screen can be typed back.
pub fn unescape(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\'
            && bytes.get(i + 1) == Some(&b'x')
            && let Some(b) = text
                .get(i + 2..i + 4)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 4;
            continue;
        }
        if bytes[i] == b'\\' && bytes.get(i + 1) == Some(&b'\\') {
            out.push(b'\\');
            i += 2;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    Quit,
    Help,
    ListContexts,
    SwitchContext(String),
    ShowView(ViewId),
    Reconnect,
    /// Raw key bytes: `\xNN` escapes in the argument stand for any byte.
    Goto(Vec<u8>),
    /// Create a key, opening the editor for its value.
    Put(Vec<u8>),
    /// Write the selected subtree to a file.
    Export(String),
    /// Browse a snapshot file instead of the cluster.
    Open(String),
    /// Compare a snapshot file with the cluster.
    Diff(String),
    AuthSwitch(bool),
    Watch {
        key: Vec<u8>,
        rev: Option<i64>,
    },
    Record(String),
    /// The Churn view, watching `PREFIX` (or what it watched last, or everything).
    Churn(Option<Vec<u8>>),
    Info,
    Role {
        user: String,
        role: String,
        revoke: bool,
    },
    UserAdd(String),
    /// A guarded operation; member names default to the selected member.
    Op(OpCommand),
    /// Switch the colours now; `None` lists the themes.
    Theme(Option<String>),
    /// The restore plan for the open snapshot file.
    RestorePlan,
}

/// A key argument: the rest of the line after the command, spaces and all, with
/// `\xNN` escapes decoded.
fn key_arg(line: &str, usage: &str) -> Result<Vec<u8>, String> {
    let rest = line
        .trim_start()
        .split_once(char::is_whitespace)
        .map(|(_, r)| r)
        .unwrap_or("")
        .trim();
    if rest.is_empty() {
        Err(usage.to_string())
    } else {
        Ok(unescape(rest))
    }
}

pub fn parse_command(line: &str) -> Result<Command, String> {
    let mut words = line.split_whitespace();
    let Some(cmd) = words.next() else {
        return Err("empty command".into());
    };
    let args: Vec<&str> = words.collect();
    let no_args = |c: Command| {
        if args.is_empty() {
            Ok(c)
        } else {
            Err(format!(":{cmd} takes no arguments"))
        }
    };
    match cmd {
        "q" | "quit" | "q!" => no_args(Command::Quit),
        "help" | "?" => no_args(Command::Help),
        "reconnect" => no_args(Command::Reconnect),
        "info" => no_args(Command::Info),
        "restore-plan" => no_args(Command::RestorePlan),
        "record" => match args.as_slice() {
            [path] => Ok(Command::Record((*path).to_string())),
            _ => {
                Err("usage: :record FILE (appends the current watch's events as JSON lines)".into())
            }
        },
        "churn" => match args.as_slice() {
            [] => Ok(Command::Churn(None)),
            [p] => Ok(Command::Churn(Some(unescape(p)))),
            _ => Err("usage: :churn [PREFIX]".into()),
        },
        "watch" => match args.as_slice() {
            [] => Ok(Command::ShowView(ViewId::Watch)),
            [key] => Ok(Command::Watch {
                key: unescape(key),
                rev: None,
            }),
            [key, "--rev", rev] => rev
                .parse()
                .map(|r| Command::Watch {
                    key: unescape(key),
                    rev: Some(r),
                })
                .map_err(|_| format!("--rev wants a revision number, not {rev}")),
            _ => Err("usage: :watch PREFIX [--rev N]".into()),
        },
        "auth" => match args.as_slice() {
            [] => Ok(Command::ShowView(ViewId::Auth)),
            ["enable"] => Ok(Command::AuthSwitch(true)),
            ["disable"] => Ok(Command::AuthSwitch(false)),
            _ => Err("usage: :auth enable|disable".into()),
        },
        "grant" | "revoke" => match args.as_slice() {
            [user, role] => Ok(Command::Role {
                user: (*user).into(),
                role: (*role).into(),
                revoke: cmd == "revoke",
            }),
            _ => Err(format!("usage: :{cmd} USER ROLE")),
        },
        "useradd" => match args.as_slice() {
            [name] => Ok(Command::UserAdd((*name).into())),
            _ => Err("usage: :useradd NAME (the password is asked for, hidden)".into()),
        },
        "export" => match args.as_slice() {
            [path] => Ok(Command::Export((*path).to_string())),
            _ => Err("usage: :export FILE (.json or .yaml)".into()),
        },
        "diff" => match args.as_slice() {
            [path] => Ok(Command::Diff((*path).to_string())),
            _ => Err("usage: :diff SNAPSHOT-FILE".into()),
        },
        "open" => match args.as_slice() {
            [path] => Ok(Command::Open((*path).to_string())),
            _ => Err("usage: :open SNAPSHOT-FILE (:ctx NAME goes back to a cluster)".into()),
        },
        "put" => key_arg(line, "usage: :put KEY").map(Command::Put),
        "goto" | "g" => key_arg(line, "usage: :goto KEY-OR-PREFIX").map(Command::Goto),
        "snapshot" => match args.as_slice() {
            [] => Ok(Command::Op(OpCommand::Snapshot(None))),
            [path] => Ok(Command::Op(OpCommand::Snapshot(Some((*path).into())))),
            _ => Err("usage: :snapshot [FILE]".into()),
        },
        "member" => parse_member(&args),
        "move-leader" => match args.as_slice() {
            [] => Ok(Command::Op(OpCommand::MoveLeader(None))),
            [name] => Ok(Command::Op(OpCommand::MoveLeader(Some((*name).into())))),
            _ => Err("usage: :move-leader [NAME] (to the selected member by default)".into()),
        },
        "defrag" => match args.as_slice() {
            [] => Ok(Command::Op(OpCommand::Defrag(None))),
            ["all"] => Ok(Command::Op(OpCommand::DefragAll { handover: false })),
            ["all", "--move-leader"] => Ok(Command::Op(OpCommand::DefragAll { handover: true })),
            [name] => Ok(Command::Op(OpCommand::Defrag(Some((*name).into())))),
            _ => Err("usage: :defrag [NAME | all [--move-leader]]".into()),
        },
        "alarm" => match args.as_slice() {
            ["disarm"] => Ok(Command::Op(OpCommand::AlarmDisarm)),
            _ => Err("usage: :alarm disarm (the Cluster view lists raised alarms)".into()),
        },
        "compact" => parse_compact(&args),
        "downgrade" => {
            use crate::etcd::downgrade::DowngradeAction as A;
            let (action, version) = match args.as_slice() {
                ["validate", v] => (A::Validate, Some((*v).to_string())),
                ["enable", v] => (A::Enable, Some((*v).to_string())),
                ["cancel"] => (A::Cancel, None),
                _ => {
                    return Err(
                        "usage: :downgrade validate|enable VERSION, :downgrade cancel".into(),
                    );
                }
            };
            Ok(Command::Op(OpCommand::Downgrade { action, version }))
        }
        "theme" => match args.as_slice() {
            [] => Ok(Command::Theme(None)),
            [name] => Ok(Command::Theme(Some((*name).to_string()))),
            _ => Err("usage: :theme [NAME]".into()),
        },
        "ctx" | "context" => match args.as_slice() {
            [] => Ok(Command::ListContexts),
            [name] => Ok(Command::SwitchContext((*name).to_string())),
            _ => Err("usage: :ctx [NAME]".into()),
        },
        other => match ViewId::from_name(other) {
            Some(v) => no_args(Command::ShowView(v)),
            None => Err(format!("unknown command :{other} (try :help)")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_commands() {
        assert_eq!(parse_command("q"), Ok(Command::Quit));
        assert_eq!(
            parse_command(" ctx  prod "),
            Ok(Command::SwitchContext("prod".into()))
        );
        assert_eq!(parse_command("ctx"), Ok(Command::ListContexts));
        assert_eq!(
            parse_command("cluster"),
            Ok(Command::ShowView(ViewId::Cluster))
        );
        assert!(parse_command("ctx a b").is_err());
        assert!(
            parse_command("frobnicate")
                .unwrap_err()
                .contains("unknown command :frobnicate")
        );
        assert!(parse_command("quit now").is_err());
    }

    #[test]
    fn goto_takes_the_rest_of_the_line_with_byte_escapes() {
        assert_eq!(
            parse_command("goto /registry/pods/a b"),
            Ok(Command::Goto(b"/registry/pods/a b".to_vec()))
        );
        assert_eq!(
            parse_command("goto /app/\\xff\\xfe"),
            Ok(Command::Goto(b"/app/\xff\xfe".to_vec()))
        );
        assert!(parse_command("goto").is_err());
        assert_eq!(unescape("a\\\\xff"), b"a\\xff".to_vec());
    }

    #[test]
    fn edits_in_the_middle_of_unicode() {
        let mut c = CommandLine::default();
        for ch in "ctx ünï".chars() {
            c.insert(ch);
        }
        c.left();
        c.backspace();
        assert_eq!(c.input, "ctx üï");
        c.home();
        c.delete();
        assert_eq!(c.input, "tx üï");
    }

    #[test]
    fn completes_commands_and_context_names() {
        let ctxs = vec![
            "prod-eu".to_string(),
            "prod-us".to_string(),
            "staging".to_string(),
        ];
        let mut c = CommandLine::default();
        c.insert('c');
        c.complete(&ctxs);
        // "c" matches ctx and cluster: only the common prefix is filled in.
        assert_eq!(c.input, "c");
        c.insert('t');
        c.complete(&ctxs);
        assert_eq!(c.input, "ctx ");
        c.insert('p');
        c.complete(&ctxs);
        assert_eq!(c.input, "ctx prod-");
        c.insert('u');
        c.complete(&ctxs);
        assert_eq!(c.input, "ctx prod-us");
        assert_eq!(c.suggestions(&ctxs), vec!["prod-us"]);
    }

    #[test]
    fn history_walks_back_and_forth() {
        let mut c = CommandLine::with_history(vec!["ctx a".into(), "cluster".into()]);
        c.history_prev();
        assert_eq!(c.input, "cluster");
        c.history_prev();
        assert_eq!(c.input, "ctx a");
        c.history_prev();
        assert_eq!(c.input, "ctx a");
        c.history_next();
        assert_eq!(c.input, "cluster");
        c.history_next();
        assert_eq!(c.input, "");
    }
}
