//! Exporting lists (residents, households, the audit log) to `.xlsx`, streaming: the store is
//! read in keyset pages of a few thousand rows and each page goes straight to a constant-memory
//! worksheet on a blocking thread ([`XlsxStream`]), so a city-wide export never holds the list in
//! memory. ID and phone numbers are written masked. A sheet holds at most [`SHEET_ROWS`] rows;
//! longer lists continue on further sheets. Every export is audited.

use crate::spreadsheet::{SheetSpec, Value, XlsxStream};
use crate::{Actor, App, AppResult};
use jingzhi_domain::audit::Action;
use jingzhi_domain::auth::Permission;
use jingzhi_domain::registry::{HouseholdFilter, ResidentFilter};
use jingzhi_store::registry as sr;
use jingzhi_store::{audit, import as si};
use std::path::Path;

/// Rows read from the database per page.
pub const PAGE: i64 = 5000;
pub use crate::spreadsheet::SHEET_ROWS;

/// A sheet of the export: shaded header, kept in view.
fn spec(name: &str, columns: &[(&str, f64)]) -> SheetSpec {
    SheetSpec::new(name, columns)
        .shaded_header()
        .freeze_header()
}

const RESIDENT_COLUMNS: &[(&str, f64)] = &[
    ("楼宇编码", 24.0),
    ("单元", 6.0),
    ("房号", 8.0),
    ("地址", 32.0),
    ("姓名", 10.0),
    ("身份证号", 21.0),
    ("性别", 6.0),
    ("出生日期", 12.0),
    ("联系电话", 14.0),
    ("与户主关系", 10.0),
    ("居住状态", 9.0),
    ("党员", 6.0),
    ("注册志愿者", 10.0),
    ("独居老人", 9.0),
    ("残疾等级", 9.0),
    ("低收入类别", 12.0),
    ("困境儿童", 9.0),
    ("家庭医生重点人群", 16.0),
];

fn resident_cells(r: si::ResidentRow) -> Vec<Value> {
    let t = &r.tags;
    vec![
        r.building_code.into(),
        r.unit
            .map(|u| Value::Number(u as f64))
            .unwrap_or(Value::Empty),
        r.room.into(),
        r.address.into(),
        r.name.into(),
        r.id_mask.into(),
        r.gender.label_zh().into(),
        r.birth_date.into(),
        r.phone_mask.into(),
        r.relationship.label_zh().into(),
        r.residence.label_zh().into(),
        Value::yes_no(t.party_member),
        Value::yes_no(t.volunteer),
        Value::yes_no(t.elderly_alone),
        t.disability_grade
            .map(|g| Value::Number(g as f64))
            .unwrap_or(Value::Empty),
        t.low_income
            .map(|l| l.label_zh().into())
            .unwrap_or(Value::Empty),
        Value::yes_no(t.child_in_difficulty),
        Value::yes_no(t.family_doctor_key),
    ]
}

const HOUSEHOLD_COLUMNS: &[(&str, f64)] = &[
    ("楼宇编码", 24.0),
    ("单元", 6.0),
    ("房号", 8.0),
    ("地址", 32.0),
    ("户主", 10.0),
    ("人数", 6.0),
];

const AUDIT_COLUMNS: &[(&str, f64)] = &[
    ("编号", 8.0),
    ("时间", 17.0),
    ("操作人", 12.0),
    ("操作", 10.0),
    ("对象", 10.0),
    ("对象编号", 9.0),
    ("摘要", 50.0),
    ("原因", 20.0),
    ("修改前", 40.0),
    ("修改后", 40.0),
];

/// Export: lists (residents, households, the audit log) to `.xlsx`. Reached as `app.export()`.
#[derive(Clone, Copy)]
pub struct Export<'a> {
    app: &'a App,
}

impl App {
    /// See [`Export`].
    pub fn export(&self) -> Export<'_> {
        Export { app: self }
    }
}

