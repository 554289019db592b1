//! Open community funds (issue 12 §2; docs/funds.md): a fund per community, a double-entry
//! ledger in fen, the recorder never approving their own spending, a decision behind every large
//! spending, corrections as reversals, every posting in the public transparency log, and a public
//! page with no personal data.

use crate::participation::{community_scope, text};
use crate::{Actor, App, AppError, AppResult};
use jingzhi_domain::audit::Action;
use jingzhi_domain::auth::Role;
use jingzhi_domain::events::attachment::sniff;
use jingzhi_domain::funds::{
    self as df, check_amount, check_category, lines, may_approve, needs_decision, outflow,
    EntryKind, FundKind, Movement, State,
};
use jingzhi_domain::registry::NodeKind;
use jingzhi_domain::time_fmt::{format_date, now_ms, parse_date, today};
use jingzhi_domain::transparency::{entry_bytes, EntryKind as LogKind};
use jingzhi_store::funds::{self as sf, NewEntry, NewFund};
use jingzhi_store::participation::decisions as sd;
use jingzhi_store::registry as sr;
use jingzhi_store::transparency as st;
use jingzhi_store::{audit, Conn};
use serde_json::json;
use sha2::{Digest, Sha256};

pub use jingzhi_store::funds::{Fund, FundEntry};

/// A fund's default approval threshold: 5,000 yuan.
pub const DEFAULT_THRESHOLD_FEN: i64 = 500_000;

/// Entries on one page of a fund's ledger.
pub const PAGE: i64 = 50;

#[derive(Debug, Clone, Default)]
pub struct FundInput {
    pub node_id: i64,
    pub name: String,
    pub kind: String,
    pub threshold_fen: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct EntryInput {
    pub kind: String,
    pub category: String,
    pub amount_fen: i64,
    pub counter_fund_id: Option<i64>,
    pub purpose: String,
    pub voucher_no: String,
    /// yyyy-mm-dd; today when empty.
    pub occurred_on: String,
    pub household_id: Option<i64>,
    pub decision_id: Option<i64>,
    pub related_id: Option<i64>,
    /// The voucher's photo, kept with the entry (before an income posts, so its digest is in
    /// the log entry).
    pub voucher: Option<Vec<u8>>,
}

/// A fund with what its staff page shows.
#[derive(Debug, Clone)]
pub struct FundView {
    pub fund: Fund,
    pub pending: Vec<FundEntry>,
    pub entries: Vec<FundEntry>,
    pub total: i64,
    pub monthly: Vec<(String, i64, i64)>,
    pub may_record: bool,
    /// Where each posted entry sits in the transparency log.
    pub log_index: Vec<(i64, u64)>,
    /// What each posted entry did to the balance.
    pub deltas: Vec<(i64, i64)>,
}

/// A posted entry as the public sees it: no names, a subsidised household only by its building
/// and its public code.
#[derive(Debug, Clone)]
pub struct PublicEntry {
    pub id: i64,
    pub kind: EntryKind,
    pub category: String,
    /// Signed: what this entry did to the fund's balance.
    pub delta_fen: i64,
    pub purpose: String,
    pub voucher_no: String,
    pub has_voucher: bool,
    pub occurred_on: String,
    pub household: Option<String>,
    pub reverses_id: Option<i64>,
    pub reversed_by: Option<i64>,
    pub log_index: Option<u64>,
}

#[derive(Debug, Clone)]
pub struct PublicFund {
    pub id: i64,
    pub name: String,
    pub place: String,
    pub kind: FundKind,
    pub balance_fen: i64,
    pub monthly: Vec<(String, i64, i64)>,
    pub entries: Vec<PublicEntry>,
    pub total: i64,
}

/// What the record form offers to pick: the community's households (a fee subsidy), its
/// decisions (a large spending), the other funds in scope (a transfer).
#[derive(Debug, Clone, Default)]
pub struct EntryChoices {
    pub households: Vec<(i64, String)>,
    pub decisions: Vec<(i64, String)>,
    pub funds: Vec<(i64, String)>,
}

pub struct Funds<'a> {
    app: &'a App,
}

impl App {
    pub fn funds(&self) -> Funds<'_> {
        Funds { app: self }
    }
}

