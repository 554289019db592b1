//! The audit trail: every write leaves an append-only record (who, when, what, before → after).

use serde::{Deserialize, Serialize};

/// What happened. Stored as its string; new capabilities add their own actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Create,
    Update,
    Move,
    Delete,
    Import,
    Export,
    Unmask,
    Login,
    LoginFailed,
    Logout,
    TokenCreate,
    UserCreate,
    UserPassword,
    Generate,
    UserDisable,
    UserEnable,
    UserSignOut,
    UserUnlock,
    /// A resident opened their own account, matched against the register.
    SignUp,
    /// A sign-up that did not match the register (or was throttled).
    SignUpRefused,
    /// Sensitive data was read (a care record, a case): every view is kept.
    View,
    /// A read of sensitive data was refused to a role without the right.
    Refused,
}

impl Action {
    pub const ALL: [Action; 22] = [
        Action::Create,
        Action::Update,
        Action::Move,
        Action::Delete,
        Action::Import,
        Action::Export,
        Action::Unmask,
        Action::Login,
        Action::LoginFailed,
        Action::Logout,
        Action::TokenCreate,
        Action::UserCreate,
        Action::UserPassword,
        Action::Generate,
        Action::UserDisable,
        Action::UserEnable,
        Action::UserSignOut,
        Action::UserUnlock,
        Action::SignUp,
        Action::SignUpRefused,
        Action::View,
        Action::Refused,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Move => "move",
            Action::Delete => "delete",
            Action::Import => "import",
            Action::Export => "export",
            Action::Unmask => "unmask",
            Action::Login => "login",
            Action::LoginFailed => "login_failed",
            Action::Logout => "logout",
            Action::TokenCreate => "token_create",
            Action::UserCreate => "user_create",
            Action::UserPassword => "user_password",
            Action::Generate => "generate",
            Action::UserDisable => "user_disable",
            Action::UserEnable => "user_enable",
            Action::UserSignOut => "user_sign_out",
            Action::UserUnlock => "user_unlock",
            Action::SignUp => "sign_up",
            Action::SignUpRefused => "sign_up_refused",
            Action::View => "view",
            Action::Refused => "refused",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Action::Create => "新增",
            Action::Update => "修改",
            Action::Move => "迁移",
            Action::Delete => "删除",
            Action::Import => "导入",
            Action::Export => "导出",
            Action::Unmask => "查看明文",
            Action::Login => "登录",
            Action::LoginFailed => "登录失败",
            Action::Logout => "退出",
            Action::TokenCreate => "创建令牌",
            Action::UserCreate => "新增用户",
            Action::UserPassword => "修改密码",
            Action::Generate => "生成演示数据",
            Action::UserDisable => "停用账号",
            Action::UserEnable => "启用账号",
            Action::UserSignOut => "强制下线",
            Action::UserUnlock => "解除锁定",
            Action::SignUp => "居民注册",
            Action::SignUpRefused => "注册未通过",
            Action::View => "查看敏感信息",
            Action::Refused => "拒绝访问",
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Reading a record: what changed, field by field, with labels and values as people read them.

use serde_json::Value;

/// The language labels and values are shown in (the web layer maps its own choice onto this).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

/// One field of a record as shown: `label: before → after`. `before` is `None` for a record
/// that created something (nothing before), `after` is `None` for one that deleted it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The key in the stored JSON; nested objects give dotted keys (`tags.party_member`).
    pub key: String,
    /// The field's label, or the key itself when the table does not know it.
    pub label: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Field labels: (entity or "" for any, key, Chinese, English). Every key the application
/// writes into `before`/`after` (see `crates/app/src`) is here; a test lists them. The order
/// is the order fields are shown in.
pub const FIELDS: &[(&str, &str, &str, &str)] = &[
    // Events.
    ("", "status", "状态", "Status"),
    ("", "category", "类别", "Category"),
    ("", "urgency", "紧急程度", "Urgency"),
    ("", "deadline_at", "办理时限", "Deadline"),
    ("", "reopened", "重新办理次数", "Times reopened"),
    ("", "escalations", "升级次数", "Escalations"),
    ("", "rating", "评价", "Rating"),
    ("", "whistled", "已吹哨", "Whistle blown"),
    ("", "supporters", "“我也遇到了”人数", "“Me too” count"),
    ("", "source", "来源", "Source"),
    // The register.
    ("resident", "name", "姓名", "Name"),
    ("rounds_specialist", "name", "姓名", "Name"),
    ("", "name", "名称", "Name"),
    ("", "kind", "类型", "Kind"),
    ("", "code", "编码", "Code"),
    ("", "gender", "性别", "Gender"),
    ("", "birth_date", "出生日期", "Date of birth"),
    ("", "id_number", "身份证号", "ID number"),
    ("", "phone", "联系电话", "Phone"),
    ("", "relationship", "与户主关系", "Relationship to head"),
    ("", "residence", "居住状态", "Residence"),
    ("", "tags.party_member", "党员", "Party member"),
    ("", "tags.volunteer", "注册志愿者", "Volunteer"),
    ("", "tags.elderly_alone", "独居老人", "Elderly living alone"),
    ("", "tags.disability_grade", "残疾等级", "Disability grade"),
    (
        "",
        "tags.low_income",
        "低收入人口类别",
        "Low-income category",
    ),
    (
        "",
        "tags.child_in_difficulty",
        "困境儿童",
        "Child in difficulty",
    ),
    (
        "",
        "tags.family_doctor_key",
        "家庭医生重点人群",
        "Family-doctor key group",
    ),
    ("", "household_id", "住户", "Household"),
    ("", "building_id", "楼宇", "Building"),
    ("", "unit", "单元", "Unit"),
    ("", "room", "房号", "Room"),
    ("", "address", "地址", "Address"),
    ("", "parent_id", "上级区域", "Parent area"),
    ("", "path", "区域路径", "Area path"),
    // Users.
    ("", "username", "用户名", "Username"),
    ("", "role", "角色", "Role"),
    ("", "scope", "管辖范围", "Scope"),
    ("", "email", "通知邮箱", "Notification e-mail"),
    ("", "disabled", "已停用", "Disabled"),
    ("", "sessions_ended", "结束的会话数", "Sessions ended"),
    ("", "tokens_revoked", "撤销的令牌数", "Tokens revoked"),
    ("", "failed_logins", "连续登录失败次数", "Failed sign-ins"),
    ("", "locked_until", "锁定至", "Locked until"),
    // Departments.
    ("", "short_name", "简称", "Short name"),
    ("", "level", "层级", "Level"),
    ("", "jurisdiction", "管辖区域", "Jurisdiction"),
    ("", "parent", "上级部门", "Parent department"),
    ("", "department", "部门", "Department"),
    // Rounds.
    ("", "user_id", "用户", "User"),
    ("", "holder", "负责人", "Holder"),
    ("", "grid_id", "网格", "Grid"),
    ("", "buildings", "楼宇", "Buildings"),
    ("", "visited_at", "走访时间", "Visited at"),
    ("", "findings", "发现", "Findings"),
    ("", "finding_id", "走访发现", "Finding"),
    ("", "event_id", "事件", "Event"),
    ("", "party_org", "所在党组织", "Party organisation"),
    ("", "since", "任职起", "Serving since"),
    ("", "until", "任职止", "Serving until"),
    (
        "",
        "specialist_id",
        "网格服务专员",
        "Grid service specialist",
    ),
    ("", "month", "月份", "Month"),
    // Imports and exports.
    ("", "file", "文件", "File"),
    ("", "rows", "行数", "Rows"),
    ("", "format", "格式", "Format"),
    ("", "residents_created", "新增居民", "Residents created"),
    ("", "households_created", "新增住户", "Households created"),
    ("", "skipped_rows", "跳过的行", "Rows skipped"),
    ("", "created", "生成事件", "Events created"),
    ("", "queued", "待匹配", "Queued"),
    ("", "already_imported", "已导入过", "Already imported"),
    ("", "other_category", "归入“其他”类别", "Filed as “other”"),
    ("", "tickets", "工单编号", "Ticket numbers"),
    ("", "under", "区域", "Area"),
    ("", "tag", "标签", "Tag"),
    ("", "search", "按关键词查找", "Searched"),
    ("", "action", "操作", "Action"),
    ("", "entity", "对象", "Object"),
    ("", "actor", "操作人", "By"),
    ("", "from_ms", "起始时间", "From"),
    ("", "to_ms", "截止时间", "To"),
    ("", "events", "事件数", "Events"),
    // Redistricting.
    // Votes.
    ("vote", "place", "表决范围", "Place that votes"),
    ("vote", "question", "表决事项", "Question"),
    ("vote", "options", "选项", "Options"),
    ("vote", "unit", "表决单位", "Who votes"),
    ("vote", "quorum_percent", "法定参与比例（%）", "Quorum (%)"),
    ("vote", "majority", "通过标准", "Majority"),
    ("vote", "majority_of", "计算基数", "Counted against"),
    ("vote", "opens_at", "开始时间", "Opens"),
    ("vote", "closes_at", "截止时间", "Closes"),
    ("vote", "eligible", "有表决权的单位数", "Units eligible"),
    (
        "",
        "representative",
        "居民代表",
        "Residents' representative",
    ),
    (
        "",
        "household_voter",
        "代表本户投票的成员",
        "Member who votes for the household",
    ),
    ("", "plan_id", "方案", "Plan"),
    ("", "plan.scope", "方案范围", "Plan scope"),
    ("", "plan.mode", "方案方式", "Plan mode"),
    ("", "plan.seed", "随机种子", "Random seed"),
    ("", "plan.status", "方案状态", "Plan status"),
    ("", "plan.title", "方案名称", "Plan title"),
    ("", "mode", "方式", "Mode"),
    ("", "title", "名称", "Title"),
    ("", "step", "审批步骤", "Approval step"),
    ("", "record", "记录", "Record"),
    ("", "documents", "材料", "Documents"),
    ("", "body", "意见", "Comment"),
    ("", "vote", "表决", "Vote"),
    ("", "note", "说明", "Note"),
    ("", "a", "楼宇甲", "Building A"),
    ("", "b", "楼宇乙", "Building B"),
    ("", "op", "操作", "Operation"),
    ("", "moved_buildings", "调整的楼宇数", "Buildings moved"),
    ("", "metrics.parts", "分成社区数", "Parts"),
    ("", "metrics.cut_edges", "切断的相邻关系", "Cut edges"),
    (
        "",
        "metrics.households_moved",
        "调整的户数",
        "Households moved",
    ),
    (
        "",
        "metrics.min_households",
        "最少户数",
        "Fewest households",
    ),
    ("", "metrics.max_households", "最多户数", "Most households"),
    ("", "metrics.max_deviation", "最大偏差", "Largest deviation"),
    ("", "metrics.grids_split", "拆分的网格数", "Grids split"),
    (
        "",
        "metrics.mean_polsby_popper",
        "平均紧凑度",
        "Mean compactness",
    ),
    ("", "communities_created", "新设社区", "Communities created"),
    ("", "grids_created", "新设网格", "Grids created"),
    ("", "nodes_moved", "调整的区域数", "Areas moved"),
    ("", "households_moved", "调整的户数", "Households moved"),
    ("", "households", "户数", "Households"),
    ("", "residents", "人数", "Residents"),
    // The demo city.
    ("", "scale", "规模", "Scale"),
    ("", "seed", "随机种子", "Random seed"),
    ("", "communities", "社区数", "Communities"),
    ("", "accounts", "演示账号", "Demo accounts"),
];

fn field_index(entity: &str, key: &str) -> Option<usize> {
    FIELDS
        .iter()
        .position(|(e, k, _, _)| *e == entity && *k == key)
        .or_else(|| {
            FIELDS
                .iter()
                .position(|(e, k, _, _)| e.is_empty() && *k == key)
        })
}

/// The label of a field (`key` may be dotted), or `None` when the table does not know it.
pub fn field_label(entity: &str, key: &str, lang: Lang) -> Option<&'static str> {
    field_index(entity, key).map(|i| match lang {
        Lang::Zh => FIELDS[i].2,
        Lang::En => FIELDS[i].3,
    })
}

/// `in_progress` → `in progress`: the English of a code that has no English label.
fn humane(code: &str) -> String {
    code.replace(['_', '-'], " ")
}

fn pick(lang: Lang, zh: &str, en: &str) -> String {
    match lang {
        Lang::Zh => zh.to_string(),
        Lang::En => en.to_string(),
    }
}

/// The label of a coded value (a status, a role, a kind…) by the field it sits in, or `None`
/// when the field holds no code or the code is unknown.
fn code_label(entity: &str, key: &str, code: &str, lang: Lang) -> Option<String> {
    use crate::events::lifecycle::{Rating, Status as EventStatus};
    let l = |zh: &str| {
        Some(match lang {
            Lang::Zh => zh.to_string(),
            Lang::En => humane(code),
        })
    };
    let last = key.rsplit('.').next().unwrap_or(key);
    match last {
        "status" => match entity {
            "districting_plan" => l(crate::districting::approval::Status::parse(code)?.label_zh()),
            "hotline_ticket" => l(match code {
                "queued" => "待匹配",
                "matched" => "已匹配",
                "discarded" => "已退回",
                _ => return None,
            }),
            _ if key == "plan.status" => {
                l(crate::districting::approval::Status::parse(code)?.label_zh())
            }
            _ => l(EventStatus::parse(code)?.label_zh()),
        },
        "urgency" => l(crate::events::Urgency::parse(code)?.label_zh()),
        "rating" => l(Rating::parse(code)?.label_zh()),
        "category" => {
            let c = crate::events::category::default_categories()
                .into_iter()
                .find(|c| c.code == code)?;
            // A category's name is data (Chinese in both languages), with its code in English.
            Some(match lang {
                Lang::Zh => c.name,
                Lang::En => format!("{} ({code})", c.name),
            })
        }
        "source" => Some(match (code, lang) {
            ("hotline", Lang::Zh) => "12345热线".into(),
            ("hotline", Lang::En) => "12345 hotline".into(),
            ("open311", _) => "Open311".into(),
            (c, Lang::Zh) if crate::rounds::source_label_zh(c) != c => {
                crate::rounds::source_label_zh(c).into()
            }
            (c, Lang::En) if crate::rounds::source_label_zh(c) != c => humane(c),
            _ => return None,
        }),
        "role" => {
            let r = crate::auth::Role::parse(code)?;
            Some(pick(lang, r.label_zh(), r.label_en()))
        }
        "kind" => match entity {
            "rounds_post" => l(crate::rounds::PostKind::parse(code)?.label_zh()),
            _ => {
                let k = crate::registry::NodeKind::parse(code)?;
                Some(pick(lang, k.label_zh(), k.label_en()))
            }
        },
        "gender" => l(crate::registry::Gender::parse(code)?.label_zh()),
        "relationship" => l(crate::registry::Relationship::parse(code)?.label_zh()),
        "residence" => l(crate::registry::Residence::parse(code)?.label_zh()),
        "low_income" => l(crate::registry::LowIncome::parse(code)?.label_zh()),
        "tag" => {
            let t = crate::registry::Tag::parse(code)?;
            Some(pick(lang, t.label_zh(), t.label_en()))
        }
        "level" => l(crate::departments::Level::parse(code)?.label_zh()),
        "step" => l(crate::districting::approval::Step::parse(code)?.label_zh()),
        "vote" => l(crate::districting::approval::Vote::parse(code)?.label_zh()),
        "findings" => l(crate::rounds::FindingKind::parse(code).ok()?.label_zh()),
        "mode" => l(match code {
            "split" => "拆分超规模社区",
            "street" => "整街道重划",
            _ => return None,
        }),
        "op" => l(match code {
            "add" => "添加相邻关系",
            "remove" => "删除相邻关系",
            _ => return None,
        }),
        "action" => l(Action::parse(code)?.label_zh()),
        _ => None,
    }
}

/// Whether a field holds a time as UTC milliseconds: `…_at`, `…_ms`, `locked_until`.
fn is_time_key(key: &str) -> bool {
    let last = key.rsplit('.').next().unwrap_or(key);
    last.ends_with("_at") || last.ends_with("_ms") || last == "locked_until"
}

/// One value as people read it: times in China time, booleans as 是/否, codes by their labels,
/// lists joined with 、, nothing as —. Strings are shown as stored: ID and phone numbers are
/// stored masked in the log and stay so.
pub fn format_value(entity: &str, key: &str, v: &Value, lang: Lang) -> String {
    match v {
        Value::Null => "—".into(),
        Value::Bool(b) => pick(
            lang,
            if *b { "是" } else { "否" },
            if *b { "yes" } else { "no" },
        ),
        Value::Number(n) if is_time_key(key) => match n.as_i64() {
            Some(0) => "—".into(),
            Some(ms) => crate::time_fmt::format_ms(ms),
            None => n.to_string(),
        },
        Value::Number(n) if key.ends_with("disability_grade") => {
            pick(lang, &format!("{n}级"), &format!("grade {n}"))
        }
        Value::Number(n) => n.to_string(),
        Value::String(s) if s.is_empty() => "—".into(),
        Value::String(s) => code_label(entity, key, s, lang).unwrap_or_else(|| s.clone()),
        Value::Array(a) if a.is_empty() => "—".into(),
        Value::Array(a) => {
            let sep = match lang {
                Lang::Zh => "、",
                Lang::En => ", ",
            };
            a.iter()
                .map(|x| format_value(entity, key, x, lang))
                .collect::<Vec<_>>()
                .join(sep)
        }
        Value::Object(_) => v.to_string(),
    }
}

/// Nested objects become dotted keys (`{"tags": {"volunteer": true}}` → `tags.volunteer`).
fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, x) in m {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, x, out);
            }
        }
        _ => out.push((prefix.to_string(), v.clone())),
    }
}

