//! Parking sharing (错时停车, issue 12 §2; docs/parking.md): managers of a community register its
//! spaces and the hours each is shared in, let a window of those hours to a tenant by contract,
//! and record each rent payment, which posts as a `parking_rent` income to the contract's fund in
//! the payment's own transaction (so the public fund page and the log show it).

use crate::funds::{may_keep, EntryInput};
use crate::participation::{community_scope, text};
use crate::{Actor, App, AppError, AppResult};
use jingzhi_domain::audit::Action;
use jingzhi_domain::funds::{check_amount, format_yuan};
use jingzhi_domain::parking::{self as dp, Period, Window};
use jingzhi_domain::registry::{NodeKind, Phone};
use jingzhi_domain::time_fmt::{format_date, now_ms, parse_date, today};
use jingzhi_store::audit;
use jingzhi_store::funds as sf;
use jingzhi_store::parking::{self as sp, NewContract};
use jingzhi_store::registry as sr;

pub use jingzhi_store::parking::{Contract, Space};

/// The most rows a list answers.
pub const LIST_LIMIT: i64 = 1000;

#[derive(Debug, Clone, Default)]
pub struct SpaceInput {
    /// A compound or the community, in the caller's scope.
    pub node_id: i64,
    pub number: String,
    pub note: String,
    /// When it is shared; none: all the time.
    pub windows: Vec<Window>,
}

#[derive(Debug, Clone, Default)]
pub struct ContractInput {
    pub space_id: i64,
    pub fund_id: i64,
    pub tenant: String,
    pub phone: String,
    /// The hours let (days 0: the space's own days); none: every hour the space is shared.
    pub window: Option<Window>,
    pub starts_on: String,
    pub ends_on: String,
    pub period: String,
    pub rent_fen: i64,
}

#[derive(Debug, Clone, Default)]
pub struct PaymentInput {
    /// The first day of the period paid for (one of the contract's); default the first unpaid.
    pub period_start: String,
    /// yyyy-mm-dd; default today.
    pub paid_on: String,
    /// The receipt's number (the fund entry's voucher number).
    pub voucher_no: String,
}

pub struct Parking<'a> {
    app: &'a App,
}

impl App {
    pub fn parking(&self) -> Parking<'_> {
        Parking { app: self }
    }
}

use jingzhi_domain::registry::mask_name;

