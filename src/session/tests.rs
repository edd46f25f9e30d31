//! The agents' statuses are kept one per agent and JST day, the day's last
//! (`Session::flush`). Taken only at the flush before the day turns, they
//! must be what taking them at every flush gave, for any way of cutting the
//! run (the cuts themselves move the flushes: a run ends with one).

use super::*;
use cloud::endpoint::store::{AgentDay, Days};
use proptest::prelude::*;

/// An office with agents, one of them going offline, so statuses change
/// from day to day and within a day (last contact, pattern dates).
const SCENARIO: &str = "endpoint-agent-offline";
const RUN: Duration = Duration::from_secs(3 * 24 * 3600 + 5 * 3600);

fn session() -> Session {
    let scenario = twin::catalog::Catalog::embedded()
        .scenario(SCENARIO)
        .expect("the embedded catalog holds the scenario");
    Session::new(scenario, WorldOptions { capture: false }).expect("the scenario starts")
}

fn stored_days(session: &Session) -> Vec<AgentDay> {
    let all = Days {
        from: chrono::NaiveDate::MIN,
        until: chrono::NaiveDate::MAX,
    };
    session
        .cloud
        .endpoint_store()
        .expect("the office has the endpoint option")
        .agent_days(all)
        .expect("the store answers")
}

/// Runs `session` for `chunks` (each clipped to what is left of [`RUN`]).
/// With `slice_by_slice`, each chunk goes one slice at a time: every run
/// ends by storing its statuses, so the statuses of every flush the chunk
/// would have had are written and the day's last write stays, which is what
/// the session did before it took them only at the day's end.
fn run(chunks: &[Duration], slice_by_slice: bool) -> Vec<AgentDay> {
    let mut session = session();
    let until = session.now() + RUN;
    for chunk in chunks.iter().cycle() {
        let left =
            Duration::from_micros((until.as_micros() - session.now().as_micros()).unsigned_abs());
        if left.is_zero() {
            break;
        }
        let chunk = (*chunk).min(left);
        if slice_by_slice {
            let end = session.now() + chunk;
            while session.now() < end {
                let rest = Duration::from_micros(
                    (end.as_micros() - session.now().as_micros()).unsigned_abs(),
                );
                session.run_for(SLICE.min(rest)).expect("the run goes on");
            }
        } else {
            session.run_for(chunk).expect("the run goes on");
        }
    }
    stored_days(&session)
}

#[test]
fn one_run_keeps_each_days_last_statuses() {
    let days = run(&[RUN], false);
    assert!(
        days.len() > 3,
        "statuses of several days and agents: {days:?}"
    );
    assert_eq!(days, run(&[RUN], true));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]
    /// Cut anywhere (runs shorter and longer than a slice, across
    /// midnight or not), the stored days are those of every flush.
    #[test]
    fn any_cut_keeps_each_days_last_statuses(
        minutes in prop::collection::vec(1u64..2_000, 1..12),
    ) {
        let chunks: Vec<Duration> = minutes.iter().map(|m| Duration::from_secs(m * 60)).collect();
        prop_assert_eq!(run(&chunks, false), run(&chunks, true));
    }
}