impl Export<'_> {
    async fn record(
        &self,
        actor: &Actor,
        entity: &str,
        path: &str,
        summary: String,
        after: serde_json::Value,
    ) -> AppResult<()> {
        let mut tx = self.app.store.begin().await?;
        audit::record(
            &mut tx,
            audit::Entry {
                actor_id: actor.audit_id(),
                actor_name: actor.name(),
                action: Action::Export,
                entity,
                entity_id: None,
                path,
                summary,
                before: None,
                after: Some(after),
                reason: None,
            },
        )
        .await?;
        jingzhi_store::commit(tx).await?;
        Ok(())
    }

    /// Write the residents in the actor's scope (optionally narrowed to node `under`, filtered)
    /// to an .xlsx file at `path`, streaming. IDs and phones masked. Returns rows written.
    /// Audited.
    pub async fn residents(
        &self,
        actor: &Actor,
        mut f: ResidentFilter,
        under: Option<i64>,
        path: &Path,
    ) -> AppResult<u64> {
        actor.require(Permission::ReadRegister)?;
        actor.require(Permission::ImportExport)?;
        let scope = actor.scope();
        let mut conn = self.app.store.acquire().await?;
        if let Some(id) = under {
            f.under = Some(sr::get_node(&mut conn, &scope, id).await?.path);
        }
        let out = XlsxStream::start(path, spec("居民", RESIDENT_COLUMNS));
        let mut after: Option<si::Cursor> = None;
        loop {
            let page = match si::residents_page(
                &mut conn,
                &self.app.store.cipher,
                &scope,
                &f,
                after.as_ref(),
                PAGE,
            )
            .await
            {
                Ok(p) => p,
                Err(e) => {
                    out.abort().await;
                    return Err(e.into());
                }
            };
            let done = (page.len() as i64) < PAGE;
            after = page.last().map(|r| (r.path.clone(), r.id));
            if !page.is_empty() {
                if let Err(e) = out
                    .send(page.into_iter().map(resident_cells).collect())
                    .await
                {
                    out.finish().await?;
                    return Err(e);
                }
            }
            if done {
                break;
            }
        }
        drop(conn);
        let n = out.finish().await?;
        let at = f.under.clone().unwrap_or_else(|| scope.path.clone());
        self.record(
            actor,
            "resident",
            &at,
            format!("导出居民名单 {n}行"),
            serde_json::json!({
                "rows": n, "under": under, "tag": f.tag, "gender": f.gender, "residence": f.residence,
                // The query may be an ID or phone number: keep only that there was one.
                "search": f.q.as_deref().is_some_and(|q| !q.trim().is_empty()),
            }),
        )
        .await?;
        Ok(n)
    }

    /// Write the households in the actor's scope (optionally narrowed to node `under`, address
    /// prefix in `f.q`) to an .xlsx file at `path`, streaming. Audited.
    pub async fn households(
        &self,
        actor: &Actor,
        mut f: HouseholdFilter,
        under: Option<i64>,
        path: &Path,
    ) -> AppResult<u64> {
        actor.require(Permission::ReadRegister)?;
        actor.require(Permission::ImportExport)?;
        let scope = actor.scope();
        let mut conn = self.app.store.acquire().await?;
        if let Some(id) = under {
            f.under = Some(sr::get_node(&mut conn, &scope, id).await?.path);
        }
        let out = XlsxStream::start(path, spec("住户", HOUSEHOLD_COLUMNS));
        let mut after: Option<si::Cursor> = None;
        loop {
            let page = match si::households_page(&mut conn, &scope, &f, after.as_ref(), PAGE).await
            {
                Ok(p) => p,
                Err(e) => {
                    out.abort().await;
                    return Err(e.into());
                }
            };
            let done = (page.len() as i64) < PAGE;
            after = page.last().map(|r| (r.path.clone(), r.id));
            let rows: Vec<Vec<Value>> = page
                .into_iter()
                .map(|h| {
                    vec![
                        h.building_code.into(),
                        h.unit
                            .map(|u| Value::Number(u as f64))
                            .unwrap_or(Value::Empty),
                        h.room.into(),
                        h.address.into(),
                        h.head_name.into(),
                        Value::Number(h.members as f64),
                    ]
                })
                .collect();
            if !rows.is_empty() {
                if let Err(e) = out.send(rows).await {
                    out.finish().await?;
                    return Err(e);
                }
            }
            if done {
                break;
            }
        }
        drop(conn);
        let n = out.finish().await?;
        let at = f.under.clone().unwrap_or_else(|| scope.path.clone());
        self.record(
            actor,
            "household",
            &at,
            format!("导出住户名单 {n}行"),
            serde_json::json!({"rows": n, "under": under, "search": f.q.as_deref().is_some_and(|q| !q.trim().is_empty())}),
        )
        .await?;
        Ok(n)
    }

    /// Write the audit log in the actor's scope (filtered), newest first, to an .xlsx file at
    /// `path`, streaming. The export is itself audited.
    pub async fn audit(
        &self,
        actor: &Actor,
        f: &jingzhi_domain::audit::Filter,
        path: &Path,
    ) -> AppResult<u64> {
        actor.require(Permission::ReadAudit)?;
        let scope = actor.scope();
        let mut conn = self.app.store.acquire().await?;
        let out = XlsxStream::start(path, spec("审计日志", AUDIT_COLUMNS));
        let mut before: Option<i64> = None;
        const AUDIT_PAGE: i64 = 500;
        loop {
            let page = match audit::list(&mut conn, &scope, f, before, AUDIT_PAGE).await {
                Ok(p) => p,
                Err(e) => {
                    out.abort().await;
                    return Err(e.into());
                }
            };
            let done = (page.len() as i64) < AUDIT_PAGE;
            before = page.last().map(|r| r.id);
            let rows: Vec<Vec<Value>> = page
                .into_iter()
                .map(|r| {
                    let action = Action::parse(&r.action)
                        .map(|a| a.label_zh().to_string())
                        .unwrap_or(r.action);
                    vec![
                        Value::Number(r.id as f64),
                        jingzhi_domain::time_fmt::format_ms(r.at).into(),
                        r.actor_name.into(),
                        action.into(),
                        r.entity.into(),
                        r.entity_id
                            .map(|i| Value::Number(i as f64))
                            .unwrap_or(Value::Empty),
                        r.summary.into(),
                        r.reason.into(),
                        r.before.map(|v| v.to_string()).into(),
                        r.after.map(|v| v.to_string()).into(),
                    ]
                })
                .collect();
            if !rows.is_empty() {
                if let Err(e) = out.send(rows).await {
                    out.finish().await?;
                    return Err(e);
                }
            }
            if done {
                break;
            }
        }
        drop(conn);
        let n = out.finish().await?;
        self.record(
            actor,
            "audit",
            &scope.path,
            format!("导出审计日志 {n}行"),
            serde_json::json!({
                "rows": n, "action": f.action, "entity": f.entity, "actor": f.actor,
                "from_ms": f.from_ms, "to_ms": f.to_ms,
            }),
        )
        .await?;
        Ok(n)
    }
}

