//! The log's public pages (no login, phone first): `/transparency` (the newest checkpoint, who
//! cosigned it, the log's key, the newest entries with their proof files) and
//! `/transparency/verify` (a proof file checked in the browser with WebCrypto; nothing is sent).

use crate::i18n::Lang;
use crate::pages::{render, PageError, PageResult};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use jingzhi_app::AppError;
use jingzhi_domain::time_fmt::format_ms;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/transparency", get(home))
        .route("/transparency/verify", get(verify))
}

pub struct EntryLine {
    pub index: u64,
    pub kind: &'static str,
    /// The place and the question or title the entry itself carries.
    pub summary: String,
    pub logged_at: String,
}

/// "place · question/title" from an entry's own members (the list never reads other tables:
/// what it shows is what the log holds).
fn summary(entry: &[u8]) -> String {
    let v: serde_json::Value = serde_json::from_slice(entry).unwrap_or_default();
    let s = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("");
    let fund_line = match (s("fund"), s("purpose")) {
        ("", _) => String::new(),
        (f, p) => format!("{f} · {p}"),
    };
    let what = [s("question"), s("title"), fund_line.as_str()]
        .into_iter()
        .find(|x| !x.is_empty())
        .unwrap_or("");
    match (s("place"), what) {
        ("", w) => w.to_string(),
        (p, "") => p.to_string(),
        (p, w) => format!("{p} · {w}"),
    }
}

#[derive(Template)]
#[template(path = "transparency.html")]
pub struct LogPage {
    pub lang: Lang,
    pub origin: String,
    pub key: String,
    /// (tree size, root in base64, signed at)
    pub checkpoint: Option<(u64, String, String)>,
    pub note: String,
    /// (witness, cosigned at)
    pub cosigned: Vec<(String, String)>,
    pub entries: Vec<EntryLine>,
}

impl LogPage {
    pub fn t(&self, k: &str) -> &'static str {
        self.lang.t(k)
    }
    pub fn kind(&self, k: &str) -> &'static str {
        self.lang.coded("transparency.kind", k)
    }
}

#[derive(Template)]
#[template(path = "transparency_verify.html")]
pub struct VerifyPage {
    pub lang: Lang,
    pub key: String,
}

impl VerifyPage {
    pub fn t(&self, k: &str) -> &'static str {
        self.lang.t(k)
    }
}

async fn home(State(s): State<AppState>, lang: Lang) -> PageResult {
    let log = s.app.transparency();
    let (checkpoint, note, cosigned) = match log.checkpoint().await {
        Ok(v) => (
            Some((v.tree_size, B64.encode(v.root), format_ms(v.signed_at))),
            v.note,
            v.cosigned_by
                .into_iter()
                .map(|(w, at)| (w, format_ms(at)))
                .collect(),
        ),
        Err(AppError::NotFound) => (None, String::new(), Vec::new()),
        Err(e) => return Err(PageError::from(e)),
    };
    let entries = log
        .recent(50)
        .await?
        .into_iter()
        .map(|e| EntryLine {
            index: e.index,
            kind: e.kind.as_str(),
            summary: summary(&e.entry),
            logged_at: format_ms(e.logged_at),
        })
        .collect();
    Ok(render(&LogPage {
        lang,
        origin: log.origin().to_string(),
        key: log.key(),
        checkpoint,
        note,
        cosigned,
        entries,
    }))
}

async fn verify(State(s): State<AppState>, lang: Lang) -> PageResult {
    Ok(render(&VerifyPage {
        lang,
        key: s.app.transparency().key(),
    }))
}
