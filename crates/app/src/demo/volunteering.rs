//! The demo's volunteer hours (issue 13 §3): the members of 东北村's volunteer team served a few
//! times a month over the last quarter; their leader confirmed most, rejected one with its
//! reason, and the latest entries wait for confirmation.

use crate::{Actor, App, AppResult};
use jingzhi_domain::time_fmt::now_ms;
use jingzhi_domain::volunteering::HoursStatus;
use jingzhi_store::volunteering as sv;

const DAY: i64 = 24 * 3600 * 1000;

pub async fn seed(app: &App) -> AppResult<()> {
    let mut tx = app.store.begin().await?;
    let Some(worker) = jingzhi_store::auth::user_by_username(&mut tx, "dongbeicun").await? else {
        return Ok(());
    };
    let worker = Actor::new(worker);
    let teams = jingzhi_store::emergency::teams(&mut tx, &worker.scope(), 100).await?;
    let Some(team) = teams.into_iter().find(|t| t.name == "东北村志愿服务队") else {
        return Ok(());
    };
    let members = jingzhi_store::emergency::members(&mut tx, team.id).await?;
    let now = now_ms();
    let today = now - now.rem_euclid(DAY);
    let activities = [
        "为独居老人送餐",
        "楼道清理",
        "台风前巡查排险",
        "陪同老人就医",
        "文明劝导",
    ];
    for (i, m) in members.iter().enumerate() {
        for k in 0..8i64 {
            let served = today - (k * 11 + i as i64 * 3 + 1) * DAY;
            let minutes = 60 + 30 * ((k + i as i64) % 5);
            let id = sv::insert(
                &mut tx,
                team.id,
                m.user_id,
                &team.path,
                served,
                minutes,
                activities[((k as usize) + i) % activities.len()],
                served + 20 * 3600 * 1000,
            )
            .await?;
            // The latest two wait; one earlier entry was rejected; the rest confirmed by the
            // leader (or, for the leader's own, by the community worker).
            if k < 2 {
                continue;
            }
            let by_leader = team.leader_user_id != Some(m.user_id);
            let (by_id, by) = if by_leader {
                (
                    team.leader_user_id,
                    team.leader_name.clone().unwrap_or_default(),
                )
            } else {
                (Some(worker.id()), worker.user.display_name.clone())
            };
            let (status, reason) = if k == 5 && i == 0 {
                (HoursStatus::Rejected, Some("当天活动取消"))
            } else {
                (HoursStatus::Confirmed, None)
            };
            sv::decide(&mut tx, id, status, by_id, &by, reason, served + 2 * DAY).await?;
        }
    }
    jingzhi_store::commit(tx).await?;
    Ok(())
}
