//! The city register: the tree of places (city → … → building), households and residents, and the
//! value types that keep the register clean (ID-card numbers with their checksum, phone numbers,
//! codes, tags).

use crate::FieldError;
use serde::{Deserialize, Serialize};
use time::Date;

/// A level of the tree of places. Households hang below buildings, residents below households.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    City,
    District,
    Street,
    Community,
    Grid,
    Compound,
    Building,
}

impl NodeKind {
    pub const ALL: [NodeKind; 7] = [
        NodeKind::City,
        NodeKind::District,
        NodeKind::Street,
        NodeKind::Community,
        NodeKind::Grid,
        NodeKind::Compound,
        NodeKind::Building,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::City => "city",
            NodeKind::District => "district",
            NodeKind::Street => "street",
            NodeKind::Community => "community",
            NodeKind::Grid => "grid",
            NodeKind::Compound => "compound",
            NodeKind::Building => "building",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The Chinese name of the level, as screens show it.
    pub fn label_zh(self) -> &'static str {
        match self {
            NodeKind::City => "市",
            NodeKind::District => "区市",
            NodeKind::Street => "街道(镇)",
            NodeKind::Community => "社区",
            NodeKind::Grid => "网格",
            NodeKind::Compound => "小区",
            NodeKind::Building => "楼宇",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            NodeKind::City => "City",
            NodeKind::District => "District",
            NodeKind::Street => "Street",
            NodeKind::Community => "Community",
            NodeKind::Grid => "Grid",
            NodeKind::Compound => "Compound",
            NodeKind::Building => "Building",
        }
    }

    /// Depth in the tree (city = 0).
    pub fn depth(self) -> i32 {
        self as i32
    }

    /// The kind a child of this kind must have, if any.
    pub fn child(self) -> Option<NodeKind> {
        Self::ALL.get(self as usize + 1).copied()
    }

    /// The party organisation attached to nodes of this level (街道党工委 → 社区党总支 → 网格党支部 →
    /// 楼宇党小组), if there is one.
    pub fn party_org_zh(self) -> Option<&'static str> {
        match self {
            NodeKind::Street => Some("街道党工委"),
            NodeKind::Community => Some("社区党总支"),
            NodeKind::Grid => Some("网格党支部"),
            NodeKind::Building => Some("楼宇党小组"),
            _ => None,
        }
    }
}

/// The unified code (统一编码) of a place. Down to the community it is the national 12-digit
/// statistical division code; grids (+3 digits), compounds (+3) and buildings (+3) extend their
/// parent's code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NodeCode(String);

impl NodeCode {
    /// Digits a code of this kind has.
    pub fn len_for(kind: NodeKind) -> usize {
        match kind {
            NodeKind::City | NodeKind::District | NodeKind::Street | NodeKind::Community => 12,
            NodeKind::Grid => 15,
            NodeKind::Compound => 18,
            NodeKind::Building => 21,
        }
    }

    pub fn parse(kind: NodeKind, s: &str) -> Result<Self, FieldError> {
        let s = s.trim();
        let want = Self::len_for(kind);
        if s.len() != want || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(FieldError::new(
                "code",
                format!("{}编码应为{}位数字", kind.label_zh(), want),
            ));
        }
        Ok(Self(s.to_string()))
    }

    /// A code of any kind (length decides): used where the kind is not known yet.
    pub fn parse_any(s: &str) -> Result<Self, FieldError> {
        let s = s.trim();
        if ![12, 15, 18, 21].contains(&s.len()) || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(FieldError::new("code", "编码应为12、15、18或21位数字"));
        }
        Ok(Self(s.to_string()))
    }

    /// The code of a child: the parent's code extended by `seq` (1-based) in 3 digits, for grids,
    /// compounds and buildings.
    pub fn child(&self, seq: u32) -> Self {
        Self(format!("{}{:03}", self.0, seq))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for NodeCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A mainland resident identity card number (GB 11643-1999): 17 digits and a checksum character.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdNumber(String);

impl std::fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the whole number, even in logs.
        write!(f, "IdNumber({})", self.masked())
    }
}

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