/// The lists of participation a page offers as .xlsx (issue 11 §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParticipationList {
    Proposals,
    Meetings,
    Decisions,
    Votes,
    Councils,
}

impl ParticipationList {
    fn name(self) -> &'static str {
        match self {
            ParticipationList::Proposals => "居民小提案",
            ParticipationList::Meetings => "议事会议",
            ParticipationList::Decisions => "决定落实",
            ParticipationList::Votes => "居民表决",
            ParticipationList::Councils => "共治理事会",
        }
    }

    fn columns(self) -> &'static [(&'static str, f64)] {
        match self {
            ParticipationList::Proposals => &[
                ("编号", 8.0),
                ("标题", 36.0),
                ("涉及地点", 20.0),
                ("提案人", 10.0),
                ("状态", 12.0),
                ("附议", 8.0),
                ("答复期限", 17.0),
                ("社区答复", 40.0),
                ("提交时间", 17.0),
            ],
            ParticipationList::Meetings => &[
                ("编号", 8.0),
                ("会议类型", 12.0),
                ("会议名称", 36.0),
                ("时间", 17.0),
                ("地点", 24.0),
                ("所属", 16.0),
                ("召集人", 14.0),
                ("纪要", 12.0),
                ("纪要摘要值", 66.0),
            ],
            ParticipationList::Decisions => &[
                ("编号", 8.0),
                ("决定事项", 36.0),
                ("所属", 16.0),
                ("决定时间", 17.0),
                ("任务数", 8.0),
                ("已完成", 8.0),
                ("评议星级", 8.0),
                ("数据", 40.0),
            ],
            ParticipationList::Votes => &[
                ("编号", 8.0),
                ("表决事项", 40.0),
                ("所属", 16.0),
                ("计票单位", 10.0),
                ("开始", 17.0),
                ("结束", 17.0),
                ("状态", 8.0),
                ("应投", 8.0),
            ],
            ParticipationList::Councils => &[
                ("编号", 8.0),
                ("理事会", 30.0),
                ("所属", 16.0),
                ("成员", 8.0),
                ("轮值任期（天）", 12.0),
                ("议事事项", 10.0),
                ("已办结", 8.0),
                ("成立时间", 17.0),
            ],
        }
    }
}

