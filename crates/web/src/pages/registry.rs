//! Households and residents: lists with filters and search, detail pages, the forms that create,
//! edit and move them, and the audited unmask of ID and phone numbers.

use super::UrlQuery;
use super::{
    crumbs, is_htmx, query_string, render, render_status, Chrome, Crumb, FieldErrors, FormData,
    PageError, PageResult,
};
use crate::i18n::Lang;
use crate::session::{Caller, PageCaller};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::Form;
use axum::Router;
use jingzhi_app::registry::{HouseholdInput, MoveInput, ResidentQueryText};
use jingzhi_app::registry::{HouseholdMove, Resident};
use jingzhi_domain::registry::{classify_query, HouseholdFilter, ResidentFilter, SearchKind};
use jingzhi_domain::registry::{
    Gender, LowIncome, NodeKind, Relationship, Residence, ResidentInput, Tag,
};
use jingzhi_domain::time_fmt::format_ms;
use jingzhi_domain::FieldError;
use serde::Deserialize;

/// The pages of this module (merged in [`super::router`]).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/households", get(households))
        .route(
            "/households/new",
            get(household_new_form).post(household_new),
        )
        .route("/households/buildings", get(building_picks))
        .route("/households/{id}", get(household))
        .route("/households/{id}/move", post(household_move))
        .route(
            "/households/{id}/residents/new",
            get(resident_new_form).post(resident_new),
        )
        .route("/residents", get(residents))
        .route("/residents/{id}", get(resident))
        .route(
            "/residents/{id}/edit",
            get(resident_edit_form).post(resident_edit),
        )
        .route("/residents/{id}/unmask", post(resident_unmask))
}

pub const PER_PAGE: i64 = 20;

pub fn gender_label(lang: Lang, g: Gender) -> &'static str {
    match lang {
        Lang::Zh => g.label_zh(),
        Lang::En => lang.t(match g {
            Gender::Male => "gender.male",
            Gender::Female => "gender.female",
        }),
    }
}

pub fn residence_label(lang: Lang, r: Residence) -> &'static str {
    match lang {
        Lang::Zh => r.label_zh(),
        Lang::En => lang.t(match r {
            Residence::Permanent => "residence.permanent",
            Residence::Floating => "residence.floating",
        }),
    }
}

pub fn tag_label(lang: Lang, t: Tag) -> &'static str {
    match lang {
        Lang::Zh => t.label_zh(),
        Lang::En => t.label_en(),
    }
}

fn tags_of(lang: Lang, r: &Resident) -> Vec<&'static str> {
    Tag::ALL
        .iter()
        .filter(|t| r.tags.has(**t))
        .map(|t| tag_label(lang, *t))
        .collect()
}

/// An option of a `<select>`.
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

fn opts<T: Copy>(
    all: &[T],
    current: &str,
    value: impl Fn(T) -> String,
    label: impl Fn(T) -> String,
) -> Vec<Opt> {
    all.iter()
        .map(|v| {
            let value = value(*v);
            Opt {
                selected: value == current,
                label: label(*v),
                value,
            }
        })
        .collect()
}

/// The filter's node, when the list is narrowed to one.
async fn under_name(
    s: &AppState,
    c: &Caller,
    under: Option<i64>,
) -> Result<Option<String>, PageError> {
    match under {
        Some(id) => Ok(Some(
            s.app.registry().node_view(&c.actor, id).await?.node.name,
        )),
        None => Ok(None),
    }
}

fn num(s: &Option<String>) -> Option<i64> {
    s.as_deref().and_then(|v| v.trim().parse().ok())
}

// ------------------------------------------------------------------------------------------
// Households

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct HouseholdQuery {
    pub q: Option<String>,
    pub under: Option<String>,
    pub page: Option<String>,
}

impl HouseholdQuery {
    pub fn filter(&self) -> (HouseholdFilter, Option<i64>) {
        (
            HouseholdFilter {
                q: self
                    .q
                    .clone()
                    .filter(|q| !q.trim().is_empty())
                    .map(|q| q.trim().to_string()),
                under: None,
            },
            num(&self.under),
        )
    }

    fn pairs(&self) -> Vec<(&'static str, String)> {
        vec![
            ("q", self.q.clone().unwrap_or_default()),
            ("under", self.under.clone().unwrap_or_default()),
        ]
    }
}

pub struct HouseholdRow {
    pub id: i64,
    pub address: String,
    pub head: String,
    pub members: i64,
}