/// Managers (community worker and above) keep a place's money: funds, parking contracts, rent.
pub(crate) fn may_keep(actor: &Actor) -> AppResult<()> {
    if actor.user.role.is_manager() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

fn conflict(field: &str, reason: &str) -> AppError {
    AppError::Conflict {
        field: field.into(),
        reason: reason.into(),
    }
}

/// The public code of a household: what its own page shows and a subsidy names it by.
pub fn household_code(app: &App, household_id: i64) -> String {
    let h = app
        .store
        .cipher
        .lookup_hash(&format!("household public code {household_id}"));
    format!("H{}", h[..6].to_uppercase())
}

/// A subsidised household as the public sees it: its building and public code.
pub fn household_label(app: &App, e: &FundEntry) -> Option<String> {
    e.household_id.map(|h| {
        format!(
            "{} · {}",
            e.building_name.as_deref().unwrap_or_default(),
            household_code(app, h)
        )
    })
}

/// A voucher's bytes checked (size, and a photo by its bytes): its content type.
fn check_voucher(app: &App, bytes: &[u8]) -> AppResult<&'static str> {
    if bytes.len() > app.settings.attachments.max_bytes {
        return Err(AppError::invalid("voucher", "凭证图片不能超过 5 MB"));
    }
    sniff(bytes)
        .map(|i| i.kind.content_type())
        .ok_or_else(|| AppError::invalid("voucher", "凭证应为 JPEG、PNG 或 WebP 图片"))
}

/// Keep a voucher (once) with its audit record, in the caller's transaction.
async fn keep_voucher(
    tx: &mut Conn,
    actor: &Actor,
    e: &FundEntry,
    content_type: &str,
    bytes: &[u8],
) -> AppResult<()> {
    if sf::voucher_sha256(tx, e.id).await?.is_some() {
        return Err(conflict("voucher", "凭证已上传，不能替换"));
    }
    let sha = hex::encode(Sha256::digest(bytes));
    sf::put_voucher(tx, e.id, content_type, &sha, bytes, now_ms()).await?;
    audit::record(
        tx,
        actor.audit(
            Action::Update,
            "fund_entry",
            Some(e.id),
            &e.path,
            format!("上传凭证（SHA-256 {}）", &sha[..12]),
        ),
    )
    .await?;
    Ok(())
}

