//! Accounts that can be stopped (issue 9 §5): a new password, disabling and "sign out
//! everywhere" end every session and token at once; login throttling per account and per
//! address with one answer for every refusal; unlocking; scope and permission of all of it;
//! the audit records; length limits on user-entered text; CSV cells that look like formulas.

mod common;

use common::World;
use jingzhi_app::auth::{NewUserInput, UserRef};
use jingzhi_app::{Actor, AppError};
use jingzhi_domain::audit::Action;
use jingzhi_domain::audit::Filter;
use jingzhi_domain::auth::{MAX_FAILED_LOGINS, MAX_FAILED_LOGINS_PER_ADDRESS};
use std::net::IpAddr;

const PW: &str = "test-password-1";

/// A session secret and an API token of the user, both live.
async fn session_and_token(w: &World, a: &Actor) -> (String, String) {
    let (secret, _) = w.app.auth().create_session(&a.user).await.unwrap();
    let token = w.app.auth().create_token(&a.user, "test").await.unwrap();
    assert!(w.app.auth().session(&secret).await.unwrap().is_some());
    assert!(w.app.auth().token(&token).await.unwrap().is_some());
    (secret, token)
}

async fn live(w: &World, secret: &str, token: &str) -> (bool, bool) {
    (
        w.app.auth().session(secret).await.unwrap().is_some(),
        w.app.auth().token(token).await.unwrap().is_some(),
    )
}

/// The audit records of an action about a user, newest first.
async fn audited(w: &World, action: Action, user_id: i64) -> Vec<jingzhi_store::audit::Record> {
    let sys = Actor::system(&w.city);
    w.app
        .audit()
        .list(
            &sys,
            &Filter {
                action: Some(action),
                ..Default::default()
            },
            None,
            100,
        )
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.entity == "user" && r.entity_id == Some(user_id))
        .collect()
}

async fn stored(w: &World, id: i64) -> jingzhi_store::auth::User {
    let mut c = w.app.store.acquire().await.unwrap();
    jingzhi_store::auth::user_by_id(&mut c, id)
        .await
        .unwrap()
        .unwrap()
}

fn ip(s: &str) -> Option<IpAddr> {
    Some(s.parse().unwrap())
}

#[tokio::test]
async fn a_new_password_ends_every_session_and_token() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let (s1, t1) = session_and_token(&w, &worker).await;
    let (s2, t2) = session_and_token(&w, &worker).await;
    // Another user's are untouched.
    let other = w.user("worker.b", "community-worker", &w.comm_b).await;
    let (s3, t3) = session_and_token(&w, &other).await;

    w.app
        .auth()
        .set_password(None, "worker.a", "another-password-2")
        .await
        .unwrap();
    assert_eq!(live(&w, &s1, &t1).await, (false, false));
    assert_eq!(live(&w, &s2, &t2).await, (false, false));
    assert_eq!(live(&w, &s3, &t3).await, (true, true));
    let rec = audited(&w, Action::UserPassword, worker.user.id).await;
    assert_eq!(rec.len(), 1);
    assert_eq!(rec[0].actor_name, "命令行");
    assert_eq!(
        rec[0].after.as_ref().unwrap()["sessions_ended"],
        serde_json::json!(2)
    );
    assert_eq!(
        rec[0].after.as_ref().unwrap()["tokens_revoked"],
        serde_json::json!(2)
    );
    // The old password no longer works, the new one does.
    assert!(w.app.auth().login("worker.a", PW).await.is_err());
    assert!(w
        .app
        .auth()
        .login("worker.a", "another-password-2")
        .await
        .is_ok());
}