impl Export<'_> {
    /// Write a participation list the caller sees on its page (the same rows: their scope, a
    /// resident's community) to an .xlsx file at `path`. Audited. Returns rows written.
    pub async fn participation(
        &self,
        actor: &Actor,
        list: ParticipationList,
        path: &Path,
    ) -> AppResult<u64> {
        use jingzhi_domain::time_fmt::format_ms;
        let p = self.app.participation();
        let num = |n: i64| Value::Number(n as f64);
        let rows: Vec<Vec<Value>> = match list {
            ParticipationList::Proposals => p
                .proposals(actor)
                .await?
                .into_iter()
                .map(|x| {
                    vec![
                        num(x.id),
                        x.title.into(),
                        x.node_name.into(),
                        x.author_name.into(),
                        x.phase.label_zh().into(),
                        num(x.supports),
                        x.answer_due.map(format_ms).into(),
                        x.answer.into(),
                        format_ms(x.created_at).into(),
                    ]
                })
                .collect(),
            ParticipationList::Meetings => {
                let now = jingzhi_domain::time_fmt::now_ms();
                p.meetings(actor)
                    .await?
                    .into_iter()
                    .map(|m| {
                        vec![
                            num(m.id),
                            m.kind.label_zh().into(),
                            m.title.clone().into(),
                            format_ms(m.held_at).into(),
                            m.venue.clone().into(),
                            m.node_name.clone().into(),
                            m.organiser_name.clone().into(),
                            m.minutes_state().phase(now).label_zh().into(),
                            m.minutes_hash.clone().into(),
                        ]
                    })
                    .collect()
            }
            ParticipationList::Decisions => p
                .decisions(actor)
                .await?
                .into_iter()
                .map(|d| {
                    let figures: Vec<String> = d
                        .figures
                        .iter()
                        .map(|f| format!("{} {}{}", f.label, f.value, f.unit))
                        .collect();
                    vec![
                        num(d.id),
                        d.title.into(),
                        d.node_name.into(),
                        format_ms(d.decided_at).into(),
                        num(d.tasks),
                        num(d.tasks_done),
                        d.rating.map(num).unwrap_or(Value::Empty),
                        figures.join("；").into(),
                    ]
                })
                .collect(),
            ParticipationList::Votes => {
                use jingzhi_domain::participation::votes::Phase;
                let now = jingzhi_domain::time_fmt::now_ms();
                p.votes(actor, None)
                    .await?
                    .into_iter()
                    .map(|v| {
                        let phase = match Phase::at(v.opens_at, v.closes_at, v.closed_at, now) {
                            Phase::Scheduled => "未开始",
                            Phase::Open => "进行中",
                            Phase::Closed => "已结束",
                        };
                        vec![
                            num(v.id),
                            v.question.into(),
                            v.node_name.into(),
                            v.unit.zh().into(),
                            format_ms(v.opens_at).into(),
                            format_ms(v.closed_at.unwrap_or(v.closes_at)).into(),
                            phase.into(),
                            v.eligible
                                .filter(|n| *n >= 0)
                                .map(num)
                                .unwrap_or(Value::Empty),
                        ]
                    })
                    .collect()
            }
            ParticipationList::Councils => p
                .councils(actor)
                .await?
                .into_iter()
                .map(|c| {
                    vec![
                        num(c.id),
                        c.name.into(),
                        c.node_name.into(),
                        num(c.members),
                        num(c.term_days),
                        num(c.matters),
                        num(c.settled),
                        format_ms(c.created_at).into(),
                    ]
                })
                .collect(),
        };
        self.write_whole(
            actor,
            "participation",
            list.name(),
            list.columns(),
            rows,
            path,
        )
        .await
    }

    /// Write a list already read whole to one sheet at `path`, then audit the export under
    /// `entity` with its row count. Returns rows written.
    async fn write_whole(
        &self,
        actor: &Actor,
        entity: &str,
        name: &str,
        columns: &[(&str, f64)],
        rows: Vec<Vec<Value>>,
        path: &Path,
    ) -> AppResult<u64> {
        let out = XlsxStream::start(path, spec(name, columns));
        if !rows.is_empty() {
            if let Err(e) = out.send(rows).await {
                out.finish().await?;
                return Err(e);
            }
        }
        let n = out.finish().await?;
        self.record(
            actor,
            entity,
            &actor.user.scope_path,
            format!("导出{name} {n}行"),
            serde_json::json!({"rows": n, "list": name}),
        )
        .await?;
        Ok(n)
    }
}

