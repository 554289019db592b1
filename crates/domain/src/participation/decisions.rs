//! Decisions carried out (issue 11 §5): a decision taken by a meeting or a vote becomes tasks
//! for the community, the property company, a department or an event, each with an owner, a
//! due date and progress steps (not started → studying → started → half done → done, the steps
//! Decidim's users asked for), on a public timeline from idea to result. An evaluation meeting
//! rates how it was carried out.

use crate::FieldError;
use serde::{Deserialize, Serialize};

pub const MAX_TITLE: usize = 100;
pub const MAX_TEXT: usize = 2000;
pub const MAX_FIGURES: usize = 12;

/// How far a task has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    NotStarted,
    Studying,
    Started,
    HalfDone,
    Done,
}

impl Step {
    pub const ALL: [Step; 5] = [
        Step::NotStarted,
        Step::Studying,
        Step::Started,
        Step::HalfDone,
        Step::Done,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Step::NotStarted => "not_started",
            Step::Studying => "studying",
            Step::Started => "started",
            Step::HalfDone => "half_done",
            Step::Done => "done",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Step::NotStarted => "未开始",
            Step::Studying => "研究中",
            Step::Started => "已启动",
            Step::HalfDone => "过半",
            Step::Done => "已完成",
        }
    }

    /// Per cent of the way, for the progress bar.
    pub fn percent(self) -> u8 {
        match self {
            Step::NotStarted => 0,
            Step::Studying => 15,
            Step::Started => 35,
            Step::HalfDone => 60,
            Step::Done => 100,
        }
    }
}

/// Progress moves forward only, one or more steps; a done task is done. (A stalled task stays
/// where it is, and says why in its note, rather than moving back on the public timeline.)
pub fn advance(from: Step, to: Step) -> Result<Step, FieldError> {
    if from == Step::Done {
        return Err(FieldError::new("step", "任务已完成"));
    }
    if to <= from {
        return Err(FieldError::new(
            "step",
            format!("进度只能向前：当前为“{}”", from.label_zh()),
        ));
    }
    Ok(to)
}

/// Who carries a task out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OwnerKind {
    /// 社区
    Community,
    /// 物业企业
    Property,
    /// 职能部门 (from the departments registry; its staff record progress)
    Department,
    /// 转为事件办理 (an event of the community carries it)
    Event,
}

impl OwnerKind {
    pub const ALL: [OwnerKind; 4] = [
        OwnerKind::Community,
        OwnerKind::Property,
        OwnerKind::Department,
        OwnerKind::Event,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OwnerKind::Community => "community",
            OwnerKind::Property => "property",
            OwnerKind::Department => "department",
            OwnerKind::Event => "event",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            OwnerKind::Community => "社区",
            OwnerKind::Property => "物业企业",
            OwnerKind::Department => "职能部门",
            OwnerKind::Event => "事件办理",
        }
    }
}

/// A figure a decision carries (68 parking spaces marked, 20 rented out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figure {
    pub label: String,
    pub value: i64,
    #[serde(default)]
    pub unit: String,
}

/// Check the figures: each with a label, a non-negative value, a short unit.
pub fn check_figures(figures: &[Figure]) -> Result<Vec<Figure>, FieldError> {
    if figures.len() > MAX_FIGURES {
        return Err(FieldError::new(
            "figures",
            format!("最多{MAX_FIGURES}项数据"),
        ));
    }
    figures
        .iter()
        .map(|f| {
            let label = f.label.trim();
            if label.is_empty() {
                return Err(FieldError::new("figures", "每项数据都要写名称"));
            }
            crate::check_max_chars("figures", "数据名称", label, 40)?;
            crate::check_max_chars("figures", "单位", f.unit.trim(), 10)?;
            if f.value < 0 {
                return Err(FieldError::new("figures", "数据不能为负数"));
            }
            Ok(Figure {
                label: label.to_string(),
                value: f.value,
                unit: f.unit.trim().to_string(),
            })
        })
        .collect()
}

/// A rating by an evaluation meeting, 1 to 5 stars.
pub fn check_rating(r: i64) -> Result<u8, FieldError> {
    u8::try_from(r)
        .ok()
        .filter(|r| (1..=5).contains(r))
        .ok_or_else(|| FieldError::new("rating", "评分应为1到5星"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn progress_moves_forward_only_and_done_is_final() {
        assert_eq!(advance(Step::NotStarted, Step::Started), Ok(Step::Started));
        assert_eq!(
            advance(Step::Started, Step::Studying).unwrap_err().field,
            "step"
        );
        assert!(advance(Step::Started, Step::Started).is_err());
        assert!(advance(Step::Done, Step::Done).is_err());
    }

    #[test]
    fn figures_and_ratings_are_checked() {
        let ok = check_figures(&[Figure {
            label: " 施划车位 ".into(),
            value: 68,
            unit: "个".into(),
        }])
        .unwrap();
        assert_eq!(ok[0].label, "施划车位");
        assert!(check_figures(&[Figure {
            label: "".into(),
            value: 1,
            unit: "".into()
        }])
        .is_err());
        assert!(check_figures(&[Figure {
            label: "x".into(),
            value: -1,
            unit: "".into()
        }])
        .is_err());
        assert_eq!(check_rating(5), Ok(5));
        assert!(check_rating(0).is_err());
        assert!(check_rating(6).is_err());
    }

    proptest! {
        /// Any sequence of attempted moves: the steps the task passes through rise strictly,
        /// and nothing moves after done.
        #[test]
        fn any_sequence_of_moves_only_rises(moves in proptest::collection::vec(0usize..5, 0..30)) {
            let mut at = Step::NotStarted;
            let mut seen = vec![at];
            for m in moves {
                if let Ok(next) = advance(at, Step::ALL[m]) {
                    prop_assert!(next > at);
                    prop_assert!(at != Step::Done);
                    at = next;
                    seen.push(at);
                }
            }
            prop_assert!(seen.windows(2).all(|w| w[0] < w[1]));
        }
    }
}
