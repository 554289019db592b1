//! Chinese first, English switchable: the language comes from the `lang` cookie (set by the
//! switcher), else `Accept-Language`, else Chinese. Strings are looked up by key: in the two
//! tables below (`ZH`, `EN`, the first strings), and in the tables of the submodules, where
//! each line holds a key with its Chinese and its English (`(key, zh, en)`), one per part of
//! the site. Every key has both languages (a test checks); a key the tables do not hold shows
//! as `⟦key⟧`, in both languages, so that a missing string is seen, never silently replaced
//! (the page tests look for `⟦`). See docs/decisions.md, "English mode".

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Mutex, OnceLock};

mod activities;
mod care;
mod councils;
mod districting;
mod doctors;
mod emergency;
mod events;
mod forces;
mod funds;
mod hotline;
mod integrity;
mod jobs;
mod legal;
mod meetings;
mod pages;
mod parking;
mod participation;
mod rounds;
mod transparency;
mod volunteering;

/// The tables of `(key, Chinese, English)`.
pub static TABLES: &[&[(&str, &str, &str)]] = &[
    pages::T,
    events::T,
    hotline::T,
    rounds::T,
    districting::T,
    participation::T,
    meetings::T,
    councils::T,
    transparency::T,
    funds::T,
    integrity::T,
    parking::T,
    emergency::T,
    care::T,
    volunteering::T,
    activities::T,
    doctors::T,
    forces::T,
    legal::T,
    jobs::T,
];

/// What a missing key shows: `⟦key⟧`.
pub const MISSING_OPEN: char = '⟦';

type Both = (Option<&'static str>, Option<&'static str>);

/// Every key with its Chinese and its English.
fn lookup() -> &'static HashMap<&'static str, Both> {
    static MAP: OnceLock<HashMap<&'static str, Both>> = OnceLock::new();
    MAP.get_or_init(|| {
        let mut m: HashMap<&'static str, Both> = HashMap::new();
        for (k, zh) in ZH {
            m.entry(k).or_default().0 = Some(zh);
        }
        for (k, en) in EN {
            m.entry(k).or_default().1 = Some(en);
        }
        for t in TABLES {
            for (k, zh, en) in *t {
                m.insert(k, (Some(zh), Some(en)));
            }
        }
        m
    })
}

/// `⟦key⟧`, made once per key (and logged once): a string the tables lack.
fn missing(key: &str) -> &'static str {
    static SEEN: OnceLock<Mutex<HashMap<String, &'static str>>> = OnceLock::new();
    let mut seen = SEEN
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(s) = seen.get(key) {
        return s;
    }
    if seen.len() >= 1000 {
        return "⟦?⟧";
    }
    tracing::warn!(key, "translation key missing from the i18n tables");
    let s: &'static str = Box::leak(format!("⟦{key}⟧").into_boxed_str());
    seen.insert(key.to_string(), s);
    s
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn from_headers(h: &axum::http::HeaderMap) -> Lang {
        match crate::session::cookie(h, "lang") {
            Some("en") => return Lang::En,
            Some("zh") | Some("zh-CN") => return Lang::Zh,
            _ => {}
        }
        let accept = h
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let first = accept
            .split(',')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if first.starts_with("en") {
            Lang::En
        } else {
            Lang::Zh
        }
    }

    /// The string for `key` in this language; `⟦key⟧` when the tables do not hold it.
    pub fn t(self, key: &str) -> &'static str {
        let found = lookup().get(key).and_then(|(zh, en)| match self {
            Lang::Zh => *zh,
            Lang::En => *en,
        });
        found.unwrap_or_else(|| missing(key))
    }
}

impl Lang {
    /// The string for `key` with its `{}` replaced by `arg` (a number, a name, a date).
    pub fn tf(self, key: &str, arg: impl std::fmt::Display) -> String {
        self.t(key).replacen("{}", &arg.to_string(), 1)
    }

    /// `x` in brackets: `（x）` in Chinese, ` (x)` in English.
    pub fn paren(self, x: impl std::fmt::Display) -> String {
        match self {
            Lang::Zh => format!("（{x}）"),
            Lang::En => format!(" ({x})"),
        }
    }

    /// The label of a coded value (a state, a kind) under `prefix`: `coded("event.status",
    /// "in_progress")` is the string of `event.status.in_progress`.
    pub fn coded(self, prefix: &str, code: &str) -> &'static str {
        self.t(&format!("{prefix}.{code}"))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Lang::from_headers(&parts.headers))
    }
}

