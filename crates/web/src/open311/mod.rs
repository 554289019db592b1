//! Open311 GeoReport v2 at `/open311/v2/` (see `docs/open311.md`), in JSON and XML chosen by
//! the extension as the specification says: discovery, services, a service's definition,
//! `POST requests` (with `api_key`), `tokens/{token}`, `GET requests`, `requests/{id}`, and the
//! `servicerequestupdates` extension (GET). Errors are the specification's
//! `[{code, description}]` with 400 (bad input), 403 (api_key) or 404 (unknown id).

pub mod render;

use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use jingzhi_app::events::CategoryRow;
use jingzhi_app::open311::RequestRow;
use jingzhi_app::open311::{CreateInput, KEY_TTL};
use jingzhi_app::AppError;
use jingzhi_domain::events::lifecycle::Status;
use jingzhi_domain::open311 as d;
use jingzhi_domain::open311::{RequestFilter, UpdateFilter};
use jingzhi_domain::time_fmt::now_ms;
use render::{error, Doc, Fmt, Rec, F};

pub const SPECIFICATION: &str = "http://wiki.open311.org/GeoReport_v2";
/// When this endpoint last changed (discovery's `changeset`).
pub const CHANGESET: &str = "2026-11-27T00:00:00+08:00";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/open311/v2/{file}", get(get_file).post(post_file))
        .route("/open311/v2/services/{file}", get(service_definition))
        .route("/open311/v2/requests/{file}", get(one_request))
        .route("/open311/v2/tokens/{file}", get(token))
}

/// `name.json` / `name.xml` → (name, format).
fn split(file: &str) -> Option<(&str, Fmt)> {
    let (name, ext) = file.rsplit_once('.')?;
    let fmt = match ext {
        "json" => Fmt::Json,
        "xml" => Fmt::Xml,
        _ => return None,
    };
    (!name.is_empty()).then_some((name, fmt))
}

fn not_found(fmt: Fmt) -> Response {
    error(StatusCode::NOT_FOUND, fmt, "未找到")
}

/// Query or form pairs.
struct Params(Vec<(String, String)>);

