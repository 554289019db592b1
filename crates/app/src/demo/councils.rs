//! The demo's council and associations in 环翠楼街道 (`domain::demo::participation::councils`):
//! set up by the street's demo officer (`huancuilou`) two years ago, the eleven trade
//! associations with their merchants at buildings of 东北村社区, the council's members in chair
//! order (东北村社区, a property company, the associations), a handover every 90 days since,
//! and its matters, most of them settled. Nothing when the street, the community or the officer
//! are not in this city (a small scale without them).

use crate::participation::councils::{
    NewAssociationInput, NewCouncilInput, NewMatterInput, NewMemberInput, NewMerchantInput,
};
use crate::{App, AppResult};
use jingzhi_domain::demo::participation::councils as dc;
use jingzhi_domain::registry::NodeKind;
use jingzhi_domain::time_fmt::{format_w3c, now_ms};
use jingzhi_store::registry as sr;

const DAY: i64 = 24 * 3600 * 1000;

pub(super) async fn seed(app: &App) -> AppResult<()> {
    let now = now_ms();
    let (officer, street, community, buildings) = {
        let mut conn = app.store.acquire().await?;
        let Some(officer) = jingzhi_store::auth::user_by_username(&mut conn, "huancuilou").await?
        else {
            return Ok(());
        };
        let officer = crate::Actor::new(officer);
        let scope = officer.scope();
        let Some(street) = sr::get_node(&mut conn, &scope, scope.node_id)
            .await
            .ok()
            .filter(|n| n.kind == NodeKind::Street)
        else {
            return Ok(());
        };
        let Some(community) = sr::search_nodes(
            &mut conn,
            &scope,
            "东北村社区",
            Some(NodeKind::Community),
            1,
        )
        .await?
        .into_iter()
        .next() else {
            return Ok(());
        };
        let buildings = sr::nodes_under(
            &mut conn,
            &scope,
            &community.path,
            &[NodeKind::Building],
            200,
        )
        .await?;
        if buildings.is_empty() {
            return Ok(());
        }
        (officer, street, community, buildings)
    };
    let p = app.participation();
    let start = now - dc::SET_UP_DAYS_AGO * DAY;

    // The associations and their merchants, a month before the council.
    let mut associations = vec![];
    let mut n = 0;
    for (i, (name, trade, merchants)) in dc::ASSOCIATIONS.iter().enumerate() {
        let at = start - 30 * DAY + i as i64 * DAY;
        let a = p
            .create_association_at(
                &officer,
                &NewAssociationInput {
                    node_id: street.id,
                    name: (*name).into(),
                    trade: trade.as_str().into(),
                },
                at,
            )
            .await?;
        for m in *merchants {
            let b = &buildings[(n * 7) % buildings.len()];
            p.create_merchant_at(
                &officer,
                &NewMerchantInput {
                    building_id: b.id,
                    name: (*m).into(),
                    licence_number: dc::licence(n).as_str().into(),
                    contact_phone: Some(dc::phone(n)),
                    association_id: Some(a.id),
                },
                at + DAY,
            )
            .await?;
            n += 1;
        }
        associations.push(a);
    }

    // The council: the community chairs first, then the property company, then the associations.
    let council = p
        .create_council_at(
            &officer,
            &NewCouncilInput {
                node_id: street.id,
                name: dc::COUNCIL_NAME.into(),
                term_days: dc::TERM_DAYS,
            },
            start,
        )
        .await?;
    let mut joining = vec![
        NewMemberInput {
            kind: "community".into(),
            node_id: Some(community.id),
            ..Default::default()
        },
        NewMemberInput {
            kind: "property_company".into(),
            name: Some(dc::PROPERTY_COMPANY.into()),
            ..Default::default()
        },
    ];
    joining.extend(associations.iter().map(|a| NewMemberInput {
        kind: "association".into(),
        association_id: Some(a.id),
        ..Default::default()
    }));
    for m in &joining {
        p.add_member_at(&officer, council.id, m, start).await?;
    }

    // A handover at the end of each term (a few days late, some of them), up to now.
    let mut k = 1;
    loop {
        let at = start + k * dc::TERM_DAYS * DAY + (k % 3) * DAY;
        if at > now {
            break;
        }
        p.handover_at(&officer, council.id, None, at).await?;
        k += 1;
    }

    // The matters, most of them settled.
    for (title, days, outcome) in dc::MATTERS {
        let raised = start + days * DAY;
        let m = p
            .raise_matter_at(
                &officer,
                council.id,
                &NewMatterInput {
                    title: (*title).into(),
                    raised_at: Some(format_w3c(raised)),
                },
                raised,
            )
            .await?;
        if let Some((text, took)) = outcome {
            p.settle_matter_at(&officer, m.id, text, raised + took * DAY)
                .await?;
        }
    }
    Ok(())
}
