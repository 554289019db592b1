//! Legal-aid cases (法律援助, issue 13 §3; docs/legal.md).
//!
//! - A manager or grid worker records a resident's legal matter (opened from the resident's
//!   page): its kind and how it came, picked from lists, the community's lawyer picked from the
//!   register of people who can be mobilised, and the matter in a few lines — sealed.
//! - It moves open → mediating → referred to the legal-aid centre → closed with its outcome, each
//!   step with a sealed note; a closed case stays closed.
//! - A person's legal trouble is sensitive: only managers and grid workers of the place read
//!   cases, every list and case view is audited, and every refusal too.
//! - Numbers per place this year: opened, open, closed, per outcome and per kind of matter.

use crate::{Actor, App, AppError, AppResult};
use jingzhi_domain::audit::Action;
use jingzhi_domain::auth::Role;
use jingzhi_domain::legal::{self as dl, Channel, Matter, Outcome, State};
use jingzhi_domain::time_fmt::now_ms;
use jingzhi_store::legal as sl;
use jingzhi_store::registry as sr;
use jingzhi_store::{audit, Conn};

pub use jingzhi_store::legal::{Case, Numbers};

pub const LIST_LIMIT: i64 = 500;

/// Who reads and keeps legal-aid cases: managers and grid workers.
pub fn reads(role: Role) -> bool {
    role.is_manager() || role == Role::GridWorker
}

#[derive(Debug, Clone, Default)]
pub struct CaseInput {
    pub resident_id: i64,
    pub matter: String,
    pub channel: String,
    /// A lawyer on the register of people who can be mobilised (optional).
    pub lawyer_id: Option<i64>,
    pub summary: String,
}

/// A case with its matter and steps opened.
#[derive(Debug, Clone)]
pub struct CaseView {
    pub case: Case,
    pub summary: String,
    /// (at, state, note, by)
    pub steps: Vec<(i64, State, String, String)>,
}

/// One place's numbers.
#[derive(Debug, Clone)]
pub struct PlaceNumbers {
    pub node_id: i64,
    pub name: String,
    pub numbers: Numbers,
}

pub struct Legal<'a> {
    app: &'a App,
}

impl App {
    pub fn legal(&self) -> Legal<'_> {
        Legal { app: self }
    }
}

