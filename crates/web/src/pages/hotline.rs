//! 12345热线: upload a ticket file (the report lists what became of every ticket, or every error
//! of a malformed file), the queue of tickets no building was found for (pick the building by
//! searching its name or code, or send the ticket back with a reason), and the export of
//! results. Phone-width: every form stacks.

use super::UrlQuery;
use super::{render, render_status, Chrome, FormData, PageError, PageResult};
use crate::i18n::Lang;
use crate::session::PageCaller;
use crate::AppState;
use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use jingzhi_app::hotline::Ticket;
use jingzhi_app::hotline::{self as ah, HotlineImportReport};
use jingzhi_app::import::RowError;
use jingzhi_app::registry::Node;
use jingzhi_domain::registry::NodeKind;
use jingzhi_domain::time_fmt::format_ms;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/hotline", get(index))
        .route(
            "/hotline/import",
            post(import).layer(DefaultBodyLimit::max(ah::MAX_BYTES + 1024 * 1024)),
        )
        .route("/hotline/export", get(export))
        .route("/hotline/queue/{id}", get(item))
        .route("/hotline/queue/{id}/match", post(match_ticket))
        .route("/hotline/queue/{id}/discard", post(discard))
}

/// A ticket as the pages show it.
pub struct Row {
    pub id: i64,
    pub ticket_no: String,
    pub called: String,
    pub caller: String,
    pub phone: String,
    pub address: String,
    pub content: String,
    pub category: String,
    pub hotline_category: String,
    pub suggestion: Option<(i64, String)>,
    pub confidence: i64,
    pub note: String,
}

fn row(t: Ticket) -> Row {
    Row {
        id: t.id,
        ticket_no: t.ticket_no,
        called: format_ms(t.called_at),
        caller: t.caller_name,
        phone: t.phone_mask.unwrap_or_default(),
        address: t.address,
        content: t.content,
        category: t.category_name,
        hotline_category: t.hotline_category,
        suggestion: t.suggested_node_id.zip(t.suggested_name),
        confidence: t.confidence,
        note: t.match_note,
    }
}

#[derive(Template)]
#[template(path = "hotline/index.html")]
pub struct IndexPage {
    pub c: Chrome,
    pub queue: Vec<Row>,
    pub more: Option<i64>,
    pub matched: i64,
    pub queued: i64,
    pub discarded: i64,
    pub report: Option<HotlineImportReport>,
    pub errors: Vec<RowError>,
    pub error: Option<String>,
    pub notice: Option<String>,
}

const PAGE: i64 = 50;

