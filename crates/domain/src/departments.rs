//! The department registry (职能部门): the parties events are dispatched to and whistles summon.
//! A department is named everywhere by its `code`; its name is for people. Rules here are pure:
//! what a valid code and record look like, which departments may take an event at a place
//! (their jurisdiction holds it), and the demo city's catalogue.

use crate::FieldError;
use serde::{Deserialize, Serialize};

/// Longest department name, short name and contact (characters).
pub const MAX_NAME: usize = 60;
pub const MAX_SHORT_NAME: usize = 20;
pub const MAX_CONTACT: usize = 100;

/// The level of government a department belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    City,
    District,
    Street,
}

impl Level {
    pub const ALL: [Level; 3] = [Level::City, Level::District, Level::Street];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::City => "city",
            Level::District => "district",
            Level::Street => "street",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        Self::ALL.into_iter().find(|l| l.as_str() == s.trim())
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Level::City => "市级",
            Level::District => "区市级",
            Level::Street => "街道级",
        }
    }
}

/// A department code: 2–60 of `a-z 0-9 - _ .`, starting with a letter or digit.
pub fn check_code(code: &str) -> Result<(), FieldError> {
    let ok = (2..=60).contains(&code.len())
        && code
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric())
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_.".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(FieldError::new(
            "code",
            "部门编码应为2–60位小写字母、数字或 - _ .",
        ))
    }
}

fn check_text(
    field: &'static str,
    what: &str,
    s: &str,
    max: usize,
    required: bool,
) -> Result<(), FieldError> {
    let n = s.trim().chars().count();
    if required && n == 0 {
        return Err(FieldError::new(field, format!("请填写{what}")));
    }
    if n > max {
        return Err(FieldError::new(field, format!("{what}不能超过{max}字")));
    }
    if s.chars().any(char::is_control) {
        return Err(FieldError::new(field, format!("{what}含有不可见控制字符")));
    }
    Ok(())
}

/// Check a department's own fields (the jurisdiction and parent are checked against the tree
/// and the registry by the use-case).
pub fn check(
    code: &str,
    name: &str,
    short_name: &str,
    contact: Option<&str>,
) -> Result<(), FieldError> {
    check_code(code)?;
    check_text("name", "部门名称", name, MAX_NAME, true)?;
    check_text("short_name", "部门简称", short_name, MAX_SHORT_NAME, true)?;
    if let Some(c) = contact {
        check_text("contact", "联系方式", c, MAX_CONTACT, false)?;
    }
    Ok(())
}

/// May a department whose jurisdiction has path `jurisdiction` take an event at `event_path`?
/// Its jurisdiction must hold the place (a city department serves the whole city, a district's
/// only that district).
pub fn serves(jurisdiction: &str, event_path: &str) -> bool {
    crate::scope::Scope::new(0, jurisdiction.to_string()).contains(event_path)
}

/// One department of the demo city's catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoDepartment {
    pub code: String,
    pub name: String,
    pub short_name: String,
    pub level: Level,
    /// The unified code of its jurisdiction (the city's or a district's).
    pub node_code: String,
    pub parent_code: Option<String>,
    pub contact: Option<String>,
    pub joint_meeting: bool,
}

/// The city's departments: (code, name, short name, joint meeting). The fifteen departments of
/// the joint meeting on community boundaries (组织、政法、民政、公安、住建…; see
/// `districting::approval::DEPARTMENTS`) go by the short names the meeting uses.
pub const CITY_DEPARTMENTS: &[(&str, &str, &str, bool)] = &[
    ("zuzhi", "中共威海市委组织部", "组织部", true),
    ("zhengfa", "中共威海市委政法委员会", "政法委", true),
    ("minzheng", "威海市民政局", "民政局", true),
    ("gongan", "威海市公安局", "公安局", true),
    ("zhujian", "威海市住房和城乡建设局", "住建局", true),
    (
        "ziranziyuan",
        "威海市自然资源和规划局",
        "自然资源和规划局",
        true,
    ),
    ("caizheng", "威海市财政局", "财政局", true),
    ("sifa", "威海市司法局", "司法局", true),
    ("renshe", "威海市人力资源和社会保障局", "人社局", true),
    ("weijian", "威海市卫生健康委员会", "卫健委", true),
    ("jiaoyu", "威海市教育局", "教育局", true),
    ("chengguan", "威海市城市管理局", "城管局", true),
    ("tongji", "威海市统计局", "统计局", true),
    ("yingji", "威海市应急管理局", "应急管理局", true),
    (
        "shichangjianguan",
        "威海市市场监督管理局",
        "市场监管局",
        false,
    ),
    ("xiaofang", "威海市消防救援支队", "消防救援支队", false),
    ("shengtai", "威海市生态环境局", "生态环境局", false),
    ("zhifa", "威海市综合行政执法局", "综合行政执法局", false),
];