impl IdNumber {
    /// The checksum character for the first 17 digits.
    pub fn check_char(first17: &[u8]) -> char {
        let sum: u32 = first17
            .iter()
            .zip(ID_WEIGHTS)
            .map(|(d, w)| (d - b'0') as u32 * w)
            .sum();
        ID_CHECK[(sum % 11) as usize]
    }

    pub fn parse(s: &str) -> Result<Self, FieldError> {
        let s = s.trim().to_ascii_uppercase();
        let b = s.as_bytes();
        if b.len() != 18 {
            return Err(FieldError::new("id_number", "身份证号应为18位"));
        }
        if !b[..17].iter().all(|c| c.is_ascii_digit()) || !(b[17].is_ascii_digit() || b[17] == b'X')
        {
            return Err(FieldError::new(
                "id_number",
                "身份证号只能含数字，末位可为X",
            ));
        }
        if Self::check_char(&b[..17]) != b[17] as char {
            return Err(FieldError::new("id_number", "身份证号校验位不正确"));
        }
        let id = Self(s);
        if id.birth_date().is_none() {
            return Err(FieldError::new("id_number", "身份证号中的出生日期无效"));
        }
        Ok(id)
    }

    /// Build a valid number from a 6-digit region, a birth date and a 3-digit sequence (its parity
    /// is the gender: odd for male). Used by the demo generator and tests.
    pub fn build(region: u32, birth: Date, seq: u32) -> Self {
        let body = format!(
            "{:06}{:04}{:02}{:02}{:03}",
            region % 1_000_000,
            birth.year(),
            birth.month() as u8,
            birth.day(),
            seq % 1000
        );
        let c = Self::check_char(body.as_bytes());
        Self(format!("{body}{c}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn birth_date(&self) -> Option<Date> {
        let s = &self.0;
        let y: i32 = s[6..10].parse().ok()?;
        let m: u8 = s[10..12].parse().ok()?;
        let d: u8 = s[12..14].parse().ok()?;
        if !(1890..=2100).contains(&y) {
            return None;
        }
        Date::from_calendar_date(y, time::Month::try_from(m).ok()?, d).ok()
    }

    pub fn gender(&self) -> Gender {
        if (self.0.as_bytes()[16] - b'0') % 2 == 1 {
            Gender::Male
        } else {
            Gender::Female
        }
    }

    /// `370***********123X`: first 3 and last 4 characters.
    pub fn masked(&self) -> String {
        format!("{}***********{}", &self.0[..3], &self.0[14..])
    }
}

/// A phone number: an 11-digit mainland mobile number, or a landline with area code
/// (`0631-5201234`).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl std::fmt::Debug for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

impl Phone {
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        let t: String = s
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-'))
            .collect();
        let t = t.strip_prefix("+86").unwrap_or(&t).to_string();
        if !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(FieldError::new("phone", "电话号码只能含数字"));
        }
        let mobile =
            t.len() == 11 && t.starts_with('1') && (b'3'..=b'9').contains(&t.as_bytes()[1]);
        let landline = t.starts_with('0') && (10..=12).contains(&t.len());
        if !(mobile || landline) {
            return Err(FieldError::new("phone", "应为11位手机号或带区号的固定电话"));
        }
        Ok(Self(t))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `138****5678`: first 3 and last 4 digits.
    pub fn masked(&self) -> String {
        let n = self.0.len();
        format!("{}{}{}", &self.0[..3], "*".repeat(n - 7), &self.0[n - 4..])
    }
}

macro_rules! str_enum {
    ($(#[$m:meta])* $name:ident { $($var:ident = $code:literal / $zh:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($var),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$var),+];
            pub fn as_str(self) -> &'static str { match self { $($name::$var => $code),+ } }
            pub fn label_zh(self) -> &'static str { match self { $($name::$var => $zh),+ } }
            /// Parse either the code (`male`) or the Chinese label (`男`).
            pub fn parse(s: &str) -> Option<Self> {
                let s = s.trim();
                Self::ALL.iter().copied().find(|v| v.as_str() == s || v.label_zh() == s)
            }
        }
    };
}
pub(crate) use str_enum;

str_enum!(
    /// 性别
    Gender { Male = "male" / "男", Female = "female" / "女" }
);

str_enum!(
    /// 与户主关系
    Relationship {
        Head = "head" / "户主",
        Spouse = "spouse" / "配偶",
        Child = "child" / "子女",
        Parent = "parent" / "父母",
        Grandchild = "grandchild" / "孙子女",
        Grandparent = "grandparent" / "祖父母",
        Sibling = "sibling" / "兄弟姐妹",
        ChildInLaw = "child_in_law" / "儿媳女婿",
        Other = "other" / "其他",
    }
);

str_enum!(
    /// 居住状态: 常住 (registered, living here) or 流动 (floating population).
    Residence { Permanent = "permanent" / "常住", Floating = "floating" / "流动" }
);

str_enum!(
    /// 低收入人口类别
    LowIncome {
        Dibao = "dibao" / "低保",
        Tekun = "tekun" / "特困",
        DibaoEdge = "dibao_edge" / "低保边缘",
        RigidExpense = "rigid_expense" / "刚性支出困难",
        PovertyWatch = "poverty_watch" / "防返贫监测",
    }
);

/// "王*", "张**": a person's name shown to those who need the person but not the name: the first
/// character and a star for each other.
pub fn mask_name(s: &str) -> String {
    let mut c = s.chars();
    let first = c.next().map(String::from).unwrap_or_default();
    first + &"*".repeat(c.count().max(1))
}

/// A disability grade, 1 (most severe) to 4.
pub fn parse_disability_grade(s: &str) -> Result<Option<i32>, FieldError> {
    let s = s.trim();
    if s.is_empty() || s == "无" {
        return Ok(None);
    }
    let digits = s
        .trim_start_matches('一')
        .chars()
        .filter(|c| c.is_ascii_digit())
        .collect::<String>();
    let g = match s {
        "一级" => 1,
        "二级" => 2,
        "三级" => 3,
        "四级" => 4,
        _ => digits.parse::<i32>().unwrap_or(0),
    };
    if (1..=4).contains(&g) {
        Ok(Some(g))
    } else {
        Err(FieldError::new("disability_grade", "残疾等级应为1–4级"))
    }
}

/// The tags later capabilities use (care, participation, volunteer teams).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResidentTags {
    pub party_member: bool,
    pub volunteer: bool,
    pub elderly_alone: bool,
    /// 1–4 when the resident holds a disability certificate.
    pub disability_grade: Option<i32>,
    pub low_income: Option<LowIncome>,
    pub child_in_difficulty: bool,
    pub family_doctor_key: bool,
}