impl Parking<'_> {
    /// Register a space of a compound (or community) in scope, with the hours it is shared in.
    pub async fn create_space(&self, actor: &Actor, input: &SpaceInput) -> AppResult<Space> {
        may_keep(actor)?;
        let number = text("number", "车位编号", &input.number, 20)?;
        let note = input.note.trim();
        jingzhi_domain::check_max_chars("note", "说明", note, 200)?;
        let windows = if input.windows.is_empty() {
            vec![dp::ALWAYS]
        } else {
            input.windows.clone()
        };
        for w in &windows {
            w.check()?;
        }
        let mut tx = self.app.store.begin().await?;
        let node = sr::get_node(&mut tx, &actor.scope(), input.node_id)
            .await
            .map_err(|_| AppError::invalid("node_id", "请选择您辖区内的小区或社区"))?;
        if !matches!(node.kind, NodeKind::Compound | NodeKind::Community) {
            return Err(AppError::invalid("node_id", "车位属于小区或社区"));
        }
        if sp::number_taken(&mut tx, node.id, &number).await? {
            return Err(AppError::Conflict {
                field: "number".into(),
                reason: "该小区已有此编号的车位".into(),
            });
        }
        let id = sp::insert_space(
            &mut tx,
            node.id,
            &node.path,
            &number,
            note,
            &windows,
            actor.name(),
            now_ms(),
        )
        .await?;
        audit::record(
            &mut tx,
            actor.audit(
                Action::Create,
                "parking_space",
                Some(id),
                &node.path,
                format!("登记共享车位 {} {number}", node.name),
            ),
        )
        .await?;
        let s = sp::get_space(&mut tx, &actor.scope(), id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(s)
    }

    /// Spaces and contracts of the caller's places (staff who read the register).
    pub async fn overview(&self, actor: &Actor) -> AppResult<(Vec<Space>, Vec<Contract>)> {
        actor.require(jingzhi_domain::auth::Permission::ReadRegister)?;
        let mut conn = self.app.store.acquire().await?;
        let scope = actor.scope();
        Ok((
            sp::spaces(&mut conn, &scope, LIST_LIMIT).await?,
            sp::contracts(&mut conn, &scope, None, LIST_LIMIT).await?,
        ))
    }

    /// Let a window of a space's shared hours to a tenant; the rent goes to a fund of the space's
    /// community. Two contracts of a space never hold the same hour on the same day (409).
    pub async fn create_contract(
        &self,
        actor: &Actor,
        input: &ContractInput,
    ) -> AppResult<Contract> {
        may_keep(actor)?;
        let tenant = text("tenant", "承租人", &input.tenant, 60)?;
        let phone = match input.phone.trim() {
            "" => None,
            p => Some(Phone::parse(p)?),
        };
        let start = match input.starts_on.trim() {
            "" => today(),
            s => parse_date(s)
                .ok_or_else(|| AppError::invalid("starts_on", "日期格式应为 YYYY-MM-DD"))?,
        };
        let end = parse_date(input.ends_on.trim())
            .ok_or_else(|| AppError::invalid("ends_on", "日期格式应为 YYYY-MM-DD"))?;
        dp::check_term(start, end)?;
        let period = Period::parse(&input.period)?;
        check_amount("rent_fen", input.rent_fen)?;
        if let Some(w) = &input.window {
            // Days 0: the space's own days (filled in below).
            Window {
                days: w.days.max(1),
                ..*w
            }
            .check()?;
        }
        let mut tx = self.app.store.begin().await?;
        let space = sp::get_space(&mut tx, &actor.scope(), input.space_id).await?;
        sp::lock_space(&mut tx, space.id).await?;
        let window = match input.window {
            Some(w) if w.days == 0 => Window {
                days: space.windows.iter().fold(0, |d, x| d | x.days),
                ..w
            },
            Some(w) => w,
            None => match space.windows.as_slice() {
                [only] => *only,
                _ => dp::ALWAYS,
            },
        };
        if !window.inside(&space.windows) {
            return Err(AppError::invalid(
                "window",
                "出租时段应在该车位的共享时段内",
            ));
        }
        let community = community_scope(&space.path).ok_or(AppError::NotFound)?;
        let fund = sf::get_fund(&mut tx, &community, input.fund_id)
            .await
            .map_err(|_| AppError::invalid("fund_id", "请选择本社区的基金"))?;
        for c in sp::contracts(&mut tx, &actor.scope(), Some(space.id), LIST_LIMIT).await? {
            let (Some(s), Some(e)) = (parse_date(&c.starts_on), parse_date(&c.ends_on)) else {
                continue;
            };
            if dp::terms_overlap((s, e), (start, end)) && c.window.overlaps(&window) {
                return Err(AppError::Conflict {
                    field: "window".into(),
                    reason: format!("与第 {} 号合同的时段重叠（{}）", c.id, c.window.label_zh()),
                });
            }
        }
        let cipher = &self.app.store.cipher;
        let id = sp::insert_contract(
            &mut tx,
            &NewContract {
                space_id: space.id,
                path: &space.path,
                fund_id: fund.id,
                tenant_sealed: cipher.seal(&tenant),
                tenant_mask: &mask_name(&tenant),
                phone_sealed: phone.as_ref().map(|p| cipher.seal(p.as_str())),
                phone_mask: phone.as_ref().map(|p| p.masked()).as_deref(),
                window,
                starts_on: &format_date(start),
                ends_on: &format_date(end),
                period,
                rent_fen: input.rent_fen,
                by: actor.name(),
                now: now_ms(),
            },
        )
        .await?;
        audit::record(
            &mut tx,
            actor.audit(
                Action::Create,
                "parking_contract",
                Some(id),
                &space.path,
                format!(
                    "共享车位 {} 出租合同：{}，{} 元/{}",
                    space.number,
                    window.label_zh(),
                    format_yuan(input.rent_fen),
                    if period == Period::Year { "年" } else { "月" }
                ),
            ),
        )
        .await?;
        let c = sp::get_contract(&mut tx, &actor.scope(), id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(c)
    }

    pub async fn pay(
        &self,
        actor: &Actor,
        contract_id: i64,
        input: &PaymentInput,
    ) -> AppResult<Contract> {
        self.pay_at(actor, contract_id, input, now_ms()).await
    }

    /// Record a rent payment for one period: it posts to the contract's fund as a parking rent
    /// income (in the log) in the same transaction. A period is paid once (409).
    pub async fn pay_at(
        &self,
        actor: &Actor,
        contract_id: i64,
        input: &PaymentInput,
        now: i64,
    ) -> AppResult<Contract> {
        may_keep(actor)?;
        let paid_on = match input.paid_on.trim() {
            "" => today(),
            s => parse_date(s)
                .ok_or_else(|| AppError::invalid("paid_on", "日期格式应为 YYYY-MM-DD"))?,
        };
        let mut tx = self.app.store.begin().await?;
        let c = sp::get_contract(&mut tx, &actor.scope(), contract_id).await?;
        let (start, end) = (
            parse_date(&c.starts_on).ok_or(AppError::NotFound)?,
            parse_date(&c.ends_on).ok_or(AppError::NotFound)?,
        );
        let periods: Vec<String> = dp::periods(start, end, c.period)
            .into_iter()
            .map(format_date)
            .collect();
        let period = match input.period_start.trim() {
            "" => periods
                .iter()
                .find(|p| !c.paid.contains(p))
                .cloned()
                .ok_or_else(|| AppError::Conflict {
                    field: "period_start".into(),
                    reason: "该合同的租金已全部缴清".into(),
                })?,
            p if periods.iter().any(|x| x == p) => p.to_string(),
            _ => return Err(AppError::invalid("period_start", "请选择合同中的一个租期")),
        };
        if c.paid.contains(&period) {
            return Err(AppError::Conflict {
                field: "period_start".into(),
                reason: format!("{period} 起的租期已缴"),
            });
        }
        let voucher_no = match input.voucher_no.trim() {
            "" => format!("PK-{}-{}", c.id, period),
            v => v.to_string(),
        };
        let entry = self
            .app
            .funds()
            .record_in(
                &mut tx,
                actor,
                c.fund_id,
                &EntryInput {
                    kind: "income".into(),
                    category: "parking_rent".into(),
                    amount_fen: c.rent_fen,
                    purpose: format!("共享车位 {} 租金（{} 起）", c.space_number, period),
                    voucher_no,
                    occurred_on: format_date(paid_on),
                    ..Default::default()
                },
                now,
            )
            .await?;
        sp::insert_payment(
            &mut tx,
            c.id,
            &period,
            c.rent_fen,
            &format_date(paid_on),
            entry.id,
            actor.name(),
            now,
        )
        .await?;
        audit::record(
            &mut tx,
            actor.audit(
                Action::Create,
                "parking_payment",
                Some(c.id),
                &c.path,
                format!(
                    "共享车位 {} 收租 {} 元（{} 起），入{}",
                    c.space_number,
                    format_yuan(c.rent_fen),
                    period,
                    c.fund_name
                ),
            ),
        )
        .await?;
        let c = sp::get_contract(&mut tx, &actor.scope(), contract_id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(c)
    }

    /// The periods of a contract and whether each is paid.
    pub fn periods(c: &Contract) -> Vec<(String, bool)> {
        match (parse_date(&c.starts_on), parse_date(&c.ends_on)) {
            (Some(s), Some(e)) => dp::periods(s, e, c.period)
                .into_iter()
                .map(format_date)
                .map(|p| {
                    let paid = c.paid.contains(&p);
                    (p, paid)
                })
                .collect(),
            _ => Vec::new(),
        }
    }
}

impl Parking<'_> {
    /// What the forms offer: the compounds and communities a space can belong to, the funds rent
    /// can go to (managers).
    pub async fn choices(
        &self,
        actor: &Actor,
    ) -> AppResult<(Vec<(i64, String)>, Vec<(i64, String)>)> {
        may_keep(actor)?;
        let scope = actor.scope();
        let mut conn = self.app.store.acquire().await?;
        let places = sr::nodes_under(
            &mut conn,
            &scope,
            &scope.path,
            &[NodeKind::Community, NodeKind::Compound],
            2000,
        )
        .await?
        .into_iter()
        .map(|n| (n.id, n.name))
        .collect();
        let funds = sf::list_funds(&mut conn, &scope, 2000)
            .await?
            .into_iter()
            .map(|f| (f.id, format!("{} · {}", f.node_name, f.name)))
            .collect();
        Ok((places, funds))
    }
}
