//! Votes: staff of a place open one, residents cast their unit's ballot online, staff enter
//! paper ballots, and the result is counted against the units eligible at the opening.

use super::{time_field, Participation};
use crate::{Actor, AppError, AppResult};
use jingzhi_domain::audit::Action;
use jingzhi_domain::auth::Role;
use jingzhi_domain::participation::votes::{
    date_of, decide, is_adult, may_cast, Majority, MajorityOf, Phase, Tally, Unit, VoteSpec, Voter,
};
use jingzhi_domain::registry::NodeKind;
use jingzhi_domain::time_fmt::now_ms;
use jingzhi_store::participation::votes::{self as sv, NewBallot, NewVote};
use jingzhi_store::registry as sr;
use jingzhi_store::{audit, Conn};

// The rows this capability returns (its read models): the pages render them and the API maps
// them to its DTOs. Callers name them here, never in the store.
pub use jingzhi_store::participation::votes::Vote;

/// A new vote as the API body or a form gives it (times as RFC 3339 text).
#[derive(Debug, Clone, Default)]
pub struct NewVoteInput {
    pub node_id: i64,
    pub question: String,
    pub options: Vec<String>,
    pub unit: String,
    pub quorum_percent: i64,
    pub majority: String,
    pub majority_of: Option<String>,
    pub opens_at: Option<String>,
    pub closes_at: String,
}

/// A vote's result: what [`decide`] says about its ballots.
#[derive(Debug, Clone, PartialEq)]
pub struct VoteResult {
    pub phase: Phase,
    pub eligible: u64,
    pub cast: u64,
    pub turnout: f64,
    pub quorum_met: bool,
    /// (option, ballots) in the options' order.
    pub counts: Vec<(String, u64)>,
    /// The winning option's text, if any.
    pub outcome: Option<String>,
}

/// Staff who run votes of a place: the managers of a place (community worker and above).
fn may_run(actor: &Actor) -> AppResult<()> {
    if actor.user.role.is_manager() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// The option a ballot names, by its text; 422 naming `option` if there is none.
fn option_index(v: &Vote, option: &str) -> AppResult<usize> {
    v.options
        .iter()
        .position(|o| o == option.trim())
        .ok_or_else(|| {
            AppError::invalid("option", format!("本次表决没有“{}”这个选项", option.trim()))
        })
}

/// The vote must be open at `now`; take its units if this is the first touch after opening.
async fn open_units(conn: &mut Conn, v: &Vote, now: i64) -> AppResult<()> {
    match Phase::at(v.opens_at, v.closes_at, v.closed_at, now) {
        Phase::Open => {
            sv::take_units(conn, v, date_of(v.opens_at)).await?;
            Ok(())
        }
        Phase::Scheduled => Err(AppError::Conflict {
            field: "vote".into(),
            reason: "表决尚未开始".into(),
        }),
        Phase::Closed => Err(AppError::Conflict {
            field: "vote".into(),
            reason: "表决已结束".into(),
        }),
    }
}

/// The unit a resident casts for in this vote (their household, or themselves).
fn unit_of(v: &Vote, r: &crate::registry::Resident) -> i64 {
    match v.unit {
        Unit::Household => r.household_id,
        Unit::Resident | Unit::Representative => r.id,
    }
}

/// A resident's date of birth as the register holds it (`YYYY-MM-DD`).
fn birth_of(r: &crate::registry::Resident) -> AppResult<time::Date> {
    time::Date::parse(
        &r.birth_date,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| AppError::Internal(format!("bad birth date of resident {}", r.id)))
}

/// Whether the resident may cast their unit's ballot now: `Ok(unit)`, or why not (a minor,
/// not the household's named voter, not a representative, not in the place at the opening).
async fn may_cast_now(
    conn: &mut Conn,
    v: &Vote,
    r: &crate::registry::Resident,
    now: i64,
) -> AppResult<Result<i64, &'static str>> {
    let birth = birth_of(r)?;
    let voter = Voter {
        adult: is_adult(birth, date_of(now)),
        household_named_someone_else: v.unit == Unit::Household
            && sv::household_voter(conn, r.household_id)
                .await?
                .is_some_and(|named| named != r.id),
        representative: v.unit == Unit::Representative && sv::is_representative(conn, r.id).await?,
    };
    if let Err(why) = may_cast(v.unit, voter) {
        return Ok(Err(why.zh()));
    }
    let unit = unit_of(v, r);
    if !sv::is_eligible(conn, v.id, unit).await? {
        return Ok(Err("表决开始时不在本次表决范围内"));
    }
    Ok(Ok(unit))
}

