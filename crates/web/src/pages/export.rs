//! Downloads of the lists as .xlsx, with the same filters as the pages. The use-case writes the
//! workbook to a temporary file; the file is opened, unlinked at once (the open handle keeps it
//! readable, and nothing is left behind whatever happens to the download) and streamed back.

use super::audit::AuditQuery;
use super::registry::{HouseholdQuery, ResidentQuery};
use super::UrlQuery;
use super::{PageError, PageResult};
use crate::session::PageCaller;
use crate::shared::attachment;
use crate::AppState;
use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use jingzhi_app::export::ServiceList;
use jingzhi_app::import::XLSX_CONTENT_TYPE;
use jingzhi_app::AppResult;
use jingzhi_domain::time_fmt::today;
use std::future::Future;
use std::path::PathBuf;

/// The pages of this module (merged in [`super::router`]).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/households/export.xlsx", get(households))
        .route("/residents/export.xlsx", get(residents))
        .route("/audit/export.xlsx", get(audit))
        .route("/proposals/export.xlsx", get(proposals))
        .route("/meetings/export.xlsx", get(meetings))
        .route("/decisions/export.xlsx", get(decisions))
        .route("/votes/export.xlsx", get(votes))
        .route("/councils/export.xlsx", get(councils))
        .route("/funds/{id}/export.xlsx", get(fund_ledger))
        .route("/activities/export.xlsx", get(activities))
        .route("/forces/export.xlsx", get(forces))
        .route("/legal/export.xlsx", get(legal))
        .route("/jobs/export.xlsx", get(jobs))
        .route("/doctors/unsigned/export.xlsx", get(doctors_unsigned))
        .route("/care/records/export.xlsx", get(care_records))
        .route("/care/cases/export.xlsx", get(care_cases))
}

/// The filter of `/care/records` (`kind`), and of the cases (`state`, `colour`); a value that
/// is not one of the list's is left out, as the page does.
#[derive(Debug, Default, serde::Deserialize)]
pub struct CareQuery {
    pub kind: Option<String>,
    pub state: Option<String>,
    pub colour: Option<String>,
}

pub async fn care_records(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    UrlQuery(q): UrlQuery<CareQuery>,
) -> PageResult {
    use jingzhi_app::export::CareList;
    let kind = q
        .kind
        .as_deref()
        .and_then(jingzhi_domain::care::CareKind::parse);
    stream(format!("关爱对象_{}.xlsx", today()), |p| async move {
        s.app
            .export()
            .care(&c.actor, CareList::Records { kind }, &p)
            .await
    })
    .await
}

pub async fn care_cases(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    UrlQuery(q): UrlQuery<CareQuery>,
) -> PageResult {
    use jingzhi_app::export::CareList;
    use jingzhi_domain::care::{CaseState, Colour};
    let list = CareList::Cases {
        state: q.state.as_deref().and_then(CaseState::parse),
        colour: q.colour.as_deref().and_then(Colour::parse),
    };
    stream(format!("救助链_{}.xlsx", today()), |p| async move {
        s.app.export().care(&c.actor, list, &p).await
    })
    .await
}

async fn participation(
    s: AppState,
    c: crate::session::Caller,
    list: jingzhi_app::export::ParticipationList,
    name: &str,
) -> PageResult {
    stream(format!("{name}_{}.xlsx", today()), |p| async move {
        s.app.export().participation(&c.actor, list, &p).await
    })
    .await
}

pub async fn proposals(State(s): State<AppState>, PageCaller(c): PageCaller) -> PageResult {
    use jingzhi_app::export::ParticipationList;
    participation(s, c, ParticipationList::Proposals, "居民小提案").await
}

pub async fn meetings(State(s): State<AppState>, PageCaller(c): PageCaller) -> PageResult {
    use jingzhi_app::export::ParticipationList;
    participation(s, c, ParticipationList::Meetings, "议事会议").await
}

pub async fn decisions(State(s): State<AppState>, PageCaller(c): PageCaller) -> PageResult {
    use jingzhi_app::export::ParticipationList;
    participation(s, c, ParticipationList::Decisions, "决定落实").await
}

