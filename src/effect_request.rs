//! The one mapping from the app's effects to the etcd actor's requests, shared by the
//! terminal runtime and the headless runner, so the two cannot drift apart: a test
//! through `headless` sends exactly what the real screen sends.

use crate::app::Effect;
use crate::etcd::Request;

/// The request an effect stands for, tagged with the connection `generation` that asks
/// (answers of an older connection are dropped); `Err` gives back an effect that is
/// not for etcd (files, clipboard, editor, theme, context), for the caller to carry out.
// The effect goes straight back to the caller's match: boxing it would only add an
// allocation per effect.
#[allow(clippy::result_large_err)]
pub fn to_request(effect: Effect, generation: u64) -> Result<Request, Effect> {
    Ok(match effect {
        Effect::Connect { generation, spec } => Request::Connect { generation, spec },
        Effect::ReconnectNow => Request::ReconnectNow,
        Effect::ResumeLive { generation } => Request::ResumeLive { generation },
        Effect::Keys { id, op } => Request::Keys { generation, id, op },
        Effect::Leases { id, op } => Request::Leases { generation, id, op },
        Effect::Auth { id, op } => Request::Auth { generation, id, op },
        Effect::Cluster { id, op } => Request::Cluster { generation, id, op },
        Effect::WatchStart { id, spec } => Request::Watch {
            generation,
            id,
            spec,
        },
        Effect::WatchStop { id } => Request::WatchStop { id },
        Effect::WatchResume { id } => Request::WatchResume { id },
        Effect::WatchPrev { id, key, revision } => Request::WatchPrev {
            generation,
            id,
            key,
            revision,
        },
        Effect::ChurnStart { id, spec } => Request::Churn {
            generation,
            id,
            spec,
        },
        Effect::ChurnStop { id } => Request::ChurnStop { id },
        Effect::Du { id, prefix, depth } => Request::Du {
            generation,
            id,
            prefix,
            depth,
        },
        Effect::DuCancel { id } => Request::DuCancel { id },
        Effect::Operation { id, op } => Request::Operation { generation, id, op },
        Effect::CancelOperation { id } => Request::CancelOperation { id },
        Effect::Checks { id, backup_dir } => Request::Checks {
            generation,
            id,
            backup_dir,
        },
        // Read by the actor on a blocking thread: a 1 GiB file takes seconds, and the
        // screen keeps drawing and answering keys meanwhile.
        Effect::OpenSnapshot(path) => Request::ReadSnapshot { generation, path },
        Effect::BrowseSnapshot { generation, path } => Request::ServeSnapshot { generation, path },
        // Named one by one, not with `_`, so that a new effect has to be placed here.
        local @ (Effect::ResolveContext(_)
        | Effect::AppendLines { .. }
        | Effect::Copy { .. }
        | Effect::Edit { .. }
        | Effect::RemoveFile(_)
        | Effect::LoadTheme(_)
        | Effect::Audit { .. }
        // Made on a blocking thread by the caller, from the file and the last connection.
        | Effect::RestorePlan { .. }) => return Err(local),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_carry_the_asking_generation_and_local_effects_come_back() {
        let r = to_request(Effect::WatchStop { id: 3 }, 9);
        assert!(matches!(r, Ok(Request::WatchStop { id: 3 })));
        let r = to_request(Effect::OpenSnapshot("s.db".into()), 9);
        assert!(matches!(r, Ok(Request::ReadSnapshot { generation: 9, .. })));
        // A connect carries its own (new) generation, not the current one.
        let r = to_request(
            Effect::Connect {
                generation: 10,
                spec: Default::default(),
            },
            9,
        );
        assert!(matches!(r, Ok(Request::Connect { generation: 10, .. })));
        let r = to_request(Effect::LoadTheme("mono".into()), 9);
        assert!(matches!(r, Err(Effect::LoadTheme(n)) if n == "mono"));
    }
}