/// Each district's own departments: (slug, name after the district's, short name, parent code).
/// Their codes are `<district code's first six digits>-<slug>`.
pub const DISTRICT_DEPARTMENTS: &[(&str, &str, &str, &str)] = &[
    ("zhujian", "住房和城乡建设局", "住建局", "zhujian"),
    ("zhifa", "综合行政执法局", "综合行政执法局", "zhifa"),
    (
        "shichangjianguan",
        "市场监督管理局",
        "市场监管局",
        "shichangjianguan",
    ),
    ("gongan", "公安分局", "公安分局", "gongan"),
    ("xiaofang", "消防救援大队", "消防救援大队", "xiaofang"),
    ("jiaojing", "交警大队", "交警大队", "gongan"),
    ("shengtai", "生态环境分局", "生态环境分局", "shengtai"),
    ("minzheng", "民政局", "民政局", "minzheng"),
    ("gongdian", "供电公司", "供电公司", "zhujian"),
];

/// The code of a district's department (`371002-zhujian`).
pub fn district_code(district_unified_code: &str, slug: &str) -> String {
    let prefix: String = district_unified_code.chars().take(6).collect();
    format!("{prefix}-{slug}")
}

/// The demo city's catalogue: the city's departments, then each district's.
pub fn demo_catalogue(city_code: &str, districts: &[(String, String)]) -> Vec<DemoDepartment> {
    let mut out: Vec<DemoDepartment> = CITY_DEPARTMENTS
        .iter()
        .enumerate()
        .map(|(i, (code, name, short, jm))| DemoDepartment {
            code: code.to_string(),
            name: name.to_string(),
            short_name: short.to_string(),
            level: Level::City,
            node_code: city_code.to_string(),
            parent_code: None,
            contact: Some(format!("0631-52{:05}", 10_001 + i)),
            joint_meeting: *jm,
        })
        .collect();
    for (d, (dcode, dname)) in districts.iter().enumerate() {
        for (i, (slug, name, short, parent)) in DISTRICT_DEPARTMENTS.iter().enumerate() {
            out.push(DemoDepartment {
                code: district_code(dcode, slug),
                name: format!("{dname}{name}"),
                short_name: short.to_string(),
                level: Level::District,
                node_code: dcode.clone(),
                parent_code: Some(parent.to_string()),
                contact: Some(format!("0631-5{}{:05}", 3 + d % 6, 20_001 + i)),
                joint_meeting: false,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        assert!(check_code("zhujian").is_ok());
        assert!(check_code("371002-zhujian").is_ok());
        assert!(check_code("住建局").is_err());
        assert!(check_code("-x").is_err());
        assert!(check_code("a").is_err());
        assert!(check_code("Zhujian").is_err());
    }

    #[test]
    fn record() {
        assert!(check("zhujian", "威海市住建局", "住建局", Some("0631-1234")).is_ok());
        assert_eq!(
            check("zhujian", " ", "住建局", None).unwrap_err().field,
            "name"
        );
        let long = "局".repeat(MAX_NAME + 1);
        assert_eq!(
            check("zhujian", &long, "住建局", None).unwrap_err().field,
            "name"
        );
        assert_eq!(
            check("zhujian", "住建局", "", None).unwrap_err().field,
            "short_name"
        );
    }

    #[test]
    fn jurisdiction_holds_the_place() {
        assert!(serves("/1/", "/1/2/3/"));
        assert!(serves("/1/2/", "/1/2/"));
        assert!(!serves("/1/2/", "/1/3/4/"));
    }

    #[test]
    fn catalogue_is_unique_and_names_the_joint_meeting() {
        let c = demo_catalogue(
            "371000000000",
            &[
                ("371002000000".into(), "环翠区".into()),
                ("371003000000".into(), "文登区".into()),
            ],
        );
        let mut codes: Vec<&str> = c.iter().map(|d| d.code.as_str()).collect();
        codes.sort();
        let n = codes.len();
        codes.dedup();
        assert_eq!(codes.len(), n, "codes are unique");
        assert!(c
            .iter()
            .all(|d| check(&d.code, &d.name, &d.short_name, d.contact.as_deref()).is_ok()));
        // Every joint-meeting department but the district government is a city department.
        for short in crate::districting::approval::DEPARTMENTS
            .iter()
            .filter(|s| **s != "区市人民政府")
        {
            assert!(
                c.iter().any(|d| d.joint_meeting && d.short_name == *short),
                "{short}"
            );
        }
        assert!(c
            .iter()
            .any(|d| d.code == "371002-zhujian" && d.name == "环翠区住房和城乡建设局"));
        // Category defaults name departments of the catalogue.
        for cat in crate::events::category::default_categories() {
            if let Some(d) = cat.department {
                assert!(c.iter().any(|x| x.code == d), "{d}");
            }
        }
    }
}
