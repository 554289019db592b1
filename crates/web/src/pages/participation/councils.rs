//! `/councils` and `/associations`: street co-governance councils with their rotating chair and
//! matters, trade associations with their merchants (docs/participation.md, "Councils and
//! associations"). Desk pages for the managers who run them, readable at phone width by the
//! residents under them. Everything a person picks (a place, a member, a building, a trade) is
//! a list.

use super::super::{render, render_status, Chrome, FormData, PageError, PageResult};
use super::shown_refusal;
use crate::i18n::Lang;
use crate::session::{Caller, PageCaller};
use crate::AppState;
use askama::Template;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::Router;
use jingzhi_app::participation::councils::{
    NewAssociationInput, NewCouncilInput, NewMatterInput, NewMemberInput, NewMerchantInput,
};
use jingzhi_app::AppError;
use jingzhi_domain::participation::councils::{MatterStatus, MemberKind, Trade};
use jingzhi_domain::time_fmt::format_ms;

/// The pages of this module (merged in [`super::router`]).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/councils", get(councils).post(create_council))
        .route("/councils/{id}", get(council))
        .route("/councils/{id}/members", post(add_member))
        .route("/councils/{id}/handover", post(handover))
        .route("/councils/{id}/matters", post(raise_matter))
        .route("/council-matters/{id}/outcome", post(settle_matter))
        .route("/associations", get(associations).post(create_association))
        .route("/associations/{id}", get(association))
        .route("/associations/{id}/merchants", post(add_merchant))
}

pub fn trade_key(t: Trade) -> &'static str {
    match t {
        Trade::Catering => "councils.trade.catering",
        Trade::Beauty => "councils.trade.beauty",
        Trade::Convenience => "councils.trade.convenience",
        Trade::Repair => "councils.trade.repair",
        Trade::Logistics => "councils.trade.logistics",
        Trade::Education => "councils.trade.education",
        Trade::Pharmacy => "councils.trade.pharmacy",
        Trade::Housekeeping => "councils.trade.housekeeping",
        Trade::Hardware => "councils.trade.hardware",
        Trade::FreshProduce => "councils.trade.fresh_produce",
        Trade::Auto => "councils.trade.auto",
        Trade::Other => "councils.trade.other",
    }
}

fn kind_key(k: MemberKind) -> &'static str {
    match k {
        MemberKind::Community => "councils.kind.community",
        MemberKind::Association => "councils.kind.association",
        MemberKind::Merchant => "councils.kind.merchant",
        MemberKind::PropertyCompany => "councils.kind.property_company",
    }
}

/// A choice in a `<select>`: (value, label, selected).
pub type Choice = (String, String, bool);

/// The places a council or association can be set up over, labelled with their kind.
async fn places(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    chosen: &str,
) -> Result<Vec<Choice>, PageError> {
    Ok(s.app
        .participation()
        .council_places(&c.actor)
        .await?
        .into_iter()
        .map(|n| {
            let id = n.id.to_string();
            let selected = id == chosen;
            (
                id,
                format!("{} · {}", n.name, super::super::kind_label(lang, n.kind)),
                selected,
            )
        })
        .collect())
}

/// The form errors of a refused write, or the error page for anything else.
fn form_errors(e: AppError) -> Result<(axum::http::StatusCode, String), PageError> {
    shown_refusal(e)
}

// ---------------------------------------------------------------------------------------------
// Councils

pub struct CouncilRow {
    pub id: i64,
    pub name: String,
    pub place: String,
    pub members: i64,
    pub matters: i64,
    pub settled: i64,
    pub term_days: i64,
}

#[derive(Template)]
#[template(path = "councils/councils.html")]
pub struct CouncilsPage {
    pub c: Chrome,
    pub rows: Vec<CouncilRow>,
    pub may_create: bool,
    pub places: Vec<Choice>,
    pub name: String,
    pub term_days: String,
    pub message: Option<String>,
}

