//! The closed-loop approval of a redistricting plan (闭环程序): six steps in a fixed order, each
//! with its record; the last one, the joint meeting of departments (联席会议), decides by the
//! departments' votes. Only an approved plan may be applied. Pure rules; the store keeps the
//! records and the app enforces these rules before writing.

use crate::auth::Role;
use serde::{Deserialize, Serialize};

/// A step of the procedure, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// 公众参与: residents of the affected communities see the plan and comment.
    PublicParticipation,
    /// 专家论证: expert opinions.
    ExpertReview,
    /// 社会听证: the hearing record.
    Hearing,
    /// 风险评估: risk assessment.
    RiskAssessment,
    /// 合法性审查: legality review.
    LegalityReview,
    /// 会议研究: the joint meeting of departments decides.
    MeetingDecision,
}

impl Step {
    pub const ALL: [Step; 6] = [
        Step::PublicParticipation,
        Step::ExpertReview,
        Step::Hearing,
        Step::RiskAssessment,
        Step::LegalityReview,
        Step::MeetingDecision,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Step::PublicParticipation => "public_participation",
            Step::ExpertReview => "expert_review",
            Step::Hearing => "hearing",
            Step::RiskAssessment => "risk_assessment",
            Step::LegalityReview => "legality_review",
            Step::MeetingDecision => "meeting_decision",
        }
    }

    pub fn parse(s: &str) -> Option<Step> {
        Self::ALL
            .into_iter()
            .find(|x| x.as_str() == s.trim() || x.label_zh() == s.trim())
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Step::PublicParticipation => "公众参与",
            Step::ExpertReview => "专家论证",
            Step::Hearing => "社会听证",
            Step::RiskAssessment => "风险评估",
            Step::LegalityReview => "合法性审查",
            Step::MeetingDecision => "会议研究",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// Where a plan stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Saved, no step recorded yet (公众参与 is open).
    Draft,
    /// Some steps recorded.
    InReview,
    /// The meeting agreed with no objection.
    Approved,
    /// The meeting had an objection.
    Rejected,
    /// Applied to the register.
    Applied,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::InReview => "in_review",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
            Status::Applied => "applied",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        [
            Status::Draft,
            Status::InReview,
            Status::Approved,
            Status::Rejected,
            Status::Applied,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Status::Draft => "草案（公众参与中）",
            Status::InReview => "审查中",
            Status::Approved => "已批准",
            Status::Rejected => "未通过",
            Status::Applied => "已实施",
        }
    }
}

/// The departments of the joint meeting (联席会议, 15 departments) that vote by default.
pub const DEPARTMENTS: [&str; 15] = [
    "组织部",
    "政法委",
    "民政局",
    "公安局",
    "住建局",
    "自然资源和规划局",
    "财政局",
    "司法局",
    "人社局",
    "卫健委",
    "教育局",
    "城管局",
    "统计局",
    "应急管理局",
    "区市人民政府",
];

/// A department's vote at the meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Vote {
    Agree,
    Object,
}

impl Vote {
    pub fn as_str(self) -> &'static str {
        match self {
            Vote::Agree => "agree",
            Vote::Object => "object",
        }
    }

    pub fn parse(s: &str) -> Option<Vote> {
        match s.trim() {
            "agree" | "同意" => Some(Vote::Agree),
            "object" | "反对" | "不同意" => Some(Vote::Object),
            _ => None,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Vote::Agree => "同意",
            Vote::Object => "反对",
        }
    }
}