fn fields_of(v: Option<&Value>) -> Option<Vec<(String, Value)>> {
    let v = v?;
    let mut out = vec![];
    flatten("", v, &mut out);
    Some(out)
}

/// What a record's `before`/`after` say, field by field: for an update (both present) only
/// the fields that changed, for a creation (only `after`) or a deletion (only `before`) every
/// field. Known fields come in the order of [`FIELDS`], unknown ones after them by key,
/// labelled with the key itself.
pub fn changes(
    entity: &str,
    before: Option<&Value>,
    after: Option<&Value>,
    lang: Lang,
) -> Vec<Change> {
    let b = fields_of(before);
    let a = fields_of(after);
    let get = |side: &Option<Vec<(String, Value)>>, k: &str| -> Option<Value> {
        side.as_ref()?
            .iter()
            .find(|(x, _)| x == k)
            .map(|(_, v)| v.clone())
    };
    let mut keys: Vec<String> = b
        .iter()
        .chain(a.iter())
        .flatten()
        .map(|(k, _)| k.clone())
        .collect();
    keys.sort_by(|x, y| {
        let rank = |k: &str| field_index(entity, k).unwrap_or(usize::MAX);
        rank(x).cmp(&rank(y)).then_with(|| x.cmp(y))
    });
    keys.dedup();
    let shown = |k: &str, v: Option<Value>| {
        v.map(|v| format_value(entity, k, &v, lang))
            .unwrap_or_else(|| "—".into())
    };
    keys.into_iter()
        .filter_map(|k| {
            let (bv, av) = (get(&b, &k), get(&a, &k));
            if b.is_some() && a.is_some() && bv == av {
                return None;
            }
            let label = field_label(entity, &k, lang)
                .map(str::to_string)
                .unwrap_or_else(|| {
                    if k.is_empty() {
                        "—".into()
                    } else {
                        k.clone()
                    }
                });
            Some(Change {
                before: b.is_some().then(|| shown(&k, bv)),
                after: a.is_some().then(|| shown(&k, av)),
                label,
                key: k,
            })
        })
        .collect()
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub action: Option<Action>,
    pub entity: Option<String>,
    pub actor: Option<String>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Every key the application writes into `before`/`after` today, by entity (collected from
    /// `crates/app/src`: `before: Some(`, `after: Some(`, `event_audit`, `resident_audit`,
    /// `household_audit`, `post_audit`, `plan_audit`, `ApplyReport`, `Export::record`).
    const WRITTEN: &[(&str, &[&str])] = &[
        (
            "event",
            &[
                "status",
                "category",
                "urgency",
                "reopened",
                "escalations",
                "deadline_at",
                "rating",
                "whistled",
                "source",
                "supporters",
            ],
        ),
        (
            "resident",
            &[
                "name",
                "gender",
                "birth_date",
                "id_number",
                "phone",
                "relationship",
                "residence",
                "tags.party_member",
                "tags.volunteer",
                "tags.elderly_alone",
                "tags.disability_grade",
                "tags.low_income",
                "tags.child_in_difficulty",
                "tags.family_doctor_key",
                "household_id",
                "rows",
                "under",
                "tag",
                "gender",
                "residence",
                "search",
                "file",
                "residents_created",
                "households_created",
                "skipped_rows",
                "buildings",
            ],
        ),
        (
            "household",
            &[
                "building_id",
                "unit",
                "room",
                "address",
                "rows",
                "under",
                "search",
            ],
        ),
        (
            "node",
            &[
                "kind",
                "code",
                "name",
                "plan_id",
                "parent_id",
                "path",
                "households",
                "residents",
            ],
        ),
        (
            "user",
            &[
                "username",
                "role",
                "scope",
                "email",
                "disabled",
                "sessions_ended",
                "tokens_revoked",
                "failed_logins",
                "locked_until",
            ],
        ),
        (
            "department",
            &[
                "code",
                "name",
                "short_name",
                "level",
                "jurisdiction",
                "parent",
            ],
        ),
        (
            "rounds_post",
            &["kind", "user_id", "holder", "grid_id", "buildings"],
        ),
        ("rounds_visit", &["household_id", "visited_at", "findings"]),
        (
            "rounds_finding",
            &["finding_id", "event_id", "category", "source"],
        ),
        (
            "rounds_specialist",
            &[
                "grid_id",
                "name",
                "department",
                "party_org",
                "phone",
                "user_id",
                "since",
                "until",
            ],
        ),
        ("rounds_service", &["specialist_id", "month"]),
        (
            "hotline_ticket",
            &[
                "file",
                "rows",
                "created",
                "queued",
                "already_imported",
                "other_category",
                "tickets",
                "status",
                "building_id",
                "event_id",
                "from_ms",
                "to_ms",
                "format",
            ],
        ),
        (
            "districting_plan",
            &[
                "plan.scope",
                "plan.mode",
                "plan.seed",
                "plan.status",
                "plan.title",
                "metrics.parts",
                "metrics.cut_edges",
                "metrics.households_moved",
                "metrics.min_households",
                "metrics.max_households",
                "metrics.max_deviation",
                "metrics.grids_split",
                "metrics.mean_polsby_popper",
                "moved_buildings",
                "status",
                "step",
                "record",
                "documents",
                "communities_created",
                "grids_created",
                "nodes_moved",
                "households_moved",
            ],
        ),
        ("districting_comment", &["plan_id", "body"]),
        ("districting_vote", &["department", "vote", "note"]),
        ("districting_edge", &["a", "b", "op", "note"]),
        ("event_metrics", &["from_ms", "to_ms", "events"]),
        (
            "audit",
            &["rows", "action", "entity", "actor", "from_ms", "to_ms"],
        ),
        (
            "demo",
            &[
                "scale",
                "seed",
                "communities",
                "households",
                "residents",
                "accounts",
            ],
        ),
    ];

    #[test]
    fn every_written_key_has_both_labels() {
        for (entity, keys) in WRITTEN {
            for k in *keys {
                assert!(
                    field_label(entity, k, Lang::Zh).is_some(),
                    "{entity}.{k}: no label"
                );
                assert!(
                    field_label(entity, k, Lang::En).is_some(),
                    "{entity}.{k}: no label"
                );
            }
        }
        for (_, _, zh, en) in FIELDS {
            assert!(zh.chars().any(|c| c > '\u{2e80}'), "{zh} is not Chinese");
            assert!(en.is_ascii() || en.contains('“'), "{en} is not English");
        }
    }

    #[test]
    fn labels_depend_on_the_entity_where_they_must() {
        assert_eq!(field_label("resident", "name", Lang::Zh), Some("姓名"));
        assert_eq!(field_label("node", "name", Lang::Zh), Some("名称"));
        assert_eq!(field_label("node", "nonsense", Lang::Zh), None);
    }

    #[test]
    fn values_read_as_people_read_them() {
        let f = |e: &str, k: &str, v: Value| format_value(e, k, &v, Lang::Zh);
        assert_eq!(f("event", "status", json!("in_progress")), "处置中");
        assert_eq!(f("districting_plan", "status", json!("approved")), "已批准");
        assert_eq!(f("hotline_ticket", "status", json!("queued")), "待匹配");
        assert_eq!(f("event", "urgency", json!("urgent")), "加急");
        assert_eq!(f("event", "rating", json!("satisfied")), "满意");
        assert_eq!(f("user", "role", json!("community-worker")), "社区工作者");
        assert_eq!(f("node", "kind", json!("community")), "社区");
        assert_eq!(f("rounds_post", "kind", json!("steward")), "小巷管家");
        assert_eq!(f("resident", "gender", json!("female")), "女");
        assert_eq!(f("resident", "tags.low_income", json!("dibao")), "低保");
        assert_eq!(f("resident", "tags.disability_grade", json!(2)), "2级");
        assert_eq!(f("resident", "tag", json!("elderly_alone")), "独居老人");
        assert_eq!(f("department", "level", json!("district")), "区市级");
        assert_eq!(f("districting_plan", "step", json!("hearing")), "社会听证");
        assert_eq!(f("districting_vote", "vote", json!("object")), "反对");
        assert_eq!(f("rounds_finding", "source", json!("round")), "走访发现");
        // Times in China time; 0 means none.
        assert_eq!(
            f("event", "deadline_at", json!(1_796_192_831_114i64)),
            "2026-12-02 14:27"
        );
        assert_eq!(
            f("audit", "from_ms", json!(1_767_225_600_000i64)),
            "2026-01-01 08:00"
        );
        assert_eq!(f("user", "locked_until", json!(0)), "—");
        // Booleans, lists, nothing.
        assert_eq!(f("event", "whistled", json!(true)), "是");
        assert_eq!(f("user", "disabled", json!(false)), "否");
        assert_eq!(
            f("rounds_visit", "findings", json!(["hazard", "demand"])),
            "安全隐患、居民诉求"
        );
        assert_eq!(f("demo", "accounts", json!(["a", "b"])), "a、b");
        assert_eq!(f("demo", "accounts", json!([])), "—");
        assert_eq!(f("event", "rating", Value::Null), "—");
        // Unknown codes stay as they are; so does every other string.
        assert_eq!(f("event", "status", json!("someday")), "someday");
        assert_eq!(f("resident", "name", json!("王建国")), "王建国");
        // In English.
        let e = |e: &str, k: &str, v: Value| format_value(e, k, &v, Lang::En);
        assert_eq!(e("event", "status", json!("in_progress")), "in progress");
        assert_eq!(e("event", "whistled", json!(true)), "yes");
        assert_eq!(e("user", "role", json!("auditor")), "Auditor");
        assert_eq!(
            e("rounds_visit", "findings", json!(["hazard", "demand"])),
            "hazard, demand"
        );
    }

    #[test]
    fn an_update_lists_only_what_changed() {
        let b = json!({"status": "reported", "urgency": "ordinary", "deadline_at": 1_796_192_831_114i64,
            "whistled": false, "rating": null});
        let a = json!({"status": "accepted", "urgency": "ordinary", "deadline_at": 1_796_192_831_114i64 + 3_600_000,
            "whistled": true, "rating": null});
        let c = changes("event", Some(&b), Some(&a), Lang::Zh);
        let rows: Vec<(&str, Option<&str>, Option<&str>)> = c
            .iter()
            .map(|c| (c.label.as_str(), c.before.as_deref(), c.after.as_deref()))
            .collect();
        assert_eq!(
            rows,
            vec![
                ("状态", Some("已上报"), Some("已受理")),
                (
                    "办理时限",
                    Some("2026-12-02 14:27"),
                    Some("2026-12-02 15:27")
                ),
                ("已吹哨", Some("否"), Some("是")),
            ]
        );
    }

    #[test]
    fn nested_objects_compare_field_by_field() {
        let b = json!({"name": "王", "tags": {"volunteer": false, "low_income": null}, "id_number": "110***********002X"});
        let a = json!({"name": "李", "tags": {"volunteer": true, "low_income": "tekun"}, "id_number": "110***********002X"});
        let c = changes("resident", Some(&b), Some(&a), Lang::Zh);
        let keys: Vec<&str> = c.iter().map(|c| c.key.as_str()).collect();
        assert_eq!(keys, vec!["name", "tags.volunteer", "tags.low_income"]);
        assert_eq!(c[0].label, "姓名");
        assert_eq!(c[2].after.as_deref(), Some("特困"));
    }

    #[test]
    fn a_creation_or_deletion_lists_every_field_and_unknown_keys_show_themselves() {
        let a = json!({"username": "w", "role": "auditor", "scope": "371000000000", "zzz_new": 3});
        let c = changes("user", None, Some(&a), Lang::Zh);
        assert_eq!(c.len(), 4);
        assert!(c.iter().all(|c| c.before.is_none()));
        assert_eq!(c[0].label, "用户名");
        assert_eq!(c[1].after.as_deref(), Some("审计员"));
        let last = c.last().unwrap();
        assert_eq!(
            (last.label.as_str(), last.after.as_deref()),
            ("zzz_new", Some("3"))
        );
        let d = changes("user", Some(&a), None, Lang::Zh);
        assert_eq!(d.len(), 4);
        assert!(d.iter().all(|c| c.after.is_none() && c.before.is_some()));
        // A key present on one side only of an update shows — on the other.
        let c = changes(
            "user",
            Some(&json!({"disabled": false})),
            Some(&json!({"disabled": true, "sessions_ended": 2})),
            Lang::Zh,
        );
        assert_eq!(c[1].before.as_deref(), Some("—"));
        assert_eq!(c[1].after.as_deref(), Some("2"));
        assert!(changes("user", None, None, Lang::Zh).is_empty());
    }

    #[test]
    fn masked_values_are_shown_as_stored() {
        let a = json!({"id_number": "110***********002X", "phone": "138****5678"});
        let c = changes("resident", None, Some(&a), Lang::Zh);
        assert_eq!(c[0].after.as_deref(), Some("110***********002X"));
        assert_eq!(c[1].after.as_deref(), Some("138****5678"));
    }
}