#[derive(Template)]
#[template(path = "households.html")]
pub struct HouseholdsPage {
    pub c: Chrome,
    pub q: String,
    pub under: String,
    pub under_name: Option<String>,
    pub rows: Vec<HouseholdRow>,
    pub page: i64,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub export: String,
}

pub async fn households(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    UrlQuery(q): UrlQuery<HouseholdQuery>,
) -> PageResult {
    let (f, under) = q.filter();
    let page = super::page_number("page", q.page.as_deref())?;
    let res = s
        .app
        .registry()
        .list_households(&c.actor, f, under, page, PER_PAGE)
        .await?;
    let base = q.pairs();
    let link = |p: i64| {
        let mut pairs = base.clone();
        pairs.push(("page", p.to_string()));
        format!("/households?{}", query_string(&pairs))
    };
    let page_view = HouseholdsPage {
        c: Chrome::new(&c, lang, "households"),
        q: q.q.clone().unwrap_or_default(),
        under: under.map(|u| u.to_string()).unwrap_or_default(),
        under_name: under_name(&s, &c, under).await?,
        rows: res
            .items
            .into_iter()
            .map(|h| HouseholdRow {
                id: h.id,
                address: h.address,
                head: h.head_name.unwrap_or_default(),
                members: h.members,
            })
            .collect(),
        page,
        prev: (page > 1).then(|| link(page - 1)),
        next: res.has_more.then(|| link(page + 1)),
        export: format!("/households/export.xlsx?{}", query_string(&base)),
    };
    Ok(render(&page_view))
}

pub struct MemberRow {
    pub id: i64,
    pub name: String,
    pub relationship: &'static str,
    pub gender: &'static str,
    pub birth_date: String,
    pub id_mask: String,
    pub tags: Vec<&'static str>,
}

pub struct MoveRow {
    pub at: String,
    pub from: String,
    pub to: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "household.html")]
pub struct HouseholdPage {
    pub c: Chrome,
    pub id: i64,
    pub address: String,
    pub crumbs: Vec<Crumb>,
    pub members: Vec<MemberRow>,
    pub moves: Vec<MoveRow>,
    pub form: FormData,
    pub errors: FieldErrors,
    pub other_errors: Vec<String>,
    /// Staff of the place: whether no member is named to vote for the household (any adult
    /// member votes), and the adult members to pick from, the named one marked
    /// (participation, docs/participation.md).
    pub voter: Option<(bool, Vec<(i64, String, bool)>)>,
    /// The public code a fund's page names this household by (docs/funds.md).
    pub public_code: String,
}

fn relationship_label(lang: Lang, r: Relationship) -> &'static str {
    match lang {
        Lang::Zh => r.label_zh(),
        Lang::En => lang.t(&format!("rel.{}", r.as_str())),
    }
}

async fn household_page(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    id: i64,
    form: FormData,
    errors: FieldErrors,
) -> Result<HouseholdPage, PageError> {
    let v = s.app.registry().household_view(&c.actor, id).await?;
    let other_errors = errors.other(&["building", "unit", "room", "note"]);
    let voter = if c.actor.user.role.is_manager() {
        let (named, adults) = s
            .app
            .participation()
            .household_voter_choice(&c.actor, id)
            .await?;
        Some((
            named.is_none(),
            adults
                .into_iter()
                .map(|r| (r.id, r.name, Some(r.id) == named))
                .collect(),
        ))
    } else {
        None
    };
    Ok(HouseholdPage {
        public_code: jingzhi_app::funds::household_code(&s.app, id),
        voter,
        c: Chrome::new(c, lang, "households"),
        id,
        address: v.household.address.clone(),
        crumbs: crumbs(&v.ancestors),
        members: v
            .members
            .iter()
            .map(|r| MemberRow {
                id: r.id,
                name: r.name.clone(),
                relationship: relationship_label(lang, r.relationship),
                gender: gender_label(lang, r.gender),
                birth_date: r.birth_date.clone(),
                id_mask: r.id_mask.clone(),
                tags: tags_of(lang, r),
            })
            .collect(),
        moves: v.moves.iter().map(move_row).collect(),
        form,
        errors,
        other_errors,
    })
}

fn move_row(m: &HouseholdMove) -> MoveRow {
    MoveRow {
        at: format_ms(m.moved_at),
        from: m.from_address.clone(),
        to: m.to_address.clone(),
        note: m.note.clone().unwrap_or_default(),
    }
}

