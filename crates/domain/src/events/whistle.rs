//! 吹哨报到: a community that cannot solve an event alone summons departments. Each must report
//! in (报到) before a deadline; then a joint on-site inspection (联合踏勘) agrees a solution that
//! becomes one task per department, and the whistle is done only when every task is done
//! (事不完、人不撤). Finally the community rates each department's response.
//!
//! ```text
//! whistle:    summoned ─inspection→ inspected ─last task done→ done ─last rating→ rated
//! department: summoned ─report_in→ reported_in ─inspection→ task_assigned ─complete→ task_done ─rate→ rated
//! ```

use super::lifecycle::Rating;
use super::{DeadlinePolicy, Urgency};
use crate::FieldError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WhistleStatus {
    Summoned,
    Inspected,
    Done,
    Rated,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeptStatus {
    Summoned,
    ReportedIn,
    TaskAssigned,
    TaskDone,
    Rated,
}

macro_rules! strs {
    ($t:ty, $($v:ident => $s:literal / $zh:literal),* $(,)?) => {
        impl $t {
            pub const ALL: &'static [$t] = &[$(<$t>::$v),*];
            pub fn as_str(self) -> &'static str { match self { $(<$t>::$v => $s),* } }
            pub fn label_zh(self) -> &'static str { match self { $(<$t>::$v => $zh),* } }
            pub fn parse(s: &str) -> Option<Self> { Self::ALL.iter().copied().find(|x| x.as_str() == s) }
        }
    };
}

strs!(WhistleStatus,
    Summoned => "summoned" / "已吹哨",
    Inspected => "inspected" / "已联合踏勘",
    Done => "done" / "任务全部完成",
    Rated => "rated" / "已评价",
);
strs!(DeptStatus,
    Summoned => "summoned" / "待报到",
    ReportedIn => "reported_in" / "已报到",
    TaskAssigned => "task_assigned" / "任务办理中",
    TaskDone => "task_done" / "任务已完成",
    Rated => "rated" / "已评价",
);

/// One summoned department.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summons {
    pub department: String,
    pub status: DeptStatus,
    pub reported_in_at: Option<i64>,
    pub task: Option<String>,
    pub task_done_at: Option<i64>,
    pub rating: Option<Rating>,
}

