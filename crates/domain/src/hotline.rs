//! The 12345 hotline (市民热线): the ticket file's columns, and the pure rules an import needs —
//! reading the hotline's times, urgency and classification, and matching the free address text
//! of a ticket to a building of the register (`docs/12345.md`).
//!
//! Address matching works on a [`Gazetteer`] built from the places the importer may see: every
//! compound name (and building name) is looked for in the normalised address, the building
//! number after it is read, and the district, street and community names the address mentions
//! decide between compounds of the same name in different communities. The result says which
//! building, how sure (0–100), or that it is ambiguous or not found; only a match at or above
//! [`AUTO_CONFIDENCE`] becomes an event without a person looking at it.

use crate::events::Urgency;
use crate::registry::NodeKind;
use std::collections::{BTreeSet, HashMap};

// ---------------------------------------------------------------------------------------------
// The file's columns

/// A column of the ticket file: the input columns, then the result columns the export adds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Col {
    TicketNo,
    CalledAt,
    CallerName,
    CallerPhone,
    Address,
    Content,
    Category,
    Urgency,
    DueAt,
    Status,
    AcceptedAt,
    ResolvedAt,
    Result,
    Satisfaction,
    Handler,
    EventId,
    BuildingCode,
    BuildingName,
}

impl Col {
    /// The columns a ticket file holds (what the hotline sends).
    pub const INPUT: [Col; 9] = [
        Col::TicketNo,
        Col::CalledAt,
        Col::CallerName,
        Col::CallerPhone,
        Col::Address,
        Col::Content,
        Col::Category,
        Col::Urgency,
        Col::DueAt,
    ];

    /// Every column of an export (the input columns, then the results).
    pub const ALL: [Col; 18] = [
        Col::TicketNo,
        Col::CalledAt,
        Col::CallerName,
        Col::CallerPhone,
        Col::Address,
        Col::Content,
        Col::Category,
        Col::Urgency,
        Col::DueAt,
        Col::Status,
        Col::AcceptedAt,
        Col::ResolvedAt,
        Col::Result,
        Col::Satisfaction,
        Col::Handler,
        Col::EventId,
        Col::BuildingCode,
        Col::BuildingName,
    ];

    pub fn header(self) -> &'static str {
        match self {
            Col::TicketNo => "工单编号",
            Col::CalledAt => "来电时间",
            Col::CallerName => "来电人",
            Col::CallerPhone => "联系电话",
            Col::Address => "诉求地址",
            Col::Content => "诉求内容",
            Col::Category => "问题分类",
            Col::Urgency => "紧急程度",
            Col::DueAt => "办理时限",
            Col::Status => "办理状态",
            Col::AcceptedAt => "受理时间",
            Col::ResolvedAt => "办结时间",
            Col::Result => "办理结果",
            Col::Satisfaction => "回访满意度",
            Col::Handler => "承办单位",
            Col::EventId => "事件编号",
            Col::BuildingCode => "楼宇编码",
            Col::BuildingName => "楼宇名称",
        }
    }

    /// The key of the column in JSON (also accepted as a header in .xlsx and .csv).
    pub fn key(self) -> &'static str {
        match self {
            Col::TicketNo => "ticket_no",
            Col::CalledAt => "called_at",
            Col::CallerName => "caller_name",
            Col::CallerPhone => "caller_phone",
            Col::Address => "address",
            Col::Content => "content",
            Col::Category => "category",
            Col::Urgency => "urgency",
            Col::DueAt => "due_at",
            Col::Status => "status",
            Col::AcceptedAt => "accepted_at",
            Col::ResolvedAt => "resolved_at",
            Col::Result => "result",
            Col::Satisfaction => "satisfaction",
            Col::Handler => "handler",
            Col::EventId => "event_id",
            Col::BuildingCode => "building_code",
            Col::BuildingName => "building_name",
        }
    }

    pub fn required(self) -> bool {
        matches!(self, Col::TicketNo | Col::CalledAt | Col::Content)
    }

    /// Whether an import reads the column (result columns are accepted and ignored).
    pub fn is_input(self) -> bool {
        Col::INPUT.contains(&self)
    }

    /// The column named by a header: the Chinese header or the English key, a trailing `*`
    /// (required mark) allowed.
    pub fn from_header(h: &str) -> Option<Col> {
        let h = h.trim().trim_end_matches(['*', '＊']).trim();
        Col::ALL
            .into_iter()
            .find(|c| c.header() == h || c.key().eq_ignore_ascii_case(h))
    }
}

/// Longest ticket number (characters); letters, digits and `-_/` only.
pub const MAX_TICKET_NO: usize = 40;

/// Check a ticket number: 1–40 characters of letters, digits, `-`, `_` and `/`.
pub fn parse_ticket_no(s: &str) -> Result<String, String> {
    let t: String = normalise_width(s.trim());
    if t.is_empty() {
        return Err("工单编号不能为空".into());
    }
    if t.chars().count() > MAX_TICKET_NO {
        return Err(format!("工单编号不能超过{MAX_TICKET_NO}个字符"));
    }
    if !t
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/'))
    {
        return Err("工单编号只能含字母、数字和 - _ /".into());
    }
    Ok(t.to_ascii_uppercase())
}

// ---------------------------------------------------------------------------------------------
// Times, urgency, classification, satisfaction