/// `%XX` and `+` decoded; `None` when a byte sequence is not UTF-8.
fn form_decode(part: &[u8]) -> Option<String> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(part.len());
    let mut i = 0;
    while i < part.len() {
        match part[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < part.len() => match (hex(part[i + 1]), hex(part[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

impl Params {
    /// The pairs of a form or query string; a name or value that is not UTF-8 (raw, or once
    /// percent-decoded) is refused with the field it belongs to, never replaced by U+FFFD.
    fn parse(raw: &[u8]) -> Result<Self, String> {
        let mut pairs = Vec::new();
        for part in raw.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
            let (k, v) = match part.iter().position(|b| *b == b'=') {
                Some(i) => (&part[..i], &part[i + 1..]),
                None => (part, &part[..0]),
            };
            let Some(name) = form_decode(k) else {
                return Err("参数名".to_string());
            };
            let Some(value) = form_decode(v) else {
                return Err(name);
            };
            pairs.push((name, value));
        }
        Ok(Params(pairs))
    }
    fn get(&self, k: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
    }
    fn get_owned(&self, k: &str) -> Option<String> {
        self.get(k).map(str::to_string)
    }
    /// Every value of a parameter given several times or comma-separated.
    fn list(&self, k: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(n, _)| n == k)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect()
    }
}

/// An [`AppError`] as GeoReport errors: one `{code, description}` per field for bad input.
fn app_error(e: AppError, fmt: Fmt) -> Response {
    match e {
        AppError::Invalid(fields) => {
            let items: Vec<Rec> = fields
                .into_iter()
                .map(|f| {
                    vec![
                        ("code", F::I(400)),
                        ("description", F::S(format!("{}：{}", f.field, f.reason))),
                    ]
                })
                .collect();
            Doc::List {
                root: "errors",
                item: "error",
                items,
            }
            .respond(StatusCode::BAD_REQUEST, fmt)
        }
        AppError::Forbidden | AppError::Unauthorized | AppError::Locked { .. } => error(
            StatusCode::FORBIDDEN,
            fmt,
            "api_key：缺少 api_key，或密钥无效、已吊销",
        ),
        AppError::NotFound => not_found(fmt),
        AppError::Conflict { field, reason } => {
            error(StatusCode::BAD_REQUEST, fmt, &format!("{field}：{reason}"))
        }
        AppError::Internal(msg) => {
            tracing::error!(error = %msg, "open311");
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                fmt,
                "内部错误，请稍后再试",
            )
        }
    }
}

/// A form or query value that is not UTF-8 (the specification's character set): 400.
fn not_utf8(fmt: Fmt, field: &str) -> Response {
    bad(fmt, field, "不是有效的 UTF-8 文字")
}

fn bad(fmt: Fmt, field: &str, reason: &str) -> Response {
    error(StatusCode::BAD_REQUEST, fmt, &format!("{field}：{reason}"))
}

/// `jurisdiction_id` is optional (one jurisdiction here); when given it must be the city's code.
async fn check_jurisdiction(s: &AppState, p: &Params, fmt: Fmt) -> Result<(), Response> {
    if let Some(j) = p
        .get("jurisdiction_id")
        .map(str::trim)
        .filter(|j| !j.is_empty())
    {
        let city = s
            .app
            .open311()
            .reader()
            .await
            .map_err(|e| app_error(e, fmt))?;
        if j != city.user.scope_code {
            return Err(error(
                StatusCode::NOT_FOUND,
                fmt,
                &format!(
                    "jurisdiction_id：未知的辖区“{j}”，本端点只服务 {}",
                    city.user.scope_code
                ),
            ));
        }
    }
    Ok(())
}

async fn get_file(
    State(s): State<AppState>,
    Path(file): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    let Some((name, fmt)) = split(&file) else {
        return not_found(Fmt::Xml);
    };
    let p = match Params::parse(q.as_deref().unwrap_or("").as_bytes()) {
        Ok(p) => p,
        Err(field) => return not_utf8(fmt, &field),
    };
    if let Err(r) = check_jurisdiction(&s, &p, fmt).await {
        return r;
    }
    match name {
        "discovery" => discovery(&headers, fmt),
        "services" => services(&s, fmt).await,
        "requests" => list_requests(&s, &p, q.as_deref().unwrap_or(""), fmt).await,
        "servicerequestupdates" => updates(&s, &p, fmt).await,
        _ => not_found(fmt),
    }
}

async fn post_file(
    State(s): State<AppState>,
    Path(file): Path<String>,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Response {
    let Some((name, fmt)) = split(&file) else {
        return not_found(Fmt::Xml);
    };
    if name != "requests" {
        return not_found(fmt);
    }
    // The specification sends everything form-encoded in the body; an api_key in the query
    // string is accepted too.
    let mut p = match Params::parse(&body) {
        Ok(p) => p,
        Err(field) => return not_utf8(fmt, &field),
    };
    match Params::parse(q.as_deref().unwrap_or("").as_bytes()) {
        Ok(more) => p.0.extend(more.0),
        Err(field) => return not_utf8(fmt, &field),
    }
    if let Err(r) = check_jurisdiction(&s, &p, fmt).await {
        return r;
    }
    create(&s, &p, fmt).await
}

// ---------------------------------------------------------------------------------------------

fn discovery(headers: &HeaderMap, fmt: Fmt) -> Response {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".:-[]".contains(c))
        })
        .unwrap_or("localhost");
    let scheme = match headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
    {
        Some("https") => "https",
        _ => "http",
    };
    Doc::One {
        root: "discovery",
        rec: vec![
            ("changeset", F::S(CHANGESET.into())),
            (
                "contact",
                F::S("jingzhi 精致社区治理平台：请联系本市平台管理员".into()),
            ),
            (
                "key_service",
                F::S("向平台管理员申请 api_key（jingzhi open311 key add --name 名称）".into()),
            ),
            (
                "endpoints",
                F::List(
                    "endpoint",
                    vec![vec![
                        ("specification", F::S(SPECIFICATION.into())),
                        ("url", F::S(format!("{scheme}://{host}/open311/v2"))),
                        ("changeset", F::S(CHANGESET.into())),
                        ("type", F::S("production".into())),
                        (
                            "formats",
                            F::Strs("format", vec!["text/xml".into(), "application/json".into()]),
                        ),
                    ]],
                ),
            ),
        ],
    }
    .respond(StatusCode::OK, fmt)
}

fn handler_of(c: &CategoryRow) -> String {
    match &c.category.department {
        Some(d) if !d.is_empty() => d.clone(),
        _ => c.category.handler.label_zh().to_string(),
    }
}

