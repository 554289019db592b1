//! Residents decide together (issue 11): votes counted per household, resident or
//! representative. Reached as `app.participation()`.

pub mod councils;
pub mod decisions;
pub mod meetings;
pub mod proposals;
pub mod votes;

use crate::{App, AppError, AppResult};
use jingzhi_domain::scope::Scope;

/// Participation (居民议事): votes now; proposals, meetings, decisions and councils to come.
#[derive(Clone, Copy)]
pub struct Participation<'a> {
    app: &'a App,
}

impl App {
    /// See [`Participation`].
    pub fn participation(&self) -> Participation<'_> {
        Participation { app: self }
    }
}

/// The community a path lies in (city, district, street, community: the first four places).
pub(crate) fn community_scope(path: &str) -> Option<Scope> {
    let ids = jingzhi_domain::scope::path_ids(path);
    let community = *ids.get(3)?;
    let prefix: String = ids[..4].iter().map(|i| format!("/{i}")).collect::<String>() + "/";
    Some(Scope::new(community, prefix))
}

pub(crate) fn text(field: &'static str, what: &str, s: &str, max: usize) -> AppResult<String> {
    let s = s.trim();
    if s.is_empty() {
        return Err(AppError::invalid(field, format!("请填写{what}")));
    }
    jingzhi_domain::check_max_chars(field, what, s, max)?;
    Ok(s.to_string())
}

/// A time given as RFC 3339, or a field error naming `field`.
pub(crate) fn time_field(field: &'static str, s: &str) -> AppResult<i64> {
    jingzhi_domain::time_fmt::parse_w3c(s).ok_or_else(|| {
        AppError::invalid(
            field,
            "时间格式应为 RFC 3339，例如 2026-12-04T09:00:00+08:00",
        )
    })
}

/// How an event is named where a person picks it or an agenda shows it: its category, number
/// and the start of its description.
pub(crate) fn event_label(e: &jingzhi_store::events::Event) -> String {
    let head: String = e.description.chars().take(24).collect();
    let more = if e.description.chars().count() > 24 {
        "…"
    } else {
        ""
    };
    format!("{} #{}：{head}{more}", e.category_name, e.id)
}

/// Every place: for reads that check membership themselves (a department's invitations).
pub(crate) fn everywhere() -> Scope {
    Scope::new(0, "/".to_string())
}

/// A step of a proposal's way, in the transaction that took it: a row of its public timeline,
/// and a notification to its author and supporters (their resident accounts; not the one who
/// took the step).
pub(crate) async fn proposal_step(
    conn: &mut jingzhi_store::Conn,
    proposal_id: i64,
    phase: jingzhi_domain::participation::proposals::Phase,
    by: &crate::Actor,
    note: Option<&str>,
    now: i64,
) -> AppResult<()> {
    use jingzhi_store::participation::proposals as sp;
    sp::add_timeline(conn, proposal_id, now, phase, &by.user.display_name, note).await?;
    tell_followers(
        conn,
        proposal_id,
        phase,
        by.audit_id(),
        note.unwrap_or(phase.label_zh()),
        now,
    )
    .await
}

/// Tell a proposal's author and supporters of a change (`what`), except `except` (who made it).
pub(crate) async fn tell_followers(
    conn: &mut jingzhi_store::Conn,
    proposal_id: i64,
    phase: jingzhi_domain::participation::proposals::Phase,
    except: Option<i64>,
    what: &str,
    now: i64,
) -> AppResult<()> {
    use jingzhi_store::notify as sn;
    use jingzhi_store::participation::proposals as sp;
    let p = sp::get(conn, &everywhere(), proposal_id).await?;
    let title = format!("提案“{}”有新进展", p.title);
    for (user_id, path) in sn::proposal_followers(conn, proposal_id).await? {
        if Some(user_id) == except {
            continue;
        }
        sn::insert_notification(
            conn,
            &sn::NewNotification {
                user_id,
                event_id: None,
                proposal_id: Some(proposal_id),
                path: &path,
                created_at: now,
                command: "proposal",
                status: phase.as_str(),
                title: &title,
                body: what,
                link: None,
            },
        )
        .await?;
    }
    Ok(())
}
