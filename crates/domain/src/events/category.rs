//! The category tree. The defaults are the problems the report names; a deployment may add,
//! rename or retire categories (the store keeps the tree), but codes are stable: they are the
//! Open311 `service_code` and the key of every statistic.

use serde::{Deserialize, Serialize};

/// Who handles an event of a category by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandlerKind {
    GridWorker,
    Community,
    PropertyCompany,
    Department,
}

impl HandlerKind {
    pub const ALL: [HandlerKind; 4] = [
        HandlerKind::GridWorker,
        HandlerKind::Community,
        HandlerKind::PropertyCompany,
        HandlerKind::Department,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            HandlerKind::GridWorker => "grid_worker",
            HandlerKind::Community => "community",
            HandlerKind::PropertyCompany => "property_company",
            HandlerKind::Department => "department",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            HandlerKind::GridWorker => "网格员",
            HandlerKind::Community => "社区",
            HandlerKind::PropertyCompany => "物业公司",
            HandlerKind::Department => "职能部门",
        }
    }
}

/// An extra question a category asks the reporter (an Open311 service attribute).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    /// Stable code (Open311 attribute `code`).
    pub code: String,
    /// The question as shown.
    pub text: String,
    pub required: bool,
    /// Allowed answers; empty means free text.
    pub choices: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    /// Stable code, `[a-z0-9_]`, unique.
    pub code: String,
    pub name: String,
    /// The parent category's code (`None` for a top-level category).
    pub parent_code: Option<String>,
    pub handler: HandlerKind,
    /// For [`HandlerKind::Department`]: which department by default.
    pub department: Option<String>,
    pub questions: Vec<Question>,
}

fn q(code: &str, text: &str, required: bool, choices: &[&str]) -> Question {
    Question {
        code: code.into(),
        text: text.into(),
        required,
        choices: choices.iter().map(|c| c.to_string()).collect(),
    }
}

fn cat(
    code: &str,
    name: &str,
    handler: HandlerKind,
    department: Option<&str>,
    questions: Vec<Question>,
) -> Category {
    Category {
        code: code.into(),
        name: name.into(),
        parent_code: None,
        handler,
        department: department.map(Into::into),
        questions,
    }
}

/// The default categories, in display order. The migration seeds the same rows (a test checks).
pub fn default_categories() -> Vec<Category> {
    use HandlerKind::*;
    vec![
        cat(
            "parking",
            "停车秩序",
            GridWorker,
            None,
            vec![
                q("plate", "车牌号（如知道）", false, &[]),
                q("blocking", "是否堵塞消防通道", true, &["是", "否"]),
            ],
        ),
        cat(
            "ebike_charging",
            "电动车违规充电/飞线",
            GridWorker,
            None,
            vec![q(
                "place",
                "充电位置",
                true,
                &["楼道", "室内", "窗外飞线", "其他"],
            )],
        ),
        cat(
            "stairwell_clutter",
            "楼道堆物",
            PropertyCompany,
            None,
            vec![q("floor", "所在楼层", false, &[])],
        ),
        cat(
            "neighbour_dispute",
            "邻里纠纷",
            Community,
            None,
            vec![q(
                "kind",
                "纠纷类型",
                true,
                &["噪音", "漏水", "占用公共空间", "其他"],
            )],
        ),
        cat(
            "market_order",
            "市场秩序",
            Department,
            Some("shichangjianguan"),
            vec![],
        ),
        cat(
            "property_service",
            "物业服务与物业费",
            Community,
            None,
            vec![q(
                "kind",
                "问题类型",
                true,
                &["服务质量", "收费", "维修", "其他"],
            )],
        ),
        cat(
            "road_facility",
            "道路与设施破损",
            Department,
            Some("zhujian"),
            vec![q(
                "facility",
                "设施类型",
                true,
                &["道路", "路灯", "井盖", "健身器材", "其他"],
            )],
        ),
        cat("sanitation", "环境卫生", PropertyCompany, None, vec![]),
        cat(
            "noise",
            "噪音扰民",
            GridWorker,
            None,
            vec![q("time", "发生时段", true, &["白天", "夜间"])],
        ),
        cat(
            "fire_safety",
            "消防安全",
            Department,
            Some("xiaofang"),
            vec![q("danger_now", "是否正在发生险情", true, &["是", "否"])],
        ),
        cat("other", "其他", Community, None, vec![]),
        // A household found needing help in an emergency (docs/emergency.md).
        cat("emergency_help", "应急求助", Community, None, vec![]),
    ]
}

/// Check a category code: `[a-z0-9_]`, 1–40 characters.
pub fn check_code(code: &str) -> Result<(), crate::FieldError> {
    let ok = (1..=40).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(crate::FieldError::new(
            "category",
            "类别编码应为1–40位小写字母、数字或下划线",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_twelve_named_with_unique_codes() {
        let cats = default_categories();
        let names: Vec<_> = cats.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "停车秩序",
                "电动车违规充电/飞线",
                "楼道堆物",
                "邻里纠纷",
                "市场秩序",
                "物业服务与物业费",
                "道路与设施破损",
                "环境卫生",
                "噪音扰民",
                "消防安全",
                "其他",
                "应急求助"
            ]
        );
        let mut codes: Vec<_> = cats.iter().map(|c| c.code.clone()).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), cats.len());
        for c in &cats {
            check_code(&c.code).unwrap();
            assert_eq!(
                c.handler == HandlerKind::Department,
                c.department.is_some(),
                "{}",
                c.code
            );
        }
    }
}