async fn index_page(
    s: &AppState,
    c: &crate::session::Caller,
    lang: Lang,
    before: Option<i64>,
) -> Result<IndexPage, PageError> {
    let counts = s.app.hotline().counts(&c.actor).await?;
    let items = s.app.hotline().queue(&c.actor, before, PAGE).await?;
    let more = (items.len() as i64 == PAGE)
        .then(|| items.last().map(|t| t.id))
        .flatten();
    let n = |k: &str| counts.get(k).copied().unwrap_or(0);
    Ok(IndexPage {
        c: Chrome::new(c, lang, "hotline"),
        queue: items.into_iter().map(row).collect(),
        more,
        matched: n("matched"),
        queued: n("queued"),
        discarded: n("discarded"),
        report: None,
        errors: vec![],
        error: None,
        notice: None,
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct IndexQuery {
    pub before: Option<i64>,
    pub done: String,
}

pub async fn index(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    UrlQuery(q): UrlQuery<IndexQuery>,
) -> PageResult {
    let mut p = index_page(&s, &c, lang, q.before).await?;
    p.notice = match q.done.as_str() {
        "match" => Some(lang.t("hotline.done_match").into()),
        "discard" => Some(lang.t("hotline.done_discard").into()),
        _ => None,
    };
    Ok(render(&p))
}

pub async fn import(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    mut mp: Multipart,
) -> PageResult {
    if !ah::may_handle(c.actor.user.role) {
        return Err(PageError::forbidden());
    }
    let (mut csrf, mut file) = (String::new(), None::<(String, Vec<u8>)>);
    let bad = |_| PageError::keyed(StatusCode::BAD_REQUEST, "error.form_incomplete");
    while let Some(field) = mp.next_field().await.map_err(bad)? {
        match field.name().unwrap_or("") {
            "csrf" => csrf = field.text().await.map_err(bad)?,
            "file" => {
                let name = field.file_name().unwrap_or("").to_string();
                let bytes = field.bytes().await.map_err(bad)?;
                file = Some((name, bytes.to_vec()));
            }
            _ => {}
        }
    }
    c.check_csrf(&csrf)?;
    let Some((name, bytes)) = file.filter(|(n, b)| !n.is_empty() && !b.is_empty()) else {
        let mut p = index_page(&s, &c, lang, None).await?;
        p.error = Some(lang.t("hotline.no_file").into());
        return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &p));
    };
    match s.app.hotline().import(&c.actor, &name, &bytes).await {
        Ok(report) => {
            // The queue after the import.
            let mut p = index_page(&s, &c, lang, None).await?;
            let status = if report.committed {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            p.errors = report.errors.iter().take(500).cloned().collect();
            p.report = Some(report);
            Ok(render_status(status, &p))
        }
        Err(jingzhi_app::AppError::Invalid(fs)) => {
            let mut p = index_page(&s, &c, lang, None).await?;
            p.error = Some(
                fs.into_iter()
                    .map(|f| f.reason)
                    .collect::<Vec<_>>()
                    .join("；"),
            );
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &p))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ExportQuery {
    pub from: String,
    pub to: String,
    pub format: String,
}

pub async fn export(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    UrlQuery(q): UrlQuery<ExportQuery>,
) -> PageResult {
    let from = ah::day_bound(&q.from, false, "from")?;
    let to = ah::day_bound(&q.to, true, "to")?;
    let format = ah::Format::parse(&q.format)?;
    let x = s.app.hotline().export(&c.actor, from, to, format).await?;
    Ok((
        [
            (header::CONTENT_TYPE, x.content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                crate::shared::attachment(&x.file_name),
            ),
        ],
        x.bytes,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "hotline/item.html")]
pub struct ItemPage {
    pub c: Chrome,
    pub t: Row,
    pub q: String,
    pub found: Vec<Node>,
    pub searched: bool,
    pub error: Option<String>,
    pub reason: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ItemQuery {
    pub q: String,
}

async fn item_page(
    s: &AppState,
    c: &crate::session::Caller,
    lang: Lang,
    id: i64,
    q: &str,
) -> Result<ItemPage, PageError> {
    let t = s.app.hotline().ticket(&c.actor, id).await?;
    if t.status != "queued" {
        return Err(PageError::keyed(StatusCode::CONFLICT, "hotline.handled"));
    }
    let q = q.trim().to_string();
    let found = if q.is_empty() {
        vec![]
    } else {
        s.app
            .registry()
            .search_nodes(&c.actor, &q, Some(NodeKind::Building), 20)
            .await?
    };
    Ok(ItemPage {
        c: Chrome::new(c, lang, "hotline"),
        t: row(t),
        searched: !q.is_empty(),
        q,
        found,
        error: None,
        reason: String::new(),
    })
}

pub async fn item(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    UrlQuery(q): UrlQuery<ItemQuery>,
) -> PageResult {
    Ok(render(&item_page(&s, &c, lang, id, &q.q).await?))
}

pub async fn match_ticket(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    let building = f.get("building_id").trim().parse::<i64>().ok();
    let result = match building {
        Some(b) => s.app.hotline().hotline_match(&c.actor, id, b).await,
        None => Err(jingzhi_app::AppError::invalid("building_id", "请选择楼宇")),
    };
    match result {
        Ok(_) => Ok(Redirect::to("/hotline?done=match").into_response()),
        Err(jingzhi_app::AppError::Invalid(fs)) => {
            let mut p = item_page(&s, &c, lang, id, f.get("q")).await?;
            p.error = Some(
                fs.into_iter()
                    .map(|f| f.reason)
                    .collect::<Vec<_>>()
                    .join("；"),
            );
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &p))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn discard(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = FormData(f);
    c.check_csrf(f.get("csrf"))?;
    match s.app.hotline().discard(&c.actor, id, f.get("reason")).await {
        Ok(_) => Ok(Redirect::to("/hotline?done=discard").into_response()),
        Err(jingzhi_app::AppError::Invalid(fs)) => {
            let mut p = item_page(&s, &c, lang, id, "").await?;
            p.error = Some(
                fs.into_iter()
                    .map(|f| f.reason)
                    .collect::<Vec<_>>()
                    .join("；"),
            );
            p.reason = f.get("reason").to_string();
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &p))
        }
        Err(e) => Err(e.into()),
    }
}