async fn services(s: &AppState, fmt: Fmt) -> Response {
    let cats = match s.app.open311().services().await {
        Ok(c) => c,
        Err(e) => return app_error(e, fmt),
    };
    let all = cats.clone();
    let items = cats
        .iter()
        .map(|c| {
            let group = c
                .category
                .parent_code
                .as_ref()
                .and_then(|p| all.iter().find(|x| &x.category.code == p))
                .map(|p| p.category.name.clone());
            vec![
                ("service_code", F::S(c.category.code.clone())),
                ("service_name", F::S(c.category.name.clone())),
                (
                    "description",
                    F::S(format!("{}，默认由{}处理", c.category.name, handler_of(c))),
                ),
                ("metadata", F::B(!c.category.questions.is_empty())),
                ("type", F::S("realtime".into())),
                ("keywords", F::S(c.category.name.replace('/', ","))),
                ("group", F::OS(group)),
            ]
        })
        .collect();
    Doc::List {
        root: "services",
        item: "service",
        items,
    }
    .respond(StatusCode::OK, fmt)
}

async fn service_definition(
    State(s): State<AppState>,
    Path(file): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let Some((code, fmt)) = split(&file) else {
        return not_found(Fmt::Xml);
    };
    let p = match Params::parse(q.as_deref().unwrap_or("").as_bytes()) {
        Ok(p) => p,
        Err(field) => return not_utf8(fmt, &field),
    };
    if let Err(r) = check_jurisdiction(&s, &p, fmt).await {
        return r;
    }
    let c = match s.app.open311().service(code).await {
        Ok(Some(c)) => c,
        Ok(None) => {
            return error(
                StatusCode::NOT_FOUND,
                fmt,
                &format!("service_code：未知的服务类型“{code}”"),
            )
        }
        Err(e) => return app_error(e, fmt),
    };
    let attributes = c
        .category
        .questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let list = !q.choices.is_empty();
            vec![
                ("variable", F::B(true)),
                ("code", F::S(q.code.clone())),
                (
                    "datatype",
                    F::S(if list { "singlevaluelist" } else { "string" }.into()),
                ),
                ("required", F::B(q.required)),
                (
                    "datatype_description",
                    F::OS(Some(if list {
                        format!("从以下选项中选择一项：{}", q.choices.join("、"))
                    } else {
                        "文字，不超过2000字".to_string()
                    })),
                ),
                ("order", F::I(i as i64 + 1)),
                ("description", F::S(q.text.clone())),
                (
                    "values",
                    F::List(
                        "value",
                        q.choices
                            .iter()
                            .map(|v| vec![("key", F::S(v.clone())), ("name", F::S(v.clone()))])
                            .collect(),
                    ),
                ),
            ]
        })
        .collect();
    Doc::One {
        root: "service_definition",
        rec: vec![
            ("service_code", F::S(c.category.code.clone())),
            ("attributes", F::List("attribute", attributes)),
        ],
    }
    .respond(StatusCode::OK, fmt)
}

async fn create(s: &AppState, p: &Params, fmt: Fmt) -> Response {
    let client = match s.app.open311().client(p.get("api_key")).await {
        Ok(c) => c,
        Err(e) => return app_error(e, fmt),
    };
    // An unknown service is "not found" (404), as the specification says; a missing one is
    // bad input (400, from the use-case with the other checks).
    let code = p.get("service_code").map(str::trim).unwrap_or_default();
    if !code.is_empty() {
        match s.app.open311().service(code).await {
            Ok(Some(_)) => {}
            Ok(None) => {
                return error(
                    StatusCode::NOT_FOUND,
                    fmt,
                    &format!("service_code：未知的服务类型“{code}”"),
                )
            }
            Err(e) => return app_error(e, fmt),
        }
    }
    let attributes =
        p.0.iter()
            .filter_map(|(k, v)| {
                let code = k.strip_prefix("attribute[")?.strip_suffix(']')?;
                Some((code.to_string(), v.clone()))
            })
            .collect();
    let input = CreateInput {
        service_code: p.get_owned("service_code").unwrap_or_default(),
        lat: p.get_owned("lat"),
        long: p.get_owned("long"),
        address_string: p.get_owned("address_string"),
        address_id: p.get_owned("address_id"),
        attributes,
        email: p.get_owned("email"),
        device_id: p.get_owned("device_id"),
        account_id: p.get_owned("account_id"),
        first_name: p.get_owned("first_name"),
        last_name: p.get_owned("last_name"),
        phone: p.get_owned("phone"),
        description: p.get_owned("description"),
        media_url: p.get_owned("media_url"),
    };
    match s.app.open311().create(&client, &input).await {
        Ok(c) => Doc::List {
            root: "service_requests",
            item: "request",
            // Created at once: the id, and no token (the specification gives one or the
            // other). `tokens/{id}` still answers for clients that ask anyway.
            items: vec![vec![
                ("service_request_id", F::I(c.id)),
                ("service_notice", F::S(c.service_notice)),
                ("account_id", F::OS(None)),
            ]],
        }
        .respond(StatusCode::OK, fmt),
        Err(e) => app_error(e, fmt),
    }
}