impl Export<'_> {
    /// Write a fund's ledger as the caller sees it (staff: settled entries; a resident: posted
    /// ones), newest first, to an .xlsx file at `path`. Audited. Returns rows written.
    pub async fn fund_ledger(&self, actor: &Actor, fund_id: i64, path: &Path) -> AppResult<u64> {
        use jingzhi_domain::funds::{category_label, format_yuan};
        use jingzhi_domain::time_fmt::format_ms;
        let f = self.app.funds();
        let first = f.view(actor, fund_id, 1).await?;
        let pages = (first.total + crate::funds::PAGE - 1) / crate::funds::PAGE;
        let columns: &[(&str, f64)] = &[
            ("编号", 8.0),
            ("日期", 12.0),
            ("科目", 14.0),
            ("金额（元）", 14.0),
            ("对本基金", 14.0),
            ("用途", 40.0),
            ("凭证号", 16.0),
            ("状态", 8.0),
            ("录入", 24.0),
            ("审批", 24.0),
        ];
        let out = XlsxStream::start(path, spec("收支明细", columns));
        let mut page = 1;
        let mut view = first;
        loop {
            let rows: Vec<Vec<Value>> = view
                .entries
                .iter()
                .map(|e| {
                    let d = view
                        .deltas
                        .iter()
                        .find(|(i, _)| *i == e.id)
                        .map(|(_, d)| *d);
                    vec![
                        Value::Number(e.id as f64),
                        e.occurred_on.clone().into(),
                        category_label(&e.category).into(),
                        format_yuan(e.amount_fen).into(),
                        d.map(format_yuan).into(),
                        e.purpose.clone().into(),
                        e.voucher_no.clone().into(),
                        match e.state {
                            jingzhi_domain::funds::State::Pending => "待审批",
                            jingzhi_domain::funds::State::Posted => "已入账",
                            jingzhi_domain::funds::State::Rejected => "已退回",
                        }
                        .into(),
                        format!("{} {}", format_ms(e.recorded_at), e.recorded_by_name).into(),
                        e.decided_at
                            .map(|t| {
                                format!(
                                    "{} {}",
                                    format_ms(t),
                                    e.decided_by_name.clone().unwrap_or_default()
                                )
                            })
                            .into(),
                    ]
                })
                .collect();
            if !rows.is_empty() {
                if let Err(e) = out.send(rows).await {
                    out.finish().await?;
                    return Err(e);
                }
            }
            page += 1;
            if page > pages {
                break;
            }
            view = f.view(actor, fund_id, page).await?;
        }
        let n = out.finish().await?;
        let fund_path = view.fund.path.clone();
        self.record(
            actor,
            "fund",
            &fund_path,
            format!("导出{}收支明细 {n}行", view.fund.name),
            serde_json::json!({"rows": n, "fund_id": fund_id}),
        )
        .await?;
        Ok(n)
    }
}

/// The care lists a page offers as .xlsx (issue 13 §5), with the filters of their pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CareList {
    /// Care records (关爱对象) as `/care/records` lists them: the open ones of the scope, of one
    /// kind if given. What a record holds that is sealed (its detail and plan) is not written.
    Records {
        kind: Option<jingzhi_domain::care::CareKind>,
    },
    /// Assistance cases (救助链) of the scope: of one state if given (else open and closed), of
    /// one colour if given. Assessments, help given and closing notes (sealed) are not written.
    Cases {
        state: Option<jingzhi_domain::care::CaseState>,
        colour: Option<jingzhi_domain::care::Colour>,
    },
}

const CARE_RECORD_COLUMNS: &[(&str, f64)] = &[
    ("编号", 8.0),
    ("姓名", 10.0),
    ("类别", 10.0),
    ("地址", 32.0),
    ("所在地", 24.0),
    ("责任人", 10.0),
    ("走访频次（天）", 12.0),
    ("上次走访", 17.0),
    ("下次走访", 17.0),
    ("逾期天数", 9.0),
    ("预警颜色", 9.0),
    ("开立日期", 12.0),
    ("状态", 8.0),
];

