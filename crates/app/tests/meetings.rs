//! Deliberation meetings in rounds, minutes that lock, and decisions carried out as tasks
//! (issue 11 §3 and §5), on a real database (SQLite, or PostgreSQL with
//! JINGZHI_TEST_DATABASE_URL).

mod common;

use common::World;
use jingzhi_app::participation::decisions::{DecisionInput, EvaluationInput, TaskInput};
use jingzhi_app::participation::meetings::{ItemInput, NewMeetingInput, PartyInput, RoundInput};
use jingzhi_app::participation::proposals::{AnswerInput, JourneyKind, NewProposalInput};
use jingzhi_app::participation::votes::NewVoteInput;
use jingzhi_app::{Actor, AppError};
use jingzhi_domain::participation::decisions::{Figure, Step};
use jingzhi_domain::participation::meetings::{MinutesPhase, Position};
use jingzhi_domain::registry::IdNumber;
use time::macros::date;

const NOW: i64 = 1_796_346_000_000;
const DAY: i64 = 24 * 3600 * 1000;

fn status(e: &AppError) -> &'static str {
    match e {
        AppError::NotFound => "404",
        AppError::Forbidden => "403",
        AppError::Invalid(_) => "422",
        AppError::Conflict { .. } => "409",
        _ => "other",
    }
}

fn field(e: &AppError) -> &str {
    match e {
        AppError::Invalid(v) => v[0].field,
        AppError::Conflict { field, .. } => field,
        other => panic!("expected a field error, got {other:?}"),
    }
}

fn meeting(w: &World, kind: &str, title: &str) -> NewMeetingInput {
    NewMeetingInput {
        node_id: w.comm_a.id,
        kind: kind.into(),
        title: title.into(),
        held_at: "2026-06-03T19:00:00+08:00".into(),
        venue: "社区党群服务中心二楼议事厅".into(),
    }
}

fn round(who: &str, what: &str, changes: &str) -> RoundInput {
    RoundInput {
        positions: vec![Position {
            who: who.into(),
            what: what.into(),
        }],
        changes: changes.into(),
        open_points: String::new(),
    }
}

async fn resident(w: &World, worker: &Actor, user: &str, room: &str, name: &str, n: u32) -> Actor {
    let id = IdNumber::build(371002, date!(1970 - 01 - 01), 700 + n);
    w.resident_at(worker, user, room, name, id.as_str()).await
}