impl Legal<'_> {
    /// Refuse a role that may not read cases, auditing the refusal.
    async fn must_read(&self, actor: &Actor, id: Option<i64>) -> AppResult<()> {
        if reads(actor.user.role) {
            return Ok(());
        }
        let mut conn = self.app.store.acquire().await?;
        audit::record(
            &mut conn,
            actor.audit(
                Action::Refused,
                "legal_case",
                id,
                &actor.user.scope_path,
                "无权查看法律援助案件".into(),
            ),
        )
        .await?;
        Err(AppError::Forbidden)
    }

    /// Lawyers the caller may assign: on the register, serving their scope or a place above it.
    pub async fn lawyers(&self, actor: &Actor) -> AppResult<Vec<(i64, String, String)>> {
        self.must_read(actor, None).await?;
        let mut conn = self.app.store.acquire().await?;
        Ok(sl::lawyers(&mut conn, &actor.scope(), 200).await?)
    }

    /// Record a resident's legal matter.
    pub async fn open(&self, actor: &Actor, input: &CaseInput) -> AppResult<CaseView> {
        self.must_read(actor, None).await?;
        let matter = Matter::parse(&input.matter)
            .ok_or_else(|| AppError::invalid("matter", "请从列表中选择案件类别"))?;
        let channel = Channel::parse(&input.channel)
            .ok_or_else(|| AppError::invalid("channel", "请从列表中选择来源"))?;
        let summary = crate::participation::text("summary", "案情", &input.summary, 1000)?;
        let now = now_ms();
        let scope = actor.scope();
        let mut tx = self.app.store.begin().await?;
        let r = sr::get_resident(&mut tx, &scope, input.resident_id)
            .await
            .map_err(|e| match e {
                jingzhi_store::Error::NotFound => {
                    AppError::invalid("resident_id", "居民不在您的辖区内")
                }
                e => e.into(),
            })?;
        let lawyer = match input.lawyer_id {
            None => None,
            Some(id) => Some(
                sl::lawyers(&mut tx, &scope, 1000)
                    .await?
                    .into_iter()
                    .find(|l| l.0 == id)
                    .ok_or_else(|| AppError::invalid("lawyer_id", "请从力量库的律师中选择"))?,
            ),
        };
        let hh = sr::get_household(&mut tx, &scope, r.household_id).await?;
        let id = sl::insert(
            &mut tx,
            &self.app.store.cipher,
            &sl::NewCase {
                resident_id: r.id,
                household_id: hh.id,
                path: &hh.path,
                matter,
                channel,
                lawyer: lawyer.as_ref().map(|l| (l.0, l.1.as_str())),
                summary: &summary,
                opened_at: now,
                by: &actor.user.display_name,
            },
        )
        .await?;
        audit::record(
            &mut tx,
            actor.audit(
                Action::Create,
                "legal_case",
                Some(id),
                &hh.path,
                format!("受理法律援助：{}（{}）", r.name, matter.label_zh()),
            ),
        )
        .await?;
        let v = self.read(&mut tx, actor, id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(v)
    }

    async fn read(&self, conn: &mut Conn, actor: &Actor, id: i64) -> AppResult<CaseView> {
        let scope = actor.scope();
        let cipher = &self.app.store.cipher;
        let case = sl::get(conn, &scope, id).await?;
        Ok(CaseView {
            summary: sl::summary(conn, cipher, &scope, id).await?,
            steps: sl::steps(conn, cipher, id).await?,
            case,
        })
    }

    /// One case with its matter and steps (the view is audited).
    pub async fn case(&self, actor: &Actor, id: i64) -> AppResult<CaseView> {
        self.must_read(actor, Some(id)).await?;
        let mut tx = self.app.store.begin().await?;
        let v = self.read(&mut tx, actor, id).await?;
        audit::record(
            &mut tx,
            actor.audit(
                Action::View,
                "legal_case",
                Some(id),
                &v.case.path,
                format!("查看法律援助案件：{}", v.case.resident_name),
            ),
        )
        .await?;
        jingzhi_store::commit(tx).await?;
        Ok(v)
    }

    /// Cases in scope, newest first (`open`: not closed); the list view is audited once.
    pub async fn cases(&self, actor: &Actor, open: bool) -> AppResult<Vec<Case>> {
        self.must_read(actor, None).await?;
        let scope = actor.scope();
        let mut tx = self.app.store.begin().await?;
        let rows = sl::list(&mut tx, &scope, open, LIST_LIMIT).await?;
        audit::record(
            &mut tx,
            actor.audit(
                Action::View,
                "legal_case",
                None,
                &scope.path,
                format!("查看法律援助案件列表 {}件", rows.len()),
            ),
        )
        .await?;
        jingzhi_store::commit(tx).await?;
        Ok(rows)
    }

    /// Move a case (closing it with its outcome) with a note.
    pub async fn step(
        &self,
        actor: &Actor,
        id: i64,
        to: &str,
        outcome: Option<&str>,
        note: &str,
    ) -> AppResult<CaseView> {
        self.must_read(actor, Some(id)).await?;
        let to =
            State::parse(to).ok_or_else(|| AppError::invalid("state", "请从列表中选择办理进度"))?;
        let outcome = match outcome.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(o) => Some(
                Outcome::parse(o)
                    .ok_or_else(|| AppError::invalid("outcome", "请从列表中选择办理结果"))?,
            ),
        };
        let note = crate::participation::text("note", "办理情况", note, 500)?;
        let now = now_ms();
        let mut tx = self.app.store.begin().await?;
        let c = sl::get(&mut tx, &actor.scope(), id).await?;
        let outcome = dl::check_move(c.state, to, outcome).map_err(|e| {
            if e.field == "state" {
                AppError::Conflict {
                    field: e.field.to_string(),
                    reason: e.reason,
                }
            } else {
                e.into()
            }
        })?;
        if !sl::set_state(&mut tx, id, c.state, to, outcome, now).await? {
            return Err(AppError::Conflict {
                field: "state".into(),
                reason: "案件刚被他人更新，请刷新后再试".into(),
            });
        }
        sl::insert_step(
            &mut tx,
            &self.app.store.cipher,
            id,
            to,
            &note,
            &actor.user.display_name,
            now,
        )
        .await?;
        audit::record(
            &mut tx,
            actor.audit(
                Action::Update,
                "legal_case",
                Some(id),
                &c.path,
                format!(
                    "法律援助案件{}{}",
                    to.label_zh(),
                    outcome
                        .map(|o| format!("：{}", o.label_zh()))
                        .unwrap_or_default()
                ),
            ),
        )
        .await?;
        let v = self.read(&mut tx, actor, id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(v)
    }

    /// This year's numbers of the caller's place and each place under it (auditors too: counts
    /// only).
    pub async fn numbers(&self, actor: &Actor) -> AppResult<(PlaceNumbers, Vec<PlaceNumbers>)> {
        if !(reads(actor.user.role) || actor.user.role == Role::Auditor) {
            return Err(AppError::Forbidden);
        }
        let since = jingzhi_domain::time_fmt::year_start_ms();
        let scope = actor.scope();
        let mut conn = self.app.store.acquire().await?;
        let node = sr::get_node(&mut conn, &scope, scope.node_id).await?;
        let mine = PlaceNumbers {
            node_id: node.id,
            name: node.name.clone(),
            numbers: sl::numbers(&mut conn, &node.path, since).await?,
        };
        let mut places = Vec::new();
        if node.kind.depth() < jingzhi_domain::registry::NodeKind::Grid.depth() {
            for child in sr::children(&mut conn, &scope, node.id).await? {
                let numbers = sl::numbers(&mut conn, &child.path, since).await?;
                if numbers.opened > 0 {
                    places.push(PlaceNumbers {
                        node_id: child.id,
                        name: child.name,
                        numbers,
                    });
                }
            }
        }
        Ok((mine, places))
    }
}