pub async fn household(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
) -> PageResult {
    Ok(render(
        &household_page(
            &s,
            &c,
            lang,
            id,
            FormData::default(),
            FieldErrors::default(),
        )
        .await?,
    ))
}

pub async fn household_move(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let unit = match f.opt("unit").map(|u| u.parse::<i32>()) {
        Some(Ok(u)) => Some(u),
        Some(Err(_)) => {
            let errs = FieldErrors(vec![("unit".into(), "单元应为数字".into())]);
            return Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &household_page(&s, &c, lang, id, f, errs).await?,
            ));
        }
        None => None,
    };
    let input = MoveInput {
        building_id: None,
        building_code: f.opt("building_code"),
        unit,
        room: f.get("room").to_string(),
        note: f.opt("note"),
    };
    match s.app.registry().move_household(&c.actor, id, &input).await {
        Ok(_) => Ok(Redirect::to(&format!("/households/{id}")).into_response()),
        Err(e) => {
            let (status, errs) = FieldErrors::from_app(e)?;
            Ok(render_status(
                status,
                &household_page(&s, &c, lang, id, f, errs).await?,
            ))
        }
    }
}

#[derive(Template)]
#[template(path = "household_new.html")]
pub struct HouseholdNewPage {
    pub c: Chrome,
    pub form: FormData,
    pub errors: FieldErrors,
    pub other_errors: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct BuildingQuery {
    pub building: Option<String>,
}

pub async fn household_new_form(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    UrlQuery(q): UrlQuery<BuildingQuery>,
) -> PageResult {
    c.actor
        .require(jingzhi_domain::auth::Permission::WriteRegister)?;
    let code = q.building.unwrap_or_default().trim().to_string();
    // Coming from a building's page: its name in the search field, its code below.
    let name = if code.is_empty() {
        String::new()
    } else {
        s.app
            .registry()
            .search_nodes(&c.actor, &code, Some(NodeKind::Building), 1)
            .await?
            .into_iter()
            .find(|n| n.code == code)
            .map(|n| n.name)
            .unwrap_or_default()
    };
    let form = FormData(vec![
        ("building_code".into(), code),
        ("building_q".into(), name),
    ]);
    Ok(render(&HouseholdNewPage {
        c: Chrome::new(&c, lang, "households"),
        form,
        errors: FieldErrors::default(),
        other_errors: vec![],
    }))
}

pub async fn household_new(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let again = |status, errors: FieldErrors, form: FormData| {
        let other_errors = errors.other(&["building", "unit", "room"]);
        render_status(
            status,
            &HouseholdNewPage {
                c: Chrome::new(&c, lang, "households"),
                form,
                errors,
                other_errors,
            },
        )
    };
    let unit = match f.opt("unit").map(|u| u.parse::<i32>()) {
        Some(Ok(u)) => Some(u),
        Some(Err(_)) => {
            return Ok(again(
                StatusCode::UNPROCESSABLE_ENTITY,
                FieldErrors(vec![("unit".into(), "单元应为数字".into())]),
                f,
            ))
        }
        None => None,
    };
    let input = HouseholdInput {
        building_id: None,
        building_code: f.opt("building_code"),
        unit,
        room: f.get("room").to_string(),
    };
    match s.app.registry().create_household(&c.actor, &input).await {
        Ok(h) => Ok(Redirect::to(&format!("/households/{}", h.id)).into_response()),
        Err(e) => {
            let (status, errs) = FieldErrors::from_app(e)?;
            Ok(again(status, errs, f))
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct BuildingSearch {
    pub building_q: String,
}

pub struct BuildingPick {
    pub code: String,
    pub name: String,
}

#[derive(Template)]
#[template(path = "building_picks.html")]
pub struct BuildingPicks {
    pub lang: Lang,
    pub q: String,
    pub buildings: Vec<BuildingPick>,
}

/// The building picker's choices (htmx fragment, `building_picker.html`): buildings in the
/// caller's scope whose name contains the words typed (or whose code starts with them).
pub async fn building_picks(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    UrlQuery(q): UrlQuery<BuildingSearch>,
) -> PageResult {
    let text = q.building_q.trim().to_string();
    let buildings = if text.is_empty() {
        vec![]
    } else {
        s.app
            .registry()
            .search_nodes(&c.actor, &text, Some(NodeKind::Building), 12)
            .await?
            .into_iter()
            .map(|n| BuildingPick {
                code: n.code,
                name: n.name,
            })
            .collect()
    };
    Ok(render(&BuildingPicks {
        lang,
        q: text,
        buildings,
    }))
}

// ------------------------------------------------------------------------------------------
// Residents

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ResidentQuery {
    pub q: Option<String>,
    pub tag: Option<String>,
    pub gender: Option<String>,
    pub residence: Option<String>,
    pub under: Option<String>,
    pub page: Option<String>,
}

impl ResidentQuery {
    /// The store's filter and the place below which to list, read by the same parse as the
    /// API's ([`ResidentQueryText::parse`]), with an error for each value that does not read:
    /// the page lists without it and says so; the download leaves it out.
    pub fn filter(&self) -> (ResidentFilter, Option<i64>, Vec<FieldError>) {
        let (filter, mut errs) = ResidentQueryText {
            q: self.q.as_deref(),
            tag: self.tag.as_deref(),
            gender: self.gender.as_deref(),
            residence: self.residence.as_deref(),
        }
        .parse();
        let under = self
            .under
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .and_then(|u| {
                u.parse().ok().or_else(|| {
                    errs.push(FieldError::new("under", "应为地点编号"));
                    None
                })
            });
        (filter, under, errs)
    }

    /// What the page says about a value it could not read: the parameter's own words with the
    /// value as sent.
    fn problems(&self, lang: Lang, errs: &[FieldError]) -> Vec<String> {
        errs.iter()
            .map(|e| {
                let sent = match e.field {
                    "tag" => &self.tag,
                    "gender" => &self.gender,
                    "residence" => &self.residence,
                    _ => &self.under,
                };
                let sent = sent.as_deref().unwrap_or("").trim();
                lang.tf(&format!("resident.bad_filter.{}", e.field), sent)
            })
            .collect()
    }

    fn pairs(&self) -> Vec<(&'static str, String)> {
        let s = |o: &Option<String>| o.clone().unwrap_or_default();
        vec![
            ("q", s(&self.q)),
            ("tag", s(&self.tag)),
            ("gender", s(&self.gender)),
            ("residence", s(&self.residence)),
            ("under", s(&self.under)),
        ]
    }
}

pub struct ResidentRow {
    pub id: i64,
    pub name: String,
    pub gender: &'static str,
    pub birth_date: String,
    pub id_mask: String,
    pub address: String,
    pub household_id: i64,
    pub tags: Vec<&'static str>,
}

#[derive(Template)]
#[template(path = "residents.html")]
pub struct ResidentsPage {
    pub c: Chrome,
    /// A value of the query that could not be read (left out of the list), one line each.
    pub problems: Vec<String>,
    pub q: String,
    pub q_kind: &'static str,
    pub under: String,
    pub under_name: Option<String>,
    pub tags: Vec<Opt>,
    pub genders: Vec<Opt>,
    pub residences: Vec<Opt>,
    pub rows: Vec<ResidentRow>,
    pub page: i64,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub export: String,
}

pub async fn residents(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    UrlQuery(q): UrlQuery<ResidentQuery>,
) -> PageResult {
    let (f, under, errs) = q.filter();
    let q_kind = match f.q.as_deref().map(classify_query) {
        None => "",
        Some(SearchKind::Name(_)) => "search.by_name",
        Some(SearchKind::Address(_)) => "search.by_address",
        Some(SearchKind::IdNumber(_)) => "search.by_id",
        Some(SearchKind::MaskedId(_)) => "search.by_masked_id",
        Some(SearchKind::Phone(_)) => "search.by_phone",
    };
    let page = super::page_number("page", q.page.as_deref())?;
    let (tag, gender, residence) = (f.tag, f.gender, f.residence);
    let res = s
        .app
        .registry()
        .list_residents(&c.actor, f, under, page, PER_PAGE)
        .await?;
    let base = q.pairs();
    let link = |p: i64| {
        let mut pairs = base.clone();
        pairs.push(("page", p.to_string()));
        format!("/residents?{}", query_string(&pairs))
    };
    let page_view = ResidentsPage {
        c: Chrome::new(&c, lang, "residents"),
        problems: q.problems(lang, &errs),
        q: q.q.clone().unwrap_or_default(),
        q_kind: if q_kind.is_empty() {
            ""
        } else {
            lang.t(q_kind)
        },
        under: under.map(|u| u.to_string()).unwrap_or_default(),
        under_name: under_name(&s, &c, under).await?,
        tags: opts(
            &Tag::ALL,
            tag.map(|t| t.as_str()).unwrap_or(""),
            |t| t.as_str().into(),
            |t| tag_label(lang, t).into(),
        ),
        genders: opts(
            Gender::ALL,
            gender.map(|g| g.as_str()).unwrap_or(""),
            |g| g.as_str().into(),
            |g| gender_label(lang, g).into(),
        ),
        residences: opts(
            Residence::ALL,
            residence.map(|r| r.as_str()).unwrap_or(""),
            |r| r.as_str().into(),
            |r| residence_label(lang, r).into(),
        ),
        rows: res
            .items
            .iter()
            .map(|r| ResidentRow {
                id: r.id,
                name: r.name.clone(),
                gender: gender_label(lang, r.gender),
                birth_date: r.birth_date.clone(),
                id_mask: r.id_mask.clone(),
                address: r.address.clone(),
                household_id: r.household_id,
                tags: tags_of(lang, r),
            })
            .collect(),
        page,
        prev: (page > 1).then(|| link(page - 1)),
        next: res.has_more.then(|| link(page + 1)),
        export: format!("/residents/export.xlsx?{}", query_string(&base)),
    };
    Ok(render(&page_view))
}

/// The ID and phone block of a resident's page: masked, or plain after an unmask, with the
/// unmask form for roles that may. Swapped in place by htmx.
#[derive(Template)]
#[template(path = "unmask.html")]
pub struct UnmaskBlock {
    pub lang: Lang,
    pub id: i64,
    pub csrf: String,
    pub id_number: String,
    pub phone: String,
    pub plain: bool,
    pub can_unmask: bool,
    pub reason: String,
    pub error: Option<String>,
}

impl UnmaskBlock {
    pub fn t(&self, k: &str) -> &'static str {
        self.lang.t(k)
    }
}

#[derive(Template)]
#[template(path = "resident.html")]
pub struct ResidentPage {
    pub c: Chrome,
    pub id: i64,
    pub name: String,
    pub gender: &'static str,
    pub birth_date: String,
    pub relationship: &'static str,
    pub residence: &'static str,
    pub tags: Vec<&'static str>,
    pub disability_grade: Option<i32>,
    pub low_income: Option<&'static str>,
    pub address: String,
    pub household_id: i64,
    pub crumbs: Vec<Crumb>,
    pub updated: String,
    /// The rendered [`UnmaskBlock`] (escaped by its own template).
    pub sensitive: String,
    /// Staff of the place: whether the resident is a residents' representative (居民代表).
    pub representative: Option<bool>,
    /// Recorders of the place: the resident's integrity subject (`Some(None)`: not scored yet).
    pub integrity: Option<Option<i64>>,
}

fn low_income_label(lang: Lang, l: LowIncome) -> &'static str {
    match lang {
        Lang::Zh => l.label_zh(),
        Lang::En => lang.t(&format!("low_income.{}", l.as_str())),
    }
}

fn masked_block(c: &Caller, lang: Lang, r: &Resident) -> UnmaskBlock {
    UnmaskBlock {
        lang,
        id: r.id,
        csrf: c.csrf.clone().unwrap_or_default(),
        id_number: r.id_mask.clone(),
        phone: r.phone_mask.clone().unwrap_or_default(),
        plain: false,
        can_unmask: c
            .actor
            .user
            .role
            .can(jingzhi_domain::auth::Permission::Unmask),
        reason: String::new(),
        error: None,
    }
}

async fn resident_page(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    id: i64,
    block: Option<UnmaskBlock>,
) -> Result<ResidentPage, PageError> {
    let v = s.app.registry().resident_view(&c.actor, id).await?;
    let r = &v.resident;
    let block = block.unwrap_or_else(|| masked_block(c, lang, r));
    let representative = if c.actor.user.role.is_manager() {
        Some(
            s.app
                .participation()
                .voter_settings(&c.actor, r.id)
                .await?
                .representative,
        )
    } else {
        None
    };
    let integrity = s.app.integrity().resident_subject(&c.actor, r.id).await?;
    Ok(ResidentPage {
        integrity,
        representative,
        c: Chrome::new(c, lang, "residents"),
        id,
        name: r.name.clone(),
        gender: gender_label(lang, r.gender),
        birth_date: r.birth_date.clone(),
        relationship: relationship_label(lang, r.relationship),
        residence: residence_label(lang, r.residence),
        tags: tags_of(lang, r),
        disability_grade: r.tags.disability_grade,
        low_income: r.tags.low_income.map(|l| low_income_label(lang, l)),
        address: v.household.address.clone(),
        household_id: r.household_id,
        crumbs: crumbs(&v.ancestors),
        updated: format_ms(r.updated_at),
        sensitive: block.render().map_err(|e| {
            tracing::error!(error = %e, "template failed");
            PageError::internal()
        })?,
    })
}

pub async fn resident(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
) -> PageResult {
    Ok(render(&resident_page(&s, &c, lang, id, None).await?))
}

pub async fn resident_unmask(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let view = s.app.registry().resident_view(&c.actor, id).await?;
    let mut block = masked_block(&c, lang, &view.resident);
    block.reason = f.get("reason").trim().to_string();
    let status = match s
        .app
        .registry()
        .unmask_resident(&c.actor, id, f.get("reason"))
        .await
    {
        Ok(u) => {
            block.id_number = u.id_number;
            block.phone = u.phone.unwrap_or_default();
            block.plain = true;
            StatusCode::OK
        }
        Err(e) => {
            let (status, errs) = FieldErrors::from_app(e)?;
            block.error = errs.0.into_iter().next().map(|(_, r)| r);
            status
        }
    };
    if is_htmx(&headers) {
        let html = block.render().map_err(|_| PageError::internal())?;
        return Ok((status, Html(html)).into_response());
    }
    Ok(render_status(
        status,
        &resident_page(&s, &c, lang, id, Some(block)).await?,
    ))
}

// ------------------------------------------------------------------------------------------
// Resident forms

#[derive(Template)]
#[template(path = "resident_form.html")]
pub struct ResidentFormPage {
    pub c: Chrome,
    pub title: &'static str,
    pub action: String,
    pub cancel: String,
    pub address: String,
    pub editing: bool,
    pub form: FormData,
    pub errors: FieldErrors,
    pub other_errors: Vec<String>,
    pub genders: Vec<Opt>,
    pub relationships: Vec<Opt>,
    pub residences: Vec<Opt>,
    pub low_incomes: Vec<Opt>,
}

const RESIDENT_FIELDS: [&str; 13] = [
    "name",
    "id_number",
    "gender",
    "birth_date",
    "phone",
    "relationship",
    "residence",
    "party_member",
    "volunteer",
    "elderly_alone",
    "disability_grade",
    "low_income",
    "family_doctor_key",
];

#[allow(clippy::too_many_arguments)]
fn resident_form_page(
    c: &Caller,
    lang: Lang,
    title: &'static str,
    action: String,
    cancel: String,
    address: String,
    editing: bool,
    form: FormData,
    errors: FieldErrors,
) -> ResidentFormPage {
    let mut shown = RESIDENT_FIELDS.to_vec();
    shown.push("child_in_difficulty");
    let other_errors = errors.other(&shown);
    let g = form.get("gender").to_string();
    let rel = form.get("relationship").to_string();
    let res = form.get("residence").to_string();
    let li = form.get("low_income").to_string();
    ResidentFormPage {
        c: Chrome::new(c, lang, "residents"),
        title: lang.t(title),
        action,
        cancel,
        address,
        editing,
        genders: opts(
            Gender::ALL,
            &g,
            |v| v.as_str().into(),
            |v| gender_label(lang, v).into(),
        ),
        relationships: opts(
            Relationship::ALL,
            &rel,
            |v| v.as_str().into(),
            |v| relationship_label(lang, v).into(),
        ),
        residences: opts(
            Residence::ALL,
            &res,
            |v| v.as_str().into(),
            |v| residence_label(lang, v).into(),
        ),
        low_incomes: opts(
            LowIncome::ALL,
            &li,
            |v| v.as_str().into(),
            |v| low_income_label(lang, v).into(),
        ),
        form,
        errors,
        other_errors,
    }
}

fn resident_input(f: &FormData) -> ResidentInput {
    ResidentInput {
        name: f.get("name").to_string(),
        id_number: f.get("id_number").trim().to_string(),
        gender: f.opt("gender"),
        birth_date: f.opt("birth_date"),
        phone: f.opt("phone"),
        relationship: f.opt("relationship"),
        residence: f.opt("residence"),
        party_member: f.checked("party_member"),
        volunteer: f.checked("volunteer"),
        elderly_alone: f.checked("elderly_alone"),
        disability_grade: f.opt("disability_grade"),
        low_income: f.opt("low_income"),
        child_in_difficulty: f.checked("child_in_difficulty"),
        family_doctor_key: f.checked("family_doctor_key"),
    }
}

pub async fn resident_new_form(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(hid): Path<i64>,
) -> PageResult {
    c.actor
        .require(jingzhi_domain::auth::Permission::WriteRegister)?;
    let v = s.app.registry().household_view(&c.actor, hid).await?;
    let rel = if v.household.head_id.is_none() {
        "head"
    } else {
        ""
    };
    let form = FormData(vec![
        ("relationship".into(), rel.into()),
        ("residence".into(), "permanent".into()),
    ]);
    Ok(render(&resident_form_page(
        &c,
        lang,
        "resident.new",
        format!("/households/{hid}/residents/new"),
        format!("/households/{hid}"),
        v.household.address,
        false,
        form,
        FieldErrors::default(),
    )))
}

pub async fn resident_new(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(hid): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    match s
        .app
        .registry()
        .create_resident(&c.actor, hid, &resident_input(&f))
        .await
    {
        Ok(r) => Ok(Redirect::to(&format!("/residents/{}", r.id)).into_response()),
        Err(e) => {
            let (status, errs) = FieldErrors::from_app(e)?;
            let v = s.app.registry().household_view(&c.actor, hid).await?;
            let page = resident_form_page(
                &c,
                lang,
                "resident.new",
                format!("/households/{hid}/residents/new"),
                format!("/households/{hid}"),
                v.household.address,
                false,
                f,
                errs,
            );
            Ok(render_status(status, &page))
        }
    }
}

pub async fn resident_edit_form(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
) -> PageResult {
    c.actor
        .require(jingzhi_domain::auth::Permission::WriteRegister)?;
    let v = s.app.registry().resident_view(&c.actor, id).await?;
    let r = &v.resident;
    let b = |x: bool| if x { "on" } else { "" }.to_string();
    let form = FormData(vec![
        ("name".into(), r.name.clone()),
        ("gender".into(), r.gender.as_str().into()),
        ("birth_date".into(), r.birth_date.clone()),
        ("relationship".into(), r.relationship.as_str().into()),
        ("residence".into(), r.residence.as_str().into()),
        ("party_member".into(), b(r.tags.party_member)),
        ("volunteer".into(), b(r.tags.volunteer)),
        ("elderly_alone".into(), b(r.tags.elderly_alone)),
        (
            "disability_grade".into(),
            r.tags
                .disability_grade
                .map(|g| g.to_string())
                .unwrap_or_default(),
        ),
        (
            "low_income".into(),
            r.tags
                .low_income
                .map(|l| l.as_str().to_string())
                .unwrap_or_default(),
        ),
        ("child_in_difficulty".into(), b(r.tags.child_in_difficulty)),
        ("family_doctor_key".into(), b(r.tags.family_doctor_key)),
        ("id_mask".into(), r.id_mask.clone()),
        (
            "phone_mask".into(),
            r.phone_mask.clone().unwrap_or_default(),
        ),
    ]);
    Ok(render(&resident_form_page(
        &c,
        lang,
        "resident.edit",
        format!("/residents/{id}/edit"),
        format!("/residents/{id}"),
        v.household.address.clone(),
        true,
        form,
        FieldErrors::default(),
    )))
}

pub async fn resident_edit(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let mut f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    match s
        .app
        .registry()
        .update_resident_from_form(&c.actor, id, &resident_input(&f), f.checked("clear_phone"))
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/residents/{id}")).into_response()),
        Err(e) => {
            let (status, errs) = FieldErrors::from_app(e)?;
            let v = s.app.registry().resident_view(&c.actor, id).await?;
            f.0.push(("id_mask".into(), v.resident.id_mask.clone()));
            f.0.push((
                "phone_mask".into(),
                v.resident.phone_mask.clone().unwrap_or_default(),
            ));
            let page = resident_form_page(
                &c,
                lang,
                "resident.edit",
                format!("/residents/{id}/edit"),
                format!("/residents/{id}"),
                v.household.address.clone(),
                true,
                f,
                errs,
            );
            Ok(render_status(status, &page))
        }
    }
}
