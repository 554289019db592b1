//! Community activities (issue 13 §3; docs/activities.md).
//!
//! - A manager (community worker and above) announces an activity over a place in their scope
//!   (a community, or a street for all its communities): category from a list, title, venue,
//!   times, and perhaps a number of places.
//! - A resident sees the activities of their community and the places above it, signs up from
//!   their phone and may withdraw until it starts. The last place goes to one person only (one
//!   conditional UPDATE).
//! - Managers see who signed up, mark who came once it has started, and may call it off before
//!   it starts (the people signed up are told).
//! - Numbers per place: activities held, places taken and attendance, per category, this year.

use crate::participation::{community_scope, text};
use crate::{Actor, App, AppError, AppResult};
use jingzhi_domain::activities::{self as da, Category, Phase};
use jingzhi_domain::audit::Action;
use jingzhi_domain::auth::Role;
use jingzhi_domain::time_fmt::now_ms;
use jingzhi_store::activities::{self as sa, Reader};
use jingzhi_store::registry as sr;
use jingzhi_store::{audit, Conn, Scope};

pub use jingzhi_store::activities::{Activity, Numbers, Signup};

pub const LIST_LIMIT: i64 = 200;

#[derive(Debug, Clone, Default)]
pub struct ActivityInput {
    pub node_id: i64,
    /// A [`Category`] code.
    pub category: String,
    pub title: String,
    pub description: String,
    pub venue: String,
    /// RFC 3339
    pub starts_at: String,
    /// RFC 3339
    pub ends_at: String,
    pub capacity: Option<i64>,
}

/// An activity as the caller sees it.
#[derive(Debug, Clone)]
pub struct ActivityView {
    pub activity: Activity,
    pub phase: Phase,
    /// A resident: whether they are signed up.
    pub mine: bool,
    /// A manager of its place: may cancel it and mark attendance.
    pub manages: bool,
    /// Managers of its place: who signed up (withdrawn ones included).
    pub signups: Vec<Signup>,
}

/// The numbers of one place.
#[derive(Debug, Clone)]
pub struct PlaceNumbers {
    pub node_id: i64,
    pub name: String,
    pub total: Numbers,
    pub by_category: Vec<(Category, Numbers)>,
}

pub struct Activities<'a> {
    app: &'a App,
}

impl App {
    pub fn activities(&self) -> Activities<'_> {
        Activities { app: self }
    }
}

/// Who may announce, cancel and mark attendance: managers (community worker and above).
pub fn organises(role: Role) -> bool {
    role.is_manager()
}

/// The community of a resident's account.
async fn home(conn: &mut Conn, actor: &Actor) -> AppResult<(sr::Resident, Scope)> {
    let rid = actor.user.resident_id.ok_or(AppError::Forbidden)?;
    let r = sr::get_resident(conn, &actor.scope(), rid).await?;
    let c = community_scope(&r.path).ok_or(AppError::NotFound)?;
    Ok((r, c))
}

fn manages(actor: &Actor, a: &Activity) -> bool {
    organises(actor.user.role) && a.path.starts_with(&actor.user.scope_path)
}

fn time_of(field: &'static str, s: &str) -> AppResult<i64> {
    jingzhi_domain::time_fmt::parse_w3c(s)
        .ok_or_else(|| AppError::invalid(field, "请填写时间（年-月-日 时:分）"))
}

