//! The integrity index (issue 12 §1; docs/integrity.md): a versioned catalogue, subjects
//! (merchants, residents, new-employment workers, platforms), score records with evidence,
//! appeals reviewed by someone other than the recorder, stars, a public honour board,
//! agreements and their breaches, adopted projects whose confirmed deliveries score, rewards.
//! Every record and every appeal's outcome is appended to the transparency log in the
//! transaction that makes it.
//!
//! Who may do what: managers and grid workers of a place record against its subjects and keep
//! its agreements, projects and rewards; a manager other than the recorder reviews an appeal;
//! a resident acts for their own subject and for the merchants and workers whose accounts staff
//! linked to theirs (a shopkeeper, a rider); the city admin imports a catalogue and sets the
//! rules. A resident's or worker's records are seen by them and by staff of their place only;
//! a business's are public.

use crate::participation::{community_scope, everywhere, text};
use crate::spreadsheet::{read_xlsx, xlsx_bytes, Column, SheetSpec};
use crate::{Actor, App, AppError, AppResult};
use jingzhi_domain::audit::Action;
use jingzhi_domain::auth::{Permission, Role};
use jingzhi_domain::events::attachment::sniff;
use jingzhi_domain::integrity::{
    self as di, AppealState, FileKind, Item, RecordState, Rules, SubjectKind,
};
use jingzhi_domain::registry::NodeKind;
use jingzhi_domain::time_fmt::{format_date, now_ms, parse_date, today};
use jingzhi_domain::transparency::{entry_bytes, EntryKind as LogKind};
use jingzhi_store::integrity::{self as si, NewRecord, NewSubject};
use jingzhi_store::registry as sr;
use jingzhi_store::transparency as st;
use jingzhi_store::{audit, Conn, Scope};
use serde_json::json;
use sha2::{Digest, Sha256};

pub use jingzhi_store::integrity::{
    Adoption, Agreement, Appeal, Catalogue, Delivery, Grant, Project, Record, Reward, StoredItem,
    Subject,
};

/// The most rows a list answers.
pub const LIST_LIMIT: i64 = 500;

/// The most items a catalogue import reads.
pub const MAX_ITEMS: usize = 2_000;

#[derive(Debug, Clone, Default)]
pub struct SubjectInput {
    pub kind: String,
    /// A merchant (kind merchant).
    pub merchant_id: Option<i64>,
    /// A resident (kind resident).
    pub resident_id: Option<i64>,
    /// The community a worker or platform works in.
    pub node_id: Option<i64>,
    /// A worker's or platform's name.
    pub name: String,
    /// A worker's phone (sealed).
    pub phone: String,
    /// A worker's platform (a subject of kind platform).
    pub platform_id: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct RecordInput {
    pub item_code: String,
    /// yyyy-mm-dd; today when empty.
    pub occurred_on: String,
    pub note: String,
    /// A breach of this agreement (a minus item).
    pub agreement_id: Option<i64>,
    /// A photo (JPEG, PNG, WebP) or a PDF document.
    pub evidence: Option<Vec<u8>>,
}

#[derive(Debug, Clone, Default)]
pub struct AgreementInput {
    pub title: String,
    pub terms: String,
    pub signatories: String,
    pub starts_on: String,
    pub ends_on: String,
}

#[derive(Debug, Clone, Default)]
pub struct ProjectInput {
    pub node_id: i64,
    pub title: String,
    pub description: String,
    pub schedule: String,
    pub item_code: String,
}

#[derive(Debug, Clone, Default)]
pub struct RewardInput {
    pub node_id: i64,
    pub title: String,
    pub description: String,
    pub min_stars: i64,
}

/// A subject with its score, stars and everything about it, as its page shows it.
#[derive(Debug, Clone)]
pub struct SubjectView {
    pub subject: Subject,
    pub code: String,
    pub rules: Rules,
    pub score: i64,
    pub stars: u8,
    pub records: Vec<Record>,
    /// Where each record and each appeal outcome sits in the log.
    pub log_index: Vec<(i64, u64)>,
    pub appeal_index: Vec<(i64, u64)>,
    pub agreements: Vec<Agreement>,
    pub adoptions: Vec<Adoption>,
    pub grants: Vec<Grant>,
    pub operators: Vec<String>,
    /// The caller may record against it (staff of its place).
    pub may_record: bool,
    /// The caller acts for it (may appeal, adopt, report deliveries).
    pub acts_for: bool,
    /// The last moment each record may be appealed (ms).
    pub appeal_until: Vec<(i64, i64)>,
}

/// A community's honour board: its merchants with at least [`di::HONOUR_STARS`] stars.
#[derive(Debug, Clone)]
pub struct HonourBoard {
    pub node_id: i64,
    pub place: String,
    pub rules: Rules,
    pub merchants: Vec<(Subject, i64, u8)>,
}

/// A project with its adopters, and which of the caller's subjects may adopt it.
#[derive(Debug, Clone)]
pub struct ProjectView {
    pub project: Project,
    pub adoptions: Vec<Adoption>,
    pub may_adopt: Vec<(i64, String)>,
    pub may_confirm: bool,
}

/// What the forms offer to pick.
#[derive(Debug, Clone, Default)]
pub struct Choices {
    pub communities: Vec<(i64, String)>,
    pub merchants: Vec<(i64, String)>,
    pub platforms: Vec<(i64, String)>,
    pub items: Vec<StoredItem>,
}

pub struct Integrity<'a> {
    app: &'a App,
}

impl App {
    pub fn integrity(&self) -> Integrity<'_> {
        Integrity { app: self }
    }
}

fn conflict(field: &str, reason: &str) -> AppError {
    AppError::Conflict {
        field: field.into(),
        reason: reason.into(),
    }
}