#[tokio::test]
async fn a_disabled_user_cannot_sign_in_and_is_signed_out_at_once() {
    let w = World::new().await;
    let admin = w.user("admin", "city-admin", &w.city).await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let (secret, token) = session_and_token(&w, &worker).await;

    let u = w
        .app
        .auth()
        .disable_user(Some(&admin), UserRef::Id(worker.user.id))
        .await
        .unwrap();
    assert!(u.disabled);
    assert_eq!(live(&w, &secret, &token).await, (false, false));
    // The right password no longer signs in, with the same answer as a wrong one.
    assert!(matches!(
        w.app.auth().login("worker.a", PW).await,
        Err(AppError::Unauthorized)
    ));
    let rec = audited(&w, Action::UserDisable, worker.user.id).await;
    assert_eq!(rec.len(), 1);
    assert_eq!(rec[0].actor_id, Some(admin.user.id));
    assert_eq!(
        rec[0].after.as_ref().unwrap()["tokens_revoked"],
        serde_json::json!(1)
    );
    // A refused sign-in of a disabled account is audited, and does not count as a failure.
    let failed = audited(&w, Action::LoginFailed, worker.user.id).await;
    assert_eq!(failed[0].summary, "账号已停用");
    assert_eq!(stored(&w, worker.user.id).await.failed_logins, 0);

    // Enabled again: signs in afresh; what was ended stays ended.
    let u = w
        .app
        .auth()
        .enable_user(Some(&admin), UserRef::Id(worker.user.id))
        .await
        .unwrap();
    assert!(!u.disabled);
    assert_eq!(live(&w, &secret, &token).await, (false, false));
    assert!(w.app.auth().login("worker.a", PW).await.is_ok());
    assert_eq!(
        audited(&w, Action::UserEnable, worker.user.id).await.len(),
        1
    );

    // The command line's commands (`jingzhi user disable|enable --username U`).
    w.app
        .auth()
        .disable_user(None, UserRef::Username("worker.a"))
        .await
        .unwrap();
    assert!(stored(&w, worker.user.id).await.disabled);
    let rec = audited(&w, Action::UserDisable, worker.user.id).await;
    assert_eq!((rec.len(), rec[0].actor_name.as_str()), (2, "命令行"));
    w.app
        .auth()
        .enable_user(None, UserRef::Username("worker.a"))
        .await
        .unwrap();
    assert!(!stored(&w, worker.user.id).await.disabled);
    assert!(matches!(
        w.app
            .auth()
            .disable_user(None, UserRef::Username("nobody"))
            .await,
        Err(AppError::NotFound)
    ));
}

#[tokio::test]
async fn sign_out_everywhere_ends_sessions_and_tokens() {
    let w = World::new().await;
    let admin = w.user("admin", "city-admin", &w.city).await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let (s1, t1) = session_and_token(&w, &worker).await;
    let (s2, _t2) = session_and_token(&w, &worker).await;
    let (sessions, tokens) = w
        .app
        .auth()
        .sign_out_everywhere(Some(&admin), UserRef::Id(worker.user.id))
        .await
        .unwrap();
    assert_eq!((sessions, tokens), (2, 2));
    assert_eq!(live(&w, &s1, &t1).await, (false, false));
    assert!(w.app.auth().session(&s2).await.unwrap().is_none());
    // The account itself still works.
    assert!(w.app.auth().login("worker.a", PW).await.is_ok());
    let rec = audited(&w, Action::UserSignOut, worker.user.id).await;
    assert_eq!(rec.len(), 1);
    assert!(rec[0].summary.contains("2 个会话"), "{}", rec[0].summary);

    // `jingzhi user tokens revoke --username U`
    let (s3, t3) = session_and_token(&w, &worker).await;
    let n = w
        .app
        .auth()
        .sign_out_everywhere(None, UserRef::Username("worker.a"))
        .await
        .unwrap();
    assert_eq!(n, (1, 1));
    assert_eq!(live(&w, &s3, &t3).await, (false, false));
    assert_eq!(
        audited(&w, Action::UserSignOut, worker.user.id).await.len(),
        2
    );
}

#[tokio::test]
async fn only_admins_within_their_scope_may_stop_accounts() {
    let w = World::new().await;
    let admin_a = w.user("admin.a", "city-admin", &w.comm_a).await;
    let officer = w.user("district", "district-officer", &w.district).await;
    let worker_a = w.user("worker.a", "community-worker", &w.comm_a).await;
    let worker_b = w.user("worker.b", "community-worker", &w.comm_b).await;
    let (sb, tb) = session_and_token(&w, &worker_b).await;

    // Outside the admin's scope: "not found", and nothing changes.
    for r in [
        w.app
            .auth()
            .disable_user(Some(&admin_a), UserRef::Id(worker_b.user.id))
            .await
            .map(|_| ()),
        w.app
            .auth()
            .enable_user(Some(&admin_a), UserRef::Id(worker_b.user.id))
            .await
            .map(|_| ()),
        w.app
            .auth()
            .unlock_user(Some(&admin_a), UserRef::Id(worker_b.user.id))
            .await
            .map(|_| ()),
        w.app
            .auth()
            .sign_out_everywhere(Some(&admin_a), UserRef::Id(worker_b.user.id))
            .await
            .map(|_| ()),
        w.app
            .auth()
            .disable_user(Some(&admin_a), UserRef::Username("worker.b"))
            .await
            .map(|_| ()),
    ] {
        assert!(matches!(r, Err(AppError::NotFound)), "{r:?}");
    }
    assert_eq!(live(&w, &sb, &tb).await, (true, true));
    assert!(!stored(&w, worker_b.user.id).await.disabled);

    // Without ManageUsers: forbidden, even inside the scope.
    assert!(matches!(
        w.app
            .auth()
            .disable_user(Some(&officer), UserRef::Id(worker_a.user.id))
            .await,
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        w.app
            .auth()
            .sign_out_everywhere(Some(&worker_a), UserRef::Id(worker_a.user.id))
            .await,
        Err(AppError::Forbidden)
    ));

    // Inside: allowed. An admin cannot disable themselves.
    w.app
        .auth()
        .disable_user(Some(&admin_a), UserRef::Id(worker_a.user.id))
        .await
        .unwrap();
    match w
        .app
        .auth()
        .disable_user(Some(&admin_a), UserRef::Id(admin_a.user.id))
        .await
    {
        Err(AppError::Invalid(f)) => assert_eq!(f[0].reason, "不能停用自己的账号"),
        other => panic!("{other:?}"),
    }
    assert!(audited(&w, Action::UserDisable, worker_b.user.id)
        .await
        .is_empty());
}