/// The 向阳街 case end to end: a proposal taken up, a deliberation over twelve rounds, a
/// household vote, the decision with its numbers, tasks carried out by the community and a
/// department, an evaluation; the resident follows it all on the proposal's timeline.
#[tokio::test]
async fn a_proposal_goes_through_twelve_rounds_a_vote_and_tasks_to_its_result() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let author = resident(&w, &worker, "res.author", "501", "王大爷", 1).await;
    let neighbour = resident(&w, &worker, "res.nb", "502", "李阿姨", 2).await;
    let p = w.app.participation();

    let prop = p
        .file_proposal_at(
            &author,
            &NewProposalInput {
                title: "向阳街私装地锁占道".into(),
                body: "向阳街两侧私装地锁，车辆乱停，消防通道被堵。".into(),
                ..Default::default()
            },
            NOW,
        )
        .await
        .unwrap();

    // A neighbour supports it: they follow it from now on.
    p.support_at(&neighbour, prop.id, NOW).await.unwrap();

    let m = p
        .create_meeting_at(
            &worker,
            &meeting(&w, "deliberation", "向阳街停车问题民主议事会"),
            NOW,
        )
        .await
        .unwrap();
    // A proposal goes on an agenda once the community took it up.
    let item = ItemInput {
        proposal_id: Some(prop.id),
        ..Default::default()
    };
    let e = p.add_item_at(&worker, m.id, &item, NOW).await.unwrap_err();
    assert_eq!((status(&e), field(&e)), ("422", "proposal_id"));
    p.answer_at(
        &worker,
        prop.id,
        &AnswerInput {
            answer: "take_up".into(),
            ..Default::default()
        },
        NOW + 1,
    )
    .await
    .unwrap();
    let item = p.add_item_at(&worker, m.id, &item, NOW + 2).await.unwrap();
    assert_eq!(item.title, "向阳街私装地锁占道");

    // Parties: the author (their account may amend the minutes), a department from the
    // registry, a lawyer by name; a department not serving the place is refused.
    let party = |role: &str| PartyInput {
        role: role.into(),
        attended: true,
        ..Default::default()
    };
    let rid = author.user.resident_id.unwrap();
    let author_party = p
        .add_party(
            &worker,
            m.id,
            &PartyInput {
                resident_id: Some(rid),
                ..party("representative")
            },
        )
        .await
        .unwrap();
    assert_eq!(author_party.name, "王大爷");
    let dept = p
        .add_party(
            &worker,
            m.id,
            &PartyInput {
                department_code: Some("zhujian".into()),
                ..party("department")
            },
        )
        .await
        .unwrap();
    assert!(dept.department_id.is_some());
    let e = p
        .add_party(
            &worker,
            m.id,
            &PartyInput {
                department_code: Some("nowhere".into()),
                ..party("department")
            },
        )
        .await
        .unwrap_err();
    assert_eq!(field(&e), "department_code");
    p.add_party(
        &worker,
        m.id,
        &PartyInput {
            name: "<b>法律顾问</b>".into(),
            ..party("lawyer")
        },
    )
    .await
    .unwrap();
    let e = p
        .add_party(&worker, m.id, &party("lawyer"))
        .await
        .unwrap_err();
    assert_eq!(field(&e), "name");
    let e = p
        .add_party(
            &author,
            m.id,
            &PartyInput {
                name: "x".into(),
                ..party("lawyer")
            },
        )
        .await
        .unwrap_err();
    assert_eq!(status(&e), "403");
    let e = p
        .set_attendance(&worker, m.id, &[999_999])
        .await
        .unwrap_err();
    assert_eq!(field(&e), "present");

    // Twelve rounds, numbered in order; an empty round is refused.
    let e = p
        .add_round_at(&worker, item.id, &round(" ", " ", ""), NOW)
        .await
        .unwrap_err();
    assert_eq!(field(&e), "positions");
    for n in 1..=12 {
        let r = p
            .add_round_at(
                &worker,
                item.id,
                &round(
                    "业主代表",
                    &format!("第{n}轮意见"),
                    &format!("第{n}轮的变化"),
                ),
                NOW + 10 + n,
            )
            .await
            .unwrap();
        assert_eq!(r.n, n);
    }
    let e = p
        .add_round_at(&author, item.id, &round("我", "同意", ""), NOW + 30)
        .await
        .unwrap_err();
    assert_eq!(status(&e), "403");

    // The household vote that settles it.
    let vote = p
        .create_vote_at(
            &worker,
            &NewVoteInput {
                node_id: w.comm_a.id,
                question: "是否拆除私装地锁、统一施划停车位？".into(),
                options: vec!["同意".into(), "不同意".into()],
                unit: "household".into(),
                quorum_percent: 50,
                majority: "simple".into(),
                closes_at: "2099-01-01T00:00:00+08:00".into(),
                ..Default::default()
            },
            NOW + 40,
        )
        .await
        .unwrap();
    p.cast_ballot_at(&author, vote.id, "同意", NOW + 41)
        .await
        .unwrap();
    p.cast_ballot_at(&neighbour, vote.id, "同意", NOW + 42)
        .await
        .unwrap();
    // A decision cannot rest on a vote still open.
    let decision = |vote_id| DecisionInput {
        item_id: Some(item.id),
        vote_id,
        title: "拆除私装地锁，统一施划停车位".into(),
        body: "业主自行拆除地锁；统一施划车位；富余车位对外出租，租金进入共享基金。".into(),
        figures: vec![
            Figure {
                label: "施划停车位".into(),
                value: 68,
                unit: "个".into(),
            },
            Figure {
                label: "富余车位出租".into(),
                value: 20,
                unit: "个".into(),
            },
        ],
    };
    let e = p
        .decide_at(&worker, &decision(Some(vote.id)), NOW + 43)
        .await
        .unwrap_err();
    assert_eq!(status(&e), "409");
    p.close_vote_at(&worker, vote.id, NOW + 44).await.unwrap();
    let e = p
        .decide_at(
            &worker,
            &DecisionInput {
                figures: vec![Figure {
                    label: "x".into(),
                    value: -1,
                    unit: String::new(),
                }],
                ..decision(Some(vote.id))
            },
            NOW + 45,
        )
        .await
        .unwrap_err();
    assert_eq!(field(&e), "figures");
    let e = p
        .decide_at(&author, &decision(Some(vote.id)), NOW + 45)
        .await
        .unwrap_err();
    assert_eq!(status(&e), "403");
    let d = p
        .decide_at(&worker, &decision(Some(vote.id)), NOW + 46)
        .await
        .unwrap();
    assert_eq!(d.proposal_id, Some(prop.id));
    assert_eq!(d.meeting_id, Some(m.id));
    assert_eq!(d.figures[0].value, 68);
    // One decision per item, and no more rounds once decided.
    let e = p
        .decide_at(&worker, &decision(None), NOW + 47)
        .await
        .unwrap_err();
    assert_eq!((status(&e), field(&e)), ("409", "item_id"));
    let e = p
        .add_round_at(&worker, item.id, &round("物业", "再议", ""), NOW + 48)
        .await
        .unwrap_err();
    assert_eq!(status(&e), "409");

    // Tasks: the community's, and the housing bureau's (its staff move it; another
    // department's do not see it).
    let task = |title: &str, kind: &str, code: Option<&str>| TaskInput {
        title: title.into(),
        owner_kind: kind.into(),
        department_code: code.map(str::to_string),
        due_at: "2026-09-30T18:00:00+08:00".into(),
        ..Default::default()
    };
    let t1 = p
        .add_task_at(
            &worker,
            d.id,
            &task("施划68个车位", "community", None),
            NOW + 50,
        )
        .await
        .unwrap();
    let t2 = p
        .add_task_at(
            &worker,
            d.id,
            &task("审核车位规划", "department", Some("zhujian")),
            NOW + 51,
        )
        .await
        .unwrap();
    assert_eq!(t2.owner_name, "住建局");
    let e = p
        .add_task_at(&worker, d.id, &task("x", "department", Some("nope")), NOW)
        .await
        .unwrap_err();
    assert_eq!(field(&e), "department_code");
    let e = p
        .add_task_at(&worker, d.id, &task("x", "bureau", None), NOW)
        .await
        .unwrap_err();
    assert_eq!(field(&e), "owner_kind");
    let e = p
        .add_task_at(
            &worker,
            d.id,
            &TaskInput {
                due_at: "tomorrow".into(),
                ..task("x", "community", None)
            },
            NOW,
        )
        .await
        .unwrap_err();
    assert_eq!(field(&e), "due_at");

    let zj = w.dept_user("zj.staff", "zhujian", &w.district).await;
    let cg = w.dept_user("cg.staff", "chengguan", &w.district).await;
    // A task sent to the bureau now tells its staff (not another department's), with the
    // decision's page to open.
    let t3 = p
        .add_task_at(
            &worker,
            d.id,
            &task("复核施工方案", "department", Some("zhujian")),
            NOW + 52,
        )
        .await
        .unwrap();
    let told = w.app.notify().inbox(&zj, 10).await.unwrap().unread;
    assert!(
        told.iter().any(|n| n.command == "task"
            && n.title.contains("复核施工方案")
            && n.link.as_deref() == Some(format!("/decisions/{}", d.id).as_str())),
        "{told:?}"
    );
    assert!(!w
        .app
        .notify()
        .inbox(&cg, 10)
        .await
        .unwrap()
        .unread
        .iter()
        .any(|n| n.command == "task"));
    assert_eq!(p.department_tasks(&zj).await.unwrap().len(), 2);
    assert!(p.department_tasks(&cg).await.unwrap().is_empty());
    let e = p
        .progress_task_at(&cg, t2.id, "started", None, NOW + 60)
        .await
        .unwrap_err();
    assert_eq!(status(&e), "404");
    let e = p
        .progress_task_at(&zj, t1.id, "started", None, NOW + 60)
        .await
        .unwrap_err();
    assert_eq!(status(&e), "404");
    p.progress_task_at(&zj, t2.id, "started", Some("已收到规划图"), NOW + 61)
        .await
        .unwrap();
    let e = p
        .progress_task_at(&zj, t2.id, "studying", None, NOW + 62)
        .await
        .unwrap_err();
    assert_eq!((status(&e), field(&e)), ("409", "step"));
    let e = p
        .progress_task_at(&author, t1.id, "done", None, NOW + 62)
        .await
        .unwrap_err();
    assert_eq!(status(&e), "403");
    p.progress_task_at(&zj, t2.id, "done", None, NOW + 63)
        .await
        .unwrap();
    p.progress_task_at(&zj, t3.id, "started", None, NOW + 63)
        .await
        .unwrap();
    p.progress_task_at(&zj, t3.id, "done", None, NOW + 63)
        .await
        .unwrap();
    p.progress_task_at(&worker, t1.id, "half_done", None, NOW + 64)
        .await
        .unwrap();
    let done = p
        .progress_task_at(&worker, t1.id, "done", Some("68个车位已施划"), NOW + 65)
        .await
        .unwrap();
    assert_eq!(done.step, Step::Done);
    let e = p
        .progress_task_at(&worker, t1.id, "done", None, NOW + 66)
        .await
        .unwrap_err();
    assert_eq!(status(&e), "409");

    // An evaluation meeting rates it; a deliberation meeting cannot.
    let ev = p
        .create_meeting_at(
            &worker,
            &meeting(&w, "evaluation", "向阳街停车整治评议会"),
            NOW + 70,
        )
        .await
        .unwrap();
    let rate = |meeting_id| EvaluationInput {
        meeting_id,
        rating: 5,
        note: Some("居民满意".into()),
    };
    let e = p
        .evaluate_at(&worker, d.id, &rate(m.id), NOW + 71)
        .await
        .unwrap_err();
    assert_eq!(field(&e), "meeting_id");
    let rated = p
        .evaluate_at(&worker, d.id, &rate(ev.id), NOW + 72)
        .await
        .unwrap();
    assert_eq!(rated.rating, Some(5));
    assert_eq!((rated.tasks, rated.tasks_done), (3, 3));

    // The author follows it from idea to result on the proposal's page.
    let v = p
        .proposal_view_at(&author, prop.id, NOW + 80)
        .await
        .unwrap();
    let notes: Vec<String> = v.journey.iter().filter_map(|j| j.note.clone()).collect();
    let has = |s: &str| notes.iter().any(|n| n.contains(s));
    assert!(
        has("列入议事协商会“向阳街停车问题民主议事会”议程"),
        "{notes:?}"
    );
    assert!(has("议事协商会第12轮协商"), "{notes:?}");
    assert!(has("形成决定：拆除私装地锁"), "{notes:?}");
    assert!(has("结果：同意"), "{notes:?}");
    assert!(has("68个车位已施划"), "{notes:?}");
    assert!(has("5星"), "{notes:?}");
    assert!(v.journey.iter().any(|j| j.kind == JourneyKind::Vote));
    assert!(v
        .journey
        .iter()
        .any(|j| j.kind == JourneyKind::Task(Step::Done)));
    assert!(v.journey.windows(2).all(|x| x[0].at <= x[1].at));

    // The author and the supporter were told of every step, in their notifications; the
    // worker who took the steps was not.
    for who in [&author, &neighbour] {
        let told: Vec<String> = w
            .app
            .notify()
            .notifications(who, None, None, 200)
            .await
            .unwrap()
            .into_iter()
            .filter(|n| n.proposal_id == Some(prop.id))
            .map(|n| n.body)
            .collect();
        let has = |s: &str| told.iter().any(|n| n.contains(s));
        assert!(has("已列入议题"), "{told:?}");
        assert!(has("第12轮协商"), "{told:?}");
        assert!(has("形成决定"), "{told:?}");
        assert!(has("任务“施划68个车位”已完成：68个车位已施划"), "{told:?}");
        assert!(has("5星"), "{told:?}");
    }
    assert!(w
        .app
        .notify()
        .notifications(&worker, None, None, 200)
        .await
        .unwrap()
        .iter()
        .all(|n| n.proposal_id.is_none()));

    // The resident reads the meeting, its twelve rounds and the decision.
    let seen = p.meeting_view_at(&author, m.id, NOW + 90).await.unwrap();
    assert_eq!(seen.rounds.len(), 12);
    assert!(!seen.may_edit);
    assert_eq!(p.decision_view(&author, d.id).await.unwrap().tasks.len(), 3);
}