/// Managers and grid workers record and keep a place's integrity work.
fn may_record(actor: &Actor) -> AppResult<()> {
    if actor.user.role.is_manager() || actor.user.role == Role::GridWorker {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

fn may_manage(actor: &Actor) -> AppResult<()> {
    if actor.user.role.is_manager() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Staff who read a place's subjects: those who read its register (not departments, not
/// residents).
fn may_read(actor: &Actor) -> AppResult<()> {
    actor.require(Permission::ReadRegister)
}

fn date_field(field: &'static str, s: &str) -> AppResult<time::Date> {
    if s.trim().is_empty() {
        return Ok(today());
    }
    parse_date(s.trim()).ok_or_else(|| AppError::invalid(field, "日期格式应为 YYYY-MM-DD"))
}

/// The public code of a subject: what names a resident or a worker in the log and what their
/// own page shows.
pub fn subject_code(app: &App, s: &Subject) -> String {
    let h = app
        .store
        .cipher
        .lookup_hash(&format!("integrity subject public code {}", s.id));
    format!("{}{}", s.kind.code_letter(), h[..6].to_uppercase())
}

/// Evidence bytes checked: (content type, kind).
fn check_evidence(app: &App, bytes: &[u8]) -> AppResult<(&'static str, FileKind)> {
    if bytes.len() > app.settings.attachments.max_bytes {
        return Err(AppError::invalid("evidence", "证据文件不能超过 5 MB"));
    }
    if di::is_pdf(bytes) {
        return Ok(("application/pdf", FileKind::Pdf));
    }
    sniff(bytes)
        .map(|i| (i.kind.content_type(), FileKind::Image))
        .ok_or_else(|| AppError::invalid("evidence", "证据应为 JPEG、PNG、WebP 图片或 PDF 文件"))
}

impl Integrity<'_> {
    // -----------------------------------------------------------------------------------------
    // Catalogue

    /// The active catalogue; the shipped example is installed (and made active) the first time
    /// one is needed.
    pub(crate) async fn active(&self, conn: &mut Conn) -> AppResult<Catalogue> {
        if let Some(c) = si::active_catalogue(conn).await? {
            return Ok(c);
        }
        let id = si::insert_catalogue(
            conn,
            "示例目录（平台编写，供修改）",
            &Rules::default(),
            true,
            &di::default_catalogue(),
            "system",
            now_ms(),
        )
        .await?;
        si::activate(conn, id).await?;
        Ok(si::catalogue(conn, id).await?)
    }

    /// A catalogue version (the active one by default), its items, and every version.
    pub async fn catalogue(
        &self,
        id: Option<i64>,
    ) -> AppResult<(Catalogue, Vec<StoredItem>, Vec<Catalogue>)> {
        let mut tx = self.app.store.begin().await?;
        let active = self.active(&mut tx).await?;
        let c = match id {
            Some(id) => si::catalogue(&mut tx, id).await?,
            None => active,
        };
        let items = si::items(&mut tx, c.id).await?;
        let all = si::catalogues(&mut tx).await?;
        jingzhi_store::commit(tx).await?;
        Ok((c, items, all))
    }

    /// A catalogue version as `.xlsx` (the import's format).
    pub async fn export_catalogue(&self, actor: &Actor, id: Option<i64>) -> AppResult<Vec<u8>> {
        let (c, items, _) = self.catalogue(id).await?;
        let spec = SheetSpec::new(
            "诚信指数目录",
            di::COLUMNS
                .iter()
                .map(|h| Column::new(*h).width(if *h == "事项" { 44.0 } else { 12.0 })),
        )
        .shaded_header()
        .freeze_header();
        let bytes = xlsx_bytes(
            spec,
            items.iter().map(|i| {
                let i = &i.item;
                vec![
                    i.code.clone(),
                    i.theme.clone(),
                    i.title.clone(),
                    i.points.to_string(),
                    i.subjects_text(),
                    i.evidence.as_str().to_string(),
                    i.valid_days.to_string(),
                ]
            }),
        )
        .map_err(|e| e.app("诚信指数目录"))?;
        let mut conn = self.app.store.acquire().await?;
        audit::record(
            &mut conn,
            actor.audit(
                Action::Export,
                "integrity_catalogue",
                Some(c.id),
                "/",
                format!("导出诚信指数目录“{}”（{} 项）", c.name, items.len()),
            ),
        )
        .await?;
        Ok(bytes)
    }

    /// Import a new catalogue version from `.xlsx` (the city admin): checked whole, then made
    /// the active one; records already made keep their items.
    pub async fn import_catalogue(
        &self,
        actor: &Actor,
        name: &str,
        bytes: &[u8],
    ) -> AppResult<Catalogue> {
        if actor.user.role != Role::CityAdmin {
            return Err(AppError::Forbidden);
        }
        let name = text("name", "目录名称", name, 60)?;
        let sheet = read_xlsx(bytes, MAX_ITEMS)?;
        let idx = |h: &str| sheet.headers.iter().position(|x| x.trim() == h);
        let cols: Vec<usize> = di::COLUMNS
            .iter()
            .map(|h| idx(h).ok_or_else(|| AppError::invalid("file", format!("缺少“{h}”列"))))
            .collect::<AppResult<_>>()?;
        let mut items: Vec<Item> = Vec::new();
        for (row, cells) in &sheet.rows {
            let c = |k: usize| cells.get(cols[k]).map(|x| x.text()).unwrap_or_default();
            let i = di::item(&c(0), &c(1), &c(2), &c(3), &c(4), &c(5), &c(6)).map_err(|e| {
                AppError::invalid("file", format!("第{row}行 {}：{}", e.field, e.reason))
            })?;
            items.push(i);
        }
        di::check_items(&items)?;
        let mut tx = self.app.store.begin().await?;
        let rules = self.active(&mut tx).await?.rules;
        let id = si::insert_catalogue(
            &mut tx,
            &name,
            &rules,
            false,
            &items,
            actor.name(),
            now_ms(),
        )
        .await?;
        si::activate(&mut tx, id).await?;
        audit::record(
            &mut tx,
            actor.audit(
                Action::Import,
                "integrity_catalogue",
                Some(id),
                "/",
                format!(
                    "导入诚信指数目录“{name}”（{} 项），设为当前版本",
                    items.len()
                ),
            ),
        )
        .await?;
        let c = si::catalogue(&mut tx, id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(c)
    }

    /// Set the base score, star thresholds and appeal window of the active version (city admin).
    pub async fn set_rules(&self, actor: &Actor, rules: Rules) -> AppResult<Catalogue> {
        if actor.user.role != Role::CityAdmin {
            return Err(AppError::Forbidden);
        }
        rules.check()?;
        let mut tx = self.app.store.begin().await?;
        let c = self.active(&mut tx).await?;
        si::set_rules(&mut tx, c.id, &rules).await?;
        audit::record(
            &mut tx,
            actor.audit(
                Action::Update,
                "integrity_catalogue",
                Some(c.id),
                "/",
                format!(
                    "诚信规则：基础分 {}，星级分数线 {}，申诉期 {} 天",
                    rules.base,
                    rules.stars_text(),
                    rules.appeal_days
                ),
            ),
        )
        .await?;
        let c = si::catalogue(&mut tx, c.id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(c)
    }

    // -----------------------------------------------------------------------------------------
    // Subjects

    /// Subjects of the caller's places (staff), highest score first.
    pub async fn subjects(
        &self,
        actor: &Actor,
        kind: Option<&str>,
    ) -> AppResult<(Rules, Vec<Subject>)> {
        may_read(actor)?;
        let kind = match kind.filter(|k| !k.is_empty()) {
            Some(k) => Some(SubjectKind::parse(k)?),
            None => None,
        };
        let mut tx = self.app.store.begin().await?;
        let rules = self.active(&mut tx).await?.rules;
        let list = si::list_subjects(
            &mut tx,
            &actor.scope(),
            kind,
            &format_date(today()),
            LIST_LIMIT,
        )
        .await?;
        jingzhi_store::commit(tx).await?;
        Ok((rules, list))
    }

    /// What the forms offer: communities, unscored merchants, platforms of the caller's places,
    /// the active catalogue's items.
    pub async fn choices(&self, actor: &Actor) -> AppResult<Choices> {
        may_read(actor)?;
        let mut tx = self.app.store.begin().await?;
        let c = self.active(&mut tx).await?;
        let scope = actor.scope();
        let communities =
            sr::nodes_under(&mut tx, &scope, &scope.path, &[NodeKind::Community], 2000)
                .await?
                .into_iter()
                .map(|n| (n.id, n.name))
                .collect();
        let merchants = si::merchants_unscored(&mut tx, &scope, LIST_LIMIT)
            .await?
            .into_iter()
            .map(|(id, name, b)| (id, format!("{name}（{b}）")))
            .collect();
        let platforms = si::list_subjects(
            &mut tx,
            &scope,
            Some(SubjectKind::Platform),
            &format_date(today()),
            LIST_LIMIT,
        )
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
        let items = si::items(&mut tx, c.id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(Choices {
            communities,
            merchants,
            platforms,
            items,
        })
    }

    /// Score a merchant, a resident, a worker or a platform (staff of its place). A merchant or
    /// resident already scored is answered with its subject (409 `merchant_id`/`resident_id`).
    pub async fn create_subject(&self, actor: &Actor, input: &SubjectInput) -> AppResult<Subject> {
        may_record(actor)?;
        let kind = SubjectKind::parse(&input.kind)?;
        let scope = actor.scope();
        let now = now_ms();
        let mut tx = self.app.store.begin().await?;
        let bad_place = || AppError::invalid("node_id", "请选择您辖区内的社区");
        let (path, name, merchant_id, resident_id, platform_id, phone) = match kind {
            SubjectKind::Merchant => {
                let id = input
                    .merchant_id
                    .ok_or_else(|| AppError::invalid("merchant_id", "请选择商户"))?;
                let (path, name) = si::merchant_at(&mut tx, &scope, id)
                    .await
                    .map_err(|_| AppError::invalid("merchant_id", "请选择您辖区内的商户"))?;
                if si::subject_of(&mut tx, kind, id).await?.is_some() {
                    return Err(conflict("merchant_id", "该商户已纳入诚信管理"));
                }
                (path, Some(name), Some(id), None, None, None)
            }
            SubjectKind::Resident => {
                let id = input
                    .resident_id
                    .ok_or_else(|| AppError::invalid("resident_id", "请选择居民"))?;
                let path = si::resident_at(&mut tx, &scope, id)
                    .await
                    .map_err(|_| AppError::invalid("resident_id", "请选择您辖区内的居民"))?;
                if si::subject_of(&mut tx, kind, id).await?.is_some() {
                    return Err(conflict("resident_id", "该居民已有诚信档案"));
                }
                (path, None, None, Some(id), None, None)
            }
            SubjectKind::Worker | SubjectKind::Platform => {
                let node_id = input.node_id.ok_or_else(bad_place)?;
                let node = sr::get_node(&mut tx, &scope, node_id)
                    .await
                    .map_err(|_| bad_place())?;
                if node.kind != NodeKind::Community {
                    return Err(bad_place());
                }
                let name = di::check_name("name", &input.name)?;
                let mut platform_id = None;
                let mut phone = None;
                if kind == SubjectKind::Worker {
                    if let Some(p) = input.platform_id {
                        let ps = si::get_subject(&mut tx, &everywhere(), p, &format_date(today()))
                            .await
                            .map_err(|_| AppError::invalid("platform_id", "请选择平台企业"))?;
                        if ps.kind != SubjectKind::Platform {
                            return Err(AppError::invalid("platform_id", "请选择平台企业"));
                        }
                        platform_id = Some(p);
                    }
                    let digits: String =
                        input.phone.chars().filter(|c| c.is_ascii_digit()).collect();
                    if !input.phone.trim().is_empty() {
                        if digits.len() != 11 || !digits.starts_with('1') {
                            return Err(AppError::invalid("phone", "请填写11位手机号码"));
                        }
                        phone = Some(self.app.store.cipher.seal(&digits));
                    }
                }
                (node.path, Some(name), None, None, platform_id, phone)
            }
        };
        let community = community_scope(&path).ok_or_else(bad_place)?;
        let id = si::insert_subject(
            &mut tx,
            &NewSubject {
                kind,
                node_id: community.node_id,
                path: &path,
                merchant_id,
                resident_id,
                platform_id,
                name: name.as_deref(),
                phone_sealed: phone,
                by: actor.name(),
                now,
            },
        )
        .await?;
        audit::record(
            &mut tx,
            actor.audit(
                Action::Create,
                "integrity_subject",
                Some(id),
                &path,
                format!("纳入诚信管理：{}", kind.label_zh()),
            ),
        )
        .await?;
        let s = si::get_subject(&mut tx, &scope, id, &format_date(today())).await?;
        jingzhi_store::commit(tx).await?;
        Ok(s)
    }

    /// For a recorder: the integrity subject of a resident of their place, if scored
    /// (`Some(None)`: not yet); `None` for those who do not record.
    pub async fn resident_subject(
        &self,
        actor: &Actor,
        resident_id: i64,
    ) -> AppResult<Option<Option<i64>>> {
        if may_record(actor).is_err() {
            return Ok(None);
        }
        let mut conn = self.app.store.acquire().await?;
        si::resident_at(&mut conn, &actor.scope(), resident_id).await?;
        Ok(Some(
            si::subject_of(&mut conn, SubjectKind::Resident, resident_id).await?,
        ))
    }

    /// Subjects of the caller's places as `.xlsx` (staff): kind, name, community, score, stars.
    pub async fn export_subjects(&self, actor: &Actor) -> AppResult<Vec<u8>> {
        let (rules, list) = self.subjects(actor, None).await?;
        let spec = SheetSpec::new(
            "诚信对象",
            [
                ("类型", 12.0),
                ("名称", 24.0),
                ("社区", 16.0),
                ("行业协会", 24.0),
                ("诚信分", 10.0),
                ("星级", 8.0),
            ]
            .iter()
            .map(Column::from),
        )
        .shaded_header()
        .freeze_header();
        let bytes = xlsx_bytes(
            spec,
            list.iter().map(|s| {
                let score = di::score(&rules, [s.points]);
                vec![
                    s.kind.label_zh().to_string(),
                    s.name.clone(),
                    s.node_name.clone(),
                    s.association_name.clone().unwrap_or_default(),
                    score.to_string(),
                    rules.stars_of(score).to_string(),
                ]
            }),
        )
        .map_err(|e| e.app("诚信对象"))?;
        let mut conn = self.app.store.acquire().await?;
        audit::record(
            &mut conn,
            actor.audit(
                Action::Export,
                "integrity_subject",
                None,
                &actor.scope().path,
                format!("导出诚信对象（{} 个）", list.len()),
            ),
        )
        .await?;
        Ok(bytes)
    }

    /// Whether the caller acts for the subject: it is them (a resident), or staff linked their
    /// account to it.
    async fn acts_for(&self, conn: &mut Conn, actor: &Actor, subject_id: i64) -> AppResult<bool> {
        if actor.user.role != Role::Resident {
            return Ok(false);
        }
        Ok(si::acts_for(conn, actor.id(), actor.user.resident_id, subject_id).await?)
    }

    /// A subject the caller may see: staff of its place, or the resident who acts for it.
    async fn seen_subject(
        &self,
        conn: &mut Conn,
        actor: &Actor,
        id: i64,
    ) -> AppResult<(Subject, bool)> {
        let day = format_date(today());
        if actor.user.role == Role::Resident {
            if self.acts_for(conn, actor, id).await? {
                return Ok((si::get_subject(conn, &everywhere(), id, &day).await?, true));
            }
            return Err(AppError::NotFound);
        }
        may_read(actor)?;
        Ok((
            si::get_subject(conn, &actor.scope(), id, &day).await?,
            false,
        ))
    }

    /// A subject's page: score, stars, records, agreements, adoptions, rewards.
    pub async fn subject(&self, actor: &Actor, id: i64) -> AppResult<SubjectView> {
        let mut tx = self.app.store.begin().await?;
        let (s, acts_for) = self.seen_subject(&mut tx, actor, id).await?;
        let view = self.view(&mut tx, s, acts_for, actor).await?;
        jingzhi_store::commit(tx).await?;
        Ok(view)
    }

    async fn view(
        &self,
        conn: &mut Conn,
        s: Subject,
        acts_for: bool,
        actor: &Actor,
    ) -> AppResult<SubjectView> {
        let rules = self.active(conn).await?.rules;
        let records = si::records_of(conn, s.id, LIST_LIMIT).await?;
        let ids: Vec<i64> = records.iter().map(|r| r.id).collect();
        let appeal_ids: Vec<i64> = records
            .iter()
            .filter_map(|r| {
                r.appeal
                    .as_ref()
                    .filter(|a| a.state != AppealState::Open)
                    .map(|a| a.id)
            })
            .collect();
        let log_index = st::indexes_of(conn, LogKind::IntegrityRecord, &ids).await?;
        let appeal_index = st::indexes_of(conn, LogKind::IntegrityAppeal, &appeal_ids).await?;
        let score = di::score(&rules, [s.points]);
        let appeal_until = records
            .iter()
            .map(|r| (r.id, di::appeal_deadline(r.recorded_at, rules.appeal_days)))
            .collect();
        let staff = actor.user.role != Role::Resident;
        Ok(SubjectView {
            code: subject_code(self.app, &s),
            rules,
            score,
            stars: rules.stars_of(score),
            agreements: si::agreements_of(conn, s.id).await?,
            adoptions: si::adoptions_of_subject(conn, s.id).await?,
            grants: si::grants(conn, None, Some(s.id)).await?,
            operators: if staff {
                si::operators(conn, s.id).await?
            } else {
                Vec::new()
            },
            may_record: staff && may_record(actor).is_ok(),
            acts_for,
            records,
            log_index,
            appeal_index,
            appeal_until,
            subject: s,
        })
    }

    /// The subjects the caller (a resident) acts for, each with its page; their own subject
    /// first. A resident not scored yet sees no records and the base score.
    pub async fn mine(&self, actor: &Actor) -> AppResult<(Rules, Vec<SubjectView>)> {
        if actor.user.role != Role::Resident {
            return Err(AppError::Forbidden);
        }
        let mut tx = self.app.store.begin().await?;
        let rules = self.active(&mut tx).await?.rules;
        let list = si::subjects_of_user(
            &mut tx,
            actor.id(),
            actor.user.resident_id,
            &format_date(today()),
        )
        .await?;
        let mut out = Vec::new();
        for s in list {
            out.push(self.view(&mut tx, s, true, actor).await?);
        }
        out.sort_by_key(|v| v.subject.kind != SubjectKind::Resident);
        jingzhi_store::commit(tx).await?;
        Ok((rules, out))
    }

    /// Link a resident account to a merchant or worker subject: that person acts for it.
    pub async fn add_operator(
        &self,
        actor: &Actor,
        subject_id: i64,
        username: &str,
    ) -> AppResult<Vec<String>> {
        may_record(actor)?;
        let mut tx = self.app.store.begin().await?;
        let s = si::get_subject(&mut tx, &actor.scope(), subject_id, "9999-12-31").await?;
        if !matches!(s.kind, SubjectKind::Merchant | SubjectKind::Worker) {
            return Err(AppError::invalid(
                "username",
                "只有商户和新就业群体可关联经营者账号",
            ));
        }
        let u = jingzhi_store::auth::user_by_username(&mut tx, username.trim())
            .await?
            .filter(|u| u.role == Role::Resident && !u.disabled)
            .ok_or_else(|| AppError::invalid("username", "请填写已实名认证的居民账号"))?;
        if si::add_operator(&mut tx, s.id, u.id, actor.name(), now_ms()).await? {
            audit::record(
                &mut tx,
                actor.audit(
                    Action::Update,
                    "integrity_subject",
                    Some(s.id),
                    &s.path,
                    format!("关联经营者账号 {}", u.username),
                ),
            )
            .await?;
        }
        let ops = si::operators(&mut tx, s.id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(ops)
    }

    // -----------------------------------------------------------------------------------------
    // Records and appeals

    pub async fn record(
        &self,
        actor: &Actor,
        subject_id: i64,
        input: &RecordInput,
    ) -> AppResult<Record> {
        self.record_at(actor, subject_id, input, now_ms()).await
    }

    /// Record an item against a subject of the caller's place, with the evidence the item asks
    /// for; it counts at once, is logged, and the subject's accounts are told.
    pub async fn record_at(
        &self,
        actor: &Actor,
        subject_id: i64,
        input: &RecordInput,
        now: i64,
    ) -> AppResult<Record> {
        may_record(actor)?;
        let occurred = date_field("occurred_on", &input.occurred_on)?;
        di::check_occurred(occurred, today())?;
        let note = input.note.trim();
        jingzhi_domain::check_max_chars("note", "说明", note, 500)?;
        let file = match &input.evidence {
            Some(b) if !b.is_empty() => Some(check_evidence(self.app, b)?),
            _ => None,
        };
        let mut tx = self.app.store.begin().await?;
        let s = si::get_subject(&mut tx, &actor.scope(), subject_id, "9999-12-31").await?;
        let c = self.active(&mut tx).await?;
        let item = si::item_by_code(&mut tx, c.id, input.item_code.trim())
            .await
            .map_err(|_| AppError::invalid("item_code", "请从当前目录中选择事项"))?;
        if !item.item.applies_to(s.kind) {
            return Err(AppError::invalid(
                "item_code",
                format!("该事项不适用于{}", s.kind.label_zh()),
            ));
        }
        if !item.item.evidence.satisfied_by(file.map(|f| f.1)) {
            return Err(AppError::invalid(
                "evidence",
                format!("该事项须附{}作为证据", item.item.evidence.label_zh()),
            ));
        }
        if let Some(a) = input.agreement_id {
            let g = si::get_agreement(&mut tx, &actor.scope(), a)
                .await
                .ok()
                .filter(|g| g.subject_id == s.id)
                .ok_or_else(|| AppError::invalid("agreement_id", "请选择该对象签订的诚信协议"))?;
            let start = parse_date(&g.starts_on).unwrap_or(occurred);
            let end = parse_date(&g.ends_on).unwrap_or(occurred);
            di::check_breach(item.item.points, start, end, occurred)?;
        }
        let evidence = file.map(|(ct, _)| (ct, input.evidence.as_deref().unwrap_or_default()));
        let r = self
            .insert_record(
                &mut tx,
                actor,
                &s,
                &item,
                occurred,
                note,
                input.agreement_id,
                None,
                evidence,
                now,
            )
            .await?;
        jingzhi_store::commit(tx).await?;
        Ok(r)
    }

    /// Keep a record, its evidence, its log entry, its audit row, and tell the subject.
    #[allow(clippy::too_many_arguments)]
    async fn insert_record(
        &self,
        tx: &mut Conn,
        actor: &Actor,
        s: &Subject,
        item: &StoredItem,
        occurred: time::Date,
        note: &str,
        agreement_id: Option<i64>,
        adoption_id: Option<i64>,
        evidence: Option<(&str, &[u8])>,
        now: i64,
    ) -> AppResult<Record> {
        let expires = di::expires_on(occurred, item.item.valid_days);
        let id = si::insert_record(
            tx,
            &NewRecord {
                subject_id: s.id,
                path: &s.path,
                item_id: item.id,
                points: item.item.points,
                occurred_on: &format_date(occurred),
                expires_on: &format_date(expires),
                note,
                agreement_id,
                adoption_id,
                recorded_by: actor.audit_id(),
                recorded_by_name: actor.name(),
                now,
            },
        )
        .await?;
        let mut sha = None;
        if let Some((ct, bytes)) = evidence {
            let h = hex::encode(Sha256::digest(bytes));
            si::put_evidence(tx, id, ct, &h, bytes, now).await?;
            sha = Some(h);
        }
        let record = json!({
            "record_id": id,
            "subject": self.public_subject_json(s),
            "community_id": s.node_id,
            "community": s.node_name,
            "catalogue_id": item.catalogue_id,
            "item_code": item.item.code,
            "item_title": item.item.title,
            "points": item.item.points,
            "occurred_on": format_date(occurred),
            "expires_on": format_date(expires),
            "evidence_sha256": sha,
            "agreement_id": agreement_id,
            "adoption_id": adoption_id,
            "recorded_at": now,
        });
        self.log(tx, LogKind::IntegrityRecord, id, &s.path, record, now)
            .await?;
        audit::record(
            tx,
            actor.audit(
                Action::Create,
                "integrity_record",
                Some(id),
                &s.path,
                format!(
                    "诚信记录 {} {}（{:+} 分）",
                    item.item.code, item.item.title, item.item.points
                ),
            ),
        )
        .await?;
        self.tell(
            tx,
            s,
            &format!("诚信记录：{}（{:+} 分）", item.item.title, item.item.points),
            "如有异议，可在申诉期内提出申诉",
            "recorded",
            now,
        )
        .await?;
        Ok(si::get_record(tx, &everywhere(), id).await?)
    }

    /// How the log names a subject: a business by name (and licence), a person only by code.
    fn public_subject_json(&self, s: &Subject) -> serde_json::Value {
        if s.kind.public_name() {
            json!({"kind": s.kind.as_str(), "code": subject_code(self.app, s), "name": s.name,
                   "licence_number": s.licence_number})
        } else {
            json!({"kind": s.kind.as_str(), "code": subject_code(self.app, s)})
        }
    }

    async fn log(
        &self,
        tx: &mut Conn,
        kind: LogKind,
        id: i64,
        path: &str,
        record: serde_json::Value,
        now: i64,
    ) -> AppResult<()> {
        let bytes = entry_bytes(kind, record).map_err(|x| AppError::Internal(x.to_string()))?;
        st::append(
            tx,
            &[st::NewEntry {
                kind,
                subject_id: id,
                path: path.to_string(),
                entry: bytes,
            }],
            now,
        )
        .await?;
        Ok(())
    }

    /// Tell the accounts that act for a subject (in-app notifications).
    async fn tell(
        &self,
        tx: &mut Conn,
        s: &Subject,
        title: &str,
        body: &str,
        status: &str,
        now: i64,
    ) -> AppResult<()> {
        use jingzhi_store::notify as sn;
        for (user_id, path) in si::accounts_of(tx, s.id, s.resident_id).await? {
            sn::insert_notification(
                tx,
                &sn::NewNotification {
                    user_id,
                    event_id: None,
                    proposal_id: None,
                    path: &path,
                    created_at: now,
                    command: "integrity",
                    status,
                    title,
                    body,
                    link: Some("/integrity/mine"),
                },
            )
            .await?;
        }
        Ok(())
    }

    /// A record the caller may see (staff of its place, or who acts for its subject).
    pub async fn get_record(&self, actor: &Actor, id: i64) -> AppResult<Record> {
        let mut conn = self.app.store.acquire().await?;
        let r = si::get_record(&mut conn, &everywhere(), id).await?;
        self.seen_subject(&mut conn, actor, r.subject_id).await?;
        Ok(r)
    }

    /// A record's evidence (staff of its place, who acts for its subject, or anyone for a
    /// business's record).
    pub async fn evidence(&self, actor: Option<&Actor>, id: i64) -> AppResult<(String, Vec<u8>)> {
        let mut conn = self.app.store.acquire().await?;
        let r = si::get_record(&mut conn, &everywhere(), id).await?;
        let s = si::get_subject(&mut conn, &everywhere(), r.subject_id, "9999-12-31").await?;
        if !s.kind.public_name() {
            let actor = actor.ok_or(AppError::NotFound)?;
            self.seen_subject(&mut conn, actor, s.id).await?;
        }
        Ok(si::evidence(&mut conn, id).await?)
    }

    pub async fn appeal(&self, actor: &Actor, record_id: i64, reason: &str) -> AppResult<Record> {
        self.appeal_at(actor, record_id, reason, now_ms()).await
    }

    /// The subject appeals a record within the window (one appeal per record).
    pub async fn appeal_at(
        &self,
        actor: &Actor,
        record_id: i64,
        reason: &str,
        now: i64,
    ) -> AppResult<Record> {
        if actor.user.role != Role::Resident {
            // Staff do not appeal for the subject (an elder at the desk is helped to file it
            // from their own account).
            return Err(AppError::Forbidden);
        }
        let reason = text("reason", "申诉理由", reason, 500)?;
        let mut tx = self.app.store.begin().await?;
        let r = si::get_record(&mut tx, &everywhere(), record_id).await?;
        if !self.acts_for(&mut tx, actor, r.subject_id).await? {
            return Err(AppError::NotFound);
        }
        if r.appeal.is_some() {
            return Err(conflict("record", "该记录已申诉过"));
        }
        if r.state == RecordState::Reversed {
            return Err(conflict("record", "该记录已撤销"));
        }
        if r.points > 0 {
            return Err(AppError::invalid("record", "加分记录无需申诉"));
        }
        let rules = self.active(&mut tx).await?.rules;
        di::appeal_open(r.recorded_at, now, rules.appeal_days)?;
        let id = si::insert_appeal(
            &mut tx,
            r.id,
            &r.path,
            &reason,
            actor.audit_id(),
            actor.name(),
            now,
        )
        .await?;
        audit::record(
            &mut tx,
            actor.audit(
                Action::Create,
                "integrity_appeal",
                Some(id),
                &r.path,
                format!("对诚信记录 #{} 提出申诉", r.id),
            ),
        )
        .await?;
        let r = si::get_record(&mut tx, &everywhere(), record_id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(r)
    }

    /// Records of the caller's places with an open appeal (staff).
    pub async fn appeals(&self, actor: &Actor) -> AppResult<Vec<Record>> {
        may_read(actor)?;
        let mut conn = self.app.store.acquire().await?;
        Ok(si::appealed_in(&mut conn, &actor.scope(), LIST_LIMIT).await?)
    }

    /// Records of the caller's places, newest first (staff).
    pub async fn records(&self, actor: &Actor) -> AppResult<Vec<Record>> {
        may_read(actor)?;
        let mut conn = self.app.store.acquire().await?;
        Ok(si::records_in(&mut conn, &actor.scope(), 100).await?)
    }

    /// A manager other than the recorder decides an appeal: `uphold` or `reverse`, with reasons;
    /// a reversed record stops counting. The outcome is logged and the subject told.
    pub async fn review(
        &self,
        actor: &Actor,
        record_id: i64,
        outcome: &str,
        reason: &str,
    ) -> AppResult<Record> {
        may_manage(actor)?;
        let state = AppealState::decision(outcome)?;
        let reason = text("reason", "复核理由", reason, 500)?;
        let now = now_ms();
        let mut tx = self.app.store.begin().await?;
        let r = si::get_record(&mut tx, &actor.scope(), record_id).await?;
        let a = r
            .appeal
            .clone()
            .filter(|a| a.state == AppealState::Open)
            .ok_or_else(|| conflict("record", "该记录没有待复核的申诉"))?;
        di::may_review(r.recorded_by, actor.id())?;
        if !si::decide_appeal(
            &mut tx,
            a.id,
            state,
            actor.audit_id(),
            actor.name(),
            &reason,
            now,
        )
        .await?
        {
            return Err(conflict("record", "该申诉已复核"));
        }
        if state == AppealState::Reversed {
            si::set_record_state(&mut tx, r.id, RecordState::Reversed).await?;
        }
        let s = si::get_subject(&mut tx, &everywhere(), r.subject_id, "9999-12-31").await?;
        let entry = json!({
            "appeal_id": a.id,
            "record_id": r.id,
            "subject": self.public_subject_json(&s),
            "outcome": state.as_str(),
            "counts": state == AppealState::Upheld,
            "decided_at": now,
        });
        self.log(&mut tx, LogKind::IntegrityAppeal, a.id, &r.path, entry, now)
            .await?;
        audit::record(
            &mut tx,
            actor.audit(
                Action::Update,
                "integrity_appeal",
                Some(a.id),
                &r.path,
                format!(
                    "复核诚信记录 #{}：{}",
                    r.id,
                    if state == AppealState::Upheld {
                        "维持"
                    } else {
                        "撤销"
                    }
                ),
            ),
        )
        .await?;
        self.tell(
            &mut tx,
            &s,
            &format!(
                "申诉复核结果：{}（{}）",
                if state == AppealState::Upheld {
                    "维持原记录"
                } else {
                    "撤销记录"
                },
                r.item_title
            ),
            &reason,
            state.as_str(),
            now,
        )
        .await?;
        let r = si::get_record(&mut tx, &everywhere(), record_id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(r)
    }

    // -----------------------------------------------------------------------------------------
    // Agreements

    pub async fn create_agreement(
        &self,
        actor: &Actor,
        subject_id: i64,
        input: &AgreementInput,
    ) -> AppResult<Agreement> {
        may_record(actor)?;
        let title = text("title", "协议名称", &input.title, 60)?;
        let terms = text("terms", "协议条款", &input.terms, 4000)?;
        let signatories = text("signatories", "签约各方", &input.signatories, 200)?;
        let start = date_field("starts_on", &input.starts_on)?;
        let end = parse_date(input.ends_on.trim())
            .ok_or_else(|| AppError::invalid("ends_on", "日期格式应为 YYYY-MM-DD"))?;
        di::check_term(start, end)?;
        let mut tx = self.app.store.begin().await?;
        let s = si::get_subject(&mut tx, &actor.scope(), subject_id, "9999-12-31").await?;
        let id = si::insert_agreement(
            &mut tx,
            s.id,
            &s.path,
            &title,
            &terms,
            &signatories,
            &format_date(start),
            &format_date(end),
            actor.name(),
            now_ms(),
        )
        .await?;
        audit::record(
            &mut tx,
            actor.audit(
                Action::Create,
                "integrity_agreement",
                Some(id),
                &s.path,
                format!("签订诚信协议“{title}”"),
            ),
        )
        .await?;
        let g = si::get_agreement(&mut tx, &actor.scope(), id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(g)
    }

    // -----------------------------------------------------------------------------------------
    // Projects

    /// The community the caller belongs to (a resident), or their scope (staff).
    fn seen_scope(&self, actor: &Actor) -> Scope {
        if actor.user.role == Role::Resident {
            community_scope(&actor.scope().path).unwrap_or_else(|| actor.scope())
        } else {
            actor.scope()
        }
    }

    pub async fn create_project(&self, actor: &Actor, input: &ProjectInput) -> AppResult<Project> {
        may_manage(actor)?;
        let title = text("title", "项目名称", &input.title, 60)?;
        let description = text("description", "项目内容", &input.description, 1000)?;
        let schedule = text("schedule", "服务频次", &input.schedule, 60)?;
        let mut tx = self.app.store.begin().await?;
        let node = sr::get_node(&mut tx, &actor.scope(), input.node_id)
            .await
            .map_err(|_| AppError::invalid("node_id", "请选择您辖区内的社区"))?;
        if node.kind != NodeKind::Community {
            return Err(AppError::invalid("node_id", "项目由社区发布"));
        }
        let c = self.active(&mut tx).await?;
        let item = si::item_by_code(&mut tx, c.id, input.item_code.trim())
            .await
            .map_err(|_| AppError::invalid("item_code", "请从当前目录中选择加分项"))?;
        di::check_project_item(&item.item)?;
        let id = si::insert_project(
            &mut tx,
            node.id,
            &node.path,
            &title,
            &description,
            &schedule,
            item.id,
            actor.name(),
            now_ms(),
        )
        .await?;
        audit::record(
            &mut tx,
            actor.audit(
                Action::Create,
                "integrity_project",
                Some(id),
                &node.path,
                format!("发布认领项目“{title}”"),
            ),
        )
        .await?;
        let p = si::get_project(&mut tx, &actor.scope(), id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(p)
    }

    /// Projects of the caller's places (a resident: their community's).
    pub async fn projects(&self, actor: &Actor) -> AppResult<Vec<Project>> {
        let mut conn = self.app.store.acquire().await?;
        Ok(si::projects_in(&mut conn, &self.seen_scope(actor), LIST_LIMIT).await?)
    }

    pub async fn project(&self, actor: &Actor, id: i64) -> AppResult<ProjectView> {
        let mut conn = self.app.store.acquire().await?;
        let p = si::get_project(&mut conn, &self.seen_scope(actor), id).await?;
        let adoptions = si::adoptions_of_project(&mut conn, id).await?;
        let item = si::item(&mut conn, p.item_id).await?;
        let mut may_adopt = Vec::new();
        if actor.user.role == Role::Resident {
            for s in
                si::subjects_of_user(&mut conn, actor.id(), actor.user.resident_id, "9999-12-31")
                    .await?
            {
                let adopted = adoptions.iter().any(|a| a.subject_id == s.id);
                if !adopted && s.path.starts_with(&p.path) && item.item.applies_to(s.kind) {
                    may_adopt.push((s.id, s.name.clone()));
                }
            }
        }
        Ok(ProjectView {
            may_confirm: may_record(actor).is_ok(),
            project: p,
            adoptions,
            may_adopt,
        })
    }

    /// A subject adopts a project of its community: by who acts for it, or by staff.
    pub async fn adopt(
        &self,
        actor: &Actor,
        project_id: i64,
        subject_id: i64,
    ) -> AppResult<Adoption> {
        let mut tx = self.app.store.begin().await?;
        let p = si::get_project(&mut tx, &self.seen_scope(actor), project_id).await?;
        let s = if self.acts_for(&mut tx, actor, subject_id).await? {
            si::get_subject(&mut tx, &everywhere(), subject_id, "9999-12-31").await?
        } else {
            may_record(actor)?;
            si::get_subject(&mut tx, &actor.scope(), subject_id, "9999-12-31")
                .await
                .map_err(|_| AppError::invalid("subject_id", "请选择您辖区内的对象"))?
        };
        if !s.path.starts_with(&p.path) {
            return Err(AppError::invalid("subject_id", "只能认领本社区发布的项目"));
        }
        let item = si::item(&mut tx, p.item_id).await?;
        if !item.item.applies_to(s.kind) {
            return Err(AppError::invalid(
                "subject_id",
                format!("该项目不适用于{}", s.kind.label_zh()),
            ));
        }
        if si::adoption_of(&mut tx, p.id, s.id).await?.is_some() {
            return Err(conflict("subject_id", "已认领该项目"));
        }
        let id = si::insert_adoption(&mut tx, p.id, s.id, actor.name(), now_ms()).await?;
        audit::record(
            &mut tx,
            actor.audit(
                Action::Create,
                "integrity_adoption",
                Some(id),
                &s.path,
                format!("{}认领项目“{}”", s.name, p.title),
            ),
        )
        .await?;
        let a = si::get_adoption(&mut tx, id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(a)
    }

    /// An adoption the caller may act on: who acts for its subject, or staff of its place.
    async fn seen_adoption(
        &self,
        conn: &mut Conn,
        actor: &Actor,
        id: i64,
    ) -> AppResult<(Adoption, bool)> {
        let a = si::get_adoption(conn, id).await?;
        if self.acts_for(conn, actor, a.subject_id).await? {
            return Ok((a, true));
        }
        if actor.user.role == Role::Resident || !actor.scope().contains(&a.path) {
            return Err(AppError::NotFound);
        }
        Ok((a, false))
    }

    /// Report a delivery of an adopted project (who acts for the adopter, or staff).
    pub async fn report_delivery(
        &self,
        actor: &Actor,
        adoption_id: i64,
        delivered_on: &str,
        note: &str,
    ) -> AppResult<Delivery> {
        let on = date_field("delivered_on", delivered_on)?;
        di::check_occurred(on, today()).map_err(|e| AppError::invalid("delivered_on", e.reason))?;
        let note = text("note", "服务情况", note, 500)?;
        let mut tx = self.app.store.begin().await?;
        let (a, adopter) = self.seen_adoption(&mut tx, actor, adoption_id).await?;
        if !adopter {
            may_record(actor)?;
        }
        let id = si::insert_delivery(
            &mut tx,
            a.id,
            &format_date(on),
            &note,
            actor.name(),
            now_ms(),
        )
        .await?;
        audit::record(
            &mut tx,
            actor.audit(
                Action::Create,
                "integrity_delivery",
                Some(id),
                &a.path,
                format!("“{}”服务记录 {}", a.project_title, format_date(on)),
            ),
        )
        .await?;
        let d = si::get_delivery(&mut tx, id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(d)
    }

    /// Staff confirm a delivery: the project's plus item is recorded for the adopter.
    pub async fn confirm_delivery(&self, actor: &Actor, delivery_id: i64) -> AppResult<Record> {
        may_record(actor)?;
        let now = now_ms();
        let mut tx = self.app.store.begin().await?;
        let d = si::get_delivery(&mut tx, delivery_id).await?;
        let a = si::get_adoption(&mut tx, d.adoption_id).await?;
        let s = si::get_subject(&mut tx, &actor.scope(), a.subject_id, "9999-12-31").await?;
        if d.record_id.is_some() {
            return Err(conflict("delivery", "该服务已确认"));
        }
        let p = si::get_project(&mut tx, &everywhere(), a.project_id).await?;
        let item = si::item(&mut tx, p.item_id).await?;
        let on = parse_date(&d.delivered_on).unwrap_or_else(today);
        let note = format!("认领项目“{}”服务确认：{}", p.title, d.note);
        let note: String = note.chars().take(500).collect();
        let r = self
            .insert_record(
                &mut tx,
                actor,
                &s,
                &item,
                on,
                &note,
                None,
                Some(a.id),
                None,
                now,
            )
            .await?;
        if !si::confirm_delivery(&mut tx, d.id, r.id, actor.name(), now).await? {
            return Err(conflict("delivery", "该服务已确认"));
        }
        jingzhi_store::commit(tx).await?;
        Ok(r)
    }

    // -----------------------------------------------------------------------------------------
    // Rewards

    pub async fn create_reward(&self, actor: &Actor, input: &RewardInput) -> AppResult<Reward> {
        may_manage(actor)?;
        let title = text("title", "激励名称", &input.title, 60)?;
        let description = text("description", "激励内容", &input.description, 500)?;
        if !(0..=5).contains(&input.min_stars) {
            return Err(AppError::invalid("min_stars", "星级要求应为0至5"));
        }
        let mut tx = self.app.store.begin().await?;
        let node = sr::get_node(&mut tx, &actor.scope(), input.node_id)
            .await
            .map_err(|_| AppError::invalid("node_id", "请选择您辖区内的社区"))?;
        if node.kind != NodeKind::Community {
            return Err(AppError::invalid("node_id", "激励由社区设立"));
        }
        let id = si::insert_reward(
            &mut tx,
            node.id,
            &node.path,
            &title,
            &description,
            input.min_stars,
            actor.name(),
            now_ms(),
        )
        .await?;
        audit::record(
            &mut tx,
            actor.audit(
                Action::Create,
                "integrity_reward",
                Some(id),
                &node.path,
                format!("设立激励“{title}”"),
            ),
        )
        .await?;
        let w = si::get_reward(&mut tx, &actor.scope(), id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(w)
    }

    /// Rewards of the caller's places with who received them.
    pub async fn rewards(&self, actor: &Actor) -> AppResult<Vec<(Reward, Vec<Grant>)>> {
        may_read(actor)?;
        let mut conn = self.app.store.acquire().await?;
        let list = si::rewards_in(&mut conn, &actor.scope(), LIST_LIMIT).await?;
        let mut out = Vec::new();
        for w in list {
            let g = si::grants(&mut conn, Some(w.id), None).await?;
            out.push((w, g));
        }
        Ok(out)
    }

    /// Grant a reward to a subject of its community that has the stars it asks for.
    pub async fn grant(
        &self,
        actor: &Actor,
        reward_id: i64,
        subject_id: i64,
        granted_on: &str,
        note: &str,
    ) -> AppResult<Grant> {
        may_manage(actor)?;
        let on = date_field("granted_on", granted_on)?;
        let note = note.trim();
        jingzhi_domain::check_max_chars("note", "说明", note, 500)?;
        let mut tx = self.app.store.begin().await?;
        let w = si::get_reward(&mut tx, &actor.scope(), reward_id).await?;
        let s = si::get_subject(&mut tx, &actor.scope(), subject_id, &format_date(today()))
            .await
            .map_err(|_| AppError::invalid("subject_id", "请选择您辖区内的对象"))?;
        if !s.path.starts_with(&w.path) {
            return Err(AppError::invalid("subject_id", "只能授予本社区的对象"));
        }
        let rules = self.active(&mut tx).await?.rules;
        let stars = rules.stars_of(di::score(&rules, [s.points]));
        if (stars as i64) < w.min_stars {
            return Err(AppError::invalid(
                "subject_id",
                format!("该对象为{stars}星，此激励要求至少{}星", w.min_stars),
            ));
        }
        let id = si::insert_grant(
            &mut tx,
            w.id,
            s.id,
            &format_date(on),
            note,
            actor.name(),
            now_ms(),
        )
        .await?;
        audit::record(
            &mut tx,
            actor.audit(
                Action::Create,
                "integrity_grant",
                Some(id),
                &s.path,
                format!("授予“{}”：{}", w.title, s.name),
            ),
        )
        .await?;
        let g = si::grants(&mut tx, None, Some(s.id))
            .await?
            .into_iter()
            .find(|g| g.id == id)
            .ok_or(AppError::NotFound)?;
        jingzhi_store::commit(tx).await?;
        Ok(g)
    }

    // -----------------------------------------------------------------------------------------
    // Public

    /// A community's honour board (no login): its merchants with enough stars, best first.
    pub async fn honour_board(&self, node_id: i64) -> AppResult<HonourBoard> {
        let mut tx = self.app.store.begin().await?;
        let node = sr::get_node_unscoped(&mut tx, node_id).await?;
        if node.kind != NodeKind::Community {
            return Err(AppError::NotFound);
        }
        let rules = self.active(&mut tx).await?.rules;
        let list = si::merchants_of(&mut tx, &node.path, &format_date(today()), LIST_LIMIT).await?;
        jingzhi_store::commit(tx).await?;
        let merchants = list
            .into_iter()
            .map(|s| {
                let score = di::score(&rules, [s.points]);
                (s, score, rules.stars_of(score))
            })
            .filter(|(_, _, stars)| *stars >= di::HONOUR_STARS)
            .collect();
        Ok(HonourBoard {
            node_id: node.id,
            place: node.name,
            rules,
            merchants,
        })
    }

    /// A business's public page (no login): score, stars, every record with its log index.
    /// A resident's or worker's subject is not public (404).
    pub async fn public_subject(&self, id: i64) -> AppResult<SubjectView> {
        let mut tx = self.app.store.begin().await?;
        let s = si::get_subject(&mut tx, &everywhere(), id, &format_date(today())).await?;
        if !s.kind.public_name() {
            return Err(AppError::NotFound);
        }
        let rules = self.active(&mut tx).await?.rules;
        let mut records = si::records_of(&mut tx, s.id, LIST_LIMIT).await?;
        for r in &mut records {
            // Notes and appeal reasons stay with the subject and staff.
            r.note.clear();
            if let Some(a) = &mut r.appeal {
                a.reason.clear();
            }
        }
        let ids: Vec<i64> = records.iter().map(|r| r.id).collect();
        let appeal_ids: Vec<i64> = records
            .iter()
            .filter_map(|r| r.appeal.as_ref().map(|a| a.id))
            .collect();
        let log_index = st::indexes_of(&mut tx, LogKind::IntegrityRecord, &ids).await?;
        let appeal_index = st::indexes_of(&mut tx, LogKind::IntegrityAppeal, &appeal_ids).await?;
        let adoptions = si::adoptions_of_subject(&mut tx, s.id).await?;
        let grants = si::grants(&mut tx, None, Some(s.id)).await?;
        jingzhi_store::commit(tx).await?;
        let score = di::score(&rules, [s.points]);
        Ok(SubjectView {
            code: subject_code(self.app, &s),
            rules,
            score,
            stars: rules.stars_of(score),
            records,
            log_index,
            appeal_index,
            agreements: Vec::new(),
            adoptions,
            grants,
            operators: Vec::new(),
            may_record: false,
            acts_for: false,
            appeal_until: Vec::new(),
            subject: s,
        })
    }
}