fn already_voted(e: jingzhi_store::Error) -> AppError {
    match e {
        jingzhi_store::Error::Conflict(_) => AppError::Conflict {
            field: "ballot".into(),
            reason: "本户（本人）已经投过票，每个表决单位只有一票".into(),
        },
        e => e.into(),
    }
}

/// Eligible units not yet voted listed on a vote's page, for paper ballots.
pub const NOT_VOTED_SHOWN: i64 = 500;

/// What a vote's page shows the caller.
#[derive(Debug, Clone)]
pub struct VoteView {
    pub vote: Vote,
    pub phase: Phase,
    /// Staff of the place: they enter paper ballots, close, and see live counts.
    pub staff: bool,
    /// A resident: the option their unit chose and how (`online`/`paper`), if it voted.
    pub my_ballot: Option<(String, String)>,
    /// A resident: why they may not cast the unit's ballot, if so.
    pub cannot_cast: Option<String>,
    /// The result: when closed, or live for staff.
    pub result: Option<VoteResult>,
    /// Staff, while open: eligible units that have not voted (up to [`NOT_VOTED_SHOWN`]).
    pub not_voted: Vec<(i64, String)>,
}

/// Who votes for a household and whether a resident is a representative, as the register's
/// pages show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoterSettings {
    pub representative: bool,
    /// The member the household named to cast its ballots, if any.
    pub household_voter: Option<i64>,
}

/// The most places offered when opening a vote.
pub const PLACES_SHOWN: i64 = 1000;

