//! The register of people who can be mobilised (可动员力量库, issue 13 §4; docs/forces.md).
//!
//! - Managers and grid workers of a place keep it: party members (the in-service ones who report
//!   to the community, 双报到, included), volunteers, property staff, doctors, lawyers and police,
//!   each with the place they serve (a community or grid picked from a list), skills and
//!   availability picked from coded lists, and a phone number — sealed at rest, masked in lists,
//!   shown whole on one person's page (every such view audited).
//! - A person from the resident register is linked to their record (name taken from it); others
//!   (the police officer, the hospital's doctor) are entered by name. The same phone twice in one
//!   community is refused: it is one person.
//! - The summary sets the register beside what the other registers already hold: party members
//!   and volunteers tagged in the resident register, and 双报到 party members reporting this month.

use crate::{Actor, App, AppError, AppResult};
use jingzhi_domain::audit::Action;
use jingzhi_domain::auth::Role;
use jingzhi_domain::forces::{self as df, Availability, ForceKind, Skill};
use jingzhi_domain::registry::{NodeKind, Phone};
use jingzhi_domain::time_fmt::now_ms;
use jingzhi_store::audit;
use jingzhi_store::forces as sf;
use jingzhi_store::registry as sr;

use jingzhi_store::forces::Filter;
pub use jingzhi_store::forces::Member;

pub const LIST_LIMIT: i64 = 500;

/// Who keeps and reads the register: managers and grid workers.
pub fn reads(role: Role) -> bool {
    role.is_manager() || role == Role::GridWorker
}

/// What a list is narrowed by (codes as the API and the page send them).
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// A place in the caller's scope.
    pub node_id: Option<i64>,
    pub kind: Option<String>,
    pub skill: Option<String>,
    pub availability: Option<String>,
    /// A part of the name or organisation.
    pub q: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct MemberInput {
    /// A community or grid in the caller's scope.
    pub node_id: i64,
    pub kind: String,
    /// Required unless `resident_id` is given (the register's name is used).
    pub name: String,
    pub resident_id: Option<i64>,
    pub organisation: String,
    pub skills: Vec<String>,
    pub availability: String,
    pub phone: String,
    pub note: String,
}

/// One place's numbers: on this register per kind, and what the other registers hold.
#[derive(Debug, Clone)]
pub struct PlaceForces {
    pub node_id: i64,
    pub name: String,
    pub by_kind: Vec<(ForceKind, i64)>,
    pub total: i64,
    /// Residents tagged as party members / volunteers in the resident register.
    pub register_party_members: i64,
    pub register_volunteers: i64,
    /// In-service party members reporting to its grids this month (双报到).
    pub dual_report: i64,
}

pub struct Forces<'a> {
    app: &'a App,
}

impl App {
    pub fn forces(&self) -> Forces<'_> {
        Forces { app: self }
    }
}