/// Chinese strings by key.
pub static ZH: &[(&str, &str)] = &[
    ("app.name", "精致幸福社区"),
    ("nav.home", "首页"),
    ("nav.households", "住户"),
    ("nav.residents", "居民"),
    ("nav.import", "导入"),
    ("nav.audit", "审计日志"),
    ("nav.events", "事件"),
    ("nav.hotline", "12345热线"),
    ("nav.rounds", "走访"),
    ("nav.notifications", "通知"),
    ("notify.unread", "未读"),
    ("notify.read", "已读"),
    ("notify.none", "暂无通知。您上报的事件有新进展时会在这里告诉您。"),
    ("notify.mark_read", "标为已读"),
    ("notify.read_all", "全部标为已读"),
    ("notify.event", "事件"),
    ("report.errors", "请修改以下内容后再提交："),
    ("report.photos_again", "照片未保存，请重新选择照片。"),
    ("report.nearby", "附近已有的同类问题"),
    ("report.nearby_hint", "如果是同一个问题，点“我也遇到了”即可，不必重复上报；办理进展会同样通知您。"),
    ("report.me_too", "我也遇到了"),
    ("report.supported", "您已加入"),
    ("report.own", "您上报的"),
    ("report.supporters", "人也遇到了"),
    ("report.done", "上报成功"),
    ("report.number", "事件编号"),
    ("report.handler", "承办单位"),
    ("report.deadline", "办理时限"),
    ("report.told", "进展通知"),
    ("report.told_app", "每一步进展都会在本系统的“通知”中告诉您"),
    ("report.told_email", "同时发送到您的邮箱"),
    ("report.view", "查看办理进度"),
    ("report.another", "继续上报"),
    ("report.joined", "您已加入该事件，办理进展会通知您。"),
    ("event.supporters", "我也遇到了"),
    ("event.people", "人"),
    ("event.called_at", "来电时间"),
    ("event.from_call", "（自来电时间起算）"),
    ("event.staff_only", "仅工作人员可见"),
    ("event.note_label", "内部备注（仅工作人员可见，不通知居民）"),
    ("event.note_add", "添加内部备注"),
    ("notify.open", "查看事件"),
    ("notify.rate", "去评价"),
    ("nav.dashboard", "事件统计"),
    ("nav.logout", "退出"),
    ("login.title", "登录"),
    ("signup.title", "居民注册"),
    ("signup.link", "居民注册：用身份证号和手机号开通账号"),
    ("signup.intro", "填写与社区登记一致的姓名、身份证号和手机号，即可开通居民账号。"),
    ("signup.name", "姓名"),
    ("signup.id_number", "身份证号"),
    ("signup.phone", "手机号"),
    ("signup.username", "设置用户名"),
    ("signup.username_hint", "3–40位小写字母、数字或 . _ -，登录时使用"),
    ("signup.password_hint", "至少8位"),
    ("signup.submit", "开通账号"),
    ("signup.privacy", "身份证号和手机号只用于核对社区登记信息，不会显示给他人。"),
    ("signup.have_account", "已有账号？去登录"),
    ("login.username", "用户名"),
    ("login.password", "密码"),
    ("login.submit", "登录"),
    ("login.failed", "用户名或密码错误，或因多次失败暂时无法登录，请稍后再试"),
    ("nav.label", "主导航"),
    ("nav.menu", "菜单"),
    ("nav.crumbs", "所在位置"),
    ("login.intro", "社区工作人员登录"),
    ("node.code", "统一编码"),
    ("node.counts", "主要数字"),
    ("node.tags", "重点人群"),
    ("node.children", "下级区域"),
    ("node.party", "党组织"),
    ("node.secretary", "书记"),
    ("node.residents_here", "查看居民"),
    ("node.households_here", "查看住户"),
    ("count.households", "住户"),
    ("count.residents", "居民"),
    ("map.title", "辖区地图"),
    ("map.area", "下级区域（点击进入）"),
    ("map.subarea", "更下一级区域"),
    ("map.building", "楼宇"),
    ("map.river", "河流"),
    ("map.road", "主干道路、铁路"),
    ("col.name", "姓名"),
    ("col.place", "名称"),
    ("col.address", "住址"),
    ("col.head", "户主"),
    ("col.members", "人数"),
    ("col.gender", "性别"),
    ("col.birth_date", "出生日期"),
    ("col.id_number", "身份证号"),
    ("col.phone", "联系电话"),
    ("col.relationship", "与户主关系"),
    ("col.residence", "居住状态"),
    ("col.tags", "标签"),
    ("col.time", "时间"),
    ("col.updated", "最近更新"),
    ("tag.party_member", "党员"),
    ("tag.volunteer", "注册志愿者"),
    ("tag.elderly_alone", "独居老人"),
    ("tag.child_in_difficulty", "困境儿童"),
    ("tag.family_doctor_key", "家庭医生重点人群"),
    ("filter.all", "全部"),
    ("filter.under", "范围："),
    ("filter.clear", "清除范围"),
    ("search.submit", "查询"),
    ("search.by_name", "按姓名开头查询"),
    ("search.by_address", "按住址开头查询"),
    ("search.by_id", "按完整身份证号查询"),
    ("search.by_masked_id", "按脱敏身份证号查询"),
    ("search.by_phone", "按电话号码查询"),
    ("list.empty", "没有符合条件的记录。"),
    ("pager.label", "翻页"),
    ("pager.prev", "上一页"),
    ("pager.next", "下一页"),
    ("pager.page", "第"),
    ("pager.newest", "最新"),
    ("pager.older", "更早"),
    ("export.xlsx", "导出Excel"),
    ("household.new", "新增住户"),
    ("household.search", "住址"),
    ("household.search_hint", "输入住址开头，如 向阳小区1号楼"),
    ("household.members", "家庭成员"),
    ("household.no_members", "该户还没有登记居民。"),
    ("household.moves", "迁移记录"),
    ("move.title", "住户迁移"),
    ("move.from", "原住址"),
    ("move.to", "新住址"),
    ("move.note", "备注"),
    ("move.submit", "确认迁移"),
    ("resident.search", "姓名、住址或证件号"),
    ("resident.search_hint", "姓名、住址、身份证号、电话或 370***********123X"),
    ("resident.new", "登记居民"),
    ("resident.edit", "修改居民信息"),
    ("resident.sensitive", "证件与联系方式"),
    ("unmask.show", "查看完整号码"),
    ("unmask.reason", "查看原因（必填）"),
    ("unmask.reason_hint", "如：办理低保复核"),
    ("unmask.audited", "查看明文将记入审计日志（查看人、时间和原因）。"),
    ("unmask.submit", "查看"),
    ("unmask.done", "已显示完整号码，本次查看已记入审计日志。"),
    ("field.name", "姓名"),
    ("field.id_number", "身份证号"),
    ("field.keep_blank", "留空则保持不变"),
    ("field.gender", "性别"),
    ("field.birth_date", "出生日期"),
    ("field.from_id", "按身份证号"),
    ("field.phone", "联系电话"),
    ("field.clear_phone", "删除电话号码"),
    ("field.relationship", "与户主关系"),
    ("field.residence", "居住状态"),
    ("field.disability_grade", "残疾等级"),
    ("field.low_income", "低收入类别"),
    ("field.none", "无"),
    ("field.choose", "请选择"),
    ("field.building_code", "楼宇编码"),
    ("field.building_code_hint", "21位统一编码：在上面搜索并选中楼宇后自动填入，也可在楼宇页面查看"),
    ("field.building_search", "楼宇"),
    ("field.building_search_ph", "输入小区或楼宇名称搜索，如“3号楼”"),
    ("field.building_none", "没有匹配的楼宇，请换个关键词"),
    ("field.unit", "单元"),
    ("field.room", "房号"),
    ("form.save", "保存"),
    ("form.cancel", "取消"),
    ("form.has_errors", "请修改标红的项目。"),
    ("import.title", "导入居民名册"),
    ("import.template", "下载导入模板"),
    ("import.intro", "上传 .xlsx 或 .csv 文件（使用模板的中文表头）。默认全部正确才导入；勾选下方选项则只导入正确的行，错误行可下载修改后重新导入。"),
    ("import.file", "选择文件"),
    ("import.skip_invalid", "跳过有错误的行，只导入正确的行"),
    ("import.submit", "上传并导入"),
    ("import.no_file", "请选择要导入的文件"),
    ("import.report", "导入结果"),
    ("import.committed", "已导入。"),
    ("import.rejected", "文件中有错误，未导入任何数据。请修改后重新上传，或勾选“跳过有错误的行”。"),
    ("import.rows", "数据行"),
    ("import.households_created", "新增住户"),
    ("import.residents_created", "新增居民"),
    ("import.errors", "错误"),
    ("import.rejects", "下载未导入的行"),
    ("import.row", "行"),
    ("import.column", "列"),
    ("import.reason", "错误原因"),
    ("import.more_errors", "还有更多错误，见下载文件："),
    ("audit.action", "操作"),
    ("audit.entity", "对象"),
    ("audit.actor", "操作人"),
    ("audit.from", "起始日期"),
    ("audit.to", "截止日期"),
    ("audit.what", "内容"),
    ("audit.reason", "原因"),
    ("audit.changes", "变更"),
    ("entity.resident", "居民"),
    ("entity.household", "住户"),
    ("entity.node", "区域"),
    ("entity.user", "用户"),
    ("entity.api_token", "API令牌"),
    ("gender.male", "男"),
    ("gender.female", "女"),
    ("residence.permanent", "常住"),
    ("residence.floating", "流动"),
    ("rel.head", "户主"),
    ("rel.spouse", "配偶"),
    ("rel.child", "子女"),
    ("rel.parent", "父母"),
    ("rel.grandchild", "孙子女"),
    ("rel.grandparent", "祖父母"),
    ("rel.sibling", "兄弟姐妹"),
    ("rel.child_in_law", "儿媳女婿"),
    ("rel.other", "其他"),
    ("low_income.dibao", "低保"),
    ("low_income.tekun", "特困"),
    ("low_income.dibao_edge", "低保边缘"),
    ("low_income.rigid_expense", "刚性支出困难"),
    ("low_income.poverty_watch", "防返贫监测"),
    ("action.create", "新增"),
    ("action.update", "修改"),
    ("action.move", "迁移"),
    ("action.delete", "删除"),
    ("action.import", "导入"),
    ("action.export", "导出"),
    ("action.unmask", "查看明文"),
    ("action.login", "登录"),
    ("action.login_failed", "登录失败"),
    ("action.logout", "退出"),
    ("action.token_create", "创建令牌"),
    ("action.user_create", "新增用户"),
    ("action.user_password", "修改密码"),
    ("action.generate", "生成演示数据"),
    ("action.user_disable", "停用账号"),
    ("action.user_enable", "启用账号"),
    ("action.user_sign_out", "强制下线"),
    ("action.user_unlock", "解除锁定"),
    ("action.sign_up", "居民注册"),
    ("action.sign_up_refused", "注册未通过"),
    ("action.view", "查看敏感信息"),
    ("action.refused", "拒绝访问"),
    ("nav.users", "用户"),
    ("nav.districting", "社区规模优化"),
    ("wb.title", "工作台"),
    ("wb.to_accept", "待受理"),
    ("wb.overdue", "已超期"),
    ("wb.to_verify", "待核查"),
    ("wb.in_hand", "办理中"),
    ("wb.awaiting_report_in", "等待部门报到"),
    ("wb.report_in_by", "报到期限"),
    ("wb.hotline_unmatched", "12345工单待匹配"),
    ("wb.not_visited", "30天未走访住户"),
    ("wb.overdue_below", "超期事件"),
    ("wb.see_all", "查看全部"),
    ("wb.none", "暂无"),
    ("wb.my_post", "我的责任区"),
    ("wb.post_households", "户"),
    ("wb.due", "待走访住户"),
    ("wb.log_visit", "记录走访"),
    ("wb.my_findings", "我的发现及办理情况"),
    ("wb.no_event", "未转为事件"),
    ("wb.no_post", "尚未分配责任区，请联系社区。"),
    ("wb.report_problem", "我要报事"),
    ("wb.report_hint", "拍张照片、选好位置，社区会尽快处理并告诉您进展。"),
    ("wb.my_reports", "我的报事"),
    ("wb.no_reports", "您还没有报过事。"),
    ("wb.rate", "去评价"),
    ("wb.unread", "未读通知"),
    ("wb.plans", "社区规模优化方案征求意见"),
    ("wb.plans_hint", "您所在的社区在这个调整方案的范围内，欢迎提出意见（公众参与）。"),
    ("wb.comment", "查看方案并提意见"),
    ("wb.audit", "最近的审计记录"),
    ("wb.last_visit", "上次走访"),
    ("wb.never", "从未走访"),
    ("wb.deadline", "期限"),
    ("users.title", "用户管理"),
    ("users.intro", "管辖范围内的账号。停用或强制下线会立即结束该用户的全部会话和API令牌。"),
    ("users.username", "用户名"),
    ("users.name", "姓名"),
    ("users.role", "角色"),
    ("users.scope", "范围"),
    ("users.status", "状态"),
    ("users.active", "正常"),
    ("users.disabled", "已停用"),
    ("users.locked", "已锁定"),
    ("users.disable", "停用"),
    ("users.enable", "启用"),
    ("users.sign_out", "强制下线"),
    ("users.unlock", "解除锁定"),
    ("users.self", "（本人）"),
    ("users.none", "范围内没有用户"),
    ("users.done.disable", "已停用该账号，其全部会话和令牌已失效。"),
    ("users.done.enable", "已启用该账号。"),
    ("users.done.sign_out", "已结束该用户的全部会话和令牌。"),
    ("users.done.unlock", "已解除该账号的登录锁定。"),
];

