//! The demo's two teams and one past emergency (issue 13 §4) in 东北村社区: the community's
//! emergency team (the steward leading), its first grid's emergency team (the grid worker), a
//! volunteer team with the demo resident; and a typhoon three months ago over the community,
//! every vulnerable household checked by the team member its building went to — most safe at the
//! first call, some unreachable and reached on a retry (one escalated first), two needing help
//! whose events were handled and closed — then stood down, with its after-action report. Written
//! through the use-cases, so the audit log and the board are as they would be.

use crate::emergency::{CheckInput, IncidentInput, TeamInput};

use crate::{Actor, App, AppResult};
use jingzhi_domain::events::lifecycle::{Command, Dispatch, Handler};
use jingzhi_domain::events::HandlerKind;
use jingzhi_domain::time_fmt::now_ms;
use jingzhi_store::auth::user_by_username;

const MIN: i64 = 60_000;
const DAY: i64 = 24 * 60 * MIN;

pub const PAST_TYPHOON: &str = "第6号台风防御";

pub async fn seed(app: &App, seed: u64) -> AppResult<()> {
    let (worker, steward, grid, resident) = {
        let mut conn = app.store.acquire().await?;
        let Some(worker) = user_by_username(&mut conn, "dongbeicun").await? else {
            return Ok(());
        };
        (
            Actor::new(worker),
            user_by_username(&mut conn, "dongbeicun.steward").await?,
            user_by_username(&mut conn, "dongbeicun.grid1").await?,
            user_by_username(&mut conn, "dongbeicun.resident").await?,
        )
    };
    let e = app.emergency();
    let community = worker.user.scope_node_id;
    let team = |node_id: i64, kind: &str, name: &str| TeamInput {
        node_id,
        kind: kind.into(),
        name: name.into(),
    };
    let ct = e
        .create_team(&worker, &team(community, "emergency", "东北村社区应急队"))
        .await?;
    let vt = e
        .create_team(&worker, &team(community, "volunteer", "东北村志愿服务队"))
        .await?;
    if let Some(s) = &steward {
        e.add_member(&worker, ct.id, s.id, "急救、转移安置", true)
            .await?;
        e.add_member(&worker, vt.id, s.id, "助老服务", true).await?;
    }
    if let Some(g) = &grid {
        let gt = e
            .create_team(
                &worker,
                &team(g.scope_node_id, "emergency", "东北村一网格应急队"),
            )
            .await?;
        e.add_member(&worker, gt.id, g.id, "排查巡查", true).await?;
    }
    if let Some(r) = &resident {
        e.add_member(&worker, vt.id, r.id, "驾驶", false).await?;
    }

    // The typhoon, three months ago at 06:00 (China time).
    let now = now_ms();
    let t0 = (now - 97 * DAY) - (now - 97 * DAY).rem_euclid(DAY) + 22 * 60 * MIN;
    let a = e
        .declare_at(
            &worker,
            &IncidentInput {
                kind: "typhoon".into(),
                node_id: community,
                title: PAST_TYPHOON.into(),
                retry_minutes: Some(60),
            },
            t0,
        )
        .await?;
    let id = a.incident.id;
    let (_, households) = e.households(&worker, id, None, false).await?;
    let mut checkers: std::collections::BTreeMap<i64, Actor> = Default::default();
    {
        let mut conn = app.store.acquire().await?;
        for h in &households {
            if let Some(u) = h.assignee_user_id {
                if let std::collections::btree_map::Entry::Vacant(v) = checkers.entry(u) {
                    if let Some(user) = jingzhi_store::auth::user_by_id(&mut conn, u).await? {
                        v.insert(Actor::new(user));
                    }
                }
            }
        }
    }
    let check = |h: i64, s: &str, note: &str| CheckInput {
        household_id: h,
        status: s.into(),
        note: note.into(),
    };
    let mut needs_help = 0;
    let mut retries = vec![];
    for (i, h) in households.iter().enumerate() {
        let who = h
            .assignee_user_id
            .and_then(|u| checkers.get(&u))
            .unwrap_or(&worker);
        // A stable draw per household: 0–99.
        let draw = ((h.household_id as u64)
            .wrapping_mul(2_654_435_761)
            .wrapping_add(seed)
            >> 7)
            % 100;
        let at = t0 + 20 * MIN + (i as i64 * 7 % 200) * MIN;
        if draw < 5 {
            e.record_check_at(
                who,
                id,
                &check(h.household_id, "unreachable", "敲门无人应答，电话未接通"),
                at,
            )
            .await?;
            retries.push((h.household_id, who.clone(), at));
        } else if needs_help < 2 && (i == 3 || i == 11 || draw < 3) {
            needs_help += 1;
            let note = if needs_help == 1 {
                "平房屋顶漏雨，老人需临时转移"
            } else {
                "轮椅老人家中停电，需送应急灯和饮用水"
            };
            let c = e
                .record_check_at(who, id, &check(h.household_id, "needs_help", note), at)
                .await?;
            if let Some(ev) = c.event_id {
                close_event(app, &worker, ev, at, note).await?;
            }
        } else {
            e.record_check_at(
                who,
                id,
                &check(h.household_id, "safe", "已入户查看，门窗加固，平安"),
                at,
            )
            .await?;
        }
    }
    // The first unreachable ones escalate an hour on; every one is reached on a retry.
    if let Some(first) = retries.iter().map(|r| r.2).min() {
        let sys = app.system_actor().await?;
        e.escalate_due_at(&sys, first + 61 * MIN).await?;
    }
    let mut last = t0;
    for (n, (h, who, at)) in retries.into_iter().enumerate() {
        let when = at + 75 * MIN + n as i64 * 3 * MIN;
        last = last.max(when);
        e.record_check_at(
            &who,
            id,
            &check(h, "safe", "联系上家属，老人已由子女接走，平安"),
            when,
        )
        .await?;
    }
    e.stand_down_at(&worker, id, last.max(t0 + 6 * 60 * MIN) + 30 * MIN)
        .await?;
    // Its notifications were read at the time.
    let mut conn = app.store.acquire().await?;
    jingzhi_store::notify::mark_past_read(&mut conn, "incident", now - 30 * DAY).await?;
    Ok(())
}

/// The event a household needing help became: taken, handled by the community, closed.
async fn close_event(app: &App, worker: &Actor, id: i64, at: i64, note: &str) -> AppResult<()> {
    let ev = app.events();
    let community = Handler {
        kind: HandlerKind::Community,
        name: worker.user.scope_name.clone(),
        code: None,
    };
    let steps = [
        (Command::Accept, 5),
        (
            Command::Dispatch(Dispatch {
                lead: community,
                co_handlers: vec![],
                notified: vec![],
            }),
            8,
        ),
        (Command::Start, 15),
        (
            Command::Resolve {
                result: format!("已处置：{note}。社区工作者与应急队员上门，安排转移与物资。"),
            },
            120,
        ),
        (Command::Verify, 180),
        (Command::Close, 200),
    ];
    for (cmd, minutes) in steps {
        ev.command_at(worker, id, &cmd, None, at + minutes * MIN)
            .await?;
    }
    Ok(())
}
