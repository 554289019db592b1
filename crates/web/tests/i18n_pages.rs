//! English mode covers every page, or the switch would not be offered: every GET route that
//! serves HTML, with the ids of real records, in both languages, as every role. A translation
//! key missing from the tables shows as `⟦key⟧` (see `i18n.rs`) and fails here, as does any
//! server error. Hard-coded Chinese in the templates is caught by the template scan (the
//! unit tests of `i18n.rs`); data (names of places, categories, people) stays as entered.

mod common;

use axum::http::StatusCode;
use common::{TestApp, USERS};
use jingzhi_app::events::ReportInput;
use jingzhi_app::Actor;

fn enc(s: &str) -> String {
    jingzhi_web::shared::urlencode_all(s)
}

async fn actor(t: &TestApp, username: &str) -> Actor {
    let mut c = t.app.store.acquire().await.unwrap();
    Actor::new(
        jingzhi_store::auth::user_by_username(&mut c, username)
            .await
            .unwrap()
            .unwrap(),
    )
}

fn location(r: &common::Resp) -> String {
    r.headers
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

/// Real records behind every page: an event reported by a resident and accepted (so a
/// notification), a dispatched one, a whistle, a steward's post with a visit and a finding, a
/// grid service specialist, a queued 12345 ticket, a redistricting plan. Returns the pages.
async fn seed(t: &TestApp) -> Vec<String> {
    let worker = actor(t, "worker.a").await;
    let resident = actor(t, "resident.a").await;
    let reported = t
        .app
        .events()
        .report(
            &resident,
            &ReportInput {
                category: "sanitation".into(),
                description: "楼下垃圾没人清".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    t.app.events().accept(&worker, reported.id).await.unwrap();
    let sys = Actor::system(&t.city);
    let other = t
        .app
        .events()
        .report(
            &sys,
            &ReportInput {
                category: "sanitation".into(),
                node_id: Some(t.building_a.id),
                description: "楼道堆放杂物".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();

    // Through the pages, as people do it: accept and dispatch to a department, whistle.
    let (w, wcsrf) = t.browser_session("worker.a").await;
    let r = common::send_multipart(
        t,
        &format!("/events/{}/act/accept", other.id),
        ("cookie", &w),
        common::multipart(&[("csrf", &wcsrf)], &[]),
    )
    .await;
    assert!(r.status.is_redirection(), "{}", r.text());
    let r = t
        .post_form(
            &format!("/events/{}/whistle", other.id),
            &w,
            &format!(
                "csrf={wcsrf}&departments=zhujian&reason={}",
                enc("多次反映未解决")
            ),
        )
        .await;
    assert!(r.status.is_redirection(), "{}", r.text());

    // A steward's post, a visit with a finding.
    let steward_id = {
        let mut c = t.app.store.acquire().await.unwrap();
        jingzhi_store::auth::user_by_username(&mut c, "steward.a")
            .await
            .unwrap()
            .unwrap()
            .id
    };
    let r = t
        .post_form(
            "/rounds/posts/edit",
            &w,
            &format!(
                "csrf={wcsrf}&user_id={steward_id}&grid_id={}&building={}",
                t.grid_a.id, t.building_a.id
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let post_url = location(&r);
    let (st, scsrf) = t.browser_session("steward.a").await;
    let r = t
        .post_form(
            "/rounds/visits",
            &st,
            &format!(
                "csrf={scsrf}&household_id={}&visited_at=&note={}&f0_kind=hazard&f0_text={}&f0_category=fire_safety",
                t.hh_a.id,
                enc("家中一切正常"),
                enc("楼道飞线")
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let visits = t
        .page(&format!("/rounds/visits?household={}", t.hh_a.id), &st)
        .await
        .text();
    let finding: i64 = visits
        .split("/rounds/findings/")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .and_then(|s| s.parse().ok())
        .expect("a finding");

    // A grid service specialist.
    let month = jingzhi_domain::rounds::Month::of_ms(jingzhi_domain::time_fmt::now_ms());
    let since = jingzhi_domain::rounds::Month(month.0 - 2);
    let r = t
        .post_form(
            "/rounds/specialists",
            &w,
            &format!(
                "csrf={wcsrf}&grid_id={}&name={}&department={}&party_org={}&phone=13912345678&since={since}",
                t.grid_a.id,
                enc("李建国"),
                enc("区住房和城乡建设局"),
                enc("区住建局机关党支部")
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());

    // A queued 12345 ticket (an address no building matches).
    let street = actor(t, "street").await;
    let csv = "工单编号,来电时间,来电人,联系电话,诉求地址,诉求内容,问题分类,紧急程度\n\
               I18N01,2026-11-21 11:00,张三,,统一路88号,路灯不亮,路灯,\n";
    let report = t
        .app
        .hotline()
        .import(&street, "tickets.csv", csv.as_bytes())
        .await
        .unwrap();
    assert_eq!(report.queued, 1);
    let ticket = t
        .app
        .hotline()
        .queue(&street, None, 10)
        .await
        .unwrap()
        .first()
        .expect("a queued ticket")
        .id;

    // A redistricting plan for the grown community.
    grow(t).await;
    let (admin, acsrf) = t.browser_session("admin").await;
    let r = t
        .post_form(
            "/districting/plans",
            &admin,
            &format!("csrf={acsrf}&scope={}&mode=split&seed=2", t.comm_a.code),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let plan_url = location(&r);
    assert!(plan_url.starts_with("/districting/plans/"), "{plan_url}");

    // A household vote over community A, open.
    let vote = t.household_vote(&t.comm_a).await;
    let proposal = t.proposal_in(t.res_a.id).await;
    // Taken up: its author (resident.a) is told, so their notifications list a proposal's.
    t.app
        .participation()
        .answer(
            &jingzhi_app::Actor::system(&t.city),
            proposal,
            &jingzhi_app::participation::proposals::AnswerInput {
                answer: "take_up".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let meeting = t.meeting_in(&t.comm_a).await;
    t.app
        .participation()
        .add_round(
            &jingzhi_app::Actor::system(&t.city),
            meeting.open_item,
            &jingzhi_app::participation::meetings::RoundInput {
                positions: vec![jingzhi_domain::participation::meetings::Position {
                    who: "业主代表".into(),
                    what: "同意".into(),
                }],
                changes: "有变化".into(),
                open_points: "待议".into(),
            },
        )
        .await
        .unwrap();

    // A council over community A (members, a handover, a matter settled and one open) and an
    // association with a merchant.
    let (council, association) = council_in(t).await;

    // A closed vote in the public transparency log: its page shows the log's line.
    let closed = t.household_vote(&t.comm_a).await;
    t.app
        .participation()
        .close_vote(&jingzhi_app::Actor::system(&t.city), closed)
        .await
        .unwrap();
    // A fund with an income, a fee subsidy waiting for approval and a posted spending.
    let fund = {
        use jingzhi_app::funds::{EntryInput, FundInput};
        let sys = jingzhi_app::Actor::system(&t.city);
        let f = t.app.funds();
        let fund = f
            .create(
                &sys,
                &FundInput {
                    node_id: t.comm_a.id,
                    name: "共享基金".into(),
                    kind: "shared".into(),
                    threshold_fen: None,
                },
            )
            .await
            .unwrap();
        f.record(
            &sys,
            fund.id,
            &EntryInput {
                kind: "income".into(),
                category: "parking_rent".into(),
                amount_fen: 50_000,
                purpose: "车位租金".into(),
                voucher_no: "ZJ-1".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        f.record(
            &sys,
            fund.id,
            &EntryInput {
                kind: "spending".into(),
                category: "fee_subsidy".into(),
                amount_fen: 15_000,
                purpose: "物业费补贴".into(),
                voucher_no: "ZC-1".into(),
                household_id: Some(t.hh_a.id),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        // A shared space with a monthly contract, one month paid.
        let p = t.app.parking();
        let space = p
            .create_space(
                &sys,
                &jingzhi_app::parking::SpaceInput {
                    node_id: t.comm_a.id,
                    number: "XY-01".into(),
                    note: String::new(),
                    windows: vec![jingzhi_domain::parking::Window {
                        days: 0x1f,
                        start: 480,
                        end: 1080,
                    }],
                },
            )
            .await
            .unwrap();
        let c = p
            .create_contract(
                &sys,
                &jingzhi_app::parking::ContractInput {
                    space_id: space.id,
                    fund_id: fund.id,
                    tenant: "刘建军".into(),
                    starts_on: "2026-01-01".into(),
                    ends_on: "2026-06-30".into(),
                    period: "month".into(),
                    rent_fen: 5_000,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        p.pay(&sys, c.id, &Default::default()).await.unwrap();
        fund.id
    };
    // Emergencies: a team with the steward, an incident over community A with the household
    // checked once (unreachable), one added by hand.
    let (team, incident) = {
        let sys = jingzhi_app::Actor::system(&t.city);
        let e = t.app.emergency();
        let team = e
            .create_team(
                &sys,
                &jingzhi_app::emergency::TeamInput {
                    node_id: t.comm_a.id,
                    kind: "emergency".into(),
                    name: "前进社区应急队".into(),
                },
            )
            .await
            .unwrap();
        let steward = actor(t, "steward.a").await;
        e.add_member(&sys, team.id, steward.id(), "急救", true)
            .await
            .unwrap();
        let a = e
            .declare(
                &sys,
                &jingzhi_app::emergency::IncidentInput {
                    kind: "typhoon".into(),
                    node_id: t.comm_a.id,
                    title: "台风防御".into(),
                    retry_minutes: None,
                },
            )
            .await
            .unwrap();
        e.add_household(&sys, a.incident.id, t.hh_a.id)
            .await
            .unwrap();
        e.record_check(
            &steward,
            a.incident.id,
            &jingzhi_app::emergency::CheckInput {
                household_id: t.hh_a.id,
                status: "unreachable".into(),
                note: "无人应答".into(),
            },
        )
        .await
        .unwrap();
        (team.id, a.incident.id)
    };
    // Care: a record for the resident of household A, its household red with a case referred
    // to 住建局 and helped.
    let (care_record, care_case) = {
        let sys = jingzhi_app::Actor::system(&t.city);
        let care = t.app.care();
        let rec = care
            .open_record(
                &sys,
                &jingzhi_app::care::RecordInput {
                    resident_id: t.res_a.id,
                    kind: "elderly".into(),
                    detail: jingzhi_domain::care::Detail {
                        age_band: Some(jingzhi_domain::care::AgeBand::Old),
                        living_alone: true,
                        plan: "每周探访".into(),
                        ..Default::default()
                    },
                    worker_user_id: None,
                    visit_every_days: None,
                },
            )
            .await
            .unwrap();
        care.set_facts(&sys, t.hh_a.id, Some(600), 2).await.unwrap();
        let today = jingzhi_domain::time_fmt::format_date(jingzhi_domain::time_fmt::today());
        care.add_hardship(&sys, t.hh_a.id, "job_loss", &today, "失业")
            .await
            .unwrap();
        let case = care
            .household(&sys, t.hh_a.id)
            .await
            .unwrap()
            .case
            .unwrap()
            .id;
        care.refer(&sys, case, "zhujian", "危房鉴定", 7)
            .await
            .unwrap();
        care.add_help(&sys, case, "临时救助").await.unwrap();
        (rec.id, case)
    };
    // An activity over community A.
    let activity = {
        let sys = jingzhi_app::Actor::system(&t.city);
        let start = jingzhi_domain::time_fmt::now_ms() + 48 * 3600 * 1000;
        t.app
            .activities()
            .create(
                &sys,
                &jingzhi_app::activities::ActivityInput {
                    node_id: t.comm_a.id,
                    category: "course".into(),
                    title: "智能手机课".into(),
                    description: "教老人用手机挂号".into(),
                    venue: "党群服务中心".into(),
                    starts_at: jingzhi_domain::time_fmt::format_w3c(start),
                    ends_at: jingzhi_domain::time_fmt::format_w3c(start + 3600 * 1000),
                    capacity: Some(20),
                },
            )
            .await
            .unwrap()
            .id
    };
    // A family-doctor team over community A, the resident signed with it, and a key-group
    // resident still to sign.
    {
        let sys = jingzhi_app::Actor::system(&t.city);
        let d = t.app.doctors();
        let team = d
            .create_team(
                &sys,
                &jingzhi_app::doctors::TeamInput {
                    node_id: t.comm_a.id,
                    name: "张红医生团队".into(),
                    institution: "环翠区竹岛社区卫生服务中心".into(),
                    lead_doctor: "张红".into(),
                    code: None,
                },
            )
            .await
            .unwrap();
        d.sign(
            &sys,
            &jingzhi_app::doctors::SignInput {
                resident_id: t.res_a.id,
                team_id: team.id,
                groups: vec!["elderly".into(), "chronic".into()],
                signed_on: None,
            },
        )
        .await
        .unwrap();
        t.app
            .registry()
            .create_resident(
                &sys,
                t.hh_a.id,
                &jingzhi_domain::registry::ResidentInput {
                    name: "王大爷".into(),
                    id_number: jingzhi_domain::registry::IdNumber::build(
                        371002,
                        time::macros::date!(1950 - 05 - 01),
                        771,
                    )
                    .as_str()
                    .to_string(),
                    family_doctor_key: true,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
    }
    // A doctor on the register of people who can be mobilised.
    let force = {
        let sys = jingzhi_app::Actor::system(&t.city);
        t.app
            .forces()
            .add(
                &sys,
                &jingzhi_app::forces::MemberInput {
                    node_id: t.comm_a.id,
                    kind: "doctor".into(),
                    name: "刘医生".into(),
                    skills: vec!["medical".into(), "first_aid".into()],
                    availability: "weekdays".into(),
                    phone: "13905310001".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .id
    };
    // A legal-aid case of resident A, mediated.
    let legal = {
        let sys = jingzhi_app::Actor::system(&t.city);
        let l = t.app.legal();
        let v = l
            .open(
                &sys,
                &jingzhi_app::legal::CaseInput {
                    resident_id: t.res_a.id,
                    matter: "wages".into(),
                    channel: "walk_in".into(),
                    lawyer_id: None,
                    summary: "拖欠工资".into(),
                },
            )
            .await
            .unwrap();
        l.step(&sys, v.case.id, "mediating", None, "约谈")
            .await
            .unwrap();
        v.case.id
    };
    // Employment help: resident A looking for work, referred to a position of a local firm.
    let seeker = {
        let sys = jingzhi_app::Actor::system(&t.city);
        let firm = t
            .app
            .participation()
            .create_merchant(
                &sys,
                &jingzhi_app::participation::councils::NewMerchantInput {
                    building_id: t.building_a.id,
                    name: "海鲜加工厂".into(),
                    licence_number:
                        jingzhi_domain::participation::councils::LicenceNumber::complete(
                            "91371002000000077",
                        )
                        .unwrap()
                        .as_str()
                        .into(),
                    contact_phone: None,
                    association_id: None,
                },
            )
            .await
            .unwrap();
        let j = t.app.jobs();
        let p = j
            .post(
                &sys,
                &jingzhi_app::jobs::PositionInput {
                    merchant_id: firm.id,
                    title: "分拣工".into(),
                    work: "fishery".into(),
                    openings: 2,
                    wage_min: Some(4000),
                    wage_max: Some(5000),
                    requirements: String::new(),
                },
            )
            .await
            .unwrap();
        let s = j.register(&sys, t.res_a.id, "fishery", "").await.unwrap();
        j.refer(&sys, s.id, p.id, "").await.unwrap();
        s.id
    };
    // Integrity: a platform (public page) and a worker with records, one minus record appealed,
    // a project adopted with a delivery waiting, a reward granted.
    let (platform, worker, project) = {
        use jingzhi_app::demo::integrity::{demo_pdf, demo_png};
        use jingzhi_app::integrity::{ProjectInput, RecordInput, RewardInput, SubjectInput};
        let sys = jingzhi_app::Actor::system(&t.city);
        let ig = t.app.integrity();
        let subject = |kind: &str, name: &str| SubjectInput {
            kind: kind.into(),
            node_id: Some(t.comm_a.id),
            name: name.into(),
            ..Default::default()
        };
        let p = ig
            .create_subject(&sys, &subject("platform", "同城配送站"))
            .await
            .unwrap();
        let w = ig
            .create_subject(&sys, &subject("worker", "张师傅"))
            .await
            .unwrap();
        let rec = |code: &str, file: Vec<u8>| RecordInput {
            item_code: code.into(),
            evidence: Some(file),
            ..Default::default()
        };
        ig.record(&sys, p.id, &rec("P009", demo_pdf("x")))
            .await
            .unwrap();
        ig.record(&sys, w.id, &rec("P014", demo_png([1, 2, 3])))
            .await
            .unwrap();
        let minus = ig
            .record(&sys, w.id, &rec("M004", demo_pdf("x")))
            .await
            .unwrap();
        let mut conn = t.app.store.acquire().await.unwrap();
        jingzhi_store::integrity::insert_appeal(
            &mut conn,
            minus.id,
            &minus.path,
            "申诉",
            None,
            "w",
            0,
        )
        .await
        .unwrap();
        drop(conn);
        let project = ig
            .create_project(
                &sys,
                &ProjectInput {
                    node_id: t.comm_a.id,
                    title: "百岁宴".into(),
                    description: "长寿面".into(),
                    schedule: "每月".into(),
                    item_code: "P080".into(),
                },
            )
            .await
            .unwrap();
        let a = ig.adopt(&sys, project.id, w.id).await.unwrap();
        ig.report_delivery(&sys, a.id, "", "12位老人")
            .await
            .unwrap();
        let reward = ig
            .create_reward(
                &sys,
                &RewardInput {
                    node_id: t.comm_a.id,
                    title: "托管".into(),
                    description: "四点半课堂".into(),
                    min_stars: 0,
                },
            )
            .await
            .unwrap();
        ig.grant(&sys, reward.id, p.id, "", "").await.unwrap();
        (p.id, w.id, project.id)
    };
    t.app.transparency().publish().await.unwrap();

    let (e, a, b) = (other.id, &t.comm_a, &t.building_a);
    let mut pages = vec![
        "/".to_string(),
        format!("/nodes/{}", t.street.id),
        format!("/nodes/{}", a.id),
        format!("/nodes/{}", b.id),
        "/households".into(),
        format!("/households?under={}", a.id),
        "/households/new".into(),
        format!("/households/{}", t.hh_a.id),
        format!("/households/{}/residents/new", t.hh_a.id),
        "/residents".into(),
        format!("/residents?q={}", enc("王")),
        format!("/residents/{}", t.res_a.id),
        format!("/residents/{}/edit", t.res_a.id),
        "/import".into(),
        "/audit".into(),
        "/notifications".into(),
        "/notifications/badge".into(),
        "/users".into(),
        "/dashboard".into(),
        format!("/dashboard?node_id={}", a.id),
        "/events".into(),
        "/events?overdue=1&status=accepted".into(),
        format!("/events?under={}", a.id),
        "/events/new".into(),
        "/events/new?category=sanitation".into(),
        format!("/events/nearby?node_id={}&category=sanitation", b.id),
        format!("/events/{e}"),
        format!("/events/{}", reported.id),
        format!("/events/{}/submitted", reported.id),
        format!("/events/{e}/duplicates"),
        "/hotline".into(),
        format!("/hotline/queue/{ticket}"),
        format!("/hotline/queue/{ticket}?q={}", enc("前进")),
        "/rounds".into(),
        "/rounds/visits".into(),
        format!("/rounds/visits?household={}", t.hh_a.id),
        format!("/rounds/findings/{finding}/event"),
        format!("/rounds/posts/edit?user={steward_id}&grid={}", t.grid_a.id),
        post_url,
        "/rounds/coverage".into(),
        format!("/rounds/coverage?node={}", t.grid_a.id),
        "/rounds/specialists".into(),
        "/votes".into(),
        "/signup".into(),
        "/proposals".into(),
        "/proposals/new".into(),
        format!("/proposals/{proposal}"),
        "/votes/new".into(),
        format!("/votes/{vote}"),
        "/meetings".into(),
        "/meetings/new".into(),
        format!("/meetings/{}", meeting.meeting),
        "/decisions".into(),
        format!("/decisions/{}", meeting.decision),
        "/councils".into(),
        format!("/councils/{council}"),
        "/associations".into(),
        format!("/associations/{association}"),
        "/transparency".into(),
        "/transparency/verify".into(),
        "/funds".into(),
        format!("/funds/{fund}"),
        format!("/public/funds/{fund}"),
        "/parking".into(),
        "/incidents".into(),
        format!("/incidents/{incident}"),
        format!("/incidents/{incident}/mine"),
        format!("/incidents/{incident}/mine?all=1"),
        format!("/incidents/{incident}/export.xlsx"),
        "/teams".into(),
        format!("/teams/{team}"),
        "/care".into(),
        "/care/records".into(),
        "/care/records?kind=elderly".into(),
        "/care/records/export.xlsx?kind=elderly".into(),
        "/care/cases/export.xlsx".into(),
        format!("/care/records/new?pick={}:disabled", t.res_a.id),
        format!("/care/records/new?pick={}:child", t.res_a.id),
        format!("/care/records/new?pick={}:low_income", t.res_a.id),
        format!("/care/records/{care_record}"),
        format!("/care/households/{}", t.hh_a.id),
        format!("/care/cases/{care_case}"),
        "/care/visits".into(),
        "/care/referrals".into(),
        "/care/rules".into(),
        "/volunteering".into(),
        "/activities".into(),
        "/activities?past=1".into(),
        "/activities/new".into(),
        format!("/activities/{activity}"),
        "/forces".into(),
        "/forces?skill=first_aid".into(),
        "/forces/new".into(),
        format!("/forces/{force}"),
        "/legal".into(),
        format!("/legal/new?resident={}", t.res_a.id),
        format!("/legal/{legal}"),
        "/jobs".into(),
        format!("/jobs/seekers/new?resident={}", t.res_a.id),
        format!("/jobs/seekers/{seeker}"),
        "/jobs/positions/new".into(),
        "/activities/export.xlsx".into(),
        "/forces/export.xlsx".into(),
        "/legal/export.xlsx".into(),
        "/jobs/export.xlsx".into(),
        "/doctors/unsigned/export.xlsx".into(),
        "/doctors".into(),
        "/doctors?offset=200".into(),
        "/doctors/teams".into(),
        "/doctors/sign".into(),
        format!("/doctors/sign?resident={}", t.res_a.id),
        "/integrity".into(),
        "/integrity?kind=worker".into(),
        "/integrity/mine".into(),
        format!("/integrity/subjects/{platform}"),
        format!("/integrity/subjects/{worker}"),
        "/integrity/appeals".into(),
        "/integrity/projects".into(),
        format!("/integrity/projects/{project}"),
        "/integrity/rewards".into(),
        "/integrity/catalogue".into(),
        format!("/public/integrity/{}", t.comm_a.id),
        format!("/public/integrity/subjects/{platform}"),
        format!("/votes/{closed}"),
        "/districting".into(),
        format!("/districting/preview?scope={}&mode=split&seed=2", a.code),
        plan_url,
        "/no/such/page".into(),
        format!("/residents/{}", 999_999),
    ];
    pages.dedup();
    pages
}

/// A council over community A and an association there (ids), as the command line sets them up.
async fn council_in(t: &TestApp) -> (i64, i64) {
    use jingzhi_app::participation::councils::{
        NewAssociationInput, NewCouncilInput, NewMatterInput, NewMemberInput, NewMerchantInput,
    };
    let sys = Actor::system(&t.city);
    let p = t.app.participation();
    let a = p
        .create_association(
            &sys,
            &NewAssociationInput {
                node_id: t.comm_a.id,
                name: "东北村餐饮行业协会".into(),
                trade: "catering".into(),
            },
        )
        .await
        .unwrap();
    let m = p
        .create_merchant(
            &sys,
            &NewMerchantInput {
                building_id: t.building_a.id,
                name: "老船长水饺".into(),
                licence_number: "91350100M000100Y43".into(),
                contact_phone: Some("0631-5201234".into()),
                association_id: Some(a.id),
            },
        )
        .await
        .unwrap();
    let c = p
        .create_council(
            &sys,
            &NewCouncilInput {
                node_id: t.comm_a.id,
                name: "东北村共治理事会".into(),
                term_days: 90,
            },
        )
        .await
        .unwrap();
    for member in [
        NewMemberInput {
            kind: "community".into(),
            node_id: Some(t.comm_a.id),
            ..Default::default()
        },
        NewMemberInput {
            kind: "property_company".into(),
            name: Some("威海宏安物业".into()),
            ..Default::default()
        },
        NewMemberInput {
            kind: "merchant".into(),
            merchant_id: Some(m.id),
            ..Default::default()
        },
    ] {
        p.add_member(&sys, c.id, &member).await.unwrap();
    }
    p.handover(&sys, c.id, None).await.unwrap();
    for (i, title) in ["沿街占道经营", "油烟扰民"].into_iter().enumerate() {
        let m = p
            .raise_matter(
                &sys,
                c.id,
                &NewMatterInput {
                    title: title.into(),
                    raised_at: None,
                },
            )
            .await
            .unwrap();
        if i == 0 {
            p.settle_matter(&sys, m.id, "签订门前三包承诺书")
                .await
                .unwrap();
        }
    }
    (c.id, a.id)
}

/// Pages (or, but for `/`, every page under them) whose labels are not translated yet.
const PENDING: &[&str] = &[];

/// The Chinese labels page code takes from the domain's enums: an English page shows none.
fn rust_labels() -> Vec<String> {
    use jingzhi_domain::events::lifecycle::{Rating, Status};
    use jingzhi_domain::events::Urgency;
    let mut v: Vec<String> = vec![];
    v.extend(Status::ALL.iter().map(|s| s.label_zh().to_string()));
    v.extend(Urgency::ALL.iter().map(|s| s.label_zh().to_string()));
    v.extend(Rating::ALL.iter().map(|s| s.label_zh().to_string()));
    v.extend(
        jingzhi_domain::auth::Role::ALL
            .iter()
            .map(|s| s.label_zh().to_string()),
    );
    v.extend(
        jingzhi_domain::integrity::SubjectKind::ALL
            .iter()
            .map(|s| s.label_zh().to_string()),
    );
    v
}

#[tokio::test]
async fn every_page_in_both_languages_for_every_role() {
    let t = TestApp::new().await;
    let pages = seed(&t).await;
    let labels = rust_labels();
    let mut seen_ok = 0;
    let mut failures = vec![];
    for (user, _, _) in USERS {
        let (cookie, _) = t.browser_session(user).await;
        for lang in ["zh", "en"] {
            let cookie = format!("{cookie}; lang={lang}");
            for uri in &pages {
                let r = t.page(uri, &cookie).await;
                let html = r.text();
                if r.status.is_server_error() {
                    failures.push(format!("{user} {lang} {uri}: {} {html}", r.status));
                    continue;
                }
                if r.status.is_success() {
                    seen_ok += 1;
                }
                if let Some(i) = html.find('⟦') {
                    let key: String = html[i..].chars().take_while(|c| *c != '⟧').collect();
                    failures.push(format!("{user} {lang} {uri}: missing translation {key}⟧"));
                }
                if lang == "en" && html.contains("<html") {
                    assert!(
                        html.contains(r#"<html lang="en""#),
                        "{user} {uri}: not English"
                    );
                }
                // Labels built in page code (states, kinds, levels) are translated too;
                // the audit log and notifications quote stored Chinese text (data).
                if lang == "en"
                    && !uri.starts_with("/audit")
                    && !uri.starts_with("/notifications")
                    && !PENDING
                        .iter()
                        .any(|p| uri == p || (p.len() > 1 && uri.starts_with(p)))
                {
                    for l in &labels {
                        if contains_word(&html, l) {
                            failures.push(format!("{user} en {uri}: label {l} in Chinese"));
                        }
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(seen_ok > 200, "most pages open for someone: {seen_ok}");
}

/// `word` in `text` on its own: not inside a longer run of Chinese characters (紧急 is not in
/// 紧急程度, a column name the hotline page quotes on purpose).
fn contains_word(text: &str, word: &str) -> bool {
    let han = |c: Option<char>| c.is_some_and(|c| ('\u{3400}'..='\u{9fff}').contains(&c));
    text.match_indices(word).any(|(i, _)| {
        !han(text[..i].chars().next_back()) && !han(text[i + word.len()..].chars().next())
    })
}

/// Community A grows past the cap (3,000 households), so that a redistricting plan exists.
async fn grow(t: &TestApp) {
    t.place_building(&t.building_a, 0.0).await;
    t.place_building(&t.building_b, 9000.0).await;
    t.grow_past_cap(&t.grid_a).await;
}