impl Participation<'_> {
    /// Whether the resident is a representative, and whom their household named to vote.
    pub async fn voter_settings(
        &self,
        actor: &Actor,
        resident_id: i64,
    ) -> AppResult<VoterSettings> {
        let mut conn = self.app.store.acquire().await?;
        let r = sr::get_resident(&mut conn, &actor.scope(), resident_id).await?;
        Ok(VoterSettings {
            representative: sv::is_representative(&mut conn, r.id).await?,
            household_voter: sv::household_voter(&mut conn, r.household_id).await?,
        })
    }

    /// Who may be named to vote for a household (its adult members, in register order) and
    /// who is named, if anyone.
    pub async fn household_voter_choice(
        &self,
        actor: &Actor,
        household_id: i64,
    ) -> AppResult<(Option<i64>, Vec<crate::registry::Resident>)> {
        let mut conn = self.app.store.acquire().await?;
        let hh = sr::get_household(&mut conn, &actor.scope(), household_id).await?;
        let today = date_of(now_ms());
        let mut adults = vec![];
        for r in sr::household_members(&mut conn, &actor.scope(), hh.id).await? {
            if is_adult(birth_of(&r)?, today) {
                adults.push(r);
            }
        }
        Ok((sv::household_voter(&mut conn, hh.id).await?, adults))
    }

    /// Name a resident of the caller's place a residents' representative (居民代表), or no
    /// longer (staff of the place). Audited. Representatives vote in `representative` votes
    /// opened afterwards.
    pub async fn set_representative(
        &self,
        actor: &Actor,
        resident_id: i64,
        on: bool,
    ) -> AppResult<VoterSettings> {
        may_run(actor)?;
        let now = now_ms();
        let mut tx = self.app.store.begin().await?;
        let r = sr::get_resident(&mut tx, &actor.scope(), resident_id).await?;
        if sv::set_representative(&mut tx, r.id, &r.path, on, actor.audit_id(), now).await? {
            audit::record(
                &mut tx,
                audit::Entry {
                    before: Some(serde_json::json!({ "representative": !on })),
                    after: Some(serde_json::json!({ "representative": on })),
                    ..actor.audit(
                        Action::Update,
                        "resident",
                        Some(r.id),
                        &r.path,
                        format!("{}居民代表：{}", if on { "设为" } else { "取消" }, r.name),
                    )
                },
            )
            .await?;
        }
        let settings = VoterSettings {
            representative: on,
            household_voter: sv::household_voter(&mut tx, r.household_id).await?,
        };
        jingzhi_store::commit(tx).await?;
        Ok(settings)
    }

    /// Name the member who casts a household's ballots (an adult member of it), or none, so
    /// any adult member may (staff of the place). Audited.
    pub async fn set_household_voter(
        &self,
        actor: &Actor,
        household_id: i64,
        resident_id: Option<i64>,
    ) -> AppResult<()> {
        may_run(actor)?;
        let now = now_ms();
        let mut tx = self.app.store.begin().await?;
        let hh = sr::get_household(&mut tx, &actor.scope(), household_id).await?;
        let named = match resident_id {
            Some(rid) => {
                let r = sr::get_resident(&mut tx, &actor.scope(), rid)
                    .await
                    .ok()
                    .filter(|r| r.household_id == hh.id)
                    .ok_or_else(|| AppError::invalid("resident_id", "请选择本户的成员"))?;
                if !is_adult(birth_of(&r)?, date_of(now)) {
                    return Err(AppError::invalid(
                        "resident_id",
                        "代表本户投票的成员须年满十八周岁",
                    ));
                }
                Some(r)
            }
            None => None,
        };
        let before = sv::household_voter(&mut tx, hh.id).await?;
        sv::set_household_voter(&mut tx, hh.id, named.as_ref().map(|r| r.id), now).await?;
        audit::record(
            &mut tx,
            audit::Entry {
                before: Some(serde_json::json!({ "household_voter": before })),
                after: Some(serde_json::json!({ "household_voter": named.as_ref().map(|r| r.id) })),
                ..actor.audit(
                    Action::Update,
                    "household",
                    Some(hh.id),
                    &hh.path,
                    match &named {
                        Some(r) => format!("{} 指定 {} 代表本户投票", hh.address, r.name),
                        None => format!("{} 不再指定投票人，成年成员均可投票", hh.address),
                    },
                )
            },
        )
        .await?;
        jingzhi_store::commit(tx).await?;
        Ok(())
    }

    /// The places a vote can be opened over (staff): the caller's own place and the
    /// communities, compounds and buildings in it, in tree order.
    pub async fn vote_places(&self, actor: &Actor) -> AppResult<Vec<crate::registry::Node>> {
        may_run(actor)?;
        let scope = actor.scope();
        let mut conn = self.app.store.acquire().await?;
        let mut places = vec![sr::get_node(&mut conn, &scope, scope.node_id).await?];
        places.extend(
            sr::nodes_under(
                &mut conn,
                &scope,
                &scope.path,
                &[NodeKind::Community, NodeKind::Compound, NodeKind::Building],
                PLACES_SHOWN,
            )
            .await?
            .into_iter()
            .filter(|n| n.id != scope.node_id),
        );
        places.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(places)
    }

    pub async fn vote_view(&self, actor: &Actor, id: i64) -> AppResult<VoteView> {
        self.vote_view_at(actor, id, now_ms()).await
    }

    /// A vote as its page shows it to the caller.
    pub async fn vote_view_at(&self, actor: &Actor, id: i64, now: i64) -> AppResult<VoteView> {
        // One transaction: the first look after the opening takes the units.
        let mut tx = self.app.store.begin().await?;
        let v = self.visible(&mut tx, actor, id).await?;
        let phase = Phase::at(v.opens_at, v.closes_at, v.closed_at, now);
        let staff = actor.user.role.is_manager();
        let result = if phase == Phase::Closed || (staff && phase == Phase::Open) {
            Some(tally(&mut tx, &v, phase, now).await?)
        } else {
            if phase != Phase::Scheduled {
                sv::take_units(&mut tx, &v, date_of(v.opens_at)).await?;
            }
            None
        };
        let (mut my_ballot, mut cannot_cast, mut not_voted) = (None, None, vec![]);
        if actor.user.role == Role::Resident {
            let rid = actor.user.resident_id.ok_or(AppError::NotFound)?;
            let r = sr::get_resident(&mut tx, &actor.scope(), rid).await?;
            my_ballot = sv::unit_ballot(&mut tx, v.id, unit_of(&v, &r))
                .await?
                .map(|(i, ch)| (v.options.get(i).cloned().unwrap_or_default(), ch));
            if my_ballot.is_none() && phase == Phase::Open {
                cannot_cast = may_cast_now(&mut tx, &v, &r, now)
                    .await?
                    .err()
                    .map(str::to_string);
            }
        } else if staff && phase == Phase::Open {
            not_voted = sv::not_voted(&mut tx, &v, NOT_VOTED_SHOWN).await?;
        }
        jingzhi_store::commit(tx).await?;
        Ok(VoteView {
            vote: v,
            phase,
            staff,
            my_ballot,
            cannot_cast,
            result,
            not_voted,
        })
    }

    pub async fn create_vote(&self, actor: &Actor, input: &NewVoteInput) -> AppResult<Vote> {
        self.create_vote_at(actor, input, now_ms()).await
    }

    /// Open a vote over a place in the caller's scope. Audited.
    pub async fn create_vote_at(
        &self,
        actor: &Actor,
        input: &NewVoteInput,
        now: i64,
    ) -> AppResult<Vote> {
        may_run(actor)?;
        let unit = Unit::parse(&input.unit)?;
        let majority = Majority::parse(&input.majority)?;
        let majority_of = match input.majority_of.as_deref() {
            None => MajorityOf::Cast,
            Some(s) => MajorityOf::parse(s)?,
        };
        let opens_at = match input.opens_at.as_deref().filter(|s| !s.trim().is_empty()) {
            None => now,
            Some(s) => time_field("opens_at", s)?,
        };
        let closes_at = time_field("closes_at", &input.closes_at)?;
        if closes_at <= now {
            return Err(AppError::invalid("closes_at", "截止时间应晚于现在"));
        }
        let spec = VoteSpec::new(
            &input.question,
            &input.options,
            unit,
            input.quorum_percent,
            majority,
            majority_of,
            opens_at,
            closes_at,
        )?;
        let mut tx = self.app.store.begin().await?;
        let node = sr::get_node(&mut tx, &actor.scope(), input.node_id)
            .await
            .map_err(|e| match e {
                jingzhi_store::Error::NotFound => {
                    AppError::invalid("node_id", "该区域不存在或不在您的管辖范围内")
                }
                e => e.into(),
            })?;
        let id = sv::insert(
            &mut tx,
            &NewVote {
                node_id: node.id,
                path: &node.path,
                question: &spec.question,
                options: &spec.options,
                unit: spec.unit,
                quorum_percent: spec.quorum_percent,
                majority: spec.majority,
                majority_of: spec.majority_of,
                opens_at: spec.opens_at,
                closes_at: spec.closes_at,
                created_by: actor.audit_id(),
                created_by_name: &actor.user.display_name,
                now,
            },
        )
        .await?;
        let mut v = sv::get(&mut tx, &actor.scope(), id).await?;
        if spec.opens_at <= now {
            v.eligible = Some(sv::take_units(&mut tx, &v, date_of(v.opens_at)).await?);
        }
        audit::record(
            &mut tx,
            audit::Entry {
                after: Some(serde_json::json!({
                    "place": v.node_name,
                    "question": v.question,
                    "options": v.options,
                    "unit": v.unit.zh(),
                    "quorum_percent": v.quorum_percent,
                    "majority": match v.majority {
                        Majority::Simple => "过半数",
                        Majority::TwoThirds => "三分之二以上",
                    },
                    "majority_of": match v.majority_of {
                        MajorityOf::Cast => "按实际投票",
                        MajorityOf::Eligible => "按全部有表决权单位",
                    },
                    "opens_at": v.opens_at,
                    "closes_at": v.closes_at,
                    "eligible": v.eligible,
                })),
                ..actor.audit(
                    Action::Create,
                    "vote",
                    Some(id),
                    &node.path,
                    format!("发起表决：{}（{}）", v.question, v.unit.zh()),
                )
            },
        )
        .await?;
        jingzhi_store::commit(tx).await?;
        Ok(v)
    }

    /// A vote the caller may see: staff through their scope, a resident when the vote's place
    /// holds their own.
    async fn visible(&self, conn: &mut Conn, actor: &Actor, id: i64) -> AppResult<Vote> {
        if actor.user.role == Role::Resident {
            let rid = actor.user.resident_id.ok_or(AppError::NotFound)?;
            let r = sr::get_resident(conn, &actor.scope(), rid).await?;
            Ok(sv::get_over(conn, &r.path, id).await?)
        } else {
            Ok(sv::get(conn, &actor.scope(), id).await?)
        }
    }

    /// The votes the caller may see, newest first: staff those of places in their scope (below
    /// `node_id` if given), a resident those over their own place.
    pub async fn votes(&self, actor: &Actor, node_id: Option<i64>) -> AppResult<Vec<Vote>> {
        let mut conn = self.app.store.acquire().await?;
        let under = match node_id {
            Some(id) => Some(sr::get_node(&mut conn, &actor.scope(), id).await?.path),
            None => None,
        };
        if actor.user.role == Role::Resident {
            let rid = actor.user.resident_id.ok_or(AppError::NotFound)?;
            let r = sr::get_resident(&mut conn, &actor.scope(), rid).await?;
            let all = sv::list_over(&mut conn, &r.path, 200).await?;
            Ok(match under {
                Some(u) => all.into_iter().filter(|v| v.path.starts_with(&u)).collect(),
                None => all,
            })
        } else {
            let scope = actor.scope();
            Ok(sv::list(
                &mut conn,
                &scope,
                under.as_deref().unwrap_or(&scope.path),
                200,
            )
            .await?)
        }
    }

    pub async fn vote(&self, actor: &Actor, id: i64) -> AppResult<Vote> {
        let mut conn = self.app.store.acquire().await?;
        self.visible(&mut conn, actor, id).await
    }

    pub async fn cast_ballot(&self, actor: &Actor, vote_id: i64, option: &str) -> AppResult<i64> {
        self.cast_ballot_at(actor, vote_id, option, now_ms()).await
    }

    pub async fn paper_ballot(
        &self,
        actor: &Actor,
        vote_id: i64,
        household_id: Option<i64>,
        resident_id: Option<i64>,
        option: &str,
    ) -> AppResult<i64> {
        self.paper_ballot_at(actor, vote_id, household_id, resident_id, option, now_ms())
            .await
    }

    pub async fn close_vote(&self, actor: &Actor, vote_id: i64) -> AppResult<Vote> {
        self.close_vote_at(actor, vote_id, now_ms()).await
    }

    pub async fn result(&self, actor: &Actor, vote_id: i64) -> AppResult<VoteResult> {
        self.result_at(actor, vote_id, now_ms()).await
    }

    /// A resident casts their unit's ballot: their household's (any adult member, or the one
    /// the household named), their own, or their representative's. A second ballot of the unit
    /// is 409, a vote whose place does not hold them 404, an option the vote lacks 422 (and the
    /// unit may still vote). Committed in groups on SQLite ([`BallotWrites`]).
    pub async fn cast_ballot_at(
        &self,
        actor: &Actor,
        vote_id: i64,
        option: &str,
        now: i64,
    ) -> AppResult<i64> {
        if actor.user.role != Role::Resident {
            return Err(AppError::Forbidden);
        }
        let rid = actor.user.resident_id.ok_or(AppError::Forbidden)?;
        self.submit_ballot(BallotJob {
            actor: actor.clone(),
            vote_id,
            option: option.to_string(),
            now,
            who: BallotBy::Resident(rid),
        })
        .await
    }

    /// Staff enter a paper ballot for a household (a household vote) or a resident (the other
    /// units). The unit that already voted, by any channel, is 409. Committed in groups on
    /// SQLite ([`BallotWrites`]).
    pub async fn paper_ballot_at(
        &self,
        actor: &Actor,
        vote_id: i64,
        household_id: Option<i64>,
        resident_id: Option<i64>,
        option: &str,
        now: i64,
    ) -> AppResult<i64> {
        may_run(actor)?;
        self.submit_ballot(BallotJob {
            actor: actor.clone(),
            vote_id,
            option: option.to_string(),
            now,
            who: BallotBy::Staff {
                household_id,
                resident_id,
            },
        })
        .await
    }

    async fn submit_ballot(&self, job: BallotJob) -> AppResult<i64> {
        self.app.ballots.0.submit(&self.app.store, job).await?
    }

    /// Close a vote by hand. Closing a closed vote is 409.
    pub async fn close_vote_at(&self, actor: &Actor, vote_id: i64, now: i64) -> AppResult<Vote> {
        may_run(actor)?;
        let mut tx = self.app.store.begin().await?;
        let v = sv::get(&mut tx, &actor.scope(), vote_id).await?;
        if Phase::at(v.opens_at, v.closes_at, v.closed_at, now) == Phase::Closed {
            return Err(AppError::Conflict {
                field: "vote".into(),
                reason: "表决已结束".into(),
            });
        }
        if now >= v.opens_at {
            sv::take_units(&mut tx, &v, date_of(v.opens_at)).await?;
        }
        sv::close(&mut tx, v.id, now).await?;
        audit::record(
            &mut tx,
            actor.audit(
                Action::Update,
                "vote",
                Some(v.id),
                &v.path,
                format!("结束表决：{}", v.question),
            ),
        )
        .await?;
        let v = sv::get(&mut tx, &actor.scope(), vote_id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(v)
    }

    /// The result. Before the close only staff of the place see live counts; a resident asking
    /// then is 409.
    pub async fn result_at(&self, actor: &Actor, vote_id: i64, now: i64) -> AppResult<VoteResult> {
        let mut tx = self.app.store.begin().await?;
        let v = self.visible(&mut tx, actor, vote_id).await?;
        let phase = Phase::at(v.opens_at, v.closes_at, v.closed_at, now);
        if phase != Phase::Closed && actor.user.role == Role::Resident {
            return Err(AppError::Conflict {
                field: "vote".into(),
                reason: "表决结束后公布结果".into(),
            });
        }
        if phase != Phase::Closed {
            may_run(actor)?;
        }
        let result = tally(&mut tx, &v, phase, now).await?;
        jingzhi_store::commit(tx).await?;
        Ok(result)
    }
}