impl Funds<'_> {
    /// Open a fund for a community (its staff, or staff above it).
    pub async fn create(&self, actor: &Actor, input: &FundInput) -> AppResult<Fund> {
        may_keep(actor)?;
        let kind = FundKind::parse(&input.kind)?;
        let name = text("name", "基金名称", &input.name, 60)?;
        let threshold = match input.threshold_fen {
            None => DEFAULT_THRESHOLD_FEN,
            Some(t) if t >= 0 && t <= df::MAX_FEN => t,
            Some(_) => {
                return Err(AppError::invalid(
                    "threshold_fen",
                    "审批额度应为不小于零的金额（分）",
                ))
            }
        };
        let mut tx = self.app.store.begin().await?;
        let node = sr::get_node(&mut tx, &actor.scope(), input.node_id)
            .await
            .map_err(|_| AppError::invalid("node_id", "请选择您辖区内的社区"))?;
        if node.kind != NodeKind::Community {
            return Err(AppError::invalid("node_id", "基金设在社区"));
        }
        let id = sf::insert_fund(
            &mut tx,
            &NewFund {
                node_id: node.id,
                path: &node.path,
                name: &name,
                kind,
                threshold_fen: threshold,
                created_by_name: actor.name(),
                now: now_ms(),
            },
        )
        .await?;
        audit::record(
            &mut tx,
            actor.audit(
                Action::Create,
                "fund",
                Some(id),
                &node.path,
                format!("设立基金：{}（{}）", name, node.name),
            ),
        )
        .await?;
        let f = sf::get_fund(&mut tx, &actor.scope(), id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(f)
    }

    /// The communities a manager may open a fund for.
    pub async fn places(&self, actor: &Actor) -> AppResult<Vec<crate::registry::Node>> {
        may_keep(actor)?;
        let scope = actor.scope();
        let mut conn = self.app.store.acquire().await?;
        Ok(sr::nodes_under(&mut conn, &scope, &scope.path, &[NodeKind::Community], 2000).await?)
    }

    /// The lists of the record form of a fund.
    pub async fn choices(&self, actor: &Actor, fund: &Fund) -> AppResult<EntryChoices> {
        may_keep(actor)?;
        let community = community_scope(&fund.path).ok_or(AppError::NotFound)?;
        let mut conn = self.app.store.acquire().await?;
        let households = sr::list_households(
            &mut conn,
            &community,
            &jingzhi_domain::registry::HouseholdFilter::default(),
            1,
            5000,
        )
        .await?
        .items
        .into_iter()
        .map(|h| (h.id, h.address))
        .collect();
        let decisions = sd::list(&mut conn, &community, &community.path, 200)
            .await?
            .into_iter()
            .map(|d| (d.id, d.title))
            .collect();
        let funds = sf::list_funds(&mut conn, &actor.scope(), 500)
            .await?
            .into_iter()
            .filter(|f| f.id != fund.id)
            .map(|f| (f.id, format!("{} · {}", f.node_name, f.name)))
            .collect();
        Ok(EntryChoices {
            households,
            decisions,
            funds,
        })
    }

    /// Funds of the caller's places (a resident: their community's).
    pub async fn list(&self, actor: &Actor) -> AppResult<Vec<Fund>> {
        let mut conn = self.app.store.acquire().await?;
        Ok(sf::list_funds(&mut conn, &self.read_scope(actor), 500).await?)
    }

    /// Residents read their community's funds; staff their scope.
    fn read_scope(&self, actor: &Actor) -> jingzhi_domain::scope::Scope {
        let s = actor.scope();
        if actor.user.role == Role::Resident {
            community_scope(&s.path).unwrap_or(s)
        } else {
            s
        }
    }

    pub async fn view(&self, actor: &Actor, id: i64, page: i64) -> AppResult<FundView> {
        let mut conn = self.app.store.acquire().await?;
        let fund = sf::get_fund(&mut conn, &self.read_scope(actor), id).await?;
        let staff = actor.user.role.is_manager();
        let pending = if staff {
            sf::entries(&mut conn, id, &[State::Pending], 200, 0).await?
        } else {
            Vec::new()
        };
        let settled = [State::Posted, State::Rejected];
        let posted = [State::Posted];
        let states: &[State] = if staff { &settled } else { &posted };
        let offset = (page.max(1) - 1) * PAGE;
        let entries = sf::entries(&mut conn, id, states, PAGE, offset).await?;
        let total = sf::count_entries(&mut conn, id, states).await?;
        let monthly = sf::monthly(&mut conn, id).await?;
        let ids: Vec<i64> = entries.iter().map(|e| e.id).collect();
        let log_index = self.log_indexes(&mut conn, &ids).await?;
        let deltas = sf::deltas(&mut conn, id, &ids).await?;
        Ok(FundView {
            fund,
            pending,
            entries,
            total,
            monthly,
            may_record: staff,
            log_index,
            deltas,
        })
    }

    async fn log_indexes(&self, conn: &mut Conn, ids: &[i64]) -> AppResult<Vec<(i64, u64)>> {
        Ok(st::indexes_of(conn, LogKind::FundEntry, ids).await?)
    }

    pub async fn entry(&self, actor: &Actor, id: i64) -> AppResult<FundEntry> {
        may_keep(actor)?;
        let mut conn = self.app.store.acquire().await?;
        Ok(sf::get_entry(&mut conn, &actor.scope(), id).await?)
    }

    pub async fn record(
        &self,
        actor: &Actor,
        fund_id: i64,
        input: &EntryInput,
    ) -> AppResult<FundEntry> {
        self.record_at(actor, fund_id, input, now_ms()).await
    }

    /// Record an entry. An income posts at once; a spending or a transfer waits for a second
    /// person. Every wrong field is named.
    pub async fn record_at(
        &self,
        actor: &Actor,
        fund_id: i64,
        input: &EntryInput,
        now: i64,
    ) -> AppResult<FundEntry> {
        let mut tx = self.app.store.begin().await?;
        let e = self.record_in(&mut tx, actor, fund_id, input, now).await?;
        jingzhi_store::commit(tx).await?;
        Ok(e)
    }

    /// Record an entry in the caller's transaction (a parking payment records its rent with
    /// the payment, so that neither is kept without the other).
    pub(crate) async fn record_in(
        &self,
        tx: &mut Conn,
        actor: &Actor,
        fund_id: i64,
        input: &EntryInput,
        now: i64,
    ) -> AppResult<FundEntry> {
        may_keep(actor)?;
        let kind = EntryKind::parse(&input.kind)?;
        if kind == EntryKind::Reversal {
            return Err(AppError::invalid("kind", "冲正请在要冲正的记录上操作"));
        }
        let mut errors = Vec::new();
        let mut keep = |r: Result<(), jingzhi_domain::FieldError>| {
            if let Err(e) = r {
                errors.push(e);
            }
        };
        let category = match check_category(kind, &input.category) {
            Ok(c) => c,
            Err(e) => {
                keep(Err(e));
                ""
            }
        };
        keep(check_amount("amount_fen", input.amount_fen).map(|_| ()));
        let purpose = input.purpose.trim().to_string();
        if purpose.is_empty() {
            keep(Err(jingzhi_domain::FieldError::new(
                "purpose",
                "请填写用途",
            )));
        } else {
            keep(jingzhi_domain::check_max_chars(
                "purpose", "用途", &purpose, 200,
            ));
        }
        let voucher_no = input.voucher_no.trim().to_string();
        if voucher_no.is_empty() {
            keep(Err(jingzhi_domain::FieldError::new(
                "voucher_no",
                "请填写凭证号",
            )));
        } else {
            keep(jingzhi_domain::check_max_chars(
                "voucher_no",
                "凭证号",
                &voucher_no,
                60,
            ));
        }
        let occurred = if input.occurred_on.trim().is_empty() {
            Some(today())
        } else {
            parse_date(&input.occurred_on)
        };
        if occurred.is_none() {
            keep(Err(jingzhi_domain::FieldError::new(
                "occurred_on",
                "日期格式应为 2026-12-04",
            )));
        }
        if category == "fee_subsidy" && input.household_id.is_none() {
            keep(Err(jingzhi_domain::FieldError::new(
                "household_id",
                "物业费补贴请选择受补贴的住户",
            )));
        }
        if kind == EntryKind::Transfer && input.counter_fund_id.is_none() {
            keep(Err(jingzhi_domain::FieldError::new(
                "counter_fund_id",
                "请选择转入的基金",
            )));
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let occurred_on = format_date(occurred.expect("checked"));
        let voucher = match &input.voucher {
            Some(b) => Some((check_voucher(self.app, b)?, b.as_slice())),
            None => None,
        };

        let fund = sf::get_fund(tx, &actor.scope(), fund_id).await?;
        let community = community_scope(&fund.path).ok_or(AppError::NotFound)?;
        let counter = match (kind, input.counter_fund_id) {
            (EntryKind::Transfer, Some(c)) => {
                if c == fund.id {
                    return Err(AppError::invalid("counter_fund_id", "不能转入同一个基金"));
                }
                let other = sf::get_fund(tx, &actor.scope(), c)
                    .await
                    .map_err(|_| AppError::invalid("counter_fund_id", "请选择您辖区内的基金"))?;
                Some(other.id)
            }
            _ => None,
        };
        let household_id = match (category, input.household_id) {
            ("fee_subsidy", Some(h)) => Some(
                sr::get_household(tx, &community, h)
                    .await
                    .map_err(|_| AppError::invalid("household_id", "请选择本社区的住户"))?
                    .id,
            ),
            (_, Some(_)) => {
                return Err(AppError::invalid(
                    "household_id",
                    "只有物业费补贴记录受补贴住户",
                ))
            }
            _ => None,
        };
        if needs_decision(kind, input.amount_fen, fund.threshold_fen) && input.decision_id.is_none()
        {
            return Err(AppError::invalid(
                "decision_id",
                format!(
                    "超过 {} 元的支出须关联理事会或议事会的决定",
                    df::format_yuan(fund.threshold_fen)
                ),
            ));
        }
        let decision_id = match input.decision_id {
            Some(d) => Some(
                sd::get(tx, &community, d)
                    .await
                    .map_err(|_| AppError::invalid("decision_id", "请选择本社区的决定"))?
                    .id,
            ),
            None => None,
        };
        let related_id = match input.related_id {
            Some(r) if category == "refund" => {
                let s = sf::get_entry(tx, &actor.scope(), r)
                    .await
                    .map_err(|_| AppError::invalid("related_id", "请选择本基金的一笔支出"))?;
                if s.fund_id != fund.id || s.kind != EntryKind::Spending || s.state != State::Posted
                {
                    return Err(AppError::invalid(
                        "related_id",
                        "退款应对应本基金一笔已入账的支出",
                    ));
                }
                Some(s.id)
            }
            Some(_) => return Err(AppError::invalid("related_id", "只有退款关联原支出")),
            None => None,
        };
        let id = sf::insert_entry(
            tx,
            &NewEntry {
                fund_id: fund.id,
                path: &fund.path,
                kind,
                category,
                amount_fen: input.amount_fen,
                counter_fund_id: counter,
                purpose: &purpose,
                voucher_no: &voucher_no,
                occurred_on: &occurred_on,
                household_id,
                decision_id,
                reverses_id: None,
                related_id,
                recorded_by: actor.audit_id(),
                recorded_by_name: actor.name(),
                now,
            },
        )
        .await?;
        audit::record(
            tx,
            actor.audit(
                Action::Create,
                "fund_entry",
                Some(id),
                &fund.path,
                format!(
                    "{}录入{}：{} 元，{}",
                    fund.name,
                    df::category_label(category),
                    df::format_yuan(input.amount_fen),
                    purpose
                ),
            ),
        )
        .await?;
        if let Some((content_type, bytes)) = voucher {
            let e = sf::get_entry(tx, &actor.scope(), id).await?;
            keep_voucher(tx, actor, &e, content_type, bytes).await?;
        }
        if !kind.needs_approval() {
            self.post(tx, actor, &fund, id, now).await?;
        }
        Ok(sf::get_entry(tx, &actor.scope(), id).await?)
    }

    /// Post an entry: its lines, its state, its place in the public log. The caller checked who.
    async fn post(
        &self,
        tx: &mut Conn,
        actor: &Actor,
        fund: &Fund,
        id: i64,
        now: i64,
    ) -> AppResult<()> {
        let e = sf::get_entry(tx, &jingzhi_domain::scope::Scope::new(0, "/"), id).await?;
        let reversed = match e.reverses_id {
            Some(r) => sf::lines_of(tx, r).await?,
            None => Vec::new(),
        };
        let l = lines(
            &Movement {
                kind: e.kind,
                fund_id: e.fund_id,
                category: &e.category,
                amount_fen: e.amount_fen,
                counter_fund_id: e.counter_fund_id,
            },
            &reversed,
        );
        let out = outflow(&l, e.fund_id);
        if out > 0 {
            let balance = sf::balance(tx, e.fund_id).await?;
            if balance < out {
                return Err(conflict(
                    "amount_fen",
                    &format!("基金余额不足（现有 {} 元）", df::format_yuan(balance)),
                ));
            }
        }
        if !sf::decide(
            tx,
            id,
            State::Posted,
            actor.audit_id(),
            actor.name(),
            now,
            None,
        )
        .await?
        {
            return Err(conflict("entry", "这条记录已处理"));
        }
        let month = jingzhi_domain::time_fmt::format_ms(now)[..7].to_string();
        sf::post_lines(tx, id, &l, &month, now).await?;
        let voucher = sf::voucher_sha256(tx, id).await?;
        let household = household_label(self.app, &e);
        let record = json!({
            "entry_id": e.id,
            "fund_id": fund.id,
            "fund": fund.name,
            "node_id": fund.node_id,
            "place": fund.node_name,
            "kind": e.kind.as_str(),
            "category": e.category,
            "amount_fen": e.amount_fen,
            "lines": l.iter().map(|(a, x)| json!([a.code(), x])).collect::<Vec<_>>(),
            "purpose": e.purpose,
            "voucher_no": e.voucher_no,
            "voucher_sha256": voucher,
            "occurred_on": e.occurred_on,
            "household": household,
            "decision_id": e.decision_id,
            "reverses_id": e.reverses_id,
            "related_id": e.related_id,
            "posted_at": now,
        });
        let bytes = entry_bytes(LogKind::FundEntry, record)
            .map_err(|x| AppError::Internal(x.to_string()))?;
        st::append(
            tx,
            &[st::NewEntry {
                kind: LogKind::FundEntry,
                subject_id: e.id,
                path: fund.path.clone(),
                entry: bytes,
            }],
            now,
        )
        .await?;
        audit::record(
            tx,
            actor.audit(
                Action::Update,
                "fund_entry",
                Some(id),
                &fund.path,
                format!("{}入账：{} 元", fund.name, df::format_yuan(e.amount_fen)),
            ),
        )
        .await?;
        Ok(())
    }

    pub async fn approve(&self, actor: &Actor, id: i64) -> AppResult<FundEntry> {
        self.approve_at(actor, id, now_ms()).await
    }

    /// A second person approves a pending spending, transfer or reversal: it posts.
    pub async fn approve_at(&self, actor: &Actor, id: i64, now: i64) -> AppResult<FundEntry> {
        may_keep(actor)?;
        let mut tx = self.app.store.begin().await?;
        let e = sf::get_entry(&mut tx, &actor.scope(), id).await?;
        if e.state != State::Pending {
            return Err(conflict("entry", "这条记录已处理"));
        }
        may_approve(e.recorded_by, actor.id())?;
        let fund = sf::get_fund(&mut tx, &actor.scope(), e.fund_id).await?;
        if needs_decision(e.kind, e.amount_fen, fund.threshold_fen) && e.decision_id.is_none() {
            return Err(AppError::invalid(
                "decision_id",
                "超过审批额度的支出须关联理事会或议事会的决定",
            ));
        }
        self.post(&mut tx, actor, &fund, e.id, now).await?;
        let e = sf::get_entry(&mut tx, &actor.scope(), id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(e)
    }

    /// Refuse a pending entry, with the reason (it stays on the staff page, never posted).
    pub async fn reject(&self, actor: &Actor, id: i64, reason: &str) -> AppResult<FundEntry> {
        may_keep(actor)?;
        let reason = text("reason", "退回理由", reason, 200)?;
        let mut tx = self.app.store.begin().await?;
        let e = sf::get_entry(&mut tx, &actor.scope(), id).await?;
        if !sf::decide(
            &mut tx,
            id,
            State::Rejected,
            actor.audit_id(),
            actor.name(),
            now_ms(),
            Some(&reason),
        )
        .await?
        {
            return Err(conflict("entry", "这条记录已处理"));
        }
        audit::record(
            &mut tx,
            actor.audit(
                Action::Update,
                "fund_entry",
                Some(id),
                &e.path,
                format!("退回记账：{reason}"),
            ),
        )
        .await?;
        let e = sf::get_entry(&mut tx, &actor.scope(), id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(e)
    }

    /// Correct a posted entry: a reversal, pending a second person's approval.
    pub async fn reverse(&self, actor: &Actor, id: i64, reason: &str) -> AppResult<FundEntry> {
        may_keep(actor)?;
        let reason = text("reason", "冲正理由", reason, 200)?;
        let now = now_ms();
        let mut tx = self.app.store.begin().await?;
        let e = sf::get_entry(&mut tx, &actor.scope(), id).await?;
        if e.state != State::Posted || e.kind == EntryKind::Reversal {
            return Err(conflict("entry", "只能冲正已入账的收支记录"));
        }
        if e.reversed_by.is_some() {
            return Err(conflict("entry", "这条记录已冲正"));
        }
        let rid = sf::insert_entry(
            &mut tx,
            &NewEntry {
                fund_id: e.fund_id,
                path: &e.path,
                kind: EntryKind::Reversal,
                category: "reversal",
                amount_fen: e.amount_fen,
                counter_fund_id: e.counter_fund_id,
                purpose: &format!("冲正第 {} 号记录：{reason}", e.id),
                voucher_no: &e.voucher_no,
                occurred_on: &format_date(today()),
                household_id: e.household_id,
                decision_id: None,
                reverses_id: Some(e.id),
                related_id: None,
                recorded_by: actor.audit_id(),
                recorded_by_name: actor.name(),
                now,
            },
        )
        .await?;
        audit::record(
            &mut tx,
            actor.audit(
                Action::Create,
                "fund_entry",
                Some(rid),
                &e.path,
                format!("申请冲正第 {} 号记录：{reason}", e.id),
            ),
        )
        .await?;
        let r = sf::get_entry(&mut tx, &actor.scope(), rid).await?;
        jingzhi_store::commit(tx).await?;
        Ok(r)
    }

    /// The recorder changes a pending entry; a posted one never changes (409).
    pub async fn amend(
        &self,
        actor: &Actor,
        id: i64,
        amount_fen: i64,
        purpose: &str,
        voucher_no: &str,
    ) -> AppResult<FundEntry> {
        may_keep(actor)?;
        check_amount("amount_fen", amount_fen)?;
        let purpose = text("purpose", "用途", purpose, 200)?;
        let voucher_no = text("voucher_no", "凭证号", voucher_no, 60)?;
        let mut tx = self.app.store.begin().await?;
        let e = sf::get_entry(&mut tx, &actor.scope(), id).await?;
        if e.state != State::Pending {
            return Err(conflict("entry", "已入账的记录不能修改，请冲正后重新录入"));
        }
        if e.recorded_by != actor.audit_id() {
            return Err(AppError::Forbidden);
        }
        if !sf::amend_pending(&mut tx, id, amount_fen, &purpose, &voucher_no).await? {
            return Err(conflict("entry", "已入账的记录不能修改，请冲正后重新录入"));
        }
        audit::record(
            &mut tx,
            actor.audit(
                Action::Update,
                "fund_entry",
                Some(id),
                &e.path,
                format!("修改待审记录：{} 元", df::format_yuan(amount_fen)),
            ),
        )
        .await?;
        let e = sf::get_entry(&mut tx, &actor.scope(), id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(e)
    }

    /// Attach the voucher's scan (a photo: JPEG, PNG or WebP, checked by its bytes), once.
    pub async fn put_voucher(&self, actor: &Actor, id: i64, bytes: &[u8]) -> AppResult<()> {
        may_keep(actor)?;
        let content_type = check_voucher(self.app, bytes)?;
        let mut tx = self.app.store.begin().await?;
        let e = sf::get_entry(&mut tx, &actor.scope(), id).await?;
        keep_voucher(&mut tx, actor, &e, content_type, bytes).await?;
        jingzhi_store::commit(tx).await?;
        Ok(())
    }

    /// A posted entry's voucher, for anyone (the fund's page is public).
    pub async fn public_voucher(
        &self,
        fund_id: i64,
        entry_id: i64,
    ) -> AppResult<(String, Vec<u8>)> {
        let mut conn = self.app.store.acquire().await?;
        let e = sf::get_entry(
            &mut conn,
            &jingzhi_domain::scope::Scope::new(0, "/"),
            entry_id,
        )
        .await?;
        if e.fund_id != fund_id || e.state != State::Posted {
            return Err(AppError::NotFound);
        }
        let (ct, _, data) = sf::voucher(&mut conn, entry_id).await?;
        Ok((ct, data))
    }

    /// The staff's own copy of a voucher (any state).
    pub async fn voucher(&self, actor: &Actor, entry_id: i64) -> AppResult<(String, Vec<u8>)> {
        may_keep(actor)?;
        let mut conn = self.app.store.acquire().await?;
        sf::get_entry(&mut conn, &actor.scope(), entry_id).await?;
        let (ct, _, data) = sf::voucher(&mut conn, entry_id).await?;
        Ok((ct, data))
    }

    /// A fund as the public sees it (no login): posted entries only, no names.
    pub async fn public(&self, id: i64, page: i64) -> AppResult<PublicFund> {
        let mut conn = self.app.store.acquire().await?;
        let all = jingzhi_domain::scope::Scope::new(0, "/");
        let fund = sf::get_fund(&mut conn, &all, id).await?;
        let offset = (page.max(1) - 1) * PAGE;
        let rows = sf::entries(&mut conn, id, &[State::Posted], PAGE, offset).await?;
        let total = sf::count_posted(&mut conn, id).await?;
        let ids: Vec<i64> = rows.iter().map(|e| e.id).collect();
        let idx = self.log_indexes(&mut conn, &ids).await?;
        let deltas = sf::deltas(&mut conn, id, &ids).await?;
        let monthly = sf::monthly(&mut conn, id).await?;
        let entries = rows
            .into_iter()
            .map(|e| PublicEntry {
                delta_fen: deltas
                    .iter()
                    .find(|(i, _)| *i == e.id)
                    .map_or(0, |(_, d)| *d),
                household: household_label(self.app, &e),
                log_index: idx.iter().find(|(i, _)| *i == e.id).map(|(_, x)| *x),
                id: e.id,
                kind: e.kind,
                category: e.category,
                purpose: e.purpose,
                voucher_no: e.voucher_no,
                has_voucher: e.has_voucher,
                occurred_on: e.occurred_on,
                reverses_id: e.reverses_id,
                reversed_by: e.reversed_by,
            })
            .collect();
        Ok(PublicFund {
            id: fund.id,
            name: fund.name,
            place: fund.node_name,
            kind: fund.kind,
            balance_fen: fund.balance_fen,
            monthly,
            entries,
            total,
        })
    }
}