/// The counted tags, in the order screens show them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tag {
    PartyMember,
    Volunteer,
    ElderlyAlone,
    Disabled,
    LowIncome,
    ChildInDifficulty,
    FamilyDoctorKey,
}

impl Tag {
    pub const ALL: [Tag; 7] = [
        Tag::PartyMember,
        Tag::Volunteer,
        Tag::ElderlyAlone,
        Tag::Disabled,
        Tag::LowIncome,
        Tag::ChildInDifficulty,
        Tag::FamilyDoctorKey,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Tag::PartyMember => "party_member",
            Tag::Volunteer => "volunteer",
            Tag::ElderlyAlone => "elderly_alone",
            Tag::Disabled => "disabled",
            Tag::LowIncome => "low_income",
            Tag::ChildInDifficulty => "child_in_difficulty",
            Tag::FamilyDoctorKey => "family_doctor_key",
        }
    }

    pub fn parse(s: &str) -> Option<Tag> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Tag::PartyMember => "党员",
            Tag::Volunteer => "注册志愿者",
            Tag::ElderlyAlone => "独居老人",
            Tag::Disabled => "残疾人",
            Tag::LowIncome => "低收入人口",
            Tag::ChildInDifficulty => "困境儿童",
            Tag::FamilyDoctorKey => "家庭医生重点人群",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Tag::PartyMember => "Party members",
            Tag::Volunteer => "Volunteers",
            Tag::ElderlyAlone => "Elderly living alone",
            Tag::Disabled => "Disabled",
            Tag::LowIncome => "Low-income",
            Tag::ChildInDifficulty => "Children in difficulty",
            Tag::FamilyDoctorKey => "Family-doctor key group",
        }
    }
}