fn must_read(actor: &Actor) -> AppResult<()> {
    if reads(actor.user.role) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

struct Checked {
    node: sr::Node,
    kind: ForceKind,
    name: String,
    resident_id: Option<i64>,
    organisation: String,
    skills: String,
    availability: Availability,
    phone: Phone,
    note: String,
}

impl Forces<'_> {
    /// The places a member may serve: the communities and grids in the caller's scope.
    pub async fn places(&self, actor: &Actor) -> AppResult<Vec<sr::Node>> {
        must_read(actor)?;
        let mut conn = self.app.store.acquire().await?;
        let scope = actor.scope();
        let mut places = Vec::new();
        let own = sr::get_node(&mut conn, &scope, scope.node_id).await?;
        if matches!(own.kind, NodeKind::Community | NodeKind::Grid) {
            places.push(own);
        }
        places.extend(
            sr::nodes_under(
                &mut conn,
                &scope,
                &scope.path,
                &[NodeKind::Community, NodeKind::Grid],
                2000,
            )
            .await?,
        );
        places.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(places)
    }

    async fn check(
        &self,
        conn: &mut jingzhi_store::Conn,
        actor: &Actor,
        input: &MemberInput,
    ) -> AppResult<Checked> {
        let scope = actor.scope();
        let node = sr::get_node(conn, &scope, input.node_id)
            .await
            .map_err(|e| match e {
                jingzhi_store::Error::NotFound => {
                    AppError::invalid("node_id", "请从列表中选择您辖区内的社区或网格")
                }
                e => e.into(),
            })?;
        if !matches!(node.kind, NodeKind::Community | NodeKind::Grid) {
            return Err(AppError::invalid("node_id", "请选择社区或网格"));
        }
        let kind = ForceKind::parse(&input.kind)
            .ok_or_else(|| AppError::invalid("kind", "请从列表中选择人员类别"))?;
        let availability = Availability::parse(&input.availability)
            .ok_or_else(|| AppError::invalid("availability", "请从列表中选择可联系时间"))?;
        let skills: Vec<Skill> = df::parse_skills(&input.skills)?;
        let phone = Phone::parse(&input.phone)?;
        let organisation = input.organisation.trim().to_string();
        jingzhi_domain::check_max_chars("organisation", "所在单位", &organisation, 60)?;
        let note = input.note.trim().to_string();
        jingzhi_domain::check_max_chars("note", "备注", &note, 200)?;
        let (name, resident_id) = match input.resident_id {
            Some(rid) => {
                let r = sr::get_resident(conn, &scope, rid)
                    .await
                    .map_err(|e| match e {
                        jingzhi_store::Error::NotFound => {
                            AppError::invalid("resident_id", "居民不在您的辖区内")
                        }
                        e => e.into(),
                    })?;
                (r.name, Some(r.id))
            }
            None => (
                crate::participation::text("name", "姓名", &input.name, 30)?,
                None,
            ),
        };
        Ok(Checked {
            node,
            kind,
            name,
            resident_id,
            organisation,
            skills: df::skills_column(&skills),
            availability,
            phone,
            note,
        })
    }

    /// One number, one person per community: 409 naming who holds it (`except`: the person
    /// being edited).
    async fn refuse_same_phone(
        &self,
        conn: &mut jingzhi_store::Conn,
        c: &Checked,
        except: Option<i64>,
    ) -> AppResult<()> {
        let community = crate::participation::community_scope(&c.node.path)
            .map(|s| s.path)
            .unwrap_or_else(|| c.node.path.clone());
        match sf::same_phone(
            conn,
            &self.app.store.cipher,
            &community,
            c.phone.as_str(),
            except,
        )
        .await?
        {
            Some(m) => Err(AppError::Conflict {
                field: "phone".into(),
                reason: format!(
                    "该电话已登记在力量库中（{}，{}）",
                    m.name,
                    m.kind.label_zh()
                ),
            }),
            None => Ok(()),
        }
    }

    /// Put someone on the register.
    pub async fn add(&self, actor: &Actor, input: &MemberInput) -> AppResult<Member> {
        must_read(actor)?;
        let now = now_ms();
        let mut tx = self.app.store.begin().await?;
        let c = self.check(&mut tx, actor, input).await?;
        let cipher = &self.app.store.cipher;
        self.refuse_same_phone(&mut tx, &c, None).await?;
        let id = sf::insert(
            &mut tx,
            cipher,
            &sf::MemberRow {
                node_id: c.node.id,
                path: &c.node.path,
                kind: c.kind,
                name: &c.name,
                resident_id: c.resident_id,
                organisation: &c.organisation,
                skills: &c.skills,
                availability: c.availability,
                phone: c.phone.as_str(),
                phone_mask: &c.phone.masked(),
                note: &c.note,
            },
            &actor.user.display_name,
            now,
        )
        .await?;
        audit::record(
            &mut tx,
            actor.audit(
                Action::Create,
                "force_member",
                Some(id),
                &c.node.path,
                format!("登记可动员力量：{}（{}）", c.name, c.kind.label_zh()),
            ),
        )
        .await?;
        let m = sf::get(&mut tx, &actor.scope(), id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(m)
    }

    /// Edit someone on the register (in scope, not removed).
    pub async fn update(&self, actor: &Actor, id: i64, input: &MemberInput) -> AppResult<Member> {
        must_read(actor)?;
        let now = now_ms();
        let scope = actor.scope();
        let mut tx = self.app.store.begin().await?;
        let before = sf::get(&mut tx, &scope, id).await?;
        let c = self.check(&mut tx, actor, input).await?;
        let cipher = &self.app.store.cipher;
        self.refuse_same_phone(&mut tx, &c, Some(id)).await?;
        let row = sf::MemberRow {
            node_id: c.node.id,
            path: &c.node.path,
            kind: c.kind,
            name: &c.name,
            resident_id: c.resident_id,
            organisation: &c.organisation,
            skills: &c.skills,
            availability: c.availability,
            phone: c.phone.as_str(),
            phone_mask: &c.phone.masked(),
            note: &c.note,
        };
        if !sf::update(&mut tx, cipher, &scope, id, &row, now).await? {
            return Err(AppError::Conflict {
                field: "id".into(),
                reason: "此人已移出力量库".into(),
            });
        }
        audit::record(
            &mut tx,
            actor.audit(
                Action::Update,
                "force_member",
                Some(id),
                &c.node.path,
                format!("修改可动员力量：{}（原{}）", c.name, before.place),
            ),
        )
        .await?;
        let m = sf::get(&mut tx, &scope, id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(m)
    }

    /// Take someone off the register, with the reason (kept, not deleted).
    pub async fn remove(&self, actor: &Actor, id: i64, reason: &str) -> AppResult<Member> {
        must_read(actor)?;
        let reason = crate::participation::text("reason", "移出原因", reason, 200)?;
        let scope = actor.scope();
        let mut tx = self.app.store.begin().await?;
        let m = sf::get(&mut tx, &scope, id).await?;
        if !sf::remove(&mut tx, &scope, id, &reason, now_ms()).await? {
            return Err(AppError::Conflict {
                field: "id".into(),
                reason: "此人已移出力量库".into(),
            });
        }
        audit::record(
            &mut tx,
            audit::Entry {
                reason: Some(&reason),
                ..actor.audit(
                    Action::Delete,
                    "force_member",
                    Some(id),
                    &m.path,
                    format!("移出可动员力量：{}", m.name),
                )
            },
        )
        .await?;
        let m = sf::get(&mut tx, &scope, id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(m)
    }

    /// The register in the caller's scope, filtered (phones masked). A place outside the scope
    /// answers 404; an unknown code 422.
    pub async fn list(&self, actor: &Actor, q: &ListQuery) -> AppResult<Vec<Member>> {
        must_read(actor)?;
        let mut conn = self.app.store.acquire().await?;
        let scope = actor.scope();
        fn parsed<T>(
            v: &Option<String>,
            parse: fn(&str) -> Option<T>,
            field: &'static str,
            reason: &str,
        ) -> AppResult<Option<T>> {
            match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                None => Ok(None),
                Some(s) => parse(s)
                    .map(Some)
                    .ok_or_else(|| AppError::invalid(field, reason)),
            }
        }
        let kind = parsed(&q.kind, ForceKind::parse, "kind", "没有这个人员类别")?;
        let skill = parsed(&q.skill, Skill::parse, "skill", "没有这项技能")?;
        let availability = parsed(
            &q.availability,
            Availability::parse,
            "availability",
            "没有这个可联系时间",
        )?;
        let under = match q.node_id {
            Some(id) => Some(sr::get_node(&mut conn, &scope, id).await?.path),
            None => None,
        };
        let filter = Filter {
            under,
            kind,
            skill,
            availability,
            q: q.q.clone(),
        };
        Ok(sf::list(&mut conn, &scope, &filter, LIST_LIMIT).await?)
    }

    /// One person and their phone number, whole (the view is audited).
    pub async fn view(&self, actor: &Actor, id: i64) -> AppResult<(Member, String)> {
        must_read(actor)?;
        let scope = actor.scope();
        let mut tx = self.app.store.begin().await?;
        let m = sf::get(&mut tx, &scope, id).await?;
        let phone = sf::phone(&mut tx, &self.app.store.cipher, &scope, id).await?;
        audit::record(
            &mut tx,
            actor.audit(
                Action::View,
                "force_member",
                Some(id),
                &m.path,
                format!("查看可动员力量联系方式：{}", m.name),
            ),
        )
        .await?;
        jingzhi_store::commit(tx).await?;
        Ok((m, phone))
    }

    /// The numbers of the caller's place and of each place directly under it that has anyone on
    /// a register (auditors read these too: counts, no names).
    pub async fn summary(&self, actor: &Actor) -> AppResult<(PlaceForces, Vec<PlaceForces>)> {
        if !(reads(actor.user.role) || actor.user.role == Role::Auditor) {
            return Err(AppError::Forbidden);
        }
        let mut conn = self.app.store.acquire().await?;
        let scope = actor.scope();
        let month = jingzhi_domain::rounds::Month::of_ms(now_ms()).0;
        let node = sr::get_node(&mut conn, &scope, scope.node_id).await?;
        let own_stats = sr::stats(&mut conn, &scope, node.id).await?;
        let mine = place(&mut conn, &node, &own_stats, month).await?;
        let mut places = Vec::new();
        if node.kind.depth() < NodeKind::Grid.depth() {
            for (child, stats) in sr::children_stats(&mut conn, &scope, node.id).await? {
                let p = place(&mut conn, &child, &stats, month).await?;
                // Places with nobody on any register are left out (a new grid, a place
                // being drawn).
                if p.total + p.register_party_members + p.register_volunteers + p.dual_report > 0 {
                    places.push(p);
                }
            }
        }
        Ok((mine, places))
    }
}

async fn place(
    conn: &mut jingzhi_store::Conn,
    node: &sr::Node,
    stats: &sr::Stats,
    month: i64,
) -> AppResult<PlaceForces> {
    let by_kind = sf::counts(conn, &node.path).await?;
    Ok(PlaceForces {
        node_id: node.id,
        name: node.name.clone(),
        total: by_kind.iter().map(|(_, n)| n).sum(),
        by_kind,
        register_party_members: stats.party_member,
        register_volunteers: stats.volunteer,
        dual_report: sf::dual_report_count(conn, &node.path, month).await?,
    })
}