#[tokio::test]
async fn every_refusal_is_the_same_and_an_admin_can_unlock() {
    let w = World::new().await;
    let admin = w.user("admin", "city-admin", &w.city).await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    for _ in 0..MAX_FAILED_LOGINS {
        assert!(matches!(
            w.app.auth().login("worker.a", "wrong-password").await,
            Err(AppError::Unauthorized)
        ));
    }
    let u = stored(&w, worker.user.id).await;
    assert_eq!(u.failed_logins, MAX_FAILED_LOGINS);
    assert!(u.locked_until > jingzhi_domain::time_fmt::now_ms());
    // Locked: the right password is refused with exactly the answer of a wrong password and of
    // an unknown username.
    let answers = [
        w.app.auth().login("worker.a", PW).await,
        w.app.auth().login("worker.a", "wrong-password").await,
        w.app.auth().login("no.such.user", PW).await,
    ];
    for a in &answers {
        assert!(matches!(a, Err(AppError::Unauthorized)), "{a:?}");
    }
    assert_eq!(
        answers
            .iter()
            .map(|a| a.as_ref().unwrap_err().to_string())
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        1
    );
    // Attempts while locked do not lengthen the lock.
    assert_eq!(
        stored(&w, worker.user.id).await.failed_logins,
        MAX_FAILED_LOGINS
    );

    let u = w
        .app
        .auth()
        .unlock_user(Some(&admin), UserRef::Id(worker.user.id))
        .await
        .unwrap();
    assert_eq!((u.failed_logins, u.locked_until), (0, 0));
    assert!(w.app.auth().login("worker.a", PW).await.is_ok());
    let rec = audited(&w, Action::UserUnlock, worker.user.id).await;
    assert_eq!(rec.len(), 1);
    assert_eq!(
        rec[0].before.as_ref().unwrap()["failed_logins"],
        serde_json::json!(MAX_FAILED_LOGINS)
    );

    // `jingzhi user unlock --username U`
    for _ in 0..MAX_FAILED_LOGINS {
        let _ = w.app.auth().login("worker.a", "wrong-password").await;
    }
    assert!(w.app.auth().login("worker.a", PW).await.is_err());
    w.app
        .auth()
        .unlock_user(None, UserRef::Username("worker.a"))
        .await
        .unwrap();
    assert!(w.app.auth().login("worker.a", PW).await.is_ok());
}

