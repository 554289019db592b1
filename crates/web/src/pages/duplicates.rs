//! Duplicate suggestions for an event, as an htmx fragment (`GET /events/{id}/duplicates`, for
//! the event's page to embed; a full page when opened directly), with a "合并到此事件" form per
//! candidate for staff (`POST /events/{id}/duplicates/merge`, CSRF-checked): it merges this
//! event into the chosen one with the `Events::merge` use-case.

use super::{is_htmx, render, render_status, Chrome, FormData, PageResult};
use crate::i18n::Lang;
use crate::session::{Caller, PageCaller};
use crate::AppState;
use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::Router;
use jingzhi_domain::events::lifecycle::{CommandKind, Status};
use jingzhi_domain::time_fmt::format_ms;

/// The pages of this module (merged in [`super::router`]).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/events/{id}/duplicates", get(fragment))
        .route("/events/{id}/duplicates/merge", post(merge))
}

pub struct Row {
    pub id: i64,
    pub category: String,
    pub status: &'static str,
    pub description: String,
    pub reporter: String,
    pub at: String,
    pub distance: String,
    pub similarity: String,
    pub score: String,
}

#[derive(Template)]
#[template(path = "duplicates.html")]
pub struct Fragment {
    pub lang: Lang,
    pub id: i64,
    pub csrf: String,
    pub can_merge: bool,
    pub merged_into: Option<i64>,
    pub rows: Vec<Row>,
    pub notice: Option<String>,
    pub errors: Vec<String>,
}

#[derive(Template)]
#[template(path = "duplicates_page.html")]
pub struct FullPage {
    pub c: Chrome,
    pub f: Fragment,
}

impl Fragment {
    pub fn t(&self, key: &str) -> &'static str {
        self.lang.t(key)
    }
}

async fn fragment_of(
    s: &AppState,
    c: &Caller,
    lang: Lang,
    id: i64,
    notice: Option<String>,
    errors: Vec<String>,
) -> Result<Fragment, super::PageError> {
    let v = s.app.events().view(&c.actor, id).await?;
    let suggestions = s.app.duplicates().of_event(&c.actor, id).await?;
    let can_merge =
        v.event.status == Status::Reported && CommandKind::Merge.allowed(c.actor.user.role);
    Ok(Fragment {
        lang,
        id,
        csrf: c.csrf.clone().unwrap_or_default(),
        can_merge,
        merged_into: v.event.merged_into,
        rows: suggestions
            .into_iter()
            .map(|x| Row {
                id: x.event.id,
                category: x.event.category_name,
                status: super::events::status_label(lang, x.event.status),
                description: x.event.description,
                reporter: x.event.reporter_name,
                at: format_ms(x.event.reported_at),
                distance: lang.tf("dup.metres", format!("{:.0}", x.score.distance_m)),
                similarity: format!("{:.0}%", x.score.text_similarity * 100.0),
                score: format!("{:.0}", x.score.score * 100.0),
            })
            .collect(),
        notice,
        errors,
    })
}

fn respond(c: &Caller, lang: Lang, h: &HeaderMap, status: StatusCode, f: Fragment) -> PageResult {
    if is_htmx(h) {
        Ok(render_status(status, &f))
    } else {
        Ok(render_status(
            status,
            &FullPage {
                c: Chrome::new(c, lang, ""),
                f,
            },
        ))
    }
}

pub async fn fragment(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    h: HeaderMap,
    Path(id): Path<i64>,
) -> PageResult {
    let f = fragment_of(&s, &c, lang, id, None, vec![]).await?;
    if is_htmx(&h) {
        return Ok(render(&f));
    }
    respond(&c, lang, &h, StatusCode::OK, f)
}

pub async fn merge(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    h: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> PageResult {
    let form = FormData(form);
    c.check_csrf(form.get("csrf"))?;
    let Ok(into) = form.get("into").trim().parse::<i64>() else {
        let f = fragment_of(&s, &c, lang, id, None, vec![lang.t("dup.choose").into()]).await?;
        return respond(&c, lang, &h, StatusCode::UNPROCESSABLE_ENTITY, f);
    };
    match s.app.events().merge(&c.actor, id, into).await {
        Ok(_) => {
            let f =
                fragment_of(&s, &c, lang, id, Some(lang.tf("dup.merged", into)), vec![]).await?;
            respond(&c, lang, &h, StatusCode::OK, f)
        }
        Err(e) => {
            let (status, errs) = super::FieldErrors::from_app(e)?;
            let f = fragment_of(
                &s,
                &c,
                lang,
                id,
                None,
                errs.0.into_iter().map(|(_, r)| r).collect(),
            )
            .await?;
            respond(&c, lang, &h, status, f)
        }
    }
}