async fn councils_page(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    f: &FormData,
    message: Option<String>,
) -> Result<CouncilsPage, PageError> {
    let list = s.app.participation().councils(&c.actor).await?;
    let may_create = c.actor.user.role.is_manager();
    Ok(CouncilsPage {
        c: Chrome::new(c, lang, "councils"),
        rows: list
            .into_iter()
            .map(|x| CouncilRow {
                id: x.id,
                name: x.name,
                place: x.node_name,
                members: x.members,
                matters: x.matters,
                settled: x.settled,
                term_days: x.term_days,
            })
            .collect(),
        places: if may_create {
            places(s, c, lang, f.get("node_id")).await?
        } else {
            vec![]
        },
        may_create,
        name: f.get("name").to_string(),
        term_days: f.opt("term_days").unwrap_or_else(|| "90".into()),
        message,
    })
}

pub async fn councils(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
) -> PageResult {
    Ok(render(
        &councils_page(&s, &c, lang, &FormData(vec![]), None).await?,
    ))
}

pub async fn create_council(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let input = NewCouncilInput {
        node_id: f.get("node_id").parse().unwrap_or(0),
        name: f.get("name").to_string(),
        term_days: f.get("term_days").trim().parse().unwrap_or(-1),
    };
    match s.app.participation().create_council(&c.actor, &input).await {
        Ok(x) => Ok(Redirect::to(&format!("/councils/{}", x.id)).into_response()),
        Err(e) => {
            let (status, message) = form_errors(e)?;
            let page = councils_page(&s, &c, lang, &f, Some(message)).await?;
            Ok(render_status(status, &page))
        }
    }
}

pub struct MemberRow {
    pub id: i64,
    pub position: i64,
    pub name: String,
    pub kind: &'static str,
    pub chair: bool,
    pub next: bool,
}

pub struct HandoverRow {
    pub at: String,
    pub from: Option<String>,
    pub to: String,
    pub by: String,
}

pub struct MatterRow {
    pub id: i64,
    pub title: String,
    pub settled: bool,
    pub raised_at: String,
    pub outcome: Option<String>,
    pub settled_at: Option<String>,
}

#[derive(Template)]
#[template(path = "councils/council.html")]
pub struct CouncilPage {
    pub c: Chrome,
    pub id: i64,
    pub name: String,
    pub place: String,
    pub term_days: i64,
    pub chair: Option<String>,
    pub chair_since: Option<String>,
    pub next: Option<String>,
    pub term_ends: Option<String>,
    pub overdue: bool,
    pub days_overdue: i64,
    pub members: Vec<MemberRow>,
    pub handovers: Vec<HandoverRow>,
    pub matters: Vec<MatterRow>,
    pub matters_total: usize,
    pub matters_settled: usize,
    pub may_manage: bool,
    pub communities: Vec<(i64, String)>,
    pub associations: Vec<(i64, String)>,
    pub merchants: Vec<(i64, String)>,
    pub message: Option<String>,
}

async fn council_page(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    id: i64,
    message: Option<String>,
) -> Result<CouncilPage, PageError> {
    let p = s.app.participation();
    let v = p.council_view(&c.actor, id).await?;
    let choices = if v.may_manage {
        p.member_choices(&c.actor, id).await?
    } else {
        Default::default()
    };
    let matters_settled = v
        .matters
        .iter()
        .filter(|m| m.status == MatterStatus::Settled)
        .count();
    Ok(CouncilPage {
        c: Chrome::new(c, lang, "councils"),
        id: v.council.id,
        name: v.council.name.clone(),
        place: v.council.node_name.clone(),
        term_days: v.council.term_days,
        chair: v.current_name.clone(),
        chair_since: v.council.chair_since.map(format_ms),
        next: v.next_name.clone(),
        term_ends: v.chair.term_ends.map(format_ms),
        overdue: v.chair.overdue,
        days_overdue: v.chair.days_overdue,
        members: v
            .members
            .iter()
            .map(|m| MemberRow {
                id: m.id,
                position: m.position,
                name: m.name.clone(),
                kind: kind_key(m.kind),
                chair: v.chair.current == Some(m.id),
                next: v.chair.next == Some(m.id),
            })
            .collect(),
        handovers: v
            .handovers
            .iter()
            .map(|h| HandoverRow {
                at: format_ms(h.at),
                from: h.from_name.clone(),
                to: h.to_name.clone(),
                by: h.recorded_by_name.clone(),
            })
            .collect(),
        matters_total: v.matters.len(),
        matters_settled,
        matters: v
            .matters
            .iter()
            .map(|m| MatterRow {
                id: m.id,
                title: m.title.clone(),
                settled: m.status == MatterStatus::Settled,
                raised_at: format_ms(m.raised_at),
                outcome: m.outcome.clone(),
                settled_at: m.settled_at.map(format_ms),
            })
            .collect(),
        may_manage: v.may_manage,
        communities: choices
            .communities
            .into_iter()
            .map(|n| (n.id, n.name))
            .collect(),
        associations: choices
            .associations
            .into_iter()
            .map(|a| (a.id, a.name))
            .collect(),
        merchants: choices
            .merchants
            .into_iter()
            .map(|m| (m.id, format!("{} · {}", m.name, m.building_name)))
            .collect(),
        message,
    })
}