/// A closed vote's result, for the transparency log (no caller: the log's publisher).
pub(crate) async fn final_result(conn: &mut Conn, v: &Vote, now: i64) -> AppResult<VoteResult> {
    tally(conn, v, Phase::Closed, now).await
}

/// Count a vote's ballots against the units eligible at its opening (taken now if this is the
/// first look since), and decide it.
async fn tally(conn: &mut Conn, v: &Vote, phase: Phase, now: i64) -> AppResult<VoteResult> {
    let eligible = if now >= v.opens_at {
        sv::take_units(conn, v, date_of(v.opens_at)).await?
    } else {
        0
    };
    let mut counts = vec![0u64; v.options.len()];
    for (i, n) in sv::counts(conn, v.id).await? {
        if let Some(c) = counts.get_mut(i) {
            *c = u64::try_from(n).unwrap_or(0);
        }
    }
    let tally = Tally {
        eligible: u64::try_from(eligible).unwrap_or(0),
        counts,
    };
    let o = decide(v.quorum_percent, v.majority, v.majority_of, &tally);
    Ok(VoteResult {
        phase,
        eligible: o.eligible,
        cast: o.cast,
        turnout: o.turnout,
        quorum_met: o.quorum_met,
        outcome: o.winner.map(|w| v.options[w].clone()),
        counts: v.options.iter().cloned().zip(tally.counts).collect(),
    })
}