/// A time as the hotline writes it, in China Standard Time: `2026-11-27 10:02:03`,
/// `2026-11-27 10:02`, `2026/11/27 10:02`, `2026-11-27T10:02:03+08:00` (or `Z`), `2026年11月27日
/// 10时02分`, or a bare date (midnight). UTC milliseconds.
pub fn parse_datetime(s: &str) -> Option<i64> {
    let s = normalise_width(s.trim());
    if s.is_empty() {
        return None;
    }
    // Explicit offsets (JSON and ISO 8601).
    if let Ok(t) = time::OffsetDateTime::parse(&s, &time::format_description::well_known::Rfc3339) {
        return Some((t.unix_timestamp_nanos() / 1_000_000) as i64);
    }
    let s = s
        .replace(['年', '月', '/', '.'], "-")
        .replace('日', " ")
        .replace(['时', '点'], ":")
        .replace('分', ":")
        .replace('秒', "")
        .replace('T', " ");
    let s = s.trim().trim_end_matches(':');
    let (date, clock) = match s.split_once(' ') {
        Some((d, c)) => (d.trim(), c.trim()),
        None => (s, ""),
    };
    let parts: Vec<&str> = date.split('-').collect();
    if parts.len() != 3 || parts[0].len() != 4 {
        return None;
    }
    let y: i32 = parts[0].parse().ok()?;
    let m: u8 = parts[1].parse().ok()?;
    let d: u8 = parts[2].parse().ok()?;
    let date = time::Date::from_calendar_date(y, time::Month::try_from(m).ok()?, d).ok()?;
    let (mut hh, mut mm, mut ss) = (0u8, 0u8, 0u8);
    if !clock.is_empty() {
        let c: Vec<&str> = clock.trim_end_matches(':').split(':').collect();
        if c.is_empty() || c.len() > 3 {
            return None;
        }
        hh = c[0].trim().parse().ok()?;
        if let Some(x) = c.get(1) {
            mm = x.trim().parse().ok()?;
        }
        if let Some(x) = c.get(2) {
            // Fractions of a second are dropped.
            ss = x.trim().split('.').next()?.parse().ok()?;
        }
    }
    let t = time::Time::from_hms(hh, mm, ss).ok()?;
    let odt = time::PrimitiveDateTime::new(date, t).assume_offset(crate::time_fmt::CST);
    Some((odt.unix_timestamp_nanos() / 1_000_000) as i64)
}

/// `2026-11-27 10:02:03` in China Standard Time (what an export writes).
pub fn format_datetime(ms: i64) -> String {
    let Ok(t) = time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000) else {
        return String::new();
    };
    let t = t.to_offset(crate::time_fmt::CST);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// The hotline's 紧急程度: blank is 一般 (ordinary); `None` for anything unknown.
pub fn parse_urgency(s: &str) -> Option<Urgency> {
    let t = s.trim();
    if t.is_empty() {
        return Some(Urgency::Ordinary);
    }
    if let Some(u) = Urgency::parse(&t.to_ascii_lowercase()) {
        return Some(u);
    }
    Some(match t {
        "紧急" | "特急" | "特别紧急" | "特提" => Urgency::Emergency,
        "加急" | "急" | "较急" | "急件" => Urgency::Urgent,
        "一般" | "普通" | "正常" | "平件" => Urgency::Ordinary,
        "疑难" | "复杂" | "疑难复杂" | "疑难件" => Urgency::Complex,
        _ => return None,
    })
}

/// Keywords of the hotline's classifications, and the default category each points to (checked
/// in order: the more specific first).
pub const CATEGORY_KEYWORDS: &[(&str, &str)] = &[
    ("飞线", "ebike_charging"),
    ("电动车", "ebike_charging"),
    ("充电", "ebike_charging"),
    ("消防", "fire_safety"),
    ("火灾", "fire_safety"),
    ("燃气", "fire_safety"),
    ("噪音", "noise"),
    ("噪声", "noise"),
    ("扰民", "noise"),
    ("停车", "parking"),
    ("车位", "parking"),
    ("僵尸车", "parking"),
    ("楼道", "stairwell_clutter"),
    ("堆物", "stairwell_clutter"),
    ("堆放", "stairwell_clutter"),
    ("杂物", "stairwell_clutter"),
    ("邻里", "neighbour_dispute"),
    ("纠纷", "neighbour_dispute"),
    ("漏水", "neighbour_dispute"),
    ("物业", "property_service"),
    ("市场", "market_order"),
    ("摊贩", "market_order"),
    ("占道经营", "market_order"),
    ("价格", "market_order"),
    ("道路", "road_facility"),
    ("路面", "road_facility"),
    ("路灯", "road_facility"),
    ("井盖", "road_facility"),
    ("设施", "road_facility"),
    ("破损", "road_facility"),
    ("健身器材", "road_facility"),
    ("环境卫生", "sanitation"),
    ("垃圾", "sanitation"),
    ("卫生", "sanitation"),
    ("保洁", "sanitation"),
    ("污水", "sanitation"),
    ("下水道", "sanitation"),
];

/// Map the hotline's 问题分类 to one of `categories` (code, name). The classification may be a
/// path (`城乡建设/物业管理/物业服务`): its segments are tried from the most specific, each
/// against the codes, the names, and [`CATEGORY_KEYWORDS`]. `None` when nothing fits (the import
/// then files the ticket under 其他 and says so).
pub fn map_category(text: &str, categories: &[(String, String)]) -> Option<String> {
    let t = normalise_width(text.trim());
    if t.is_empty() {
        return None;
    }
    let has = |code: &str| categories.iter().any(|(c, _)| c == code);
    let segments: Vec<&str> = t
        .split(['/', '>', '|', '\\', '→', '、', '-', '—'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    for seg in segments.iter().rev() {
        let lower = seg.to_ascii_lowercase();
        if let Some((c, _)) = categories
            .iter()
            .find(|(c, n)| *c == lower || n.as_str() == *seg)
        {
            return Some(c.clone());
        }
        if let Some((c, _)) = categories
            .iter()
            .find(|(_, n)| n.chars().count() >= 2 && (seg.contains(n.as_str())))
        {
            return Some(c.clone());
        }
        if let Some((_, c)) = CATEGORY_KEYWORDS
            .iter()
            .find(|(k, c)| seg.contains(k) && has(c))
        {
            return Some(c.to_string());
        }
    }
    None
}

/// 回访满意度 as the export writes it.
pub fn satisfaction_zh(rating: Option<crate::events::Rating>) -> &'static str {
    match rating {
        Some(r) => r.label_zh(),
        None => "",
    }
}

// ---------------------------------------------------------------------------------------------
// Address normalisation

/// Full-width ASCII to half-width, the ideographic space to a space.
pub fn normalise_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            c => c,
        })
        .collect()
}