const CARE_CASE_COLUMNS: &[(&str, f64)] = &[
    ("编号", 8.0),
    ("户/地址", 32.0),
    ("户主", 10.0),
    ("所在地", 24.0),
    ("预警颜色", 9.0),
    ("状态", 8.0),
    ("开立时间", 17.0),
    ("期限", 17.0),
    ("是否逾期", 9.0),
    ("转介数", 8.0),
    ("结案时间", 17.0),
];

/// May export the care lists: the roles that read care ([`crate::care::reads`]) and export.
pub fn may_export_care(role: jingzhi_domain::auth::Role) -> bool {
    crate::care::reads(role) && role.can(Permission::ImportExport)
}

/// 所在地 of the buildings of an export (the community and grid above each, as far as the
/// caller's scope shows them), looked up once per place.
#[derive(Default)]
struct Places {
    known: std::collections::HashMap<String, String>,
}

impl Places {
    async fn of(
        &mut self,
        conn: &mut jingzhi_store::Conn,
        scope: &jingzhi_store::Scope,
        building_path: &str,
    ) -> AppResult<String> {
        use jingzhi_domain::registry::NodeKind;
        // The building's parent path: every building of a grid (or compound) shares it.
        let trimmed = building_path.trim_end_matches('/');
        let parent = &building_path[..trimmed.rfind('/').map_or(0, |i| i + 1)];
        if let Some(p) = self.known.get(parent) {
            return Ok(p.clone());
        }
        let names: Vec<String> = sr::ancestors(conn, scope, parent)
            .await?
            .into_iter()
            .filter(|n| matches!(n.kind, NodeKind::Community | NodeKind::Grid))
            .map(|n| n.name)
            .collect();
        let place = names.join(" · ");
        self.known.insert(parent.to_string(), place.clone());
        Ok(place)
    }
}

impl Export<'_> {
    /// Write a care list of the caller's scope to an .xlsx file at `path`, streaming in keyset
    /// pages (a city holds tens of thousands of records: the whole list, not the page's first
    /// rows), ordered by place. Only the roles that read care export it; a refusal is audited
    /// like a refused read, and the export itself is audited. Returns rows written.
    pub async fn care(&self, actor: &Actor, list: CareList, path: &Path) -> AppResult<u64> {
        use jingzhi_domain::care::{overdue_days, CaseState};
        use jingzhi_domain::time_fmt::{format_ms, now_ms};
        use jingzhi_store::care as sc;
        let entity = match list {
            CareList::Records { .. } => "care_record",
            CareList::Cases { .. } => "care_case",
        };
        self.app.care().must_read(actor, entity, None).await?;
        actor.require(Permission::ImportExport)?;
        let scope = actor.scope();
        let now = now_ms();
        let num = |n: i64| Value::Number(n as f64);
        let mut places = Places::default();
        let mut conn = self.app.store.acquire().await?;
        let (name, columns) = match list {
            CareList::Records { .. } => ("关爱对象", CARE_RECORD_COLUMNS),
            CareList::Cases { .. } => ("救助链", CARE_CASE_COLUMNS),
        };
        let out = XlsxStream::start(path, spec(name, columns));
        let mut after: Option<sc::Cursor> = None;
        loop {
            // One page, made rows (the place names looked up on the same connection).
            let page: AppResult<(Vec<Vec<Value>>, bool)> = async {
                let mut rows = Vec::new();
                let done;
                match list {
                    CareList::Records { kind } => {
                        let f = sc::RecordFilter {
                            kind,
                            ..Default::default()
                        };
                        let page =
                            sc::records_page(&mut conn, &scope, &f, after.as_ref(), PAGE).await?;
                        done = (page.len() as i64) < PAGE;
                        after = page.last().map(|r| (r.path.clone(), r.id));
                        for r in page {
                            let place = places.of(&mut conn, &scope, &r.path).await?;
                            let due = r.visit_due();
                            let opened = format_ms(r.opened_at);
                            rows.push(vec![
                                num(r.id),
                                r.resident_name.into(),
                                r.kind.label_zh().into(),
                                r.address.into(),
                                place.into(),
                                r.worker_name.into(),
                                num(r.visit_every_days),
                                r.last_visit_at.map(format_ms).into(),
                                format_ms(due).into(),
                                num(overdue_days(due, now)),
                                r.colour.map(|c| c.label_zh().to_string()).into(),
                                opened.get(..10).unwrap_or(&opened).to_string().into(),
                                if r.closed_at.is_some() {
                                    "已结束"
                                } else {
                                    "在管"
                                }
                                .into(),
                            ]);
                        }
                    }
                    CareList::Cases { state, colour } => {
                        let page =
                            sc::cases_page(&mut conn, &scope, state, colour, after.as_ref(), PAGE)
                                .await?;
                        done = (page.len() as i64) < PAGE;
                        after = page.last().map(|(k, _)| (k.path.clone(), k.id));
                        for (k, referrals) in page {
                            let place = places.of(&mut conn, &scope, &k.path).await?;
                            let overdue = k.state == CaseState::Open
                                && k.assessed_at.is_none()
                                && k.due_at < now;
                            rows.push(vec![
                                num(k.id),
                                k.address.into(),
                                k.head_name.into(),
                                place.into(),
                                k.colour.label_zh().into(),
                                k.state.label_zh().into(),
                                format_ms(k.opened_at).into(),
                                format_ms(k.due_at).into(),
                                Value::yes_no(overdue),
                                num(referrals),
                                k.closed_at.map(format_ms).into(),
                            ]);
                        }
                    }
                }
                Ok((rows, done))
            }
            .await;
            let (rows, done) = match page {
                Ok(p) => p,
                Err(e) => {
                    out.abort().await;
                    return Err(e);
                }
            };
            if !rows.is_empty() {
                if let Err(e) = out.send(rows).await {
                    out.finish().await?;
                    return Err(e);
                }
            }
            if done {
                break;
            }
        }
        drop(conn);
        let n = out.finish().await?;
        let (summary, after) = match list {
            CareList::Records { kind } => (
                format!("导出关爱对象名单 {n}行"),
                serde_json::json!({"rows": n, "list": name, "kind": kind.map(|k| k.as_str())}),
            ),
            CareList::Cases { state, colour } => (
                format!("导出救助台账 {n}件"),
                serde_json::json!({"rows": n, "list": name,
                    "state": state.map(|s| s.as_str()), "colour": colour.map(|c| c.as_str())}),
            ),
        };
        self.record(actor, entity, &scope.path, summary, after)
            .await?;
        Ok(n)
    }
}