/// Who enters a ballot: a resident for their own unit, or staff on paper for a unit.
#[derive(Debug, Clone)]
enum BallotBy {
    Resident(i64),
    Staff {
        household_id: Option<i64>,
        resident_id: Option<i64>,
    },
}

/// A ballot waiting in the write queue ([`BallotWrites`]).
#[derive(Debug)]
pub(crate) struct BallotJob {
    actor: Actor,
    vote_id: i64,
    option: String,
    now: i64,
    who: BallotBy,
}

/// Write one ballot in the transaction given, as it would be written alone. A refusal (not
/// found, not eligible, voted already, no such option) comes before anything of this ballot is
/// written, so it answers this ballot only (`Ok(Err(…))`); a database error fails the group,
/// which the queue then writes one by one.
async fn write_ballot(
    tx: &mut Conn,
    j: &BallotJob,
    votes: &mut VoteCache,
) -> AppResult<AppResult<i64>> {
    match write_ballot_checked(tx, j, votes).await {
        Err(AppError::Internal(e)) => Err(AppError::Internal(e)),
        other => Ok(other),
    }
}

/// The votes a group of ballots has read, by (vote, the scope it was read through): a group is
/// one transaction, so a vote read for its first ballot is the vote for the rest.
type VoteCache = std::collections::HashMap<(i64, String), Vote>;