impl ResidentTags {
    pub fn has(&self, t: Tag) -> bool {
        match t {
            Tag::PartyMember => self.party_member,
            Tag::Volunteer => self.volunteer,
            Tag::ElderlyAlone => self.elderly_alone,
            Tag::Disabled => self.disability_grade.is_some(),
            Tag::LowIncome => self.low_income.is_some(),
            Tag::ChildInDifficulty => self.child_in_difficulty,
            Tag::FamilyDoctorKey => self.family_doctor_key,
        }
    }
}

/// A resident as entered: every field already valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewResident {
    pub name: PersonName,
    pub id_number: IdNumber,
    pub gender: Gender,
    pub birth_date: Date,
    pub phone: Option<Phone>,
    pub relationship: Relationship,
    pub residence: Residence,
    pub tags: ResidentTags,
}

impl NewResident {
    /// Cross-field rules: gender and birth date must agree with the ID number.
    pub fn check(&self) -> Result<(), FieldError> {
        if self.id_number.gender() != self.gender {
            return Err(FieldError::new("gender", "性别与身份证号不符"));
        }
        if self.id_number.birth_date() != Some(self.birth_date) {
            return Err(FieldError::new("birth_date", "出生日期与身份证号不符"));
        }
        if self.birth_date > crate::time_fmt::today() {
            return Err(FieldError::new("birth_date", "出生日期不能晚于今天"));
        }
        Ok(())
    }
}

/// A person's name: 1–50 characters, no control characters or markup.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        let s = s.trim();
        let n = s.chars().count();
        if n == 0 {
            return Err(FieldError::new("name", "姓名不能为空"));
        }
        if n > 50 {
            return Err(FieldError::new("name", "姓名不能超过50个字"));
        }
        if s.chars()
            .any(|c| c.is_control() || matches!(c, '<' | '>' | '"' | '&'))
        {
            return Err(FieldError::new("name", "姓名含有不允许的字符"));
        }
        // No name begins with a formula's first character; a roster cell that does is an
        // injected formula (see `spreadsheet::safe_cell`), refused rather than stored.
        if crate::spreadsheet::is_formula_like(s) {
            return Err(FieldError::new("name", "姓名不能以 = + - @ 开头"));
        }
        Ok(Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A room number within a building unit (`301`, `2-301`, `B1-12`).
pub fn parse_room(s: &str) -> Result<String, FieldError> {
    let s = s.trim();
    if s.is_empty() || s.chars().count() > 20 {
        return Err(FieldError::new("room", "房号应为1–20个字符"));
    }
    if !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(FieldError::new("room", "房号只能含字母、数字和-"));
    }
    Ok(s.to_string())
}

/// The address of a household: `<building name><unit>单元<room>室`.
pub fn household_address(building_name: &str, unit: Option<i32>, room: &str) -> String {
    match unit {
        Some(u) => format!("{building_name}{u}单元{room}室"),
        None => format!("{building_name}{room}室"),
    }
}

// What a list of households or residents asks for, and what kind of search a text is

#[derive(Debug, Clone, Default)]
pub struct HouseholdFilter {
    /// Address prefix.
    pub q: Option<String>,
    /// Narrow to a node's subtree (a path inside the scope, already checked).
    pub under: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct ResidentFilter {
    /// Name prefix, address prefix (when it has digits), a whole ID or phone number, or a
    /// masked ID as shown (`370***********123X`).
    pub q: Option<String>,
    pub tag: Option<Tag>,
    pub gender: Option<Gender>,
    pub residence: Option<Residence>,
    /// Narrow to a node's subtree (a path inside the scope, already checked).
    pub under: Option<String>,
}

/// What kind of search a query string is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchKind {
    IdNumber(String),
    MaskedId(String),
    Phone(String),
    Address(String),
    Name(String),
}