/// Minutes: the organiser drafts, attendees amend while they are open, then they lock with a
/// digest, and nothing changes them after.
#[tokio::test]
async fn minutes_are_amended_by_attendees_then_lock_for_good() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let other_worker = w.user("worker.a2", "community-worker", &w.comm_a).await;
    let came = resident(&w, &worker, "res.came", "511", "赵先生", 3).await;
    let away = resident(&w, &worker, "res.away", "512", "钱女士", 4).await;
    let p = w.app.participation();
    let m = p
        .create_meeting_at(
            &worker,
            &meeting(&w, "topic_gathering", "三季度议题征集会"),
            NOW,
        )
        .await
        .unwrap();
    let invite = |r: &Actor, attended| PartyInput {
        role: "resident".into(),
        resident_id: r.user.resident_id,
        attended,
        ..Default::default()
    };
    p.add_party(&worker, m.id, &invite(&came, true))
        .await
        .unwrap();
    p.add_party(&worker, m.id, &invite(&away, false))
        .await
        .unwrap();

    let e = p
        .amend_minutes_at(&came, m.id, "补充", NOW)
        .await
        .unwrap_err();
    assert_eq!(status(&e), "409");
    // Only the organiser writes.
    let e = p
        .write_minutes_at(&other_worker, m.id, "别人写的", NOW)
        .await
        .unwrap_err();
    assert_eq!(status(&e), "403");
    let e = p
        .write_minutes_at(&worker, m.id, "  ", NOW)
        .await
        .unwrap_err();
    assert_eq!(field(&e), "minutes");
    p.write_minutes_at(&worker, m.id, "征集议题7项：<script>x</script>", NOW + 1)
        .await
        .unwrap();
    let e = p
        .amend_minutes_at(&came, m.id, "补充", NOW + 2)
        .await
        .unwrap_err();
    assert_eq!(status(&e), "409");
    let e = p
        .open_minutes_at(&worker, m.id, 0, NOW + 3)
        .await
        .unwrap_err();
    assert_eq!(field(&e), "amend_days");
    p.open_minutes_at(&worker, m.id, 3, NOW + 3).await.unwrap();
    p.amend_minutes_at(&came, m.id, "第5项应为楼道照明", NOW + 4)
        .await
        .unwrap();
    // Someone invited who did not come, and staff who were not invited, may not amend.
    let e = p
        .amend_minutes_at(&away, m.id, "我也说两句", NOW + 5)
        .await
        .unwrap_err();
    assert_eq!(status(&e), "403");
    let e = p
        .amend_minutes_at(&other_worker, m.id, "补充", NOW + 5)
        .await
        .unwrap_err();
    assert_eq!(status(&e), "403");
    let v = p.meeting_view_at(&came, m.id, NOW + 6).await.unwrap();
    assert_eq!(v.minutes_phase, MinutesPhase::Amending);
    assert!(v.may_amend);
    assert!(v.meeting.minutes_hash.is_none());

    // Past the deadline: locked at the deadline with its digest, by whoever comes first.
    let after = NOW + 3 + 3 * DAY + 1;
    let e = p
        .write_minutes_at(&worker, m.id, "改写", after)
        .await
        .unwrap_err();
    assert_eq!((status(&e), field(&e)), ("409", "minutes"));
    let v = p.meeting_view_at(&came, m.id, after + 1).await.unwrap();
    assert_eq!(v.minutes_phase, MinutesPhase::Locked);
    assert_eq!(v.meeting.locked_at, Some(NOW + 3 + 3 * DAY));
    let digest = v.meeting.minutes_hash.clone().unwrap();
    assert_eq!(digest.len(), 64);
    assert_eq!(v.digest_verified, Some(true));
    assert_eq!(v.amendments.len(), 1);
    assert!(v.meeting.minutes.as_deref().unwrap().contains("<script>"));
    for r in [
        p.write_minutes_at(&worker, m.id, "改写", after + 2).await,
        p.amend_minutes_at(&came, m.id, "再改", after + 2).await,
        p.lock_minutes_at(&worker, m.id, after + 2).await,
        p.open_minutes_at(&worker, m.id, 3, after + 2).await,
    ] {
        assert_eq!(status(&r.unwrap_err()), "409");
    }
    let again = p.meeting_view_at(&worker, m.id, after + 3).await.unwrap();
    assert_eq!(again.meeting.minutes_hash.as_deref(), Some(digest.as_str()));
    assert_eq!(again.meeting.minutes, v.meeting.minutes);

    // The organiser may lock early.
    let m2 = p
        .create_meeting_at(&worker, &meeting(&w, "deliberation", "短会"), NOW)
        .await
        .unwrap();
    let e = p.lock_minutes_at(&worker, m2.id, NOW).await.unwrap_err();
    assert_eq!(status(&e), "409");
    p.write_minutes_at(&worker, m2.id, "一致同意", NOW)
        .await
        .unwrap();
    let locked = p.lock_minutes_at(&worker, m2.id, NOW + 1).await.unwrap();
    assert_eq!(locked.locked_at, Some(NOW + 1));
}