fn agency(r: &RequestRow) -> String {
    if let Some(l) = r.lead.as_ref().filter(|l| !l.is_empty()) {
        return l.clone();
    }
    match &r.department {
        Some(d) if !d.is_empty() => d.clone(),
        _ => jingzhi_domain::events::HandlerKind::parse(&r.handler_kind)
            .map(|h| h.label_zh().to_string())
            .unwrap_or_default(),
    }
}

fn request_rec(r: &RequestRow) -> Rec {
    vec![
        ("service_request_id", F::I(r.id)),
        ("status", F::S(r.status.open311().into())),
        (
            "status_notes",
            F::S(d::status_notes(
                r.status,
                r.invalid_reason.as_deref(),
                r.result.as_deref(),
                r.merged_into,
            )),
        ),
        ("service_name", F::S(r.category_name.clone())),
        ("service_code", F::S(r.category_code.clone())),
        ("description", F::S(r.description.clone())),
        ("agency_responsible", F::S(agency(r))),
        (
            "service_notice",
            F::OS(
                r.status
                    .is_open()
                    .then(|| jingzhi_app::open311::service_notice(r.urgency, r.deadline_at)),
            ),
        ),
        ("requested_datetime", F::S(d::format_w3c(r.reported_at))),
        ("updated_datetime", F::S(d::format_w3c(r.updated_at))),
        ("expected_datetime", F::S(d::format_w3c(r.deadline_at))),
        ("address", F::S(r.node_name.clone())),
        ("address_id", F::S(r.node_code.clone())),
        ("zipcode", F::OS(None)),
        ("lat", F::OF(r.y)),
        ("long", F::OF(r.x)),
        ("media_url", F::OS(r.media_url.clone())),
    ]
}

fn requests_doc(rows: &[RequestRow]) -> Doc {
    Doc::List {
        root: "service_requests",
        item: "request",
        items: rows.iter().map(request_rec).collect(),
    }
}

fn ids(p: &Params, k: &str, fmt: Fmt) -> Result<Vec<i64>, Response> {
    let v = p.list(k);
    if v.len() > 1000 {
        return Err(bad(fmt, k, "最多 1000 个编号"));
    }
    v.iter()
        .map(|s| {
            s.parse::<i64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| bad(fmt, k, &format!("“{s}”不是有效的请求编号")))
        })
        .collect()
}

async fn list_requests(s: &AppState, p: &Params, query: &str, fmt: Fmt) -> Response {
    let (limit, offset) = match d::paging(p.get("page"), p.get("page_size")) {
        Ok(v) => v,
        Err(e) => return bad(fmt, e.field, &e.reason),
    };
    let ids = match ids(p, "service_request_id", fmt) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let f = if !ids.is_empty() {
        // "If this parameter is included all other parameters are ignored" (paging aside).
        RequestFilter {
            ids,
            ..Default::default()
        }
    } else {
        let (from, to) = match d::date_window(p.get("start_date"), p.get("end_date"), now_ms()) {
            Ok(v) => v,
            Err(e) => return bad(fmt, e.field, &e.reason),
        };
        let mut statuses: Vec<Status> = Vec::new();
        for st in p.list("status") {
            match d::statuses_for(st) {
                Some(v) => statuses.extend(v),
                None => return bad(fmt, "status", &format!("“{st}”无效，应为 open 或 closed")),
            }
        }
        let mut categories = Vec::new();
        for c in p.list("service_code") {
            match s.app.open311().service(c).await {
                Ok(Some(_)) => categories.push(c.to_string()),
                Ok(None) => return bad(fmt, "service_code", &format!("未知的服务类型“{c}”")),
                Err(e) => return app_error(e, fmt),
            }
        }
        RequestFilter {
            ids: vec![],
            categories,
            statuses,
            from_ms: Some(from),
            to_ms: Some(to),
        }
    };
    let key = format!("requests.{fmt:?}?{}", query);
    let body = s
        .app
        .open311()
        .cached(&key, async {
            let rows = s.app.open311().requests(&f, limit, offset).await?;
            Ok(requests_doc(&rows).render(fmt))
        })
        .await;
    match body {
        Ok(b) => (
            StatusCode::OK,
            [(axum::http::header::CONTENT_TYPE, fmt.content_type())],
            b.to_string(),
        )
            .into_response(),
        Err(e) => app_error(e, fmt),
    }
}