/// English strings by key.
pub static EN: &[(&str, &str)] = &[
    ("app.name", "Jingzhi Communities"),
    ("nav.home", "Home"),
    ("nav.households", "Households"),
    ("nav.residents", "Residents"),
    ("nav.import", "Import"),
    ("nav.audit", "Audit log"),
    ("nav.events", "Events"),
    ("nav.hotline", "12345 hotline"),
    ("nav.rounds", "Rounds"),
    ("nav.notifications", "Notifications"),
    ("notify.unread", "Unread"),
    ("notify.read", "Read"),
    ("notify.none", "No notifications yet. You will be told here when an event you reported changes."),
    ("notify.mark_read", "Mark read"),
    ("notify.read_all", "Mark all read"),
    ("notify.event", "Event "),
    ("report.errors", "Please correct the following and submit again:"),
    ("report.photos_again", "Photos were not saved: please choose them again."),
    ("report.nearby", "Open reports of this kind nearby"),
    ("report.nearby_hint", "If it is the same problem, tap “Me too” instead of reporting it again; you will be told of its progress too."),
    ("report.me_too", "Me too"),
    ("report.supported", "You joined"),
    ("report.own", "Your report"),
    ("report.supporters", "also affected"),
    ("report.done", "Report received"),
    ("report.number", "Event number"),
    ("report.handler", "Handled by"),
    ("report.deadline", "Deadline"),
    ("report.told", "How you are told"),
    ("report.told_app", "Every step is shown in Notifications in this app"),
    ("report.told_email", "and sent to your e-mail"),
    ("report.view", "Follow its progress"),
    ("report.another", "Report another problem"),
    ("report.joined", "You joined this event; you will be told of its progress."),
    ("event.supporters", "Also affected"),
    ("event.people", "people"),
    ("event.called_at", "Call time"),
    ("event.from_call", " (counted from the call)"),
    ("event.staff_only", "Staff only"),
    ("event.note_label", "Internal note (staff only; residents are not told)"),
    ("event.note_add", "Add internal note"),
    ("notify.open", "Open the event"),
    ("notify.rate", "Rate it"),
    ("nav.dashboard", "Dashboard"),
    ("nav.logout", "Log out"),
    ("login.title", "Sign in"),
    ("signup.title", "Resident sign-up"),
    ("signup.link", "Residents: open an account with your ID and mobile numbers"),
    ("signup.intro", "Give your name, ID number and mobile number as the community registered them to open a resident account."),
    ("signup.name", "Name"),
    ("signup.id_number", "ID number"),
    ("signup.phone", "Mobile number"),
    ("signup.username", "Choose a username"),
    ("signup.username_hint", "3–40 lowercase letters, digits or . _ -; you sign in with it"),
    ("signup.password_hint", "At least 8 characters"),
    ("signup.submit", "Open my account"),
    ("signup.privacy", "Your ID and mobile numbers are only compared with the community's register and never shown to anyone."),
    ("signup.have_account", "Already have an account? Sign in"),
    ("login.username", "Username"),
    ("login.password", "Password"),
    ("login.submit", "Sign in"),
    ("login.failed", "Wrong username or password, or sign-in is paused after repeated failures; try again later"),
    ("nav.label", "Main navigation"),
    ("nav.menu", "Menu"),
    ("nav.crumbs", "You are here"),
    ("login.intro", "Sign in with your work account"),
    ("node.code", "Code"),
    ("node.counts", "Key figures"),
    ("node.tags", "Groups"),
    ("node.children", "Below"),
    ("node.party", "Party organisations"),
    ("node.secretary", "Secretary"),
    ("node.residents_here", "Residents here"),
    ("node.households_here", "Households here"),
    ("count.households", "Households"),
    ("count.residents", "Residents"),
    ("map.title", "Map"),
    ("map.area", "Areas below (tap to open)"),
    ("map.subarea", "Smaller areas"),
    ("map.building", "Buildings"),
    ("map.river", "Rivers"),
    ("map.road", "Main roads, rail"),
    ("col.name", "Name"),
    ("col.place", "Place"),
    ("col.address", "Address"),
    ("col.head", "Head"),
    ("col.members", "Members"),
    ("col.gender", "Gender"),
    ("col.birth_date", "Born"),
    ("col.id_number", "ID number"),
    ("col.phone", "Phone"),
    ("col.relationship", "Relationship"),
    ("col.residence", "Residence"),
    ("col.tags", "Tags"),
    ("col.time", "Time"),
    ("col.updated", "Last updated"),
    ("tag.party_member", "Party member"),
    ("tag.volunteer", "Volunteer"),
    ("tag.elderly_alone", "Elderly alone"),
    ("tag.child_in_difficulty", "Child in difficulty"),
    ("tag.family_doctor_key", "Family-doctor key group"),
    ("filter.all", "All"),
    ("filter.under", "Within:"),
    ("filter.clear", "Clear"),
    ("search.submit", "Search"),
    ("search.by_name", "Searching names starting with this"),
    ("search.by_address", "Searching addresses starting with this"),
    ("search.by_id", "Searching a whole ID number"),
    ("search.by_masked_id", "Searching a masked ID number"),
    ("search.by_phone", "Searching a phone number"),
    ("list.empty", "Nothing found."),
    ("pager.label", "Pages"),
    ("pager.prev", "Previous"),
    ("pager.next", "Next"),
    ("pager.page", "Page"),
    ("pager.newest", "Newest"),
    ("pager.older", "Older"),
    ("export.xlsx", "Export .xlsx"),
    ("household.new", "New household"),
    ("household.search", "Address"),
    ("household.search_hint", "Start of the address"),
    ("household.members", "Members"),
    ("household.no_members", "No residents registered yet."),
    ("household.moves", "Moves"),
    ("move.title", "Move this household"),
    ("move.from", "From"),
    ("move.to", "To"),
    ("move.note", "Note"),
    ("move.submit", "Move"),
    ("resident.search", "Name, address or ID"),
    ("resident.search_hint", "Name, address, ID, phone or 370***********123X"),
    ("resident.new", "Add resident"),
    ("resident.edit", "Edit resident"),
    ("resident.sensitive", "ID and phone"),
    ("unmask.show", "Show in full"),
    ("unmask.reason", "Reason (required)"),
    ("unmask.reason_hint", "e.g. benefit review"),
    ("unmask.audited", "Showing in full is written to the audit log with who, when and why."),
    ("unmask.submit", "Show"),
    ("unmask.done", "Shown in full; this was written to the audit log."),
    ("field.name", "Name"),
    ("field.id_number", "ID number"),
    ("field.keep_blank", "Leave blank to keep"),
    ("field.gender", "Gender"),
    ("field.birth_date", "Date of birth"),
    ("field.from_id", "From the ID number"),
    ("field.phone", "Phone"),
    ("field.clear_phone", "Remove the phone number"),
    ("field.relationship", "Relationship to head"),
    ("field.residence", "Residence"),
    ("field.disability_grade", "Disability grade"),
    ("field.low_income", "Low-income category"),
    ("field.none", "None"),
    ("field.choose", "Choose"),
    ("field.building_code", "Building code"),
    ("field.building_code_hint", "The 21-digit code: filled in when you pick a building found above; also shown on the building's page"),
    ("field.building_search", "Building"),
    ("field.building_search_ph", "Search by compound or building name"),
    ("field.building_none", "No building matches; try other words"),
    ("field.unit", "Unit"),
    ("field.room", "Room"),
    ("form.save", "Save"),
    ("form.cancel", "Cancel"),
    ("form.has_errors", "Please correct the marked fields."),
    ("import.title", "Import a resident roster"),
    ("import.template", "Download the template"),
    ("import.intro", "Upload an .xlsx or .csv file with the template's headers. By default nothing is imported unless every row is valid; tick the box to import the good rows and download the rest."),
    ("import.file", "File"),
    ("import.skip_invalid", "Skip bad rows and import the good ones"),
    ("import.submit", "Upload and import"),
    ("import.no_file", "Choose a file to import"),
    ("import.report", "Import report"),
    ("import.committed", "Imported."),
    ("import.rejected", "The file has errors; nothing was imported. Fix them and upload again, or tick “skip bad rows”."),
    ("import.rows", "Rows"),
    ("import.households_created", "Households added"),
    ("import.residents_created", "Residents added"),
    ("import.errors", "Errors"),
    ("import.rejects", "Download the rows not imported"),
    ("import.row", "Row"),
    ("import.column", "Column"),
    ("import.reason", "Reason"),
    ("import.more_errors", "More errors, see the file:"),
    ("audit.action", "Action"),
    ("audit.entity", "Entity"),
    ("audit.actor", "Who"),
    ("audit.from", "From"),
    ("audit.to", "To"),
    ("audit.what", "What"),
    ("audit.reason", "Reason"),
    ("audit.changes", "Changes"),
    ("entity.resident", "Resident"),
    ("entity.household", "Household"),
    ("entity.node", "Place"),
    ("entity.user", "User"),
    ("entity.api_token", "API token"),
    ("gender.male", "Male"),
    ("gender.female", "Female"),
    ("residence.permanent", "Permanent"),
    ("residence.floating", "Floating"),
    ("rel.head", "Head"),
    ("rel.spouse", "Spouse"),
    ("rel.child", "Child"),
    ("rel.parent", "Parent"),
    ("rel.grandchild", "Grandchild"),
    ("rel.grandparent", "Grandparent"),
    ("rel.sibling", "Sibling"),
    ("rel.child_in_law", "Child-in-law"),
    ("rel.other", "Other"),
    ("low_income.dibao", "Minimum living allowance"),
    ("low_income.tekun", "Extreme poverty support"),
    ("low_income.dibao_edge", "Near-allowance"),
    ("low_income.rigid_expense", "Hardship from essential expenses"),
    ("low_income.poverty_watch", "Watched against a return to poverty"),
    ("action.create", "Create"),
    ("action.update", "Update"),
    ("action.move", "Move"),
    ("action.delete", "Delete"),
    ("action.import", "Import"),
    ("action.export", "Export"),
    ("action.unmask", "Unmask"),
    ("action.login", "Login"),
    ("action.login_failed", "Failed login"),
    ("action.logout", "Logout"),
    ("action.token_create", "Token created"),
    ("action.user_create", "User created"),
    ("action.user_password", "Password changed"),
    ("action.generate", "Demo generated"),
    ("action.user_disable", "Account disabled"),
    ("action.user_enable", "Account enabled"),
    ("action.user_sign_out", "Signed out everywhere"),
    ("action.user_unlock", "Account unlocked"),
    ("action.sign_up", "Resident signed up"),
    ("action.sign_up_refused", "Sign-up refused"),
    ("action.view", "Viewed sensitive data"),
    ("action.refused", "Access refused"),
    ("nav.users", "Users"),
    ("nav.districting", "Redistricting"),
    ("wb.title", "Workbench"),
    ("wb.to_accept", "To accept"),
    ("wb.overdue", "Overdue"),
    ("wb.to_verify", "To verify"),
    ("wb.in_hand", "In hand"),
    ("wb.awaiting_report_in", "Waiting for departments to report in"),
    ("wb.report_in_by", "Report in by"),
    ("wb.hotline_unmatched", "Hotline tickets to match"),
    ("wb.not_visited", "Households not visited in 30 days"),
    ("wb.overdue_below", "Overdue events"),
    ("wb.see_all", "See all"),
    ("wb.none", "None"),
    ("wb.my_post", "My post"),
    ("wb.post_households", "households"),
    ("wb.due", "Households due a visit"),
    ("wb.log_visit", "Log a visit"),
    ("wb.my_findings", "My findings and what became of them"),
    ("wb.no_event", "Not an event"),
    ("wb.no_post", "No post assigned yet; ask your community."),
    ("wb.report_problem", "Report a problem"),
    ("wb.report_hint", "Take a photo and pick the place; the community handles it and tells you how it goes."),
    ("wb.my_reports", "My reports"),
    ("wb.no_reports", "You have not reported anything yet."),
    ("wb.rate", "Rate it"),
    ("wb.unread", "Unread notifications"),
    ("wb.plans", "Redistricting plan open for comment"),
    ("wb.plans_hint", "Your community is covered by this plan; comments are welcome."),
    ("wb.comment", "Read the plan and comment"),
    ("wb.audit", "Latest audit records"),
    ("wb.last_visit", "Last visit"),
    ("wb.never", "Never visited"),
    ("wb.deadline", "Deadline"),
    ("users.title", "Users"),
    ("users.intro", "Accounts in your scope. Disabling or signing out everywhere ends all of the user's sessions and API tokens at once."),
    ("users.username", "Username"),
    ("users.name", "Name"),
    ("users.role", "Role"),
    ("users.scope", "Scope"),
    ("users.status", "Status"),
    ("users.active", "Active"),
    ("users.disabled", "Disabled"),
    ("users.locked", "Locked"),
    ("users.disable", "Disable"),
    ("users.enable", "Enable"),
    ("users.sign_out", "Sign out everywhere"),
    ("users.unlock", "Unlock"),
    ("users.self", "(you)"),
    ("users.none", "No users in your scope"),
    ("users.done.disable", "The account is disabled; all its sessions and tokens have ended."),
    ("users.done.enable", "The account is enabled."),
    ("users.done.sign_out", "All of the user's sessions and tokens have ended."),
    ("users.done.unlock", "The account's sign-in lock is lifted."),
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::path::Path;

    #[test]
    fn every_key_has_both_languages_once() {
        for (k, _) in EN {
            assert!(ZH.iter().any(|(z, _)| z == k), "{k} missing from ZH");
        }
        for (k, _) in ZH {
            assert!(EN.iter().any(|(e, _)| e == k), "{k} missing from EN");
        }
        let mut seen = HashSet::new();
        for (k, _) in ZH {
            assert!(seen.insert(*k), "{k} twice in ZH");
        }
        for t in TABLES {
            for (k, zh, en) in *t {
                assert!(seen.insert(*k), "{k} twice");
                assert!(!zh.is_empty() && !en.is_empty(), "{k} has an empty string");
            }
        }
    }

    #[test]
    fn a_missing_key_shows_itself() {
        assert_eq!(Lang::Zh.t("no.such.key"), "⟦no.such.key⟧");
        assert_eq!(Lang::En.t("no.such.key"), "⟦no.such.key⟧");
        assert!(Lang::En.t("nav.home").find(MISSING_OPEN).is_none());
    }

    #[test]
    fn formats_and_brackets() {
        assert_eq!(Lang::Zh.paren(3), "（3）");
        assert_eq!(Lang::En.paren(3), " (3)");
        assert_eq!(Lang::En.tf("notify.unread_n", 4), "4 unread");
        assert_eq!(Lang::Zh.tf("notify.unread_n", 4), "4 条未读");
    }

    /// Every file under `dir` with its path relative to `root`.
    fn files(root: &Path, dir: &Path, ext: &str, out: &mut Vec<(String, String)>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                files(root, &p, ext, out);
            } else if p.extension().is_some_and(|x| x == ext) {
                let rel = p.strip_prefix(root).unwrap().display().to_string();
                out.push((rel, std::fs::read_to_string(&p).unwrap()));
            }
        }
    }

    fn sources(sub: &str, ext: &str) -> Vec<(String, String)> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut out = vec![];
        files(root, &root.join(sub), ext, &mut out);
        out.sort();
        out
    }

    /// The literal keys of `t("…")` and `tf("…"` calls (with or without a receiver).
    fn keys_used(src: &str) -> Vec<String> {
        let mut out = vec![];
        for pat in ["t(\"", "tf(\""] {
            let mut rest = src;
            while let Some(i) = rest.find(pat) {
                let before = rest[..i].chars().next_back();
                let after = &rest[i + pat.len()..];
                let ok = !before.is_some_and(|c| c.is_alphanumeric() || c == '_');
                if let (true, Some(end)) = (ok, after.find('"')) {
                    let key = &after[..end];
                    if !key.is_empty() && !key.contains(['{', ' ']) {
                        out.push(key.to_string());
                    }
                }
                rest = after;
            }
        }
        out
    }

    #[test]
    fn every_key_the_templates_and_pages_use_has_both_languages() {
        let mut missing = vec![];
        for (path, src) in sources("templates", "html")
            .into_iter()
            .chain(sources("src", "rs"))
        {
            if path.ends_with("i18n.rs") {
                continue; // this file's tests use made-up keys
            }
            for k in keys_used(&src) {
                match lookup().get(k.as_str()) {
                    Some((Some(_), Some(_))) => {}
                    _ => missing.push(format!("{path}: {k}")),
                }
            }
            // Page code also names keys as plain literals (`PageError::keyed`, `lang.t(match
            // …)` arms, `coded` prefixes): every literal shaped like a key of a known family
            // is a key, or the prefix of some.
            if path.ends_with(".rs") {
                for k in key_like_literals(&src) {
                    let prefix = format!("{k}.");
                    let known = matches!(lookup().get(k.as_str()), Some((Some(_), Some(_))))
                        || lookup().keys().any(|x| x.starts_with(&prefix));
                    if !known {
                        missing.push(format!("{path}: {k}"));
                    }
                }
            }
        }
        assert!(
            missing.is_empty(),
            "keys missing from the tables:\n{}",
            missing.join("\n")
        );
    }

    /// String literals of the form `family.name[.more]` whose family is one the tables use.
    fn key_like_literals(src: &str) -> Vec<String> {
        let families: HashSet<&str> = lookup()
            .keys()
            .filter_map(|k| k.split('.').next())
            .collect();
        src.split('"')
            .skip(1)
            .step_by(2)
            .filter(|lit| {
                let mut parts = lit.split('.');
                let first = parts.next().unwrap_or("");
                lit.contains('.')
                    && families.contains(first)
                    && lit
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._".contains(c))
                    && parts.all(|p| !p.is_empty())
                    // File names are not keys.
                    && !lit.rsplit('.').next().is_some_and(|ext| {
                        ["html", "xlsx", "csv", "json", "geojson", "js", "css", "svg"].contains(&ext)
                    })
            })
            .map(str::to_string)
            .collect()
    }

    fn is_cjk(c: char) -> bool {
        matches!(c,
            '\u{3000}'..='\u{303f}' | '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}'
            | '\u{ff00}'..='\u{ffef}')
    }

    /// The template with `{{ … }}`, `{% … %}` and `{# … #}` blanked (newlines kept): what
    /// remains is the text the template itself shows.
    fn template_text(src: &str) -> String {
        let mut out = String::with_capacity(src.len());
        let mut rest = src;
        loop {
            let open = ["{{", "{%", "{#"]
                .iter()
                .filter_map(|o| rest.find(o).map(|i| (i, *o)))
                .min();
            let Some((i, o)) = open else {
                out.push_str(rest);
                break;
            };
            out.push_str(&rest[..i]);
            let close = match o {
                "{{" => "}}",
                "{%" => "%}",
                _ => "#}",
            };
            let end = rest[i..]
                .find(close)
                .map(|j| i + j + 2)
                .unwrap_or(rest.len());
            out.extend(
                rest[i..end]
                    .chars()
                    .map(|c| if c == '\n' { '\n' } else { ' ' }),
            );
            rest = &rest[end..];
        }
        // The link back to Chinese names itself in Chinese, on purpose.
        out.replace(r#"lang="zh-CN">中文<"#, r#"lang="zh-CN">  <"#)
    }

    /// Templates whose Chinese is not in the tables yet (each line of theirs is listed by the
    /// test below when removed from here). The goal is an empty list.
    const NOT_YET_TRANSLATED: &[&str] = &[];

    #[test]
    fn templates_show_no_chinese_of_their_own() {
        let mut found = vec![];
        for (path, src) in sources("templates", "html") {
            if NOT_YET_TRANSLATED.contains(&path.as_str()) {
                continue;
            }
            for (n, line) in template_text(&src).lines().enumerate() {
                if line.chars().any(is_cjk) {
                    let shown = src.lines().nth(n).unwrap_or("").trim();
                    found.push(format!("{path}:{}: {shown}", n + 1));
                }
            }
        }
        assert!(
            found.is_empty(),
            "Chinese in templates (move it into the i18n tables):\n{}",
            found.join("\n")
        );
    }

    #[test]
    fn the_scan_sees_text_and_attributes_not_expressions() {
        let t = template_text(
            "<p title=\"名称\">{{ c.t(\"x\") }}{% if a == \"是\" %}工作台{% endif %}</p>{# 注 #}",
        );
        assert!(t.contains("名称") && t.contains("工作台"));
        assert!(!t.contains('是') && !t.contains('注'));
        assert!(
            !template_text(r#"<a href="/lang/zh" lang="zh-CN">中文</a>"#)
                .chars()
                .any(is_cjk)
        );
        assert_eq!(
            keys_used(r#"{{ c.t("a.b") }} {{ t("c") }} {{ c.tf("d", 1) }} x.at("no")"#),
            vec!["a.b", "c", "d"]
        );
    }

    /// Coded values (states, kinds) take their Chinese from the domain: the tables agree.
    #[test]
    fn coded_labels_agree_with_the_domain() {
        use jingzhi_domain::events::lifecycle::{CommandKind, Rating, Status};
        use jingzhi_domain::events::whistle::{DeptStatus, WhistleStatus};
        use jingzhi_domain::events::{HandlerKind, Urgency};
        let mut pairs: Vec<(String, &str)> = vec![];
        let mut add = |prefix: &str, code: &str, zh: &'static str| {
            pairs.push((format!("{prefix}.{code}"), zh));
        };
        Status::ALL
            .iter()
            .for_each(|x| add("event.status", x.as_str(), x.label_zh()));
        Urgency::ALL
            .iter()
            .for_each(|x| add("event.urgency", x.as_str(), x.label_zh()));
        Rating::ALL
            .iter()
            .for_each(|x| add("event.rating", x.as_str(), x.label_zh()));
        CommandKind::ALL
            .iter()
            .for_each(|x| add("event.command", x.as_str(), x.label_zh()));
        HandlerKind::ALL
            .iter()
            .for_each(|x| add("event.handler", x.as_str(), x.label_zh()));
        WhistleStatus::ALL
            .iter()
            .for_each(|x| add("event.whistle", x.as_str(), x.label_zh()));
        DeptStatus::ALL
            .iter()
            .for_each(|x| add("event.dept", x.as_str(), x.label_zh()));
        jingzhi_domain::rounds::FindingKind::ALL
            .iter()
            .for_each(|x| add("rounds.finding", x.as_str(), x.label_zh()));
        jingzhi_domain::rounds::PostKind::ALL
            .iter()
            .for_each(|x| add("rounds.post_kind", x.as_str(), x.label_zh()));
        {
            use jingzhi_domain::districting::approval::{Status as Plan, Step, Vote};
            Step::ALL
                .iter()
                .for_each(|x| add("districting.step", x.as_str(), x.label_zh()));
            for code in ["draft", "in_review", "approved", "rejected", "applied"] {
                add(
                    "districting.status",
                    code,
                    Plan::parse(code).unwrap().label_zh(),
                );
            }
            for code in ["agree", "object"] {
                add(
                    "districting.vote",
                    code,
                    Vote::parse(code).unwrap().label_zh(),
                );
            }
        }
        jingzhi_domain::departments::Level::ALL
            .iter()
            .for_each(|x| add("dept.level", x.as_str(), x.label_zh()));
        for (key, zh) in pairs {
            assert_eq!(Lang::Zh.t(&key), zh, "{key}");
            assert!(!Lang::En.t(&key).starts_with(MISSING_OPEN), "{key}");
        }
    }

    #[test]
    fn language_choice() {
        let mut h = axum::http::HeaderMap::new();
        assert_eq!(Lang::from_headers(&h), Lang::Zh);
        h.insert(
            axum::http::header::ACCEPT_LANGUAGE,
            "en-US,en;q=0.9".parse().unwrap(),
        );
        assert_eq!(Lang::from_headers(&h), Lang::En);
        h.insert(axum::http::header::COOKIE, "lang=zh".parse().unwrap());
        assert_eq!(Lang::from_headers(&h), Lang::Zh);
        assert_eq!(Lang::En.t("nav.home"), "Home");
        assert_eq!(Lang::Zh.t("nav.home"), "首页");
    }
}