pub fn classify_query(q: &str) -> SearchKind {
    let q = q.trim();
    if let Ok(id) = IdNumber::parse(q) {
        return SearchKind::IdNumber(id.as_str().to_string());
    }
    let up = q.to_ascii_uppercase();
    if up.len() == 18
        && up.contains('*')
        && up
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'*' || b == b'X')
    {
        return SearchKind::MaskedId(up);
    }
    if let Ok(p) = Phone::parse(q) {
        return SearchKind::Phone(p.as_str().to_string());
    }
    if q.chars()
        .any(|c| c.is_ascii_digit() || "楼单元室号栋".contains(c))
    {
        return SearchKind::Address(q.to_string());
    }
    SearchKind::Name(q.to_string())
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_name_is_not_a_formula() {
        for bad in ["=HYPERLINK(\"http://x\")", "+1", "-张三", "@SUM(A1)"] {
            assert_eq!(PersonName::parse(bad).unwrap_err().field, "name", "{bad}");
        }
        assert_eq!(PersonName::parse(" 王秀英 ").unwrap().as_str(), "王秀英");
        assert_eq!(
            PersonName::parse("Anna-Lena").unwrap().as_str(),
            "Anna-Lena"
        );
    }

    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_id_numbers() {
        // The standard's own example.
        let id = IdNumber::parse("11010519491231002X").unwrap();
        assert_eq!(id.gender(), Gender::Female);
        assert_eq!(id.masked(), "110***********002X");
        assert_eq!(
            id.birth_date(),
            Some(Date::from_calendar_date(1949, time::Month::December, 31).unwrap())
        );
        assert!(
            IdNumber::parse("110105194912310021").is_err(),
            "bad checksum"
        );
        assert!(
            IdNumber::parse("11010519491331002X").is_err(),
            "month 13 fails the checksum or the date"
        );
        assert!(IdNumber::parse("1101051949123100").is_err());
        assert_eq!(
            IdNumber::parse(" 11010519491231002x ").unwrap().as_str(),
            "11010519491231002X"
        );
    }

    #[test]
    fn phones() {
        assert_eq!(
            Phone::parse("138 1234 5678").unwrap().masked(),
            "138****5678"
        );
        assert_eq!(
            Phone::parse("+8613812345678").unwrap().as_str(),
            "13812345678"
        );
        assert!(Phone::parse("0631-5201234").is_ok());
        assert!(Phone::parse("12812345678").is_err());
        assert!(Phone::parse("1381234567").is_err());
        assert!(Phone::parse("abc").is_err());
    }

    #[test]
    fn enums_parse_codes_and_chinese() {
        assert_eq!(Gender::parse("男"), Some(Gender::Male));
        assert_eq!(Relationship::parse("户主"), Some(Relationship::Head));
        assert_eq!(LowIncome::parse("低保边缘"), Some(LowIncome::DibaoEdge));
        assert_eq!(Residence::parse("floating"), Some(Residence::Floating));
        assert_eq!(parse_disability_grade("二级").unwrap(), Some(2));
        assert_eq!(parse_disability_grade("").unwrap(), None);
        assert!(parse_disability_grade("5").is_err());
    }

    #[test]
    fn codes() {
        let c = NodeCode::parse(NodeKind::Community, "371002001001").unwrap();
        assert_eq!(c.child(7).as_str(), "371002001001007");
        assert!(NodeCode::parse(NodeKind::Grid, "371002001001").is_err());
        assert_eq!(NodeKind::Grid.child(), Some(NodeKind::Compound));
        assert_eq!(NodeKind::Building.child(), None);
    }

    #[test]
    fn names_reject_markup() {
        assert!(PersonName::parse("王小明").is_ok());
        assert!(PersonName::parse("<script>").is_err());
        assert!(PersonName::parse("  ").is_err());
    }

    proptest! {
        #[test]
        fn built_ids_always_parse(region in 110000u32..660000, days in 0i64..40000, seq in 0u32..1000) {
            let birth = Date::from_calendar_date(1910, time::Month::January, 1).unwrap() + time::Duration::days(days);
            let id = IdNumber::build(region, birth, seq);
            let parsed = IdNumber::parse(id.as_str()).unwrap();
            prop_assert_eq!(parsed.birth_date(), Some(birth));
            prop_assert_eq!(parsed.gender() == Gender::Male, seq % 2 == 1);
            prop_assert_eq!(parsed.masked().len(), 18);
        }

        #[test]
        fn one_changed_digit_breaks_the_checksum(region in 110000u32..660000, days in 0i64..40000, seq in 0u32..1000, pos in 0usize..17, delta in 1u8..10) {
            let birth = Date::from_calendar_date(1910, time::Month::January, 1).unwrap() + time::Duration::days(days);
            let id = IdNumber::build(region, birth, seq);
            let mut b = id.as_str().as_bytes().to_vec();
            b[pos] = b'0' + (b[pos] - b'0' + delta) % 10;
            let s = String::from_utf8(b).unwrap();
            prop_assert!(IdNumber::parse(&s).is_err());
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,30}") {
            let _ = IdNumber::parse(&s);
            let _ = Phone::parse(&s);
            let _ = PersonName::parse(&s);
        }
    }
}