/// Who sees a meeting: staff of its place, residents of its community, a department only
/// when invited; nobody else, and only staff hold one.
#[tokio::test]
async fn meetings_stay_in_their_community() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let worker_b = w.user("worker.b", "community-worker", &w.comm_b).await;
    let res_a = resident(&w, &worker, "res.a", "521", "孙", 5).await;
    let steward = w.user("steward.a", "steward", &w.comm_a).await;
    let zj = w.dept_user("zj.staff", "zhujian", &w.district).await;
    let p = w.app.participation();

    let e = p
        .create_meeting_at(&res_a, &meeting(&w, "deliberation", "x"), NOW)
        .await
        .unwrap_err();
    assert_eq!(status(&e), "403");
    let e = p
        .create_meeting_at(&steward, &meeting(&w, "deliberation", "x"), NOW)
        .await
        .unwrap_err();
    assert_eq!(status(&e), "403");
    let e = p
        .create_meeting_at(
            &worker,
            &NewMeetingInput {
                kind: "party".into(),
                held_at: "soon".into(),
                ..meeting(&w, "x", " ")
            },
            NOW,
        )
        .await
        .unwrap_err();
    match e {
        AppError::Invalid(v) => {
            let f: Vec<_> = v.iter().map(|f| f.field).collect();
            assert_eq!(f, ["kind", "title", "held_at"]);
        }
        other => panic!("{other:?}"),
    }
    let e = p
        .create_meeting_at(
            &worker,
            &NewMeetingInput {
                kind: "party".into(),
                ..meeting(&w, "x", " ")
            },
            NOW,
        )
        .await
        .unwrap_err();
    match e {
        AppError::Invalid(v) => {
            let f: Vec<_> = v.iter().map(|f| f.field).collect();
            assert_eq!(f, ["kind", "title"]);
        }
        other => panic!("{other:?}"),
    }
    let e = p
        .create_meeting_at(&worker_b, &meeting(&w, "deliberation", "越界"), NOW)
        .await
        .unwrap_err();
    assert_eq!(status(&e), "404");

    let m = p
        .create_meeting_at(&worker, &meeting(&w, "deliberation", "楼道议事"), NOW)
        .await
        .unwrap();
    assert_eq!(
        status(&p.meeting_view_at(&worker_b, m.id, NOW).await.unwrap_err()),
        "404"
    );
    assert!(p.meetings(&worker_b).await.unwrap().is_empty());
    assert!(p.meeting_view_at(&res_a, m.id, NOW).await.is_ok());
    assert!(p.meeting_view_at(&steward, m.id, NOW).await.is_ok());
    assert_eq!(
        status(&p.meeting_view_at(&zj, m.id, NOW).await.unwrap_err()),
        "404"
    );
    assert!(p.meetings(&zj).await.unwrap().is_empty());
    p.add_party(
        &worker,
        m.id,
        &PartyInput {
            role: "department".into(),
            department_code: Some("zhujian".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(p.meeting_view_at(&zj, m.id, NOW).await.is_ok());
    assert_eq!(p.meetings(&zj).await.unwrap().len(), 1);

    // An item about another community's event is refused, naming the field.
    let e = p
        .add_item_at(
            &worker,
            m.id,
            &ItemInput {
                event_id: Some(999_999),
                ..Default::default()
            },
            NOW,
        )
        .await
        .unwrap_err();
    assert_eq!(field(&e), "event_id");
    let e = p
        .add_item_at(
            &worker,
            m.id,
            &ItemInput {
                event_id: Some(1),
                proposal_id: Some(1),
                ..Default::default()
            },
            NOW,
        )
        .await
        .unwrap_err();
    assert_eq!(field(&e), "subject");
    let e = p
        .add_item_at(&worker, m.id, &ItemInput::default(), NOW)
        .await
        .unwrap_err();
    assert_eq!(field(&e), "title");
}