pub async fn council(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
) -> PageResult {
    Ok(render(&council_page(&s, &c, lang, id, None).await?))
}

/// After a write on a council's page: back to it, or the page with the reason (409/422).
async fn after_council<T>(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    id: i64,
    anchor: &str,
    r: jingzhi_app::AppResult<T>,
) -> PageResult {
    match r {
        Ok(_) => Ok(Redirect::to(&format!("/councils/{id}#{anchor}")).into_response()),
        Err(e) => {
            let (status, message) = form_errors(e)?;
            let page = council_page(s, c, lang, id, Some(message)).await?;
            Ok(render_status(status, &page))
        }
    }
}

pub async fn add_member(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let input = NewMemberInput {
        kind: f.get("kind").to_string(),
        node_id: f.get("node_id").parse().ok(),
        association_id: f.get("association_id").parse().ok(),
        merchant_id: f.get("merchant_id").parse().ok(),
        name: f.opt("name"),
    };
    let r = s.app.participation().add_member(&c.actor, id, &input).await;
    after_council(&s, &c, lang, id, "members", r).await
}

pub async fn handover(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let to = f.get("to_member_id").parse().ok();
    let r = s.app.participation().handover(&c.actor, id, to).await;
    after_council(&s, &c, lang, id, "chair", r).await
}

pub async fn raise_matter(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let input = NewMatterInput {
        title: f.get("title").to_string(),
        raised_at: None,
    };
    let r = s
        .app
        .participation()
        .raise_matter(&c.actor, id, &input)
        .await;
    after_council(&s, &c, lang, id, "matters", r).await
}

