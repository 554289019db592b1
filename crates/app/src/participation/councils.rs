//! Councils and associations (issue 11 §6): trade self-governance associations (行业自治协会)
//! of a place and their member merchants; a street co-governance council (街区共治理事会) of
//! member organisations in chair order, whose chair rotates (the current chair, the next, the
//! end of the term, an overdue handover flagged), every handover recorded, and the matters it
//! handles with their outcomes.
//!
//! Who may do what: managers (community worker and above) create and change councils,
//! associations and merchants of places in their scope. Anyone signed in reads the councils and
//! associations of places inside their scope and of the places holding it (a community worker
//! sees the council of their street); a resident those of the places holding their home (their
//! building, compound, community, street …). A merchant's contact phone is answered in full only
//! to managers of its place, masked to everyone else.

use super::Participation;
use crate::{Actor, AppError, AppResult};
use jingzhi_domain::audit::Action;
use jingzhi_domain::auth::Role;
use jingzhi_domain::participation::councils::{
    self as dc, chair_status, handover_to, ChairStatus, LicenceNumber, MemberKind, Refusal, Trade,
};
use jingzhi_domain::registry::NodeKind;
use jingzhi_domain::time_fmt::now_ms;
use jingzhi_store::participation::councils::{
    self as sc, NewAssociation, NewCouncil, NewMember, NewMerchant, Seen,
};
use jingzhi_store::registry as sr;
use jingzhi_store::{audit, Conn};

// The rows this capability returns (its read models): the pages render them and the API maps
// them to its DTOs. Callers name them here, never in the store.
pub use jingzhi_store::participation::councils::{
    Association, Council, Handover, Matter, Member, Merchant,
};

/// The most rows a list answers (councils, associations, merchants, matters, handovers).
pub const LIST_LIMIT: i64 = 500;
/// The most places offered in a picker (places for a council or association, buildings for a
/// merchant).
pub const PLACES_SHOWN: i64 = 1000;

/// Whether the role uses the councils' pages (the menu entry): managers, who run them, and
/// residents, who follow those over their home.
pub fn may_read(role: Role) -> bool {
    role.is_manager() || role == Role::Resident
}