async fn write_ballot_checked(
    tx: &mut Conn,
    j: &BallotJob,
    votes: &mut VoteCache,
) -> AppResult<i64> {
    let actor = &j.actor;
    let now = j.now;
    match j.who {
        BallotBy::Resident(rid) => {
            let r = sr::get_resident(tx, &actor.scope(), rid).await?;
            let v = sv::get_over(tx, &r.path, j.vote_id).await?;
            let index = option_index(&v, &j.option)?;
            open_units(tx, &v, now).await?;
            let unit_id =
                may_cast_now(tx, &v, &r, now)
                    .await?
                    .map_err(|why| AppError::Conflict {
                        field: "voter".into(),
                        reason: why.into(),
                    })?;
            let id = sv::insert_ballot(
                tx,
                &NewBallot {
                    vote_id: v.id,
                    unit_id,
                    option_index: index,
                    resident_id: Some(r.id),
                    channel: "online",
                    recorded_by: None,
                    at: now,
                },
            )
            .await
            .map_err(already_voted)?;
            // The ballot's choice is secret from the audit log: who voted, never how.
            audit::record(
                tx,
                actor.audit(
                    Action::Create,
                    "ballot",
                    Some(id),
                    &r.path,
                    format!("在表决 #{} 中投票（{}）", v.id, v.unit.zh()),
                ),
            )
            .await?;
            Ok(id)
        }
        BallotBy::Staff {
            household_id,
            resident_id,
        } => {
            let key = (j.vote_id, actor.user.scope_path.clone());
            let v = match votes.get(&key) {
                Some(v) => v.clone(),
                None => {
                    let v = sv::get(tx, &actor.scope(), j.vote_id).await?;
                    votes.insert(key, v.clone());
                    v
                }
            };
            let index = option_index(&v, &j.option)?;
            open_units(tx, &v, now).await?;
            let (unit_id, path, resident) = match (v.unit, household_id, resident_id) {
                (Unit::Household, Some(h), _) => {
                    let h = sr::get_household(tx, &actor.scope(), h).await?;
                    (h.id, h.path, None)
                }
                (Unit::Household, None, Some(r)) => {
                    let r = sr::get_resident(tx, &actor.scope(), r).await?;
                    (r.household_id, r.path, Some(r.id))
                }
                (_, _, Some(r)) => {
                    let r = sr::get_resident(tx, &actor.scope(), r).await?;
                    (r.id, r.path, Some(r.id))
                }
                (Unit::Household, None, None) => {
                    return Err(AppError::invalid("household_id", "请选择投票的户"))
                }
                (_, _, None) => return Err(AppError::invalid("resident_id", "请选择投票的居民")),
            };
            if !sv::is_eligible(tx, v.id, unit_id).await? {
                return Err(AppError::Conflict {
                    field: "voter".into(),
                    reason: "表决开始时不在本次表决范围内".into(),
                });
            }
            let id = sv::insert_ballot(
                tx,
                &NewBallot {
                    vote_id: v.id,
                    unit_id,
                    option_index: index,
                    resident_id: resident,
                    channel: "paper",
                    recorded_by: actor.audit_id(),
                    at: now,
                },
            )
            .await
            .map_err(already_voted)?;
            audit::record(
                tx,
                actor.audit(
                    Action::Create,
                    "ballot",
                    Some(id),
                    &path,
                    format!("录入表决 #{} 的纸质选票（单位 {}）", v.id, unit_id),
                ),
            )
            .await?;
            Ok(id)
        }
    }
}