const ZH_DIGITS: &str = "零〇一二两三四五六七八九";

fn zh_digit(c: char) -> Option<u32> {
    Some(match c {
        '零' | '〇' => 0,
        '一' => 1,
        '二' | '两' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

fn is_zh_numeral(c: char) -> bool {
    ZH_DIGITS.contains(c) || c == '十' || c == '百'
}

/// The value of a run of Chinese numerals: `三` 3, `十二` 12, `二十` 20, `一百零五` 105, and
/// digit by digit without 十/百 (`一二` 12).
pub fn zh_numeral_value(run: &str) -> Option<u32> {
    if run.is_empty() {
        return None;
    }
    if !run.contains(['十', '百']) {
        let mut v: u32 = 0;
        for c in run.chars() {
            v = v.checked_mul(10)?.checked_add(zh_digit(c)?)?;
        }
        return Some(v);
    }
    let (mut total, mut cur) = (0u32, None::<u32>);
    for c in run.chars() {
        match c {
            '百' => {
                total += cur.unwrap_or(1) * 100;
                cur = None;
            }
            '十' => {
                total += cur.unwrap_or(1) * 10;
                cur = None;
            }
            c => {
                let d = zh_digit(c)?;
                if d != 0 {
                    if cur.is_some() {
                        return None;
                    }
                    cur = Some(d);
                }
            }
        }
    }
    Some(total + cur.unwrap_or(0))
}

/// Characters after which a run of Chinese numerals is a number (`三号楼`, `二单元`, `第五栋`).
const NUMBERED: &str = "号栋幢座单楼室层期区排";

/// Address text in one canonical form, so that two ways of writing the same place compare equal:
/// full-width to half-width, letters upper-case, spaces and punctuation gone (`#` and `-` kept,
/// dashes unified), Chinese numerals before 号/栋/幢/座/单元/楼/室/层/期 as digits.
pub fn normalise(s: &str) -> String {
    let mut chars: Vec<char> = Vec::with_capacity(s.len());
    for c in normalise_width(s).chars() {
        let c = match c {
            '\u{2010}'..='\u{2015}' | '\u{2212}' | '~' | '～' => '-',
            c => c,
        };
        if c.is_whitespace() || c.is_control() {
            continue;
        }
        let drop = (c.is_ascii_punctuation() && c != '#' && c != '-')
            || (('\u{3000}'..='\u{303F}').contains(&c) && c != '〇')
            || ('\u{2016}'..='\u{206F}').contains(&c)
            || matches!(c, '·' | '・' | '\u{FF5F}'..='\u{FF65}');
        if drop {
            continue;
        }
        chars.push(c.to_ascii_uppercase());
    }
    // Chinese numerals before a numbered thing become digits.
    let mut out = String::with_capacity(chars.len() * 3);
    let mut i = 0;
    while i < chars.len() {
        if is_zh_numeral(chars[i]) {
            let j = (i..chars.len())
                .find(|&k| !is_zh_numeral(chars[k]))
                .unwrap_or(chars.len());
            let run: String = chars[i..j].iter().collect();
            let numbered = j < chars.len() && NUMBERED.contains(chars[j]);
            match zh_numeral_value(&run) {
                Some(v) if numbered => out.push_str(&v.to_string()),
                _ => out.push_str(&run),
            }
            i = j;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// Generic endings of compound names: `海景花园` is also called `海景`.
const COMPOUND_SUFFIXES: &[&str] = &[
    "小区", "花园", "家园", "嘉园", "公寓", "新村", "雅居", "名邸", "庭院", "大院", "苑", "园",
    "院", "府", "城",
];

/// Generic endings of district, street and community names.
const ADMIN_SUFFIXES: &[&str] = &[
    "街道办事处",
    "社区居委会",
    "居委会",
    "村委会",
    "街道",
    "社区",
    "区",
    "市",
    "县",
    "镇",
    "乡",
];

fn core<'a>(name: &'a str, suffixes: &[&str]) -> Option<&'a str> {
    for s in suffixes {
        if let Some(c) = name.strip_suffix(s) {
            if c.chars().count() >= 2 {
                return Some(c);
            }
            return None;
        }
    }
    None
}

/// The building token at the start of `tail` (what follows a compound's name): `3号楼` → 3,
/// `12栋` → 12, `A座` → A, `3-2-301` → 3, and how sure the reading is (95 with a designator, 80
/// for `3楼` or a bare number, which might be a floor). `None` when the tail names no building
/// (`2单元301室`, a room number, nothing).
pub fn building_token(tail: &str) -> Option<(String, u8)> {
    let mut t = tail;
    // Words that may sit between the compound's name and the building's number.
    loop {
        let before = t.len();
        for w in ["小区", "花园", "家园", "院内", "院", "内", "第"] {
            if let Some(rest) = t.strip_prefix(w) {
                t = rest;
            }
        }
        if t.len() == before {
            break;
        }
    }
    let chars: Vec<char> = t.chars().collect();
    let mut i = 0;
    let mut tok = String::new();
    if i < chars.len() && chars[i].is_ascii_uppercase() {
        tok.push(chars[i]);
        i += 1;
    }
    let digits_from = i;
    while i < chars.len() && chars[i].is_ascii_digit() {
        i += 1;
    }
    let digits: String = chars[digits_from..i].iter().collect();
    let digits = digits.trim_start_matches('0');
    let digits = if digits.is_empty() && i > digits_from {
        "0"
    } else {
        digits
    };
    tok.push_str(digits);
    if tok.is_empty() {
        return None;
    }
    let rest: String = chars[i..].iter().collect();
    let rest = rest.as_str();
    let letter_only = digits.is_empty();
    let sure = |r: &str| {
        ["号楼", "栋", "幢", "座", "#", "号院"]
            .iter()
            .any(|d| r.starts_with(d))
    };
    if sure(rest) {
        return Some((tok, 95));
    }
    if letter_only {
        // A lone letter needs a designator (`A座`), or it is part of something else.
        return None;
    }
    if let Some(r) = rest.strip_prefix('号') {
        let next = r.chars().next();
        return match next {
            None => Some((tok, 90)),
            Some(c) if c.is_ascii_digit() || c == '-' => Some((tok, 95)),
            Some(_) if r.starts_with("单元") || r.starts_with('室') => Some((tok, 95)),
            Some(_) => Some((tok, 85)),
        };
    }
    if rest.starts_with('-') && rest[1..].starts_with(|c: char| c.is_ascii_digit()) {
        return Some((tok, 90));
    }
    if rest.starts_with("单元") || rest.starts_with('室') || rest.starts_with('层') {
        return None;
    }
    if rest.starts_with('楼') || rest.is_empty() {
        return Some((tok, 80));
    }
    None
}

// ---------------------------------------------------------------------------------------------
// The gazetteer and the match

/// A place the gazetteer is built from (any kind; the gazetteer uses districts, streets,
/// communities, compounds and buildings, and walks `parent_id` to relate them).
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub kind: NodeKind,
    pub name: String,
}

/// Only a match at least this sure becomes an event by itself; below it, the ticket waits in the
/// queue with the match as a suggestion.
pub const AUTO_CONFIDENCE: u8 = 80;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// One building (see `confidence`).
    Matched,
    /// Several buildings fit equally well.
    Ambiguous,
    /// No building fits.
    Unmatched,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AddressMatch {
    pub outcome: Outcome,
    /// The building, when matched (a suggestion when `confidence` < [`AUTO_CONFIDENCE`]).
    pub building_id: Option<i64>,
    /// 0–100.
    pub confidence: u8,
    /// The buildings that fit equally well (ambiguous), best first, at most 10.
    pub candidates: Vec<i64>,
    /// Why, in Chinese, for the person who looks at the queue.
    pub note: String,
}

impl AddressMatch {
    fn none(note: impl Into<String>) -> Self {
        AddressMatch {
            outcome: Outcome::Unmatched,
            building_id: None,
            confidence: 0,
            candidates: vec![],
            note: note.into(),
        }
    }

    /// Whether the ticket may become an event without a person confirming the building.
    pub fn is_auto(&self) -> bool {
        self.outcome == Outcome::Matched && self.confidence >= AUTO_CONFIDENCE
    }
}

#[derive(Debug, Clone)]
struct Building {
    id: i64,
    name: String,
    /// The building token (`3`, `A`) when the name is the compound's name and a number.
    token: Option<String>,
    /// Ids of its district, street, community (and city) — whichever the gazetteer holds.
    admins: Vec<i64>,
}

#[derive(Debug, Clone)]
struct Compound {
    name: String,
    buildings: Vec<usize>,
}

/// A name to look for in an address, and what it stands for.
#[derive(Debug, Clone)]
struct Pattern {
    text: Vec<char>,
    /// Compounds (indices) with this name, or buildings (indices) for building names.
    targets: Vec<usize>,
}

/// Finds the leftmost-longest occurrences of many names (of two characters or more) in a text,
/// indexed by their first two characters.
#[derive(Debug, Clone, Default)]
struct Finder {
    by_start: HashMap<(char, char), Vec<Pattern>>,
}

impl Finder {
    fn add(&mut self, name: &str, target: usize) {
        let text: Vec<char> = name.chars().collect();
        if text.len() < 2 {
            return;
        }
        let list = self.by_start.entry((text[0], text[1])).or_default();
        match list.iter_mut().find(|p| p.text == text) {
            Some(p) => {
                if !p.targets.contains(&target) {
                    p.targets.push(target)
                }
            }
            None => list.push(Pattern {
                text,
                targets: vec![target],
            }),
        }
    }

    fn finish(&mut self) {
        for l in self.by_start.values_mut() {
            l.sort_by_key(|p| std::cmp::Reverse(p.text.len()));
        }
    }

    /// (start, end, pattern) of non-overlapping leftmost-longest occurrences.
    fn find<'a>(&'a self, s: &[char]) -> Vec<(usize, usize, &'a Pattern)> {
        let mut out = vec![];
        let mut i = 0;
        while i + 1 < s.len() {
            let hit = self.by_start.get(&(s[i], s[i + 1])).and_then(|l| {
                l.iter()
                    .find(|p| s.len() - i >= p.text.len() && s[i..i + p.text.len()] == p.text[..])
            });
            match hit {
                Some(p) => {
                    out.push((i, i + p.text.len(), p));
                    i += p.text.len();
                }
                None => i += 1,
            }
        }
        out
    }
}

/// The places of a scope, indexed for matching addresses.
#[derive(Debug, Clone, Default)]
pub struct Gazetteer {
    buildings: Vec<Building>,
    compounds: Vec<Compound>,
    /// Admin places: (id, kind) by index.
    admins: Vec<(i64, NodeKind)>,
    admin_full: Finder,
    admin_core: Finder,
    compound_full: Finder,
    compound_core: Finder,
    building_names: Finder,
}

impl Gazetteer {
    pub fn new(places: &[Place]) -> Gazetteer {
        let by_id: HashMap<i64, &Place> = places.iter().map(|p| (p.id, p)).collect();
        let mut g = Gazetteer::default();
        let mut admin_idx: HashMap<i64, usize> = HashMap::new();
        for p in places {
            if matches!(
                p.kind,
                NodeKind::City | NodeKind::District | NodeKind::Street | NodeKind::Community
            ) {
                let i = g.admins.len();
                g.admins.push((p.id, p.kind));
                admin_idx.insert(p.id, i);
                let n = normalise(&p.name);
                if n.chars().count() >= 2 {
                    g.admin_full.add(&n, i);
                }
                if let Some(c) = core(&n, ADMIN_SUFFIXES) {
                    g.admin_core.add(c, i);
                }
            }
        }
        let mut compound_idx: HashMap<i64, usize> = HashMap::new();
        for p in places.iter().filter(|p| p.kind == NodeKind::Compound) {
            let n = normalise(&p.name);
            let i = g.compounds.len();
            compound_idx.insert(p.id, i);
            g.compounds.push(Compound {
                name: n.clone(),
                buildings: vec![],
            });
            if n.chars().count() >= 2 {
                g.compound_full.add(&n, i);
            }
            if let Some(c) = core(&n, COMPOUND_SUFFIXES) {
                g.compound_core.add(c, i);
            }
        }
        for p in places.iter().filter(|p| p.kind == NodeKind::Building) {
            let n = normalise(&p.name);
            let mut admins = vec![];
            let mut compound = None;
            let mut cur = p.parent_id;
            let mut guard = 0;
            while let Some(id) = cur {
                guard += 1;
                if guard > 32 {
                    break;
                }
                if let Some(&ci) = compound_idx.get(&id) {
                    compound.get_or_insert(ci);
                }
                if admin_idx.contains_key(&id) {
                    admins.push(id);
                }
                cur = by_id.get(&id).and_then(|q| q.parent_id);
            }
            let bi = g.buildings.len();
            let token = compound.and_then(|ci| {
                let cn = &g.compounds[ci].name;
                n.strip_prefix(cn.as_str())
                    .and_then(building_token)
                    .map(|(t, _)| t)
            });
            if token.is_none() && n.chars().count() >= 3 {
                g.building_names.add(&n, bi);
            }
            if let Some(ci) = compound {
                g.compounds[ci].buildings.push(bi);
            }
            g.buildings.push(Building {
                id: p.id,
                name: n,
                token,
                admins,
            });
        }
        for f in [
            &mut g.admin_full,
            &mut g.admin_core,
            &mut g.compound_full,
            &mut g.compound_core,
            &mut g.building_names,
        ] {
            f.finish();
        }
        g
    }

    pub fn buildings(&self) -> usize {
        self.buildings.len()
    }

    /// Match an address to a building of the gazetteer.
    pub fn match_address(&self, address: &str) -> AddressMatch {
        let n: Vec<char> = normalise(address).chars().collect();
        if n.is_empty() {
            return AddressMatch::none("诉求地址为空");
        }
        // 1. The districts, streets and communities it names; their full names are blanked out
        //    so that a compound's short name is not found inside them.
        let mut masked = n.clone();
        let mut named: BTreeSet<usize> = BTreeSet::new();
        for (a, b, p) in self.admin_full.find(&n) {
            named.extend(p.targets.iter().copied());
            for c in &mut masked[a..b] {
                *c = '|';
            }
        }
        // Short names (`鲸园` for 鲸园街道) only outside compound names (`海景` of 海景社区 is
        // also the start of 海景花园).
        let compound_hits = self.compound_full.find(&masked);
        let mut masked2 = masked.clone();
        for (a, b, _) in &compound_hits {
            for c in &mut masked2[*a..*b] {
                *c = '|';
            }
        }
        for (_, _, p) in self.admin_core.find(&masked2) {
            named.extend(p.targets.iter().copied());
        }
        let named_ids: BTreeSet<i64> = named.iter().map(|&i| self.admins[i].0).collect();
        // Kinds the address names, to tell a contradiction (it names another street).
        let named_kinds: BTreeSet<NodeKind> = named.iter().map(|&i| self.admins[i].1).collect();

        // 2. Buildings by compound name and number, or by their own name.
        let mut found: Vec<(usize, u8)> = vec![];
        let mut notes: Vec<String> = vec![];
        let by_compound = |hits: Vec<(usize, usize, &Pattern)>,
                           cap: u8,
                           found: &mut Vec<(usize, u8)>,
                           notes: &mut Vec<String>| {
            for (_, end, p) in hits {
                let tail: String = masked[end..].iter().collect();
                let token = building_token(&tail);
                for &ci in &p.targets {
                    let comp = &self.compounds[ci];
                    match &token {
                        Some((tok, sure)) => {
                            let hit: Vec<usize> = comp
                                .buildings
                                .iter()
                                .copied()
                                .filter(|&bi| self.buildings[bi].token.as_deref() == Some(tok))
                                .collect();
                            if hit.is_empty() {
                                notes.push(format!("{}没有{}号楼", comp.name, tok));
                            }
                            found.extend(hit.into_iter().map(|bi| (bi, (*sure).min(cap))));
                        }
                        None if comp.buildings.len() == 1 => {
                            found.push((comp.buildings[0], 85u8.min(cap)));
                        }
                        None => notes.push(format!("{}未写明楼号", comp.name)),
                    }
                }
            }
        };
        by_compound(compound_hits, 100, &mut found, &mut notes);
        for (_, _, p) in self.building_names.find(&masked) {
            found.extend(p.targets.iter().map(|&bi| (bi, 95u8)));
        }
        let mut loose = false;
        if found.is_empty() && notes.is_empty() {
            // Only the short name (`海景` for `海景花园`): a suggestion, never automatic.
            by_compound(self.compound_core.find(&masked), 70, &mut found, &mut notes);
            loose = true;
        }
        if found.is_empty() {
            let note = if notes.is_empty() {
                "地址中没有找到管辖范围内的小区或楼宇名称".to_string()
            } else {
                notes.join("；")
            };
            return AddressMatch::none(note);
        }
        // The best reading of each building.
        let mut best: HashMap<usize, u8> = HashMap::new();
        for (bi, c) in found {
            let e = best.entry(bi).or_insert(0);
            *e = (*e).max(c);
        }

        // 3. The places named decide between buildings: more places agreeing wins; a named
        //    street or district that is not the building's lowers the confidence.
        let score = |bi: usize| -> (i32, bool) {
            let b = &self.buildings[bi];
            let hits = b.admins.iter().filter(|a| named_ids.contains(a)).count() as i32;
            let contradicts = named_kinds.iter().any(|k| {
                let mine: Vec<i64> = b
                    .admins
                    .iter()
                    .copied()
                    .filter(|a| self.admins.iter().any(|(id, kk)| id == a && kk == k))
                    .collect();
                !mine.is_empty() && !mine.iter().any(|a| named_ids.contains(a))
            });
            (hits - if contradicts { 2 } else { 0 }, contradicts)
        };
        let mut ranked: Vec<(usize, u8, i32, bool)> = best
            .iter()
            .map(|(&bi, &c)| {
                let (s, x) = score(bi);
                (bi, c, s, x)
            })
            .collect();
        ranked.sort_by(|a, b| {
            b.2.cmp(&a.2)
                .then(b.1.cmp(&a.1))
                .then(self.buildings[a.0].id.cmp(&self.buildings[b.0].id))
        });
        let (top_score, top_conf) = (ranked[0].2, ranked[0].1);
        let tied: Vec<&(usize, u8, i32, bool)> = ranked
            .iter()
            .filter(|r| r.2 == top_score && r.1 == top_conf)
            .collect();
        if tied.len() > 1 {
            return AddressMatch {
                outcome: Outcome::Ambiguous,
                building_id: None,
                confidence: 0,
                candidates: tied
                    .iter()
                    .take(10)
                    .map(|r| self.buildings[r.0].id)
                    .collect(),
                note: format!(
                    "有{}栋楼宇同样符合（{}），请补充街道或社区名称后选择",
                    tied.len(),
                    tied.iter()
                        .take(3)
                        .map(|r| self.buildings[r.0].name.as_str())
                        .collect::<Vec<_>>()
                        .join("、")
                ),
            };
        }
        let (bi, conf, s, contradicts) = ranked[0];
        let mut conf = conf;
        if contradicts {
            conf = conf.min(60);
        } else if s > 0 && !loose {
            conf = (conf + 5).min(100);
        }
        let b = &self.buildings[bi];
        let note = if contradicts {
            format!("匹配到{}，但地址中的街道或社区与之不符", b.name)
        } else if loose {
            format!("按小区简称匹配到{}，请确认", b.name)
        } else if conf < AUTO_CONFIDENCE {
            format!("可能是{}，请确认", b.name)
        } else {
            format!("匹配到{}", b.name)
        };
        AddressMatch {
            outcome: Outcome::Matched,
            building_id: Some(b.id),
            confidence: conf,
            candidates: vec![],
            note,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A demo building: id, name, and the names of its compound, community, street, district.
    type Sample = (i64, String, String, String, String, String);

    fn place(id: i64, parent: Option<i64>, kind: NodeKind, name: &str) -> Place {
        Place {
            id,
            parent_id: parent,
            kind,
            name: name.into(),
        }
    }

    /// Two streets, each with a community holding a 海景花园 (same name), plus others.
    fn gaz() -> Gazetteer {
        use NodeKind::*;
        let mut v = vec![
            place(1, None, City, "威海市"),
            place(2, Some(1), District, "环翠区"),
            place(3, Some(2), Street, "鲸园街道"),
            place(4, Some(2), Street, "竹岛街道"),
            place(5, Some(3), Community, "海新社区"),
            place(6, Some(4), Community, "翠竹社区"),
            place(7, Some(5), Grid, "海新第一网格"),
            place(8, Some(6), Grid, "翠竹第一网格"),
            place(10, Some(7), Compound, "海景花园"),
            place(11, Some(8), Compound, "海景花园"),
            place(12, Some(7), Compound, "阳光苑"),
            place(13, Some(7), Compound, "金海公寓"),
            place(14, Some(8), Compound, "海景花园二期"),
            place(15, Some(8), Compound, "市政宿舍"),
        ];
        for b in 1..=6 {
            v.push(place(
                100 + b,
                Some(10),
                Building,
                &format!("海景花园{b}号楼"),
            ));
            v.push(place(
                200 + b,
                Some(11),
                Building,
                &format!("海景花园{b}号楼"),
            ));
        }
        for b in 1..=3 {
            v.push(place(
                300 + b,
                Some(12),
                Building,
                &format!("阳光苑{b}号楼"),
            ));
            v.push(place(
                500 + b,
                Some(14),
                Building,
                &format!("海景花园二期{b}号楼"),
            ));
        }
        v.push(place(401, Some(13), Building, "金海公寓1号楼"));
        v.push(place(601, Some(15), Building, "综合办公楼"));
        Gazetteer::new(&v)
    }

    #[test]
    fn normalising_unifies_the_ways_of_writing() {
        assert_eq!(
            normalise("海景花园　３号楼 ２单元 301室"),
            "海景花园3号楼2单元301室"
        );
        assert_eq!(normalise("海景花园三号楼二单元"), "海景花园3号楼2单元");
        assert_eq!(normalise("第十二栋"), "第12栋");
        assert_eq!(normalise("ａ座（东门）"), "A座东门");
        assert_eq!(normalise("3—2—301"), "3-2-301");
        // Numerals inside names stay.
        assert_eq!(normalise("十里小区"), "十里小区");
        assert_eq!(zh_numeral_value("二十三"), Some(23));
        assert_eq!(zh_numeral_value("一百零五"), Some(105));
        assert_eq!(zh_numeral_value("十"), Some(10));
        assert_eq!(zh_numeral_value("一二"), Some(12));
    }

    #[test]
    fn building_tokens() {
        assert_eq!(building_token("3号楼2单元"), Some(("3".into(), 95)));
        assert_eq!(building_token("12栋"), Some(("12".into(), 95)));
        assert_eq!(building_token("5幢301"), Some(("5".into(), 95)));
        assert_eq!(building_token("3#楼"), Some(("3".into(), 95)));
        assert_eq!(building_token("A座"), Some(("A".into(), 95)));
        assert_eq!(building_token("小区4号2单元"), Some(("4".into(), 95)));
        assert_eq!(building_token("3-2-301"), Some(("3".into(), 90)));
        assert_eq!(building_token("第07栋"), Some(("7".into(), 95)));
        assert_eq!(building_token("2单元301室"), None);
        assert_eq!(building_token("301室"), None);
        assert_eq!(building_token(""), None);
        assert_eq!(building_token("东门"), None);
    }

    #[test]
    fn matches_with_prefixes_variants_and_suffixes() {
        let g = gaz();
        for (addr, want) in [
            (
                "山东省威海市环翠区鲸园街道海新社区海景花园3号楼2单元301室",
                103,
            ),
            ("环翠区竹岛街道海景花园3栋", 203),
            ("鲸园街道 海景花园 ３号楼", 103),
            ("翠竹社区海景花园小区三号楼一单元", 203),
            ("阳光苑2幢", 302),
            ("阳光苑第二栋402", 302),
            ("金海公寓", 401),
            ("海景花园二期1号楼", 501),
            ("竹岛街道综合办公楼门口", 601),
        ] {
            let m = g.match_address(addr);
            assert_eq!(m.outcome, Outcome::Matched, "{addr}: {m:?}");
            assert_eq!(m.building_id, Some(want), "{addr}: {m:?}");
            assert!(m.is_auto(), "{addr}: {m:?}");
        }
    }

    #[test]
    fn same_name_without_a_place_is_ambiguous() {
        let m = gaz().match_address("海景花园3号楼");
        assert_eq!(m.outcome, Outcome::Ambiguous, "{m:?}");
        assert_eq!(m.candidates, vec![103, 203]);
        assert!(!m.is_auto());
    }

    #[test]
    fn not_found_and_suggestions() {
        let g = gaz();
        let m = g.match_address("鲸园街道海景花园9号楼");
        assert_eq!(m.outcome, Outcome::Unmatched);
        assert!(m.note.contains("没有9号楼"), "{}", m.note);
        let m = g.match_address("统一路88号");
        assert_eq!(m.outcome, Outcome::Unmatched);
        let m = g.match_address("");
        assert_eq!(m.outcome, Outcome::Unmatched);
        let m = g.match_address("鲸园街道海景花园");
        assert_eq!(m.outcome, Outcome::Unmatched, "{m:?}");
        assert!(m.note.contains("未写明楼号"));
        // The short name only suggests.
        let m = g.match_address("阳光小区2号楼");
        assert_eq!(m.outcome, Outcome::Matched);
        assert_eq!(m.building_id, Some(302));
        assert!(!m.is_auto(), "{m:?}");
        // A street that contradicts the only candidate.
        let m = g.match_address("竹岛街道阳光苑2号楼");
        assert_eq!(m.building_id, Some(302));
        assert!(!m.is_auto(), "{m:?}");
    }

    #[test]
    fn categories_map_by_code_name_and_keyword() {
        let cats: Vec<(String, String)> = crate::events::default_categories()
            .into_iter()
            .map(|c| (c.code, c.name))
            .collect();
        let m = |s: &str| map_category(s, &cats);
        assert_eq!(m("噪音扰民").as_deref(), Some("noise"));
        assert_eq!(m("noise").as_deref(), Some("noise"));
        assert_eq!(
            m("城乡建设/物业管理/物业服务").as_deref(),
            Some("property_service")
        );
        assert_eq!(m("环境保护>施工噪声").as_deref(), Some("noise"));
        assert_eq!(
            m("公共安全-楼道飞线充电").as_deref(),
            Some("ebike_charging")
        );
        assert_eq!(m("违规停车").as_deref(), Some("parking"));
        assert_eq!(m("户籍办理"), None);
        assert_eq!(m(""), None);
    }

    #[test]
    fn times_urgency_ticket_numbers() {
        let t = parse_datetime("2026-11-27 10:02:03").unwrap();
        assert_eq!(format_datetime(t), "2026-11-27 10:02:03");
        assert_eq!(parse_datetime("2026/11/27 10:02"), Some(t - 3000));
        assert_eq!(parse_datetime("2026-11-27T02:02:03Z"), Some(t));
        assert_eq!(parse_datetime("2026-11-27T10:02:03+08:00"), Some(t));
        assert_eq!(parse_datetime("2026年11月27日 10时02分03秒"), Some(t));
        assert!(parse_datetime("2026-11-27").is_some());
        assert_eq!(parse_datetime("2026-02-30 10:00"), None);
        assert_eq!(parse_datetime("昨天"), None);
        assert_eq!(parse_datetime("2026-11-27 25:00"), None);
        assert_eq!(parse_urgency("紧急"), Some(Urgency::Emergency));
        assert_eq!(parse_urgency(""), Some(Urgency::Ordinary));
        assert_eq!(parse_urgency("urgent"), Some(Urgency::Urgent));
        assert_eq!(parse_urgency("很急很急"), None);
        assert_eq!(parse_ticket_no(" ｗｈ２０２６-001 ").unwrap(), "WH2026-001");
        assert!(parse_ticket_no("").is_err());
        assert!(parse_ticket_no("工单1").is_err());
        assert_eq!(Col::from_header("工单编号*"), Some(Col::TicketNo));
        assert_eq!(Col::from_header("Ticket_No"), Some(Col::TicketNo));
        assert_eq!(Col::from_header("地址"), None);
    }

    /// The demo city's places, and for a sample of its buildings the compound and the admin
    /// names above them.
    fn demo_places() -> (Vec<Place>, Vec<Sample>) {
        let plan = crate::demo::CityPlan::new(0.02, 7).unwrap();
        let mut places: Vec<Place> = plan
            .nodes
            .iter()
            .map(|n| place(n.id, n.parent_id, n.kind, &n.name))
            .collect();
        for b in plan.batches().take(4) {
            places.extend(
                b.nodes
                    .iter()
                    .map(|n| place(n.id, n.parent_id, n.kind, &n.name)),
            );
        }
        let by_id: HashMap<i64, &Place> = places.iter().map(|p| (p.id, p)).collect();
        let up = |mut id: i64, kind: NodeKind| -> String {
            loop {
                let p = by_id[&id];
                if p.kind == kind {
                    return p.name.clone();
                }
                id = p.parent_id.unwrap();
            }
        };
        let sample = places
            .iter()
            .filter(|p| p.kind == NodeKind::Building)
            .map(|b| {
                (
                    b.id,
                    b.name.clone(),
                    up(b.id, NodeKind::Compound),
                    up(b.id, NodeKind::Community),
                    up(b.id, NodeKind::Street),
                    up(b.id, NodeKind::District),
                )
            })
            .collect();
        (places, sample)
    }

    fn zh(n: u32) -> String {
        const D: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
        match n {
            0..=9 => D[n as usize].to_string(),
            10..=19 => format!("十{}", if n == 10 { "" } else { D[(n % 10) as usize] }),
            _ => format!(
                "{}十{}",
                D[(n / 10) as usize],
                if n.is_multiple_of(10) {
                    ""
                } else {
                    D[(n % 10) as usize]
                }
            ),
        }
    }

    fn fullwidth(s: &str) -> String {
        s.chars()
            .map(|c| match c {
                '!'..='~' => char::from_u32(c as u32 + 0xFEE0).unwrap(),
                c => c,
            })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Realistic hotline addresses of demo buildings — province and city prefix or not,
        /// district/street/community, full-width digits, spaces, 号楼/栋/幢/#, unit and room —
        /// find the building, sure enough to be automatic.
        #[test]
        fn demo_addresses_match_their_building(pick in 0usize..10_000, style in 0u8..6,
            prefix in 0u8..3, wide in any::<bool>(), spaced in any::<bool>(),
            unit in 1u8..7, room in 101u16..1800) {
            static DEMO: std::sync::OnceLock<(Gazetteer, Vec<Sample>)> = std::sync::OnceLock::new();
            let (g, sample) = DEMO.get_or_init(|| {
                let (places, sample) = demo_places();
                (Gazetteer::new(&places), sample)
            });
            let (id, bname, cname, comm, street, district) = &sample[pick % sample.len()];
            let no = bname.strip_prefix(cname.as_str()).unwrap().trim_end_matches("号楼").to_string();
            let building = match style {
                0 => format!("{no}号楼"),
                1 => format!("{no}栋"),
                2 => format!("{no}幢"),
                3 => format!("{no}#"),
                4 => format!("{no}号"),
                _ => format!("{}号楼", zh(no.parse().unwrap())),
            };
            let head = match prefix {
                0 => format!("山东省威海市{district}{street}{comm}"),
                1 => format!("{district}{street}"),
                _ => comm.clone(),
            };
            let mut addr = format!("{head}{cname}{building}{unit}单元{room}室");
            if wide { addr = fullwidth(&addr); }
            if spaced { addr = addr.replace(cname.as_str(), &format!(" {cname} ")); }
            let m = g.match_address(&addr);
            // Named by district and street only, a compound name used twice in the street is
            // rightly ambiguous.
            let twins = sample.iter().filter(|s| s.1 == *bname && s.4 == *street && s.5 == *district).count();
            if prefix == 1 && twins > 1 {
                prop_assert_eq!(m.outcome, Outcome::Ambiguous, "{} → {:?}", addr, m);
                prop_assert!(m.candidates.contains(id));
            } else {
                prop_assert_eq!(m.building_id, Some(*id), "{} → {:?}", addr, m);
                prop_assert!(m.is_auto(), "{} → {:?}", addr, m);
            }
        }

        /// Normalising is idempotent and ignores width.
        #[test]
        fn normalise_is_idempotent(s in "[海景花园0-9一二三号楼栋 ,，A-Za-z#-]{0,24}") {
            let n = normalise(&s);
            prop_assert_eq!(normalise(&n), n.clone());
            prop_assert_eq!(normalise(&fullwidth(&s)), n);
        }

        /// A match never names a building that is not in the gazetteer, and an automatic one
        /// always has a building.
        #[test]
        fn matches_stay_inside(s in "[海景花园阳光苑金海公寓鲸园竹岛街道0-9号楼栋单元室]{0,30}") {
            let g = gaz();
            let m = g.match_address(&s);
            let ids: Vec<i64> = g.buildings.iter().map(|b| b.id).collect();
            if let Some(b) = m.building_id { prop_assert!(ids.contains(&b)); }
            for c in &m.candidates { prop_assert!(ids.contains(c)); }
            if m.is_auto() { prop_assert!(m.building_id.is_some()); }
        }
    }
}