async fn one_request(
    State(s): State<AppState>,
    Path(file): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let Some((id, fmt)) = split(&file) else {
        return not_found(Fmt::Xml);
    };
    let p = match Params::parse(q.as_deref().unwrap_or("").as_bytes()) {
        Ok(p) => p,
        Err(field) => return not_utf8(fmt, &field),
    };
    if let Err(r) = check_jurisdiction(&s, &p, fmt).await {
        return r;
    }
    let Some(id) = id.parse::<i64>().ok().filter(|n| *n > 0) else {
        return error(
            StatusCode::NOT_FOUND,
            fmt,
            &format!("service_request_id：找不到请求“{id}”"),
        );
    };
    let f = RequestFilter {
        ids: vec![id],
        ..Default::default()
    };
    match s.app.open311().requests(&f, 1, 0).await {
        Ok(rows) if rows.is_empty() => error(
            StatusCode::NOT_FOUND,
            fmt,
            &format!("service_request_id：找不到请求“{id}”"),
        ),
        Ok(rows) => requests_doc(&rows).respond(StatusCode::OK, fmt),
        Err(e) => app_error(e, fmt),
    }
}

/// Requests are created at once, so a token is the request's id: clients written for servers
/// that answer with a token first still find their request here.
async fn token(State(s): State<AppState>, Path(file): Path<String>) -> Response {
    let Some((tok, fmt)) = split(&file) else {
        return not_found(Fmt::Xml);
    };
    let missing = || {
        error(
            StatusCode::NOT_FOUND,
            fmt,
            &format!("token：找不到令牌“{tok}”"),
        )
    };
    let Some(id) = tok.parse::<i64>().ok().filter(|n| *n > 0) else {
        return missing();
    };
    let f = RequestFilter {
        ids: vec![id],
        ..Default::default()
    };
    match s.app.open311().requests(&f, 1, 0).await {
        Ok(rows) if rows.is_empty() => missing(),
        Ok(_) => Doc::List {
            root: "service_requests",
            item: "request",
            items: vec![vec![
                ("service_request_id", F::I(id)),
                ("token", F::S(id.to_string())),
            ]],
        }
        .respond(StatusCode::OK, fmt),
        Err(e) => app_error(e, fmt),
    }
}

async fn updates(s: &AppState, p: &Params, fmt: Fmt) -> Response {
    let (limit, offset) = match d::paging(p.get("page"), p.get("page_size")) {
        Ok(v) => v,
        Err(e) => return bad(fmt, e.field, &e.reason),
    };
    let event_ids = match ids(p, "service_request_id", fmt) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let dated = p.get("start_date").is_some() || p.get("end_date").is_some();
    let mut f = UpdateFilter {
        event_ids,
        ..Default::default()
    };
    // The whole timeline of the requests asked for; otherwise a window of at most 90 days.
    if f.event_ids.is_empty() || dated {
        match d::date_window(p.get("start_date"), p.get("end_date"), now_ms()) {
            Ok((a, b)) => (f.from_ms, f.to_ms) = (Some(a), Some(b)),
            Err(e) => return bad(fmt, e.field, &e.reason),
        }
    }
    let rows = match s.app.open311().updates(&f, limit, offset).await {
        Ok(r) => r,
        Err(e) => return app_error(e, fmt),
    };
    let items = rows
        .iter()
        .map(|u| {
            let what = match u.command.as_str() {
                "report" => "上报",
                "whistle" => "吹哨报到",
                c => jingzhi_domain::events::lifecycle::CommandKind::ALL
                    .into_iter()
                    .find(|k| k.as_str() == c)
                    .map(|k| k.label_zh())
                    .unwrap_or("更新"),
            };
            let description = match u.note.as_deref().filter(|n| !n.trim().is_empty()) {
                Some(n) => format!("{what}（{}）：{n}", u.to_status.label_zh()),
                None => format!("{what}（{}）", u.to_status.label_zh()),
            };
            vec![
                ("update_id", F::I(u.id)),
                ("service_request_id", F::I(u.event_id)),
                ("status", F::S(u.to_status.open311().into())),
                ("updated_datetime", F::S(d::format_w3c(u.at))),
                ("description", F::S(description)),
                ("media_url", F::OS(None)),
            ]
        })
        .collect();
    Doc::List {
        root: "service_requests_updates",
        item: "request_update",
        items,
    }
    .respond(StatusCode::OK, fmt)
}

/// Kept for the docs: how long a revoked key may still be accepted by another process.
pub const REVOCATION_DELAY: std::time::Duration = KEY_TTL;
