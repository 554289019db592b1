//! Chinese first, English switchable: the language comes from the `lang` cookie (set by the
//! switcher), else `Accept-Language`, else Chinese. Strings are looked up by key in two small
//! tables; a key missing from the English table falls back to Chinese.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use std::convert::Infallible;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
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

    /// The string for `key` in this language.
    pub fn t(self, key: &str) -> &'static str {
        let zh = ZH.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
        match self {
            Lang::Zh => zh.unwrap_or("?"),
            Lang::En => EN
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| *v)
                .or(zh)
                .unwrap_or("?"),
        }
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
    ("nav.dashboard", "事件统计"),
    ("nav.logout", "退出"),
    ("login.title", "登录"),
    ("login.username", "用户名"),
    ("login.password", "密码"),
    ("login.submit", "登录"),
    ("login.failed", "用户名或密码错误"),
    ("login.locked", "失败次数过多，账号已暂时锁定，请稍后再试"),
    ("nav.label", "主导航"),
    ("nav.crumbs", "所在位置"),
    ("login.intro", "社区工作人员登录"),
    ("welcome.title", "欢迎"),
    ("welcome.no_register", "您的账号没有查看人口信息的权限。"),
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
    ("field.building_code_hint", "21位统一编码，可在楼宇页面查看"),
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
];

/// English strings by key.
pub static EN: &[(&str, &str)] = &[
    ("app.name", "Jingzhi Communities"),
    ("nav.home", "Home"),
    ("nav.households", "Households"),
    ("nav.residents", "Residents"),
    ("nav.import", "Import"),
    ("nav.audit", "Audit log"),
    ("nav.dashboard", "Dashboard"),
    ("nav.logout", "Log out"),
    ("login.title", "Sign in"),
    ("login.username", "Username"),
    ("login.password", "Password"),
    ("login.submit", "Sign in"),
    ("login.failed", "Wrong username or password"),
    ("login.locked", "Too many failed attempts; the account is locked for a while"),
    ("nav.label", "Main navigation"),
    ("nav.crumbs", "You are here"),
    ("login.intro", "Sign in with your work account"),
    ("welcome.title", "Welcome"),
    ("welcome.no_register", "Your account has no access to the register."),
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
    ("field.building_code_hint", "The 21-digit code shown on the building's page"),
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
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_english_key_exists_in_chinese() {
        for (k, _) in EN {
            assert!(ZH.iter().any(|(z, _)| z == k), "{k} missing from ZH");
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