#[tokio::test]
async fn one_address_guessing_many_accounts_is_stopped() {
    let w = World::new().await;
    w.user("worker.a", "community-worker", &w.comm_a).await;
    let attacker = ip("203.0.113.9");
    // A few wrong passwords for a real account, the rest for guessed names: no account reaches
    // its own limit.
    for i in 0..MAX_FAILED_LOGINS_PER_ADDRESS {
        let name = if i < MAX_FAILED_LOGINS - 1 {
            "worker.a".to_string()
        } else {
            format!("guess{i}")
        };
        assert!(matches!(
            w.app
                .auth()
                .login_from(&name, "wrong-password", attacker)
                .await,
            Err(AppError::Unauthorized)
        ));
    }
    let id = jingzhi_store_user_id(&w, "worker.a").await;
    assert_eq!(stored(&w, id).await.failed_logins, MAX_FAILED_LOGINS - 1);
    // The address is refused now, even with the right password, with the same answer.
    assert!(matches!(
        w.app.auth().login_from("worker.a", PW, attacker).await,
        Err(AppError::Unauthorized)
    ));
    // Another address (and an IPv6 one) still signs in; the account is not locked.
    assert!(w
        .app
        .auth()
        .login_from("worker.a", PW, ip("198.51.100.1"))
        .await
        .is_ok());
    assert!(w
        .app
        .auth()
        .login_from("worker.a", PW, ip("2001:db8::1"))
        .await
        .is_ok());
    assert_eq!(stored(&w, id).await.failed_logins, 0);
    // A good sign-in from an address does not wipe its failures.
    let other = ip("198.51.100.2");
    for _ in 0..MAX_FAILED_LOGINS_PER_ADDRESS - 1 {
        let _ = w.app.auth().login_from("nobody", "x-password", other).await;
    }
    assert!(w.app.auth().login_from("worker.a", PW, other).await.is_ok());
    let _ = w.app.auth().login_from("nobody", "x-password", other).await;
    assert!(w
        .app
        .auth()
        .login_from("worker.a", PW, other)
        .await
        .is_err());

    // Loopback (the machine itself, or a reverse proxy on it) is never refused as an address.
    let local = ip("127.0.0.1");
    for i in 0..MAX_FAILED_LOGINS_PER_ADDRESS + 5 {
        let _ = w
            .app
            .auth()
            .login_from(&format!("guess{i}"), "x-password", local)
            .await;
    }
    assert!(w.app.auth().login_from("worker.a", PW, local).await.is_ok());
}

async fn jingzhi_store_user_id(w: &World, username: &str) -> i64 {
    let mut c = w.app.store.acquire().await.unwrap();
    jingzhi_store::auth::user_by_username(&mut c, username)
        .await
        .unwrap()
        .unwrap()
        .id
}

fn new_user(username: &str, display: Option<String>, dept: Option<String>) -> NewUserInput {
    NewUserInput {
        username: username.into(),
        password: PW.into(),
        role: "department-staff".into(),
        scope_code: "371002001001".into(),
        display_name: display,
        department: dept,
        resident_id: None,
    }
}