/// A resident as typed into a form, an API call or a spreadsheet row: raw strings, parsed by
/// [`ResidentInput::parse`] into a [`NewResident`] or a list of every field that is wrong.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ResidentInput {
    pub name: String,
    pub id_number: String,
    /// `male`/`female` or 男/女; taken from the ID number when empty.
    pub gender: Option<String>,
    /// `YYYY-MM-DD`; taken from the ID number when empty.
    pub birth_date: Option<String>,
    pub phone: Option<String>,
    /// Relationship to the household head (code or Chinese); `other` when empty.
    pub relationship: Option<String>,
    /// `permanent`/`floating` or 常住/流动; `permanent` when empty.
    pub residence: Option<String>,
    #[serde(deserialize_with = "flexible_bool")]
    pub party_member: bool,
    #[serde(deserialize_with = "flexible_bool")]
    pub volunteer: bool,
    #[serde(deserialize_with = "flexible_bool")]
    pub elderly_alone: bool,
    /// 1–4, or empty.
    pub disability_grade: Option<String>,
    /// dibao / tekun / dibao_edge / rigid_expense (or Chinese), or empty.
    pub low_income: Option<String>,
    #[serde(deserialize_with = "flexible_bool")]
    pub child_in_difficulty: bool,
    #[serde(deserialize_with = "flexible_bool")]
    pub family_doctor_key: bool,
}

/// `true`/`false`, `1`/`0`, `on` (an HTML checkbox), 是/否.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "on" | "yes" | "y" | "是" | "√" => Some(true),
        "false" | "0" | "off" | "no" | "n" | "否" | "" => Some(false),
        _ => None,
    }
}

fn flexible_bool<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum B {
        B(bool),
        S(String),
        N(i64),
    }
    match B::deserialize(d)? {
        B::B(b) => Ok(b),
        B::N(n) => Ok(n != 0),
        B::S(s) => parse_bool(&s).ok_or_else(|| serde::de::Error::custom("应为是/否")),
    }
}