async fn write_ballots(tx: &mut Conn, jobs: &[BallotJob]) -> AppResult<Vec<AppResult<i64>>> {
    let mut out = Vec::with_capacity(jobs.len());
    let mut votes = VoteCache::new();
    for j in jobs {
        out.push(write_ballot(&mut *tx, j, &mut votes).await?);
    }
    Ok(out)
}

/// Ballots, online and on paper, committed in groups on SQLite like reports
/// (`jingzhi_store::group`); one transaction each on PostgreSQL. One ballot per unit holds as
/// before: the unique key decides, inside the group's transaction as inside one's own.
#[derive(Clone, Debug)]
pub struct BallotWrites(
    pub(crate) jingzhi_store::group::GroupCommit<BallotJob, AppResult<i64>, AppError>,
);

/// Ballots written in one group at most.
const MAX_BALLOT_GROUP: usize = 64;

impl Default for BallotWrites {
    fn default() -> Self {
        BallotWrites(jingzhi_store::group::GroupCommit::new(
            MAX_BALLOT_GROUP,
            std::sync::Arc::new(|tx: &mut Conn, jobs: &[BallotJob]| {
                Box::pin(write_ballots(tx, jobs))
            }),
        ))
    }
}

impl BallotWrites {
    /// Ballots committed by this process, and the transactions they took.
    pub fn counts(&self) -> (u64, u64) {
        self.0.counts()
    }
}