impl Summons {
    /// Reported in no later than the deadline.
    pub fn reported_on_time(&self, deadline_ms: i64) -> Option<bool> {
        self.reported_in_at.map(|t| t <= deadline_ms)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Whistle {
    pub status: WhistleStatus,
    pub urgency: Urgency,
    pub blown_at: i64,
    /// When every department must have reported in.
    pub report_in_deadline: i64,
    pub departments: Vec<Summons>,
}

fn err(field: &'static str, reason: impl Into<String>) -> FieldError {
    FieldError::new(field, reason)
}

impl Whistle {
    /// Summon `departments` (at least one, no repeats).
    pub fn blow(
        departments: &[String],
        urgency: Urgency,
        now: i64,
        policy: &DeadlinePolicy,
    ) -> Result<Whistle, FieldError> {
        if departments.is_empty() {
            return Err(err("departments", "请至少选择一个被召集部门"));
        }
        let mut out: Vec<Summons> = vec![];
        for d in departments {
            let d = d.trim();
            if d.is_empty() || d.chars().count() > 100 {
                return Err(err("departments", "部门名称应为1–100字"));
            }
            if out.iter().any(|s| s.department == d) {
                return Err(err("departments", format!("部门“{d}”重复")));
            }
            out.push(Summons {
                department: d.to_string(),
                status: DeptStatus::Summoned,
                reported_in_at: None,
                task: None,
                task_done_at: None,
                rating: None,
            });
        }
        Ok(Whistle {
            status: WhistleStatus::Summoned,
            urgency,
            blown_at: now,
            report_in_deadline: policy.report_in_deadline(urgency, now),
            departments: out,
        })
    }

    fn dept(&mut self, department: &str) -> Result<&mut Summons, FieldError> {
        self.departments
            .iter_mut()
            .find(|s| s.department == department)
            .ok_or_else(|| {
                err(
                    "department",
                    format!("“{department}”不是本次吹哨召集的部门"),
                )
            })
    }

    /// A department reports in. Returns whether it was on time.
    pub fn report_in(&mut self, department: &str, now: i64) -> Result<bool, FieldError> {
        let deadline = self.report_in_deadline;
        let d = self.dept(department)?;
        if d.status != DeptStatus::Summoned {
            return Err(err("department", format!("“{department}”已报到")));
        }
        d.status = DeptStatus::ReportedIn;
        d.reported_in_at = Some(now);
        Ok(now <= deadline)
    }

    /// Record the joint inspection: every department has reported in, and the agreed solution
    /// gives each exactly one task.
    pub fn record_inspection(&mut self, tasks: &[(String, String)]) -> Result<(), FieldError> {
        if self.status != WhistleStatus::Summoned {
            return Err(err("inspection", "联合踏勘已记录"));
        }
        if let Some(d) = self
            .departments
            .iter()
            .find(|d| d.status != DeptStatus::ReportedIn)
        {
            return Err(err(
                "inspection",
                format!("“{}”尚未报到，不能记录联合踏勘", d.department),
            ));
        }
        for (dept, task) in tasks {
            if !self.departments.iter().any(|d| &d.department == dept) {
                return Err(err("tasks", format!("“{dept}”不是本次吹哨召集的部门")));
            }
            if task.trim().is_empty() {
                return Err(err("tasks", format!("请填写“{dept}”的任务")));
            }
        }
        for d in &self.departments {
            let n = tasks.iter().filter(|(x, _)| *x == d.department).count();
            if n != 1 {
                return Err(err(
                    "tasks",
                    format!("每个部门须有且只有一项任务（“{}”有{}项）", d.department, n),
                ));
            }
        }
        for (dept, task) in tasks {
            let d = self.dept(dept)?;
            d.task = Some(task.trim().to_string());
            d.status = DeptStatus::TaskAssigned;
        }
        self.status = WhistleStatus::Inspected;
        Ok(())
    }

    /// A department's task is done; the whistle is done when every task is.
    pub fn complete_task(&mut self, department: &str, now: i64) -> Result<(), FieldError> {
        let d = self.dept(department)?;
        if d.status != DeptStatus::TaskAssigned {
            return Err(err(
                "department",
                format!("“{department}”没有办理中的任务（{}）", d.status.label_zh()),
            ));
        }
        d.status = DeptStatus::TaskDone;
        d.task_done_at = Some(now);
        if self
            .departments
            .iter()
            .all(|d| d.status == DeptStatus::TaskDone)
        {
            self.status = WhistleStatus::Done;
        }
        Ok(())
    }

    /// The community rates a department once the whistle is done.
    pub fn rate(&mut self, department: &str, rating: Rating) -> Result<(), FieldError> {
        if !matches!(self.status, WhistleStatus::Done | WhistleStatus::Rated) {
            return Err(err("rating", "所有部门任务完成后才能评价"));
        }
        let d = self.dept(department)?;
        if d.status != DeptStatus::TaskDone {
            return Err(err("rating", format!("“{department}”已评价")));
        }
        d.status = DeptStatus::Rated;
        d.rating = Some(rating);
        if self
            .departments
            .iter()
            .all(|d| d.status == DeptStatus::Rated)
        {
            self.status = WhistleStatus::Rated;
        }
        Ok(())
    }

    /// The invariants every reachable whistle keeps.
    pub fn is_consistent(&self) -> bool {
        use DeptStatus as D;
        let all = |f: &dyn Fn(DeptStatus) -> bool| self.departments.iter().all(|d| f(d.status));
        !self.departments.is_empty()
            && self
                .departments
                .iter()
                .all(|d| d.reported_in_at.is_some() == (d.status != D::Summoned))
            && self
                .departments
                .iter()
                .all(|d| d.rating.is_some() == (d.status == D::Rated))
            && match self.status {
                WhistleStatus::Summoned => all(&|s| matches!(s, D::Summoned | D::ReportedIn)),
                WhistleStatus::Inspected => {
                    all(&|s| matches!(s, D::TaskAssigned | D::TaskDone))
                        && !all(&|s| s == D::TaskDone)
                }
                WhistleStatus::Done => {
                    all(&|s| matches!(s, D::TaskDone | D::Rated)) && !all(&|s| s == D::Rated)
                }
                WhistleStatus::Rated => all(&|s| s == D::Rated),
            }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn depts() -> Vec<String> {
        vec!["城管局".into(), "交警大队".into()]
    }

    #[test]
    fn done_only_when_every_task_is_done() {
        let p = DeadlinePolicy::default();
        let mut w = Whistle::blow(&depts(), Urgency::Emergency, 0, &p).unwrap();
        assert_eq!(w.report_in_deadline, 30 * 60_000);
        assert!(w.report_in("城管局", 10).unwrap());
        let tasks = vec![
            ("城管局".to_string(), "安装护栏".to_string()),
            ("交警大队".to_string(), "施划双向车道线".to_string()),
        ];
        assert!(w
            .record_inspection(&tasks)
            .unwrap_err()
            .reason
            .contains("交警大队"));
        assert!(!w.report_in("交警大队", 31 * 60_000).unwrap());
        assert!(w.rate("城管局", Rating::Satisfied).is_err());
        w.record_inspection(&tasks).unwrap();
        w.complete_task("城管局", 100).unwrap();
        assert_eq!(w.status, WhistleStatus::Inspected);
        w.complete_task("交警大队", 200).unwrap();
        assert_eq!(w.status, WhistleStatus::Done);
        w.rate("城管局", Rating::Satisfied).unwrap();
        w.rate("交警大队", Rating::FairlySatisfied).unwrap();
        assert_eq!(w.status, WhistleStatus::Rated);
        assert!(w.is_consistent());
        assert!(Whistle::blow(
            &["城管局".into(), "城管局".into()],
            Urgency::Ordinary,
            0,
            &p
        )
        .is_err());
        assert!(Whistle::blow(&[], Urgency::Ordinary, 0, &p).is_err());
    }

    proptest! {
        // Any sequence of operations (successful or refused) keeps a whistle consistent.
        #[test]
        fn random_operations_keep_whistles_consistent(ops in proptest::collection::vec((0u8..4, 0usize..3, any::<bool>()), 0..40)) {
            let names = ["城管局", "交警大队", "不存在"];
            let mut w = Whistle::blow(&depts(), Urgency::Urgent, 0, &DeadlinePolicy::default()).unwrap();
            for (i, (op, d, full)) in ops.into_iter().enumerate() {
                let before = w.clone();
                let r = match op {
                    0 => w.report_in(names[d], i as i64).map(|_| ()),
                    1 => {
                        let n = if full { 2 } else { 1 };
                        let tasks: Vec<_> = depts().into_iter().take(n).map(|d| (d, "任务".to_string())).collect();
                        w.record_inspection(&tasks)
                    }
                    2 => w.complete_task(names[d], i as i64),
                    _ => w.rate(names[d], Rating::Satisfied),
                };
                if r.is_err() {
                    prop_assert_eq!(&w, &before);
                }
                prop_assert!(w.is_consistent(), "{:?}", w);
            }
        }
    }
}