impl Activities<'_> {
    /// The places the caller may announce an activity over: their scope and the streets and
    /// communities under it.
    pub async fn places(&self, actor: &Actor) -> AppResult<Vec<sr::Node>> {
        use jingzhi_domain::registry::NodeKind;
        if !organises(actor.user.role) {
            return Err(AppError::Forbidden);
        }
        let mut conn = self.app.store.acquire().await?;
        let scope = actor.scope();
        let mut places = vec![sr::get_node(&mut conn, &scope, scope.node_id).await?];
        places.extend(
            sr::nodes_under(
                &mut conn,
                &scope,
                &scope.path,
                &[NodeKind::Street, NodeKind::Community],
                800,
            )
            .await?,
        );
        places.retain(|n| n.kind.depth() <= NodeKind::Community.depth());
        places.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(places)
    }

    /// Announce an activity over a place in the caller's scope.
    pub async fn create(&self, actor: &Actor, input: &ActivityInput) -> AppResult<Activity> {
        self.create_at(actor, input, now_ms()).await
    }

    pub async fn create_at(
        &self,
        actor: &Actor,
        input: &ActivityInput,
        now: i64,
    ) -> AppResult<Activity> {
        if !organises(actor.user.role) {
            return Err(AppError::Forbidden);
        }
        let category = Category::parse(&input.category)
            .ok_or_else(|| AppError::invalid("category", "请从列表中选择活动类别"))?;
        let title = text("title", "活动名称", &input.title, 60)?;
        let venue = text("venue", "活动地点", &input.venue, 100)?;
        let description = input.description.trim().to_string();
        jingzhi_domain::check_max_chars("description", "活动介绍", &description, 1000)?;
        let starts_at = time_of("starts_at", &input.starts_at)?;
        let ends_at = time_of("ends_at", &input.ends_at)?;
        da::check_times(starts_at, ends_at, now)?;
        let capacity = da::check_capacity(input.capacity)?;
        let mut tx = self.app.store.begin().await?;
        let node = sr::get_node(&mut tx, &actor.scope(), input.node_id)
            .await
            .map_err(|e| match e {
                jingzhi_store::Error::NotFound => {
                    AppError::invalid("node_id", "请从列表中选择您辖区内的社区或街道")
                }
                e => e.into(),
            })?;
        if node.kind.depth() > jingzhi_domain::registry::NodeKind::Community.depth() {
            return Err(AppError::invalid(
                "node_id",
                "活动面向社区或街道，请选择社区或街道",
            ));
        }
        let id = sa::insert(
            &mut tx,
            &sa::NewActivity {
                node_id: node.id,
                path: &node.path,
                category,
                title: &title,
                description: &description,
                venue: &venue,
                starts_at,
                ends_at,
                capacity,
                organiser_id: actor.audit_id(),
                organiser_name: &actor.user.display_name,
                now,
            },
        )
        .await?;
        audit::record(
            &mut tx,
            actor.audit(
                Action::Create,
                "activity",
                Some(id),
                &node.path,
                format!("发布社区活动：{title}（{}）", node.name),
            ),
        )
        .await?;
        let a = sa::get(&mut tx, &Reader::Staff(&actor.scope()), id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(a)
    }

    /// Upcoming and running activities the caller may see (a resident: their community's and
    /// those above it; staff: their scope's), or with `past` the ones that ended, latest first.
    /// For a resident, the ids they are signed up for.
    pub async fn list(&self, actor: &Actor, past: bool) -> AppResult<(Vec<Activity>, Vec<i64>)> {
        let now = now_ms();
        let mut conn = self.app.store.acquire().await?;
        if actor.user.role == Role::Resident {
            let (r, c) = home(&mut conn, actor).await?;
            let rows = sa::list(
                &mut conn,
                &Reader::Community(&c.path),
                now,
                past,
                LIST_LIMIT,
            )
            .await?;
            let ids: Vec<i64> = rows.iter().map(|a| a.id).collect();
            let mine = sa::signed_of(&mut conn, r.id, &ids).await?;
            Ok((rows, mine))
        } else {
            let scope = actor.scope();
            let rows = sa::list(&mut conn, &Reader::Staff(&scope), now, past, LIST_LIMIT).await?;
            Ok((rows, vec![]))
        }
    }

    /// One activity: residents of its place see it and their own sign-up; staff in scope see
    /// it; its managers also see who signed up.
    pub async fn view(&self, actor: &Actor, id: i64) -> AppResult<ActivityView> {
        let now = now_ms();
        let mut conn = self.app.store.acquire().await?;
        let (a, mine) = if actor.user.role == Role::Resident {
            let (r, c) = home(&mut conn, actor).await?;
            let a = sa::get(&mut conn, &Reader::Community(&c.path), id).await?;
            let mine = !sa::signed_of(&mut conn, r.id, &[id]).await?.is_empty();
            (a, mine)
        } else {
            (
                sa::get(&mut conn, &Reader::Staff(&actor.scope()), id).await?,
                false,
            )
        };
        let manages = manages(actor, &a);
        let signups = if manages {
            sa::signups(&mut conn, id).await?
        } else {
            vec![]
        };
        Ok(ActivityView {
            phase: Phase::at(a.starts_at, a.ends_at, a.cancelled_at.is_some(), now),
            activity: a,
            mine,
            manages,
            signups,
        })
    }

    /// A resident signs up. Full, started or cancelled: 409 with the reason; signed up
    /// already: 409.
    pub async fn sign_up(&self, actor: &Actor, id: i64) -> AppResult<ActivityView> {
        self.sign_up_at(actor, id, now_ms()).await?;
        self.view(actor, id).await
    }

    pub async fn sign_up_at(&self, actor: &Actor, id: i64, now: i64) -> AppResult<()> {
        if actor.user.role != Role::Resident {
            return Err(AppError::Forbidden);
        }
        let mut tx = self.app.store.begin().await?;
        let (r, c) = home(&mut tx, actor).await?;
        let a = sa::get(&mut tx, &Reader::Community(&c.path), id).await?;
        let conflict = |reason: &str| AppError::Conflict {
            field: "id".into(),
            reason: reason.into(),
        };
        let phase = Phase::at(a.starts_at, a.ends_at, a.cancelled_at.is_some(), now);
        if let Some(why) = da::signup_refusal(phase, a.signed, a.capacity) {
            return Err(conflict(why));
        }
        if !sa::sign_up(&mut tx, id, r.id, Some(actor.id()), &r.name, &r.path, now).await? {
            return Err(conflict("您已报名"));
        }
        if !sa::take_place(&mut tx, id, now).await? {
            // Someone took the last place between the read and this write.
            return Err(conflict("名额已满"));
        }
        audit::record(
            &mut tx,
            actor.audit(
                Action::Create,
                "activity_signup",
                Some(id),
                &a.path,
                format!("报名社区活动：{}", a.title),
            ),
        )
        .await?;
        jingzhi_store::commit(tx).await?;
        Ok(())
    }

    /// A resident withdraws before the activity starts; the place is given back.
    pub async fn withdraw(&self, actor: &Actor, id: i64) -> AppResult<ActivityView> {
        if actor.user.role != Role::Resident {
            return Err(AppError::Forbidden);
        }
        let now = now_ms();
        let mut tx = self.app.store.begin().await?;
        let (r, c) = home(&mut tx, actor).await?;
        let a = sa::get(&mut tx, &Reader::Community(&c.path), id).await?;
        if a.starts_at <= now {
            return Err(AppError::Conflict {
                field: "id".into(),
                reason: "活动已开始，不能取消报名".into(),
            });
        }
        if !sa::withdraw(&mut tx, id, r.id, now).await? {
            return Err(AppError::Conflict {
                field: "id".into(),
                reason: "您没有报名这项活动".into(),
            });
        }
        audit::record(
            &mut tx,
            actor.audit(
                Action::Delete,
                "activity_signup",
                Some(id),
                &a.path,
                format!("取消报名社区活动：{}", a.title),
            ),
        )
        .await?;
        jingzhi_store::commit(tx).await?;
        self.view(actor, id).await
    }

    /// Call an activity off before it starts (a manager of its place); everyone signed up with
    /// an account is told.
    pub async fn cancel(&self, actor: &Actor, id: i64, reason: &str) -> AppResult<ActivityView> {
        let reason = text("reason", "取消原因", reason, 200)?;
        let now = now_ms();
        let mut tx = self.app.store.begin().await?;
        let a = sa::get(&mut tx, &Reader::Staff(&actor.scope()), id).await?;
        if !manages(actor, &a) {
            return Err(AppError::Forbidden);
        }
        if !sa::cancel(&mut tx, id, &reason, now).await? {
            return Err(AppError::Conflict {
                field: "id".into(),
                reason: "活动已开始或已取消".into(),
            });
        }
        audit::record(
            &mut tx,
            audit::Entry {
                reason: Some(&reason),
                ..actor.audit(
                    Action::Update,
                    "activity",
                    Some(id),
                    &a.path,
                    format!("取消社区活动：{}", a.title),
                )
            },
        )
        .await?;
        let users: Vec<i64> = sa::signups(&mut tx, id)
            .await?
            .into_iter()
            .filter(|s| s.cancelled_at.is_none())
            .filter_map(|s| s.user_id)
            .collect();
        let notice = crate::notify::Notice {
            command: "activity",
            status: "cancelled",
            title: &format!("活动取消：{}", a.title),
            body: &reason,
            link: &format!("/activities/{id}"),
        };
        crate::notify::tell_users(&mut tx, &users, &a.path, &notice, now).await?;
        jingzhi_store::commit(tx).await?;
        self.view(actor, id).await
    }

    /// Mark who came (a manager of its place, once it has started): `present` are sign-up ids;
    /// every other live sign-up is marked absent.
    pub async fn attendance(
        &self,
        actor: &Actor,
        id: i64,
        present: &[i64],
    ) -> AppResult<ActivityView> {
        let now = now_ms();
        let mut tx = self.app.store.begin().await?;
        let a = sa::get(&mut tx, &Reader::Staff(&actor.scope()), id).await?;
        if !manages(actor, &a) {
            return Err(AppError::Forbidden);
        }
        if a.cancelled_at.is_some() || a.starts_at > now {
            return Err(AppError::Conflict {
                field: "id".into(),
                reason: "活动开始后才能登记出席".into(),
            });
        }
        let live: Vec<i64> = sa::signups(&mut tx, id)
            .await?
            .into_iter()
            .filter(|s| s.cancelled_at.is_none())
            .map(|s| s.id)
            .collect();
        if let Some(bad) = present.iter().find(|p| !live.contains(p)) {
            return Err(AppError::invalid(
                "present",
                format!("报名记录 {bad} 不属于这项活动"),
            ));
        }
        let n = sa::mark_attendance(&mut tx, id, present, actor.name(), now).await?;
        audit::record(
            &mut tx,
            actor.audit(
                Action::Update,
                "activity",
                Some(id),
                &a.path,
                format!("登记活动出席：{}，{n}/{}人", a.title, live.len()),
            ),
        )
        .await?;
        jingzhi_store::commit(tx).await?;
        self.view(actor, id).await
    }

    /// This year's numbers of the caller's place and of each place under it (staff; residents
    /// are refused).
    pub async fn numbers(&self, actor: &Actor) -> AppResult<(PlaceNumbers, Vec<PlaceNumbers>)> {
        if matches!(actor.user.role, Role::Resident) {
            return Err(AppError::Forbidden);
        }
        let now = now_ms();
        let since = jingzhi_domain::time_fmt::year_start_ms();
        let scope = actor.scope();
        let mut conn = self.app.store.acquire().await?;
        let node = sr::get_node(&mut conn, &scope, scope.node_id).await?;
        let of = |rows: Vec<(Category, Numbers)>, node: &sr::Node| {
            let mut total = Numbers::default();
            for (_, n) in &rows {
                total.held += n.held;
                total.upcoming += n.upcoming;
                total.signed += n.signed;
                total.attended += n.attended;
            }
            PlaceNumbers {
                node_id: node.id,
                name: node.name.clone(),
                total,
                by_category: rows,
            }
        };
        let mine = of(sa::numbers(&mut conn, &node.path, since, now).await?, &node);
        let mut places = Vec::new();
        if node.kind.depth() < jingzhi_domain::registry::NodeKind::Community.depth() {
            for child in sr::children(&mut conn, &scope, node.id).await? {
                let rows = sa::numbers(&mut conn, &child.path, since, now).await?;
                places.push(of(rows, &child));
            }
        }
        Ok((mine, places))
    }
}