fn blank(o: &Option<String>) -> Option<&str> {
    o.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl ResidentInput {
    pub fn parse(&self) -> Result<NewResident, Vec<FieldError>> {
        let mut errs = vec![];
        let name = PersonName::parse(&self.name).map_err(|e| errs.push(e)).ok();
        let id = IdNumber::parse(&self.id_number)
            .map_err(|e| errs.push(e))
            .ok();
        let gender = match blank(&self.gender) {
            None => id.as_ref().map(|i| i.gender()),
            Some(g) => Gender::parse(g).or_else(|| {
                errs.push(FieldError::new("gender", "性别应为男或女"));
                None
            }),
        };
        let birth = match blank(&self.birth_date) {
            None => id.as_ref().and_then(|i| i.birth_date()),
            Some(b) => crate::time_fmt::parse_date(b).or_else(|| {
                errs.push(FieldError::new("birth_date", "出生日期应为YYYY-MM-DD"));
                None
            }),
        };
        let phone = match blank(&self.phone) {
            None => None,
            Some(p) => Phone::parse(p).map_err(|e| errs.push(e)).ok(),
        };
        let relationship = match blank(&self.relationship) {
            None => Some(Relationship::Other),
            Some(r) => Relationship::parse(r).or_else(|| {
                errs.push(FieldError::new(
                    "relationship",
                    format!(
                        "与户主关系应为: {}",
                        Relationship::ALL
                            .iter()
                            .map(|r| r.label_zh())
                            .collect::<Vec<_>>()
                            .join("、")
                    ),
                ));
                None
            }),
        };
        let residence = match blank(&self.residence) {
            None => Some(Residence::Permanent),
            Some(r) => Residence::parse(r).or_else(|| {
                errs.push(FieldError::new("residence", "居住状态应为常住或流动"));
                None
            }),
        };
        let disability_grade =
            parse_disability_grade(self.disability_grade.as_deref().unwrap_or(""))
                .map_err(|e| errs.push(e))
                .ok()
                .flatten();
        let low_income = match blank(&self.low_income) {
            None | Some("无") => None,
            Some(l) => LowIncome::parse(l).or_else(|| {
                errs.push(FieldError::new(
                    "low_income",
                    "低收入类别应为低保、特困、低保边缘或刚性支出困难",
                ));
                None
            }),
        };
        if !errs.is_empty() {
            return Err(errs);
        }
        let r = NewResident {
            name: name.expect("checked"),
            id_number: id.expect("checked"),
            gender: gender.expect("checked"),
            birth_date: birth.expect("checked"),
            phone,
            relationship: relationship.expect("checked"),
            residence: residence.expect("checked"),
            tags: ResidentTags {
                party_member: self.party_member,
                volunteer: self.volunteer,
                elderly_alone: self.elderly_alone,
                disability_grade,
                low_income,
                child_in_difficulty: self.child_in_difficulty,
                family_doctor_key: self.family_doctor_key,
            },
        };
        r.check().map_err(|e| vec![e])?;
        Ok(r)
    }
}

#[cfg(test)]
mod input_tests {
    use super::*;

    #[test]
    fn a_minimal_input_takes_gender_and_birth_from_the_id() {
        let r = ResidentInput {
            name: "王芳".into(),
            id_number: "11010519491231002X".into(),
            ..Default::default()
        }
        .parse()
        .unwrap();
        assert_eq!(r.gender, Gender::Female);
        assert_eq!(r.relationship, Relationship::Other);
        assert_eq!(r.residence, Residence::Permanent);
    }

    #[test]
    fn every_bad_field_is_named() {
        let errs = ResidentInput {
            name: "".into(),
            id_number: "123".into(),
            phone: Some("999".into()),
            relationship: Some("朋友".into()),
            disability_grade: Some("9".into()),
            ..Default::default()
        }
        .parse()
        .unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            vec![
                "name",
                "id_number",
                "phone",
                "relationship",
                "disability_grade"
            ]
        );
    }

    #[test]
    fn gender_must_agree_with_the_id() {
        let e = ResidentInput {
            name: "王芳".into(),
            id_number: "11010519491231002X".into(),
            gender: Some("男".into()),
            ..Default::default()
        }
        .parse()
        .unwrap_err();
        assert_eq!(e[0].field, "gender");
    }

    #[test]
    fn checkboxes_and_chinese_booleans() {
        let r: ResidentInput = serde_json::from_str(r#"{"name":"a","id_number":"x","party_member":"on","volunteer":"是","elderly_alone":1}"#).unwrap();
        assert!(r.party_member && r.volunteer && r.elderly_alone);
    }
}