/// Why a step cannot be recorded now.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StepError {
    #[error("方案已{0}，不能再记录审批步骤")]
    Closed(&'static str),
    #[error("应先完成「{0}」")]
    OutOfOrder(&'static str),
    #[error("「{0}」已记录")]
    AlreadyDone(&'static str),
    #[error("请填写{0}的记录")]
    EmptyRecord(&'static str),
    #[error("以下部门尚未表决: {0}")]
    VotesMissing(String),
}

/// The next step to record, given the steps recorded so far (in order), or `None` when all six
/// are done.
pub fn next_step(done: &[Step]) -> Option<Step> {
    Step::ALL.get(done.len()).copied()
}

/// Check that `step` may be recorded now, with this record text.
pub fn check_step(
    status: Status,
    done: &[Step],
    step: Step,
    record: &str,
) -> Result<(), StepError> {
    match status {
        Status::Approved | Status::Rejected | Status::Applied => {
            return Err(StepError::Closed(status.label_zh()))
        }
        Status::Draft | Status::InReview => {}
    }
    if done.contains(&step) {
        return Err(StepError::AlreadyDone(step.label_zh()));
    }
    match next_step(done) {
        Some(n) if n == step => {}
        Some(n) => return Err(StepError::OutOfOrder(n.label_zh())),
        None => return Err(StepError::AlreadyDone(step.label_zh())),
    }
    if record.trim().is_empty() {
        return Err(StepError::EmptyRecord(step.label_zh()));
    }
    Ok(())
}

/// The meeting's decision: every participating department must have voted; approved only with
/// no objection.
pub fn decide(departments: &[String], votes: &[(String, Vote)]) -> Result<Status, StepError> {
    let missing: Vec<&str> = departments
        .iter()
        .filter(|d| !votes.iter().any(|(v, _)| v == *d))
        .map(|d| d.as_str())
        .collect();
    if !missing.is_empty() {
        return Err(StepError::VotesMissing(missing.join("、")));
    }
    if votes.iter().any(|(_, v)| *v == Vote::Object) {
        Ok(Status::Rejected)
    } else {
        Ok(Status::Approved)
    }
}

/// Who may see plans and oversized communities (read-only for the auditor).
pub fn can_view(role: Role) -> bool {
    matches!(
        role,
        Role::CityAdmin | Role::DistrictOfficer | Role::StreetOfficer | Role::Auditor
    )
}

/// Who may scan, draw plans and save drafts, and correct the adjacency graph.
pub fn can_plan(role: Role) -> bool {
    matches!(
        role,
        Role::CityAdmin | Role::DistrictOfficer | Role::StreetOfficer
    )
}

/// Who may comment on a plan in public participation (公众参与): residents and every staff
/// role whose place it covers, never the auditor, who only reads.
pub fn can_comment(role: Role) -> bool {
    role != Role::Auditor
}

/// Who may record approval steps, votes, and apply an approved plan.
pub fn can_approve(role: Role) -> bool {
    matches!(role, Role::CityAdmin | Role::DistrictOfficer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_auditor_reads_but_does_not_comment() {
        assert!(!can_comment(Role::Auditor));
        assert!(can_view(Role::Auditor));
        for r in Role::ALL.into_iter().filter(|r| *r != Role::Auditor) {
            assert!(can_comment(r), "{r:?}");
        }
    }

    #[test]
    fn steps_go_in_order() {
        use Step::*;
        assert!(check_step(Status::Draft, &[], PublicParticipation, "x").is_ok());
        assert_eq!(
            check_step(Status::Draft, &[], ExpertReview, "x"),
            Err(StepError::OutOfOrder("公众参与"))
        );
        assert_eq!(
            check_step(
                Status::InReview,
                &[PublicParticipation],
                PublicParticipation,
                "x"
            ),
            Err(StepError::AlreadyDone("公众参与"))
        );
        assert!(matches!(
            check_step(Status::InReview, &[PublicParticipation], ExpertReview, " "),
            Err(StepError::EmptyRecord(_))
        ));
        assert!(matches!(
            check_step(Status::Approved, &[], PublicParticipation, "x"),
            Err(StepError::Closed(_))
        ));
        assert_eq!(next_step(&Step::ALL), None);
    }

    #[test]
    fn the_meeting_needs_every_vote_and_no_objection() {
        let deps = vec!["民政局".to_string(), "公安局".to_string()];
        assert!(matches!(
            decide(&deps, &[("民政局".into(), Vote::Agree)]),
            Err(StepError::VotesMissing(m)) if m == "公安局"
        ));
        assert_eq!(
            decide(
                &deps,
                &[
                    ("民政局".into(), Vote::Agree),
                    ("公安局".into(), Vote::Agree)
                ]
            ),
            Ok(Status::Approved)
        );
        assert_eq!(
            decide(
                &deps,
                &[
                    ("民政局".into(), Vote::Agree),
                    ("公安局".into(), Vote::Object)
                ]
            ),
            Ok(Status::Rejected)
        );
    }
}