/// Managers of a place (community worker and above) run its councils and associations.
fn may_manage(actor: &Actor) -> AppResult<()> {
    if actor.user.role.is_manager() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// A missing referenced thing is a field error ("not found or not in your scope").
fn field_ref(
    field: &'static str,
    reason: &'static str,
) -> impl Fn(jingzhi_store::Error) -> AppError {
    move |e| match e {
        jingzhi_store::Error::NotFound => AppError::invalid(field, reason),
        e => e.into(),
    }
}

fn conflict(e: jingzhi_store::Error, field: &str, reason: &str) -> AppError {
    match e {
        jingzhi_store::Error::Conflict(_) => AppError::Conflict {
            field: field.into(),
            reason: reason.into(),
        },
        e => e.into(),
    }
}

/// A new association as the API body or the form gives it.
#[derive(Debug, Clone, Default)]
pub struct NewAssociationInput {
    /// The place it serves (a street, usually), in the caller's scope.
    pub node_id: i64,
    pub name: String,
    /// A [`Trade`] code (`catering` …).
    pub trade: String,
}

/// A new merchant as the API body or the form gives it.
#[derive(Debug, Clone, Default)]
pub struct NewMerchantInput {
    /// The building it trades from, in the caller's scope.
    pub building_id: i64,
    pub name: String,
    /// 统一社会信用代码.
    pub licence_number: String,
    pub contact_phone: Option<String>,
    /// The association it belongs to (whose place holds the building), if any.
    pub association_id: Option<i64>,
}

/// A new council as the API body or the form gives it.
#[derive(Debug, Clone, Default)]
pub struct NewCouncilInput {
    /// The place it governs (a street, usually), in the caller's scope.
    pub node_id: i64,
    pub name: String,
    /// The chair's term in days.
    pub term_days: i64,
}

/// A member joining a council: a community, an association or a merchant picked by id, or a
/// property company by name.
#[derive(Debug, Clone, Default)]
pub struct NewMemberInput {
    /// A [`MemberKind`] code.
    pub kind: String,
    pub node_id: Option<i64>,
    pub association_id: Option<i64>,
    pub merchant_id: Option<i64>,
    /// The property company's name (the other kinds take the name of what is picked).
    pub name: Option<String>,
}

/// A matter raised at a council.
#[derive(Debug, Clone, Default)]
pub struct NewMatterInput {
    pub title: String,
    /// RFC 3339; default now; not in the future.
    pub raised_at: Option<String>,
}

/// A council as its page shows it.
#[derive(Debug, Clone)]
pub struct CouncilView {
    pub council: Council,
    /// In chair order.
    pub members: Vec<Member>,
    pub chair: ChairStatus,
    pub current_name: Option<String>,
    pub next_name: Option<String>,
    /// Newest first.
    pub handovers: Vec<Handover>,
    /// Newest first.
    pub matters: Vec<Matter>,
    /// The caller manages the council's place: adds members, records handovers and matters.
    pub may_manage: bool,
}

/// An association as its page shows it.
#[derive(Debug, Clone)]
pub struct AssociationView {
    pub association: Association,
    pub merchants: Vec<Merchant>,
    pub may_manage: bool,
}

/// What may join a council (the page's lists): communities of its place, associations and
/// merchants the caller sees there, none of them members already.
#[derive(Debug, Clone, Default)]
pub struct MemberChoices {
    pub communities: Vec<crate::registry::Node>,
    pub associations: Vec<Association>,
    pub merchants: Vec<Merchant>,
}

/// The place of a row a manager may change: inside their scope (nothing "over" it).
fn within(scope_path: &str) -> Seen<'_> {
    Seen {
        within: Some(scope_path),
        over: "/",
    }
}

fn related(a: &str, b: &str) -> bool {
    a.starts_with(b) || b.starts_with(a)
}

/// A phone number shown masked (`138****5678`), or as written if it does not read as one.
fn masked(phone: &str) -> String {
    jingzhi_domain::registry::Phone::parse(phone)
        .map(|p| p.masked())
        .unwrap_or_else(|_| "***".into())
}