/// The service lists of issue 13 a page offers as .xlsx: what the caller sees on the page (the
/// same scope and permissions), written whole. Audited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceList {
    /// Community activities that ended, latest first.
    Activities,
    /// The register of people who can be mobilised (phones masked).
    Forces,
    /// Legal-aid cases (no matter, no notes).
    LegalCases,
    /// Residents looking for work, and those placed or withdrawn.
    JobSeekers,
    /// Key-group residents without a live family-doctor contract (the work list).
    DoctorsUnsigned,
}

impl ServiceList {
    pub fn name(self) -> &'static str {
        match self {
            ServiceList::Activities => "社区活动",
            ServiceList::Forces => "可动员力量库",
            ServiceList::LegalCases => "法律援助",
            ServiceList::JobSeekers => "求职居民",
            ServiceList::DoctorsUnsigned => "未签约重点人群",
        }
    }

    fn columns(self) -> &'static [(&'static str, f64)] {
        match self {
            ServiceList::Activities => &[
                ("编号", 8.0),
                ("活动名称", 30.0),
                ("类别", 10.0),
                ("面向", 16.0),
                ("地点", 20.0),
                ("开始", 17.0),
                ("名额", 8.0),
                ("报名", 8.0),
                ("出席", 8.0),
                ("状态", 8.0),
            ],
            ServiceList::Forces => &[
                ("编号", 8.0),
                ("姓名", 10.0),
                ("类别", 14.0),
                ("服务地", 18.0),
                ("所在单位", 24.0),
                ("技能", 30.0),
                ("可联系时间", 12.0),
                ("联系电话", 14.0),
            ],
            ServiceList::LegalCases => &[
                ("编号", 8.0),
                ("当事人", 10.0),
                ("地址", 30.0),
                ("类别", 12.0),
                ("来源", 10.0),
                ("承办律师", 12.0),
                ("办理进度", 14.0),
                ("办理结果", 12.0),
                ("受理时间", 17.0),
                ("办结时间", 17.0),
            ],
            ServiceList::JobSeekers => &[
                ("编号", 8.0),
                ("姓名", 10.0),
                ("地址", 30.0),
                ("工种", 12.0),
                ("状态", 10.0),
                ("备注", 30.0),
                ("登记时间", 17.0),
                ("结束时间", 17.0),
            ],
            ServiceList::DoctorsUnsigned => &[
                ("居民编号", 10.0),
                ("姓名", 10.0),
                ("性别", 6.0),
                ("出生日期", 12.0),
                ("残疾等级", 8.0),
                ("地址", 32.0),
            ],
        }
    }
}