pub async fn settle_matter(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let council: i64 = f.get("council_id").parse().unwrap_or(0);
    let r = s
        .app
        .participation()
        .settle_matter(&c.actor, id, f.get("outcome"))
        .await;
    match r {
        Ok(m) => Ok(Redirect::to(&format!("/councils/{}#matters", m.council_id)).into_response()),
        Err(e) if council > 0 => {
            after_council(&s, &c, lang, council, "matters", Err::<(), _>(e)).await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Associations and merchants

pub struct AssociationRow {
    pub id: i64,
    pub name: String,
    pub trade: &'static str,
    pub place: String,
    pub merchants: i64,
}

#[derive(Template)]
#[template(path = "councils/associations.html")]
pub struct AssociationsPage {
    pub c: Chrome,
    pub rows: Vec<AssociationRow>,
    pub may_create: bool,
    pub places: Vec<Choice>,
    pub trades: Vec<Choice>,
    pub name: String,
    pub message: Option<String>,
}

async fn associations_page(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    f: &FormData,
    message: Option<String>,
) -> Result<AssociationsPage, PageError> {
    let list = s.app.participation().associations(&c.actor).await?;
    let may_create = c.actor.user.role.is_manager();
    let chosen = f.get("trade");
    Ok(AssociationsPage {
        c: Chrome::new(c, lang, "associations"),
        rows: list
            .into_iter()
            .map(|a| AssociationRow {
                id: a.id,
                name: a.name,
                trade: trade_key(a.trade),
                place: a.node_name,
                merchants: a.merchants,
            })
            .collect(),
        places: if may_create {
            places(s, c, lang, f.get("node_id")).await?
        } else {
            vec![]
        },
        trades: Trade::ALL
            .iter()
            .map(|t| {
                (
                    t.as_str().to_string(),
                    lang.t(trade_key(*t)).to_string(),
                    t.as_str() == chosen,
                )
            })
            .collect(),
        may_create,
        name: f.get("name").to_string(),
        message,
    })
}

pub async fn associations(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
) -> PageResult {
    Ok(render(
        &associations_page(&s, &c, lang, &FormData(vec![]), None).await?,
    ))
}

pub async fn create_association(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let input = NewAssociationInput {
        node_id: f.get("node_id").parse().unwrap_or(0),
        name: f.get("name").to_string(),
        trade: f.get("trade").to_string(),
    };
    match s
        .app
        .participation()
        .create_association(&c.actor, &input)
        .await
    {
        Ok(a) => Ok(Redirect::to(&format!("/associations/{}", a.id)).into_response()),
        Err(e) => {
            let (status, message) = form_errors(e)?;
            let page = associations_page(&s, &c, lang, &f, Some(message)).await?;
            Ok(render_status(status, &page))
        }
    }
}

pub struct MerchantRow {
    pub name: String,
    pub building: String,
    pub licence: String,
    pub phone: Option<String>,
}

#[derive(Template)]
#[template(path = "councils/association.html")]
pub struct AssociationPage {
    pub c: Chrome,
    pub id: i64,
    pub name: String,
    pub trade: &'static str,
    pub place: String,
    pub merchants: Vec<MerchantRow>,
    pub may_manage: bool,
    pub buildings: Vec<Choice>,
    pub form_name: String,
    pub form_licence: String,
    pub form_phone: String,
    pub message: Option<String>,
}

async fn association_page(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    id: i64,
    f: &FormData,
    message: Option<String>,
) -> Result<AssociationPage, PageError> {
    let p = s.app.participation();
    let v = p.association_view(&c.actor, id).await?;
    let buildings = if v.may_manage {
        let chosen = f.get("building_id");
        p.merchant_buildings(&c.actor, Some(&v.association.path))
            .await?
            .into_iter()
            .map(|b| {
                let id = b.id.to_string();
                let selected = id == chosen;
                (id, b.name, selected)
            })
            .collect()
    } else {
        vec![]
    };
    Ok(AssociationPage {
        c: Chrome::new(c, lang, "associations"),
        id: v.association.id,
        name: v.association.name.clone(),
        trade: trade_key(v.association.trade),
        place: v.association.node_name.clone(),
        merchants: v
            .merchants
            .into_iter()
            .map(|m| MerchantRow {
                name: m.name,
                building: m.building_name,
                licence: m.licence_number,
                phone: m.contact_phone,
            })
            .collect(),
        may_manage: v.may_manage,
        buildings,
        form_name: f.get("name").to_string(),
        form_licence: f.get("licence_number").to_string(),
        form_phone: f.get("contact_phone").to_string(),
        message,
    })
}

pub async fn association(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
) -> PageResult {
    Ok(render(
        &association_page(&s, &c, lang, id, &FormData(vec![]), None).await?,
    ))
}

pub async fn add_merchant(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let input = NewMerchantInput {
        building_id: f.get("building_id").parse().unwrap_or(0),
        name: f.get("name").to_string(),
        licence_number: f.get("licence_number").to_string(),
        contact_phone: f.opt("contact_phone"),
        association_id: Some(id),
    };
    match s
        .app
        .participation()
        .create_merchant(&c.actor, &input)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/associations/{id}#merchants")).into_response()),
        Err(e) => {
            let (status, message) = form_errors(e)?;
            let page = association_page(&s, &c, lang, id, &f, Some(message)).await?;
            Ok(render_status(status, &page))
        }
    }
}