impl Participation<'_> {
    /// The paths a caller sees councils and associations by: (inside, holding).
    async fn seen_paths(
        &self,
        conn: &mut Conn,
        actor: &Actor,
    ) -> AppResult<(Option<String>, String)> {
        if actor.user.role == Role::Resident {
            let rid = actor.user.resident_id.ok_or(AppError::NotFound)?;
            let r = sr::get_resident(conn, &actor.scope(), rid).await?;
            Ok((None, r.path))
        } else {
            let s = actor.scope();
            Ok((Some(s.path.clone()), s.path))
        }
    }

    /// Whether the caller manages the place at `path`.
    fn manages(actor: &Actor, path: &str) -> bool {
        actor.user.role.is_manager() && actor.scope().contains(path)
    }

    /// Merchants' phones as the caller may see them: in full to managers of their place.
    fn shown_merchants(actor: &Actor, mut list: Vec<Merchant>) -> Vec<Merchant> {
        for m in &mut list {
            if !Self::manages(actor, &m.path) {
                m.contact_phone = m.contact_phone.as_deref().map(masked);
            }
        }
        list
    }

    /// The places a council or association can be set up over (managers): their own place and
    /// the streets and communities in it, in tree order.
    pub async fn council_places(&self, actor: &Actor) -> AppResult<Vec<crate::registry::Node>> {
        may_manage(actor)?;
        let scope = actor.scope();
        let mut conn = self.app.store.acquire().await?;
        let mut places = vec![sr::get_node(&mut conn, &scope, scope.node_id).await?];
        places.extend(
            sr::nodes_under(
                &mut conn,
                &scope,
                &scope.path,
                &[NodeKind::Street, NodeKind::Community],
                PLACES_SHOWN,
            )
            .await?
            .into_iter()
            .filter(|n| n.id != scope.node_id),
        );
        places.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(places)
    }

    // -----------------------------------------------------------------------------------------
    // Associations and merchants

    pub async fn create_association(
        &self,
        actor: &Actor,
        input: &NewAssociationInput,
    ) -> AppResult<Association> {
        self.create_association_at(actor, input, now_ms()).await
    }

    /// Set up a trade association over a place in the caller's scope. Audited.
    pub async fn create_association_at(
        &self,
        actor: &Actor,
        input: &NewAssociationInput,
        now: i64,
    ) -> AppResult<Association> {
        may_manage(actor)?;
        let name = dc::required("name", "协会名称", &input.name, dc::MAX_NAME)?;
        let trade = Trade::parse(&input.trade)?;
        let mut tx = self.app.store.begin().await?;
        let scope = actor.scope();
        let node = sr::get_node(&mut tx, &scope, input.node_id)
            .await
            .map_err(field_ref("node_id", "所选地点不存在或不在您的管辖范围内"))?;
        let id = sc::insert_association(
            &mut tx,
            &NewAssociation {
                node_id: node.id,
                path: &node.path,
                name: &name,
                trade,
                created_by_name: &actor.user.display_name,
                now,
            },
        )
        .await
        .map_err(|e| conflict(e, "name", "该地点已有同名协会"))?;
        audit::record(
            &mut tx,
            audit::Entry {
                after: Some(serde_json::json!({"name": name, "trade": trade.label_zh(), "place": node.name})),
                ..actor.audit(
                    Action::Create,
                    "association",
                    Some(id),
                    &node.path,
                    format!("行业自治协会：{name}"),
                )
            },
        )
        .await?;
        let a = sc::get_association(&mut tx, &within(&scope.path), id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(a)
    }

    /// The associations the caller sees.
    pub async fn associations(&self, actor: &Actor) -> AppResult<Vec<Association>> {
        let mut conn = self.app.store.acquire().await?;
        let (inside, over) = self.seen_paths(&mut conn, actor).await?;
        let seen = Seen {
            within: inside.as_deref(),
            over: &over,
        };
        Ok(sc::list_associations(&mut conn, &seen, LIST_LIMIT).await?)
    }

    /// An association and its merchants (those the caller sees).
    pub async fn association_view(&self, actor: &Actor, id: i64) -> AppResult<AssociationView> {
        let mut conn = self.app.store.acquire().await?;
        let (inside, over) = self.seen_paths(&mut conn, actor).await?;
        let seen = Seen {
            within: inside.as_deref(),
            over: &over,
        };
        let association = sc::get_association(&mut conn, &seen, id).await?;
        // Members of the association: those in the caller's scope, or all of them when the
        // association is over the caller's place (its merchants are public businesses).
        let all = Seen {
            within: Some(&association.path),
            over: "/",
        };
        let merchants = sc::list_merchants(&mut conn, &all, Some(id), LIST_LIMIT).await?;
        Ok(AssociationView {
            may_manage: Self::manages(actor, &association.path),
            merchants: Self::shown_merchants(actor, merchants),
            association,
        })
    }

    /// The buildings a merchant can be registered at (managers): those under `under` (a place
    /// of theirs: an association's) or their whole scope, in tree order (the first
    /// [`PLACES_SHOWN`]).
    pub async fn merchant_buildings(
        &self,
        actor: &Actor,
        under: Option<&str>,
    ) -> AppResult<Vec<crate::registry::Node>> {
        may_manage(actor)?;
        let scope = actor.scope();
        let under = under
            .filter(|u| scope.contains(u))
            .unwrap_or(&scope.path)
            .to_string();
        let mut conn = self.app.store.acquire().await?;
        let mut b = sr::nodes_under(
            &mut conn,
            &scope,
            &under,
            &[NodeKind::Building],
            PLACES_SHOWN,
        )
        .await?;
        b.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(b)
    }

    pub async fn create_merchant(
        &self,
        actor: &Actor,
        input: &NewMerchantInput,
    ) -> AppResult<Merchant> {
        self.create_merchant_at(actor, input, now_ms()).await
    }

    /// Register a merchant at a building in the caller's scope, in an association whose place
    /// holds the building (if any). Audited.
    pub async fn create_merchant_at(
        &self,
        actor: &Actor,
        input: &NewMerchantInput,
        now: i64,
    ) -> AppResult<Merchant> {
        may_manage(actor)?;
        let name = dc::required("name", "商户名称", &input.name, dc::MAX_NAME)?;
        let licence = LicenceNumber::parse(&input.licence_number)?;
        let phone = match input.contact_phone.as_deref().map(str::trim) {
            Some(p) if !p.is_empty() => Some(dc::contact_phone(p)?),
            _ => None,
        };
        let mut tx = self.app.store.begin().await?;
        let scope = actor.scope();
        let building = sr::get_node(&mut tx, &scope, input.building_id)
            .await
            .map_err(field_ref(
                "building_id",
                "所选楼宇不存在或不在您的管辖范围内",
            ))?;
        if building.kind != NodeKind::Building {
            return Err(AppError::invalid("building_id", "请选择一栋楼宇"));
        }
        let association = match input.association_id {
            Some(a) => {
                let seen = Seen {
                    within: Some(&scope.path),
                    over: &scope.path,
                };
                let a = sc::get_association(&mut tx, &seen, a)
                    .await
                    .map_err(field_ref(
                        "association_id",
                        "所选协会不存在或不在您的管辖范围内",
                    ))?;
                if !building.path.starts_with(&a.path) {
                    return Err(AppError::invalid(
                        "association_id",
                        "商户所在楼宇不在该协会的范围内",
                    ));
                }
                Some(a)
            }
            None => None,
        };
        let id = sc::insert_merchant(
            &mut tx,
            &NewMerchant {
                building_id: building.id,
                path: &building.path,
                name: &name,
                licence_number: licence.as_str(),
                contact_phone: phone.as_ref().map(|p| p.as_str()),
                association_id: association.as_ref().map(|a| a.id),
                created_by_name: &actor.user.display_name,
                now,
            },
        )
        .await
        .map_err(|e| conflict(e, "licence_number", "该统一社会信用代码已登记"))?;
        audit::record(
            &mut tx,
            audit::Entry {
                after: Some(serde_json::json!({
                    "name": name,
                    "licence_number": licence.as_str(),
                    "building": building.name,
                    "association": association.as_ref().map(|a| a.name.clone()),
                })),
                ..actor.audit(
                    Action::Create,
                    "merchant",
                    Some(id),
                    &building.path,
                    format!("商户：{name}"),
                )
            },
        )
        .await?;
        let m = sc::get_merchant(&mut tx, &within(&scope.path), id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(m)
    }

    /// The merchants the caller sees (of one association, if given): staff those in their scope
    /// and of the associations over their place.
    pub async fn merchants(
        &self,
        actor: &Actor,
        association_id: Option<i64>,
    ) -> AppResult<Vec<Merchant>> {
        match association_id {
            Some(a) => Ok(self.association_view(actor, a).await?.merchants),
            None => {
                let mut conn = self.app.store.acquire().await?;
                let (inside, over) = self.seen_paths(&mut conn, actor).await?;
                let seen = Seen {
                    within: inside.as_deref(),
                    // A merchant is at a building: none is "over" anyone's place but a
                    // resident's own building.
                    over: &over,
                };
                let list = sc::list_merchants(&mut conn, &seen, None, LIST_LIMIT).await?;
                Ok(Self::shown_merchants(actor, list))
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Councils

    pub async fn create_council(
        &self,
        actor: &Actor,
        input: &NewCouncilInput,
    ) -> AppResult<Council> {
        self.create_council_at(actor, input, now_ms()).await
    }

    /// Set up a council over a place in the caller's scope. Audited. Its chair is its first
    /// member, once one joins.
    pub async fn create_council_at(
        &self,
        actor: &Actor,
        input: &NewCouncilInput,
        now: i64,
    ) -> AppResult<Council> {
        may_manage(actor)?;
        let name = dc::required("name", "理事会名称", &input.name, dc::MAX_NAME)?;
        let term_days = dc::term_days(input.term_days)?;
        let mut tx = self.app.store.begin().await?;
        let scope = actor.scope();
        let node = sr::get_node(&mut tx, &scope, input.node_id)
            .await
            .map_err(field_ref("node_id", "所选地点不存在或不在您的管辖范围内"))?;
        let id = sc::insert_council(
            &mut tx,
            &NewCouncil {
                node_id: node.id,
                path: &node.path,
                name: &name,
                term_days,
                created_by_name: &actor.user.display_name,
                now,
            },
        )
        .await?;
        audit::record(
            &mut tx,
            audit::Entry {
                after: Some(
                    serde_json::json!({"name": name, "term_days": term_days, "place": node.name}),
                ),
                ..actor.audit(
                    Action::Create,
                    "council",
                    Some(id),
                    &node.path,
                    format!("街区共治理事会：{name}"),
                )
            },
        )
        .await?;
        let c = sc::get_council(&mut tx, &within(&scope.path), id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(c)
    }

    /// The councils the caller sees.
    pub async fn councils(&self, actor: &Actor) -> AppResult<Vec<Council>> {
        let mut conn = self.app.store.acquire().await?;
        let (inside, over) = self.seen_paths(&mut conn, actor).await?;
        let seen = Seen {
            within: inside.as_deref(),
            over: &over,
        };
        Ok(sc::list_councils(&mut conn, &seen, LIST_LIMIT).await?)
    }

    pub async fn council_view(&self, actor: &Actor, id: i64) -> AppResult<CouncilView> {
        self.council_view_at(actor, id, now_ms()).await
    }

    /// A council with its members in chair order, the chair now (current, next, the end of the
    /// term, overdue or not at `now`), its handovers and its matters.
    pub async fn council_view_at(
        &self,
        actor: &Actor,
        id: i64,
        now: i64,
    ) -> AppResult<CouncilView> {
        let mut conn = self.app.store.acquire().await?;
        let (inside, over) = self.seen_paths(&mut conn, actor).await?;
        let seen = Seen {
            within: inside.as_deref(),
            over: &over,
        };
        let council = sc::get_council(&mut conn, &seen, id).await?;
        let members = sc::members(&mut conn, id).await?;
        let order: Vec<i64> = members.iter().map(|m| m.id).collect();
        let chair = chair_status(
            &order,
            council.chair_member_id,
            council.chair_since,
            council.term_days,
            now,
        );
        let name_of = |m: Option<i64>| {
            m.and_then(|m| members.iter().find(|x| x.id == m))
                .map(|x| x.name.clone())
        };
        Ok(CouncilView {
            current_name: name_of(chair.current),
            next_name: name_of(chair.next),
            handovers: sc::handovers(&mut conn, id, LIST_LIMIT).await?,
            matters: sc::matters(&mut conn, id, LIST_LIMIT).await?,
            may_manage: Self::manages(actor, &council.path),
            chair,
            members,
            council,
        })
    }

    /// What may join a council (for the page's lists; managers of its place).
    pub async fn member_choices(&self, actor: &Actor, council_id: i64) -> AppResult<MemberChoices> {
        may_manage(actor)?;
        let scope = actor.scope();
        let mut conn = self.app.store.acquire().await?;
        let council = sc::get_council(&mut conn, &within(&scope.path), council_id).await?;
        let members = sc::members(&mut conn, council_id).await?;
        let taken = |name: &str| members.iter().any(|m| m.name == name);
        let mut communities = sr::nodes_under(
            &mut conn,
            &scope,
            &council.path,
            &[NodeKind::Community],
            PLACES_SHOWN,
        )
        .await?;
        communities.retain(|n| !taken(&n.name));
        communities.sort_by(|a, b| a.path.cmp(&b.path));
        let seen = Seen {
            within: Some(&scope.path),
            over: &scope.path,
        };
        let associations = sc::list_associations(&mut conn, &seen, LIST_LIMIT)
            .await?
            .into_iter()
            .filter(|a| related(&a.path, &council.path) && !taken(&a.name))
            .collect();
        let merchants = sc::list_merchants(&mut conn, &within(&council.path), None, LIST_LIMIT)
            .await?
            .into_iter()
            .filter(|m| scope.contains(&m.path) && !taken(&m.name))
            .collect();
        Ok(MemberChoices {
            communities,
            associations,
            merchants,
        })
    }

    pub async fn add_member(
        &self,
        actor: &Actor,
        council_id: i64,
        input: &NewMemberInput,
    ) -> AppResult<Member> {
        self.add_member_at(actor, council_id, input, now_ms()).await
    }

    /// A member joins the council at the end of the chair order; the first member to join
    /// takes the chair (recorded as the first handover). Audited.
    pub async fn add_member_at(
        &self,
        actor: &Actor,
        council_id: i64,
        input: &NewMemberInput,
        now: i64,
    ) -> AppResult<Member> {
        may_manage(actor)?;
        let kind = MemberKind::parse(&input.kind)?;
        let mut tx = self.app.store.begin().await?;
        let scope = actor.scope();
        let council = sc::get_council(&mut tx, &within(&scope.path), council_id).await?;
        let (name, node_id, association_id, merchant_id) = match kind {
            MemberKind::Community => {
                let id = input
                    .node_id
                    .ok_or_else(|| AppError::invalid("node_id", "请选择社区"))?;
                let n = sr::get_node(&mut tx, &scope, id)
                    .await
                    .map_err(field_ref("node_id", "所选社区不存在或不在您的管辖范围内"))?;
                if n.kind != NodeKind::Community || !n.path.starts_with(&council.path) {
                    return Err(AppError::invalid("node_id", "请选择理事会所辖范围内的社区"));
                }
                (n.name, Some(n.id), None, None)
            }
            MemberKind::Association => {
                let id = input
                    .association_id
                    .ok_or_else(|| AppError::invalid("association_id", "请选择行业协会"))?;
                let seen = Seen {
                    within: Some(&scope.path),
                    over: &scope.path,
                };
                let a = sc::get_association(&mut tx, &seen, id)
                    .await
                    .map_err(field_ref(
                        "association_id",
                        "所选协会不存在或不在您的管辖范围内",
                    ))?;
                if !related(&a.path, &council.path) {
                    return Err(AppError::invalid(
                        "association_id",
                        "该协会不在理事会所辖范围内",
                    ));
                }
                (a.name, None, Some(a.id), None)
            }
            MemberKind::Merchant => {
                let id = input
                    .merchant_id
                    .ok_or_else(|| AppError::invalid("merchant_id", "请选择商户"))?;
                let m = sc::get_merchant(&mut tx, &within(&scope.path), id)
                    .await
                    .map_err(field_ref(
                        "merchant_id",
                        "所选商户不存在或不在您的管辖范围内",
                    ))?;
                if !m.path.starts_with(&council.path) {
                    return Err(AppError::invalid(
                        "merchant_id",
                        "该商户不在理事会所辖范围内",
                    ));
                }
                (m.name, None, None, Some(m.id))
            }
            MemberKind::PropertyCompany => {
                let name = dc::required(
                    "name",
                    "物业企业名称",
                    input.name.as_deref().unwrap_or(""),
                    dc::MAX_NAME,
                )?;
                (name, None, None, None)
            }
        };
        sc::lock_council(&mut tx, council.id).await?;
        let id = sc::add_member(
            &mut tx,
            &NewMember {
                council_id: council.id,
                kind,
                name: &name,
                node_id,
                association_id,
                merchant_id,
                now,
            },
        )
        .await
        .map_err(|e| conflict(e, "name", "该成员已在理事会中"))?;
        // The first member chairs first.
        let first_chair = sc::set_chair(&mut tx, council.id, None, id, now).await?;
        if first_chair {
            sc::add_handover(&mut tx, council.id, None, id, now, &actor.user.display_name).await?;
        }
        audit::record(
            &mut tx,
            audit::Entry {
                after: Some(serde_json::json!({"member": name, "kind": kind.label_zh(), "first_chair": first_chair})),
                ..actor.audit(
                    Action::Update,
                    "council",
                    Some(council.id),
                    &council.path,
                    format!("{}：{}加入", council.name, name),
                )
            },
        )
        .await?;
        let m = sc::members(&mut tx, council.id)
            .await?
            .into_iter()
            .find(|m| m.id == id)
            .ok_or(AppError::NotFound)?;
        jingzhi_store::commit(tx).await?;
        Ok(m)
    }

    pub async fn handover(
        &self,
        actor: &Actor,
        council_id: i64,
        to_member_id: Option<i64>,
    ) -> AppResult<Handover> {
        self.handover_at(actor, council_id, to_member_id, now_ms())
            .await
    }

    /// The chair passes to the next member in the order (early or late; never skipping):
    /// recorded with who handed to whom, when, and who recorded it. Audited.
    pub async fn handover_at(
        &self,
        actor: &Actor,
        council_id: i64,
        to_member_id: Option<i64>,
        now: i64,
    ) -> AppResult<Handover> {
        may_manage(actor)?;
        let mut tx = self.app.store.begin().await?;
        let scope = actor.scope();
        let council = sc::get_council(&mut tx, &within(&scope.path), council_id).await?;
        sc::lock_council(&mut tx, council.id).await?;
        // Read again under the lock: another handover may have come first.
        let council = sc::get_council(&mut tx, &within(&scope.path), council_id).await?;
        let members = sc::members(&mut tx, council.id).await?;
        let order: Vec<i64> = members.iter().map(|m| m.id).collect();
        let from = council.chair_member_id;
        let to = handover_to(&order, from, to_member_id).map_err(|r| match r {
            Refusal::NoOneElse => AppError::Conflict {
                field: "members".into(),
                reason: r.zh(),
            },
            Refusal::NotNext { .. } => AppError::invalid("to_member_id", r.zh()),
        })?;
        if !sc::set_chair(&mut tx, council.id, from, to, now).await? {
            return Err(AppError::Conflict {
                field: "chair".into(),
                reason: "轮值主席刚被他人交接，请刷新后再看".into(),
            });
        }
        let id =
            sc::add_handover(&mut tx, council.id, from, to, now, &actor.user.display_name).await?;
        let name = |m: Option<i64>| {
            m.and_then(|m| members.iter().find(|x| x.id == m))
                .map(|x| x.name.clone())
        };
        let was = chair_status(&order, from, council.chair_since, council.term_days, now);
        audit::record(
            &mut tx,
            audit::Entry {
                before: Some(serde_json::json!({"chair": name(from), "overdue": was.overdue})),
                after: Some(serde_json::json!({"chair": name(Some(to))})),
                ..actor.audit(
                    Action::Update,
                    "council",
                    Some(council.id),
                    &council.path,
                    format!(
                        "{}：轮值主席由{}交接给{}",
                        council.name,
                        name(from).unwrap_or_default(),
                        name(Some(to)).unwrap_or_default()
                    ),
                )
            },
        )
        .await?;
        let h = sc::handovers(&mut tx, council.id, LIST_LIMIT)
            .await?
            .into_iter()
            .find(|h| h.id == id)
            .ok_or(AppError::NotFound)?;
        jingzhi_store::commit(tx).await?;
        Ok(h)
    }

    pub async fn raise_matter(
        &self,
        actor: &Actor,
        council_id: i64,
        input: &NewMatterInput,
    ) -> AppResult<Matter> {
        self.raise_matter_at(actor, council_id, input, now_ms())
            .await
    }

    /// A matter the council takes up (议事事项), open until its outcome is recorded. Audited.
    pub async fn raise_matter_at(
        &self,
        actor: &Actor,
        council_id: i64,
        input: &NewMatterInput,
        now: i64,
    ) -> AppResult<Matter> {
        may_manage(actor)?;
        let title = dc::required("title", "议事事项", &input.title, dc::MAX_TITLE)?;
        let raised_at = match input.raised_at.as_deref().map(str::trim) {
            Some(t) if !t.is_empty() => {
                let at = jingzhi_domain::time_fmt::parse_w3c(t).ok_or_else(|| {
                    AppError::invalid(
                        "raised_at",
                        "时间格式应为 RFC 3339，例如 2026-12-04T09:00:00+08:00",
                    )
                })?;
                if at > now {
                    return Err(AppError::invalid("raised_at", "提出时间不能晚于现在"));
                }
                at
            }
            _ => now,
        };
        let mut tx = self.app.store.begin().await?;
        let scope = actor.scope();
        let council = sc::get_council(&mut tx, &within(&scope.path), council_id).await?;
        let id = sc::insert_matter(
            &mut tx,
            council.id,
            &title,
            raised_at,
            &actor.user.display_name,
        )
        .await?;
        audit::record(
            &mut tx,
            audit::Entry {
                after: Some(serde_json::json!({"title": title})),
                ..actor.audit(
                    Action::Create,
                    "council_matter",
                    Some(id),
                    &council.path,
                    format!("{}议事事项：{title}", council.name),
                )
            },
        )
        .await?;
        let m = sc::get_matter(&mut tx, &within(&scope.path), id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(m)
    }

    pub async fn settle_matter(
        &self,
        actor: &Actor,
        matter_id: i64,
        outcome: &str,
    ) -> AppResult<Matter> {
        self.settle_matter_at(actor, matter_id, outcome, now_ms())
            .await
    }

    /// Record a matter's outcome (办结); a settled matter is 409. Audited.
    pub async fn settle_matter_at(
        &self,
        actor: &Actor,
        matter_id: i64,
        outcome: &str,
        now: i64,
    ) -> AppResult<Matter> {
        may_manage(actor)?;
        let outcome = dc::required("outcome", "办理结果", outcome, dc::MAX_OUTCOME)?;
        let mut tx = self.app.store.begin().await?;
        let scope = actor.scope();
        let m = sc::get_matter(&mut tx, &within(&scope.path), matter_id).await?;
        if !sc::settle_matter(&mut tx, m.id, &outcome, now, &actor.user.display_name).await? {
            return Err(AppError::Conflict {
                field: "status".into(),
                reason: "该议事事项已办结".into(),
            });
        }
        let council = sc::get_council(&mut tx, &within(&scope.path), m.council_id).await?;
        audit::record(
            &mut tx,
            audit::Entry {
                before: Some(serde_json::json!({"status": "open"})),
                after: Some(serde_json::json!({"status": "settled", "outcome": outcome})),
                ..actor.audit(
                    Action::Update,
                    "council_matter",
                    Some(m.id),
                    &council.path,
                    format!("{}议事事项办结：{}", council.name, m.title),
                )
            },
        )
        .await?;
        let m = sc::get_matter(&mut tx, &within(&scope.path), m.id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(m)
    }
}