impl Export<'_> {
    /// Write a service list the caller sees on its page to an .xlsx file at `path` (the lists'
    /// own reads check who may see them; a legal-aid list read is audited by legal aid too).
    /// Audited. Returns rows written.
    pub async fn services(&self, actor: &Actor, list: ServiceList, path: &Path) -> AppResult<u64> {
        use jingzhi_domain::time_fmt::format_ms;
        let num = |n: i64| Value::Number(n as f64);
        let rows: Vec<Vec<Value>> = match list {
            ServiceList::Activities => {
                let now = jingzhi_domain::time_fmt::now_ms();
                self.app
                    .activities()
                    .list(actor, true)
                    .await?
                    .0
                    .into_iter()
                    .map(|a| {
                        let phase = jingzhi_domain::activities::Phase::at(
                            a.starts_at,
                            a.ends_at,
                            a.cancelled_at.is_some(),
                            now,
                        );
                        vec![
                            num(a.id),
                            a.title.into(),
                            a.category.label_zh().into(),
                            a.node_name.into(),
                            a.venue.into(),
                            format_ms(a.starts_at).into(),
                            a.capacity.map(num).unwrap_or(Value::Empty),
                            num(a.signed),
                            num(a.attended),
                            phase.label_zh().into(),
                        ]
                    })
                    .collect()
            }
            ServiceList::Forces => self
                .app
                .forces()
                .list(actor, &Default::default())
                .await?
                .into_iter()
                .map(|m| {
                    let skills: Vec<&str> = m.skills.iter().map(|s| s.label_zh()).collect();
                    vec![
                        num(m.id),
                        m.name.into(),
                        m.kind.label_zh().into(),
                        m.place.into(),
                        m.organisation.into(),
                        skills.join("、").into(),
                        m.availability.label_zh().into(),
                        m.phone_mask.into(),
                    ]
                })
                .collect(),
            ServiceList::LegalCases => self
                .app
                .legal()
                .cases(actor, false)
                .await?
                .into_iter()
                .map(|c| {
                    vec![
                        num(c.id),
                        c.resident_name.into(),
                        c.address.into(),
                        c.matter.label_zh().into(),
                        c.channel.label_zh().into(),
                        c.lawyer_name.into(),
                        c.state.label_zh().into(),
                        c.outcome.map(|o| o.label_zh().to_string()).into(),
                        format_ms(c.opened_at).into(),
                        c.closed_at.map(format_ms).into(),
                    ]
                })
                .collect(),
            ServiceList::JobSeekers => self
                .app
                .jobs()
                .seekers(actor, None)
                .await?
                .into_iter()
                .map(|s| {
                    vec![
                        num(s.id),
                        s.name.into(),
                        s.address.into(),
                        s.work.label_zh().into(),
                        s.state.label_zh().into(),
                        s.note.into(),
                        format_ms(s.registered_at).into(),
                        s.ended_at.map(format_ms).into(),
                    ]
                })
                .collect(),
            ServiceList::DoctorsUnsigned => {
                // The whole work list, a page at a time (each page's read is audited).
                let d = self.app.doctors();
                let mut all = Vec::new();
                loop {
                    let page = d.unsigned(actor, all.len() as i64).await?;
                    let last = (page.len() as i64) < crate::doctors::LIST_LIMIT;
                    all.extend(page.into_iter().map(|u| {
                        vec![
                            num(u.resident_id),
                            u.name.into(),
                            u.gender.into(),
                            u.birth_date.into(),
                            u.disability_grade.into(),
                            u.address.into(),
                        ]
                    }));
                    if last {
                        break;
                    }
                }
                all
            }
        };
        self.write_whole(actor, "services", list.name(), list.columns(), rows, path)
            .await
    }
}