fn field_errors(r: Result<impl std::fmt::Debug, AppError>) -> Vec<(String, String)> {
    match r {
        Err(AppError::Invalid(f)) => f
            .into_iter()
            .map(|f| (f.field.to_string(), f.reason))
            .collect(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

#[tokio::test]
async fn user_entered_text_is_bounded() {
    let w = World::new().await;
    let admin = w.user("admin", "city-admin", &w.city).await;
    // A 100,000-character display name is refused, from the command line and from an admin.
    for by in [None, Some(&admin)] {
        let e = field_errors(
            w.app
                .auth()
                .add_user(by, &new_user("long.name", Some("王".repeat(100_000)), None))
                .await,
        );
        assert_eq!(
            e,
            vec![("display_name".into(), "显示名称不能超过50字".into())]
        );
    }
    let e = field_errors(
        w.app
            .auth()
            .add_user(None, &new_user("long.dept", None, Some("局".repeat(101))))
            .await,
    );
    assert_eq!(
        e,
        vec![("department".into(), "部门编码不能超过100字".into())]
    );
    let e = field_errors(
        w.app
            .auth()
            .set_password(None, "admin", &"a".repeat(129))
            .await,
    );
    assert_eq!(e[0].0, "password");
    // At the limit, and trimmed: accepted.
    let u = w
        .app
        .auth()
        .add_user(
            None,
            &new_user(
                "ok.name",
                Some(format!(" {} ", "王".repeat(50))),
                Some(" zhujian ".into()),
            ),
        )
        .await
        .unwrap();
    assert_eq!(u.display_name, "王".repeat(50));
    assert_eq!(u.department.as_deref(), Some("zhujian"));

    // A household move's note.
    let sys = Actor::system(&w.city);
    let hh = w
        .app
        .registry()
        .create_household(
            &sys,
            &jingzhi_app::registry::HouseholdInput {
                building_id: Some(w.building_a.id),
                unit: Some(1),
                room: "101".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let mv = |note: String| jingzhi_app::registry::MoveInput {
        building_id: Some(w.building_a2.id),
        unit: Some(1),
        room: "102".into(),
        note: Some(note),
        ..Default::default()
    };
    let e = field_errors(
        w.app
            .registry()
            .move_household(&sys, hh.id, &mv("说".repeat(501)))
            .await,
    );
    assert_eq!(e, vec![("note".into(), "迁移说明不能超过500字".into())]);
    w.app
        .registry()
        .move_household(&sys, hh.id, &mv("说".repeat(500)))
        .await
        .unwrap();

    // Redistricting: an approval step's record and documents, a vote's note, an adjacency
    // override's note (checked before the plan or buildings are looked up).
    let step = |record: String, documents: Vec<String>| jingzhi_app::districting::StepInput {
        step: "public_participation".into(),
        record,
        documents,
    };
    let e = field_errors(
        w.app
            .districting()
            .record_step(&sys, 999_999, &step("记".repeat(2001), vec![]))
            .await,
    );
    assert_eq!(e, vec![("record".into(), "审批记录不能超过2000字".into())]);
    let e = field_errors(
        w.app
            .districting()
            .record_step(&sys, 999_999, &step("记录".into(), vec!["文".repeat(201)]))
            .await,
    );
    assert_eq!(e[0].0, "documents");
    assert!(matches!(
        w.app
            .districting()
            .record_step(&sys, 999_999, &step("记".repeat(2000), vec![]))
            .await,
        Err(AppError::NotFound)
    ));
    let vote = jingzhi_app::districting::VoteInput {
        department: "民政局".into(),
        vote: "agree".into(),
        note: Some("意".repeat(501)),
    };
    let e = field_errors(w.app.districting().vote(&sys, 999_999, &vote).await);
    assert_eq!(e, vec![("note".into(), "表决意见不能超过500字".into())]);
    let e = field_errors(
        w.app
            .districting()
            .edge_override(&sys, "a", "b", "add", Some(&"注".repeat(501)))
            .await,
    );
    assert_eq!(e, vec![("note".into(), "说明不能超过500字".into())]);
}

const HOTLINE_HEADERS: [&str; 9] = [
    "工单编号",
    "来电时间",
    "来电人",
    "联系电话",
    "诉求地址",
    "诉求内容",
    "问题分类",
    "紧急程度",
    "办理时限",
];

#[tokio::test]
async fn csv_exports_write_formulas_as_text() {
    use jingzhi_app::hotline::Format;
    let w = World::new().await;
    let sys = Actor::system(&w.city);
    let formula = r#"=HYPERLINK("http://x","y")"#;
    let mut file = csv::WriterBuilder::new().from_writer(Vec::new());
    file.write_record(HOTLINE_HEADERS).unwrap();
    file.write_record([
        "F001",
        "2026-11-20 09:15:00",
        "-张三",
        "13812345678",
        "山东省威海市环翠区环翠楼街道前进社区前进小区1号楼1单元301室",
        formula,
        "环境保护/噪音扰民",
        "一般",
        "",
    ])
    .unwrap();
    let file = file.into_inner().unwrap();
    let r = w.app.hotline().import(&sys, "t.csv", &file).await.unwrap();
    assert!(r.committed, "{:?}", r.errors);

    let x = w
        .app
        .hotline()
        .export(&sys, None, None, Format::Csv)
        .await
        .unwrap();
    let text = String::from_utf8(x.bytes.clone()).unwrap();
    let mut rdr =
        csv::ReaderBuilder::new().from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers = rdr.headers().unwrap().clone();
    let row = rdr.records().next().unwrap().unwrap();
    let col = |h: &str| &row[headers.iter().position(|x| x == h).unwrap()];
    assert_eq!(col("诉求内容"), format!("'{formula}"));
    assert_eq!(col("来电人"), "'-张三");
    assert_eq!(col("工单编号"), "F001");
    // No cell of the file begins like a formula.
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    for rec in rdr.records() {
        for cell in rec.unwrap().iter() {
            assert!(
                !jingzhi_domain::spreadsheet::is_formula_like(cell),
                "{cell:?}"
            );
        }
    }
    // The file imports back as it was (the quote comes off): already imported, same text.
    let r = w
        .app
        .hotline()
        .import(&sys, &x.file_name, &x.bytes)
        .await
        .unwrap();
    assert_eq!(r.already_imported, 1, "{:?}", r.errors);

    // The xlsx export writes the text as a string cell, never as a formula.
    let x = w
        .app
        .hotline()
        .export(&sys, None, None, Format::Xlsx)
        .await
        .unwrap();
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(x.bytes)).unwrap();
    let name = wb.sheet_names()[0].clone();
    let formulas = wb.worksheet_formula(&name).unwrap();
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "no formulas"
    );
    let range = wb.worksheet_range(&name).unwrap();
    let cells: Vec<String> = range
        .rows()
        .nth(1)
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert!(cells.iter().any(|c| c == formula), "{cells:?}");
    assert!(range
        .rows()
        .nth(1)
        .unwrap()
        .iter()
        .any(|c| matches!(c, calamine::Data::String(s) if s == formula)));
}