pub async fn votes(State(s): State<AppState>, PageCaller(c): PageCaller) -> PageResult {
    use jingzhi_app::export::ParticipationList;
    participation(s, c, ParticipationList::Votes, "居民表决").await
}

pub async fn councils(State(s): State<AppState>, PageCaller(c): PageCaller) -> PageResult {
    use jingzhi_app::export::ParticipationList;
    participation(s, c, ParticipationList::Councils, "共治理事会").await
}

async fn services(s: AppState, c: crate::session::Caller, list: ServiceList) -> PageResult {
    stream(
        format!("{}_{}.xlsx", list.name(), today()),
        |p| async move { s.app.export().services(&c.actor, list, &p).await },
    )
    .await
}

pub async fn activities(State(s): State<AppState>, PageCaller(c): PageCaller) -> PageResult {
    services(s, c, ServiceList::Activities).await
}

pub async fn forces(State(s): State<AppState>, PageCaller(c): PageCaller) -> PageResult {
    services(s, c, ServiceList::Forces).await
}

pub async fn legal(State(s): State<AppState>, PageCaller(c): PageCaller) -> PageResult {
    services(s, c, ServiceList::LegalCases).await
}

pub async fn jobs(State(s): State<AppState>, PageCaller(c): PageCaller) -> PageResult {
    services(s, c, ServiceList::JobSeekers).await
}

pub async fn doctors_unsigned(State(s): State<AppState>, PageCaller(c): PageCaller) -> PageResult {
    services(s, c, ServiceList::DoctorsUnsigned).await
}

pub async fn fund_ledger(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    axum::extract::Path(id): axum::extract::Path<i64>,
) -> PageResult {
    stream(
        format!("基金收支明细_{id}_{}.xlsx", today()),
        |p| async move { s.app.export().fund_ledger(&c.actor, id, &p).await },
    )
    .await
}

fn temp_path() -> PathBuf {
    std::env::temp_dir().join(format!(
        "jingzhi-export-{}.xlsx",
        jingzhi_app::auth::random_secret()
    ))
}

pub(crate) async fn stream<F>(name: String, write: impl FnOnce(PathBuf) -> F) -> PageResult
where
    F: Future<Output = AppResult<u64>>,
{
    let path = temp_path();
    let result = write(path.clone()).await;
    let file = match result {
        Ok(_) => tokio::fs::File::open(&path).await,
        Err(e) => {
            let _ = tokio::fs::remove_file(&path).await;
            return Err(e.into());
        }
    };
    let _ = tokio::fs::remove_file(&path).await;
    let file = file.map_err(|e| {
        tracing::error!(error = %e, "export file vanished");
        PageError::internal()
    })?;
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(file));
    Ok((
        [
            (header::CONTENT_TYPE, XLSX_CONTENT_TYPE.to_string()),
            (header::CONTENT_DISPOSITION, attachment(&name)),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response())
}

pub async fn residents(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    UrlQuery(q): UrlQuery<ResidentQuery>,
) -> PageResult {
    // A value the page could not read is left out here too (the page said so).
    let (f, under, _) = q.filter();
    stream(format!("居民_{}.xlsx", today()), |p| async move {
        s.app.export().residents(&c.actor, f, under, &p).await
    })
    .await
}

pub async fn households(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    UrlQuery(q): UrlQuery<HouseholdQuery>,
) -> PageResult {
    let (f, under) = q.filter();
    stream(format!("住户_{}.xlsx", today()), |p| async move {
        s.app.export().households(&c.actor, f, under, &p).await
    })
    .await
}

pub async fn audit(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    UrlQuery(q): UrlQuery<AuditQuery>,
) -> PageResult {
    let f = q.filter();
    stream(format!("审计日志_{}.xlsx", today()), |p| async move {
        s.app.export().audit(&c.actor, &f, &p).await
    })
    .await
}

/// A workbook already in memory as a download named `name`.
pub(crate) fn xlsx_download(name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, XLSX_CONTENT_TYPE.to_string()),
            (header::CONTENT_DISPOSITION, attachment(name)),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        bytes,
    )
        .into_response()
}
