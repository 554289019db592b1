//! Importing a roster of residents from a spreadsheet (`.xlsx`) or a UTF-8 `.csv` with Chinese
//! column headers, as community workers hold them (the format is documented in `docs/import.md`).
//!
//! One row per resident; the household is identified by (楼宇编码, 单元, 房号) and created when
//! it does not exist yet. Every row is validated first (ID checksum, dates, phone, building
//! exists and is in the caller's scope, duplicates within the file and against the register),
//! and every error is collected with its row, column and reason. A file with any bad row changes
//! nothing, unless the caller asks to skip bad rows: then the good rows go in and the bad ones
//! come back as a file of the same format with an extra 错误原因 column. The writes happen in one
//! transaction with multi-row statements, and leave one audit record.

use crate::spreadsheet::{self, excel_serial_date, Cell, Column, Format, Sheet, SheetSpec};
use crate::{Actor, App, AppError, AppResult};
use jingzhi_domain::audit::Action;
use jingzhi_domain::auth::Permission;
use jingzhi_domain::registry::{
    parse_bool, parse_room, NewResident, NodeCode, NodeKind, Relationship, ResidentInput,
};
use jingzhi_domain::FieldError;
use jingzhi_store::registry::{self as sr, Node, Stats};
use jingzhi_store::{audit, import as si};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Import the good rows and return the bad ones as a file, instead of rejecting the file.
    pub skip_invalid: bool,
}

/// One thing wrong with the file.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RowError {
    /// 1-based spreadsheet row, the header being row 1 (so the first data row is 2).
    pub row: usize,
    /// The Chinese column header.
    pub column: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    /// Data rows read (blank rows not counted).
    pub rows: usize,
    pub households_created: usize,
    pub residents_created: usize,
    /// Every error, by row. With `skip_invalid` these are the rows that were not imported.
    pub errors: Vec<RowError>,
    /// Whether anything was written.
    pub committed: bool,
    /// The rows not imported (with `skip_invalid` and at least one bad row).
    #[serde(skip)]
    pub rejects: Option<Rejects>,
}

/// The bad rows as a file: the input's format and columns, plus 错误原因.
#[derive(Debug, Clone)]
pub struct Rejects {
    pub file_name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// Most data rows one file may hold.
pub const MAX_ROWS: usize = 50_000;
/// Largest file accepted.
pub const MAX_BYTES: usize = 20 * 1024 * 1024;
/// The column a rejects file adds; an import ignores it, so a corrected rejects file goes back in.
pub const ERROR_COLUMN: &str = "错误原因";

pub use crate::spreadsheet::{CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE};

/// The columns of the template, in its order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Col {
    BuildingCode,
    Unit,
    Room,
    Name,
    IdNumber,
    Gender,
    BirthDate,
    Phone,
    Relationship,
    Residence,
    PartyMember,
    Volunteer,
    ElderlyAlone,
    DisabilityGrade,
    LowIncome,
    ChildInDifficulty,
    FamilyDoctorKey,
}

impl Col {
    pub const ALL: [Col; 17] = [
        Col::BuildingCode,
        Col::Unit,
        Col::Room,
        Col::Name,
        Col::IdNumber,
        Col::Gender,
        Col::BirthDate,
        Col::Phone,
        Col::Relationship,
        Col::Residence,
        Col::PartyMember,
        Col::Volunteer,
        Col::ElderlyAlone,
        Col::DisabilityGrade,
        Col::LowIncome,
        Col::ChildInDifficulty,
        Col::FamilyDoctorKey,
    ];

    pub fn header(self) -> &'static str {
        match self {
            Col::BuildingCode => "楼宇编码",
            Col::Unit => "单元",
            Col::Room => "房号",
            Col::Name => "姓名",
            Col::IdNumber => "身份证号",
            Col::Gender => "性别",
            Col::BirthDate => "出生日期",
            Col::Phone => "联系电话",
            Col::Relationship => "与户主关系",
            Col::Residence => "居住状态",
            Col::PartyMember => "党员",
            Col::Volunteer => "注册志愿者",
            Col::ElderlyAlone => "独居老人",
            Col::DisabilityGrade => "残疾等级",
            Col::LowIncome => "低收入类别",
            Col::ChildInDifficulty => "困境儿童",
            Col::FamilyDoctorKey => "家庭医生重点人群",
        }
    }

    pub fn required(self) -> bool {
        matches!(
            self,
            Col::BuildingCode | Col::Room | Col::Name | Col::IdNumber
        )
    }

    /// What the template's instructions sheet says about the column.
    pub fn help(self) -> &'static str {
        match self {
            Col::BuildingCode => "21位楼宇统一编码，须为您管辖范围内已有的楼宇；请设为文本格式",
            Col::Unit => "1–99，无单元的楼宇留空",
            Col::Room => "如 301、2-301、B1-12（字母、数字和-，不超过20个字符）",
            Col::Name => "1–50个字",
            Col::IdNumber => "18位居民身份证号，末位可为X；请设为文本格式，否则Excel会丢失后几位",
            Col::Gender => "男/女；留空时按身份证号",
            Col::BirthDate => "YYYY-MM-DD、YYYY/M/D、YYYYMMDD或Excel日期；留空时按身份证号",
            Col::Phone => "11位手机号或带区号的固定电话（如0631-5201234）",
            Col::Relationship => "户主、配偶、子女、父母、孙子女、祖父母、兄弟姐妹、儿媳女婿、其他；留空为其他；每户一位户主",
            Col::Residence => "常住/流动；留空为常住",
            Col::PartyMember
            | Col::Volunteer
            | Col::ElderlyAlone
            | Col::ChildInDifficulty
            | Col::FamilyDoctorKey => "是/否（也可填1/0）；留空为否",
            Col::DisabilityGrade => "1–4（或一级…四级）；无残疾证留空或填无",
            Col::LowIncome => "低保、特困、低保边缘、刚性支出困难、防返贫监测；不是留空或填无",
        }
    }

    fn from_header(h: &str) -> Option<Col> {
        let h = h.trim().trim_end_matches(['*', '＊']).trim();
        Col::ALL.into_iter().find(|c| c.header() == h)
    }

    /// The column a [`ResidentInput::parse`] field belongs to.
    fn of_field(field: &str) -> Option<Col> {
        Some(match field {
            "name" => Col::Name,
            "id_number" => Col::IdNumber,
            "gender" => Col::Gender,
            "birth_date" => Col::BirthDate,
            "phone" => Col::Phone,
            "relationship" => Col::Relationship,
            "residence" => Col::Residence,
            "disability_grade" => Col::DisabilityGrade,
            "low_income" => Col::LowIncome,
            "room" => Col::Room,
            "unit" => Col::Unit,
            "code" | "building" => Col::BuildingCode,
            _ => return None,
        })
    }
}

/// The format of a roster file, by its name.
fn format_of(file_name: &str) -> AppResult<Format> {
    let lower = file_name.trim().to_ascii_lowercase();
    if lower.ends_with(".xlsx") {
        Ok(Format::Xlsx)
    } else if lower.ends_with(".csv") {
        Ok(Format::Csv)
    } else {
        Err(AppError::invalid(
            "file",
            "只能导入 .xlsx 或 .csv 文件（旧版 .xls 请在Excel中另存为 .xlsx）",
        ))
    }
}

/// The file name as the audit log and the rejects file keep it: no directories, at most 100
/// characters, and long digit runs (an ID or phone number someone put in a name) starred out.
pub(crate) fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name).trim();
    let chars: Vec<char> = base.chars().take(100).collect();
    let mut out = String::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        let j = (i..chars.len())
            .find(|&k| !(chars[k].is_ascii_digit() || (k > i && matches!(chars[k], 'x' | 'X'))))
            .unwrap_or(chars.len());
        if j > i && j - i >= 11 {
            out.extend(std::iter::repeat_n('*', j - i));
            i = j;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    if out.is_empty() {
        "导入文件".into()
    } else {
        out
    }
}

/// A row that parsed: where the household is and who the resident is.
#[derive(Debug, Clone)]
struct RowData {
    row: usize,
    building_code: String,
    unit: Option<i32>,
    room: String,
    resident: NewResident,
}

/// Errors collected while checking, and the parsed rows.
#[derive(Default)]
struct Checked {
    errors: Vec<RowError>,
    bad_rows: HashSet<usize>,
    parsed: Vec<RowData>,
}

impl Checked {
    fn push(&mut self, row: usize, column: impl Into<String>, reason: impl Into<String>) {
        self.bad_rows.insert(row);
        self.errors.push(RowError {
            row,
            column: column.into(),
            reason: reason.into(),
        });
    }
}

/// Parse the header: which column holds what. Unknown, repeated and missing columns are errors.
fn map_headers(sheet: &Sheet, ck: &mut Checked) -> (HashMap<Col, usize>, HashSet<Col>) {
    let mut cols: HashMap<Col, usize> = HashMap::new();
    let hr = sheet.header_row;
    for (i, h) in sheet.headers.iter().enumerate() {
        let h = h.trim();
        if h.is_empty() {
            if sheet
                .rows
                .iter()
                .any(|(_, c)| c.get(i).is_some_and(|c| !c.is_blank()))
            {
                ck.push(hr, format!("第{}列", i + 1), "该列有数据但没有表头");
            }
            continue;
        }
        if h == ERROR_COLUMN {
            continue;
        }
        match Col::from_header(h) {
            Some(c) => {
                if cols.insert(c, i).is_some() {
                    ck.push(hr, c.header(), "表头重复");
                }
            }
            None => ck.push(
                hr,
                h,
                format!(
                    "未知的列；可用的列为: {}",
                    Col::ALL
                        .iter()
                        .map(|c| c.header())
                        .collect::<Vec<_>>()
                        .join("、")
                ),
            ),
        }
    }
    let mut missing = HashSet::new();
    for c in Col::ALL {
        if c.required() && !cols.contains_key(&c) {
            ck.push(hr, c.header(), "缺少必填列");
            missing.insert(c);
        }
    }
    (cols, missing)
}

/// Check one row on its own (no database): every field, with every error named.
fn check_row(
    row: usize,
    cells: &[Cell],
    cols: &HashMap<Col, usize>,
    missing: &HashSet<Col>,
    ck: &mut Checked,
) {
    let cell = |c: Col| cols.get(&c).and_then(|i| cells.get(*i));
    let text = |c: Col| cell(c).map(Cell::text).unwrap_or_default();
    let mut errs: Vec<(Col, String)> = vec![];

    // Long codes typed into Excel without text format lose their last digits.
    let id_number = match cell(Col::IdNumber) {
        Some(Cell::Number(_)) => {
            errs.push((
                Col::IdNumber,
                "身份证号被Excel存成了数字，后几位已丢失：请把该列设为“文本”格式后重新输入".into(),
            ));
            None
        }
        _ => Some(text(Col::IdNumber)),
    };
    let building_code = match cell(Col::BuildingCode) {
        Some(Cell::Number(_)) => {
            errs.push((
                Col::BuildingCode,
                "楼宇编码被Excel存成了数字，后几位已丢失：请把该列设为“文本”格式后重新输入".into(),
            ));
            None
        }
        _ => {
            let t = text(Col::BuildingCode);
            if t.is_empty() {
                errs.push((Col::BuildingCode, "楼宇编码不能为空".into()));
                None
            } else {
                match NodeCode::parse(NodeKind::Building, &t) {
                    Ok(c) => Some(c.as_str().to_string()),
                    Err(e) => {
                        errs.push((Col::BuildingCode, e.reason));
                        None
                    }
                }
            }
        }
    };
    let unit = {
        let t = text(Col::Unit);
        let t = t.trim_end_matches("单元").trim();
        if t.is_empty() {
            Some(None)
        } else {
            match t.parse::<i32>() {
                Ok(u) if (1..=99).contains(&u) => Some(Some(u)),
                _ => {
                    errs.push((Col::Unit, "单元应为1–99的数字，无单元留空".into()));
                    None
                }
            }
        }
    };
    let room = parse_room(&text(Col::Room))
        .map_err(|e| errs.push((Col::Room, e.reason)))
        .ok();
    let birth_date = match cell(Col::BirthDate) {
        Some(Cell::Date(s)) => match excel_serial_date(*s) {
            Some(d) => Some(jingzhi_domain::time_fmt::format_date(d)),
            None => {
                errs.push((Col::BirthDate, "出生日期不是有效日期".into()));
                None
            }
        },
        Some(Cell::Number(n)) if !(10_000_000.0..100_000_000.0).contains(n) => {
            match excel_serial_date(*n) {
                Some(d) if n.fract() == 0.0 => Some(jingzhi_domain::time_fmt::format_date(d)),
                _ => {
                    errs.push((Col::BirthDate, "出生日期应为YYYY-MM-DD".into()));
                    None
                }
            }
        }
        _ => Some(text(Col::BirthDate)),
    };
    let mut flag = |c: Col| match parse_bool(&text(c)) {
        Some(b) => b,
        None => {
            errs.push((c, "应为是或否（或1/0），不是可留空".into()));
            false
        }
    };
    let party_member = flag(Col::PartyMember);
    let volunteer = flag(Col::Volunteer);
    let elderly_alone = flag(Col::ElderlyAlone);
    let child_in_difficulty = flag(Col::ChildInDifficulty);
    let family_doctor_key = flag(Col::FamilyDoctorKey);
    let opt = |c: Col| Some(text(c)).filter(|s| !s.is_empty());
    let input = ResidentInput {
        name: text(Col::Name),
        id_number: id_number.clone().unwrap_or_default(),
        gender: opt(Col::Gender),
        birth_date: birth_date.clone().filter(|s| !s.is_empty()),
        phone: opt(Col::Phone),
        relationship: opt(Col::Relationship),
        residence: opt(Col::Residence),
        party_member,
        volunteer,
        elderly_alone,
        disability_grade: opt(Col::DisabilityGrade),
        low_income: opt(Col::LowIncome),
        child_in_difficulty,
        family_doctor_key,
    };
    let resident = match input.parse() {
        Ok(r) => Some(r),
        Err(fes) => {
            for FieldError { field, reason } in fes {
                let col = Col::of_field(field).unwrap_or(Col::Name);
                // Already reported with a better reason above.
                let skip = (col == Col::IdNumber && id_number.is_none())
                    || (col == Col::BirthDate && birth_date.is_none());
                if !skip {
                    errs.push((col, reason));
                }
            }
            None
        }
    };
    // A missing required column is reported once, at the header.
    errs.retain(|(c, _)| !missing.contains(c));
    errs.sort_by_key(|(c, _)| *c);
    errs.dedup();
    let ok = errs.is_empty();
    for (c, reason) in errs {
        ck.push(row, c.header(), reason);
    }
    if let (true, Some(building_code), Some(unit), Some(room), Some(resident)) =
        (ok, building_code, unit, room, resident)
    {
        ck.parsed.push(RowData {
            row,
            building_code,
            unit,
            room,
            resident,
        });
    }
}

/// The rows that did not go in, as a file of the input's format.
fn rejects_file(
    format: Format,
    file_name: &str,
    sheet: &Sheet,
    errors: &[RowError],
) -> AppResult<Rejects> {
    let mut reasons: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for e in errors {
        reasons
            .entry(e.row)
            .or_default()
            .push(format!("{}: {}", e.column, e.reason));
    }
    let err_col = sheet.headers.iter().position(|h| h.trim() == ERROR_COLUMN);
    let mut headers: Vec<String> = sheet.headers.clone();
    if err_col.is_none() {
        headers.push(ERROR_COLUMN.into());
    }
    let err_idx = err_col.unwrap_or(headers.len() - 1);
    let lines: Vec<Vec<String>> = sheet
        .rows
        .iter()
        .filter_map(|(row, cells)| {
            let why = reasons.get(row)?;
            let mut v: Vec<String> = (0..headers.len())
                .map(|i| cells.get(i).map(Cell::text).unwrap_or_default())
                .collect();
            v[err_idx] = format!("第{}行 {}", row, why.join("；"));
            Some(v)
        })
        .collect();
    let stem = file_name
        .rsplit_once('.')
        .map(|(s, _)| s)
        .unwrap_or(file_name)
        .to_string();
    let spec = SheetSpec::new(
        "未导入",
        headers
            .iter()
            .enumerate()
            .map(|(c, h)| Column::new(h.as_str()).width(if c == err_idx { 60.0 } else { 14.0 })),
    )
    .text_columns()
    .freeze_header();
    let bytes = spreadsheet::table_bytes(format, spec, lines).map_err(|e| e.app("rejects file"))?;
    let (ext, content_type) = match format {
        Format::Csv => ("csv", CSV_CONTENT_TYPE),
        Format::Xlsx => ("xlsx", XLSX_CONTENT_TYPE),
    };
    Ok(Rejects {
        file_name: format!("{stem}_未导入.{ext}"),
        content_type,
        bytes,
    })
}

/// Import: a roster of residents from a spreadsheet. Reached as `app.import()`.
#[derive(Clone, Copy)]
pub struct Import<'a> {
    app: &'a App,
}

impl App {
    /// See [`Import`].
    pub fn import(&self) -> Import<'_> {
        Import { app: self }
    }
}

impl Import<'_> {
    /// Import residents (and their households) from a roster file. `file_name` decides the
    /// format (.xlsx or .csv). A file with bad rows and `!skip_invalid` gives a report with
    /// `committed = false` and every error, and changes nothing.
    pub async fn residents(
        &self,
        actor: &Actor,
        file_name: &str,
        bytes: &[u8],
        opts: &ImportOptions,
    ) -> AppResult<ImportReport> {
        actor.require(Permission::ImportExport)?;
        actor.require(Permission::WriteRegister)?;
        let format = format_of(file_name)?;
        if bytes.len() > MAX_BYTES {
            return Err(AppError::invalid(
                "file",
                "文件超过20 MiB，请拆分为多个文件分批导入",
            ));
        }
        let owned = bytes.to_vec();
        let sheet =
            tokio::task::spawn_blocking(move || spreadsheet::read(format, &owned, MAX_ROWS))
                .await
                .map_err(|e| AppError::Internal(format!("reading the file: {e}")))??;
        if sheet.rows.is_empty() {
            return Err(AppError::invalid("file", "文件中只有表头，没有数据行"));
        }
        let file_name = clean_file_name(file_name);

        // 1. Every row on its own.
        let mut ck = Checked::default();
        let (cols, missing) = map_headers(&sheet, &mut ck);
        let header_bad = !ck.errors.is_empty();
        for (row, cells) in &sheet.rows {
            check_row(*row, cells, &cols, &missing, &mut ck);
        }

        // 2. Duplicates within the file: the first occurrence stands.
        let mut first: HashMap<String, usize> = HashMap::new();
        let mut dups = vec![];
        for d in &ck.parsed {
            match first.get(d.resident.id_number.as_str()) {
                Some(r) => dups.push((d.row, format!("与第{r}行身份证号重复"))),
                None => {
                    first.insert(d.resident.id_number.as_str().to_string(), d.row);
                }
            }
        }
        for (row, reason) in dups {
            ck.push(row, Col::IdNumber.header(), reason);
        }

        // 3. Against the register: buildings in scope, IDs already registered, households.
        let scope = actor.scope();
        let cipher = &self.app.store.cipher;
        let mut buildings: HashMap<String, Node> = HashMap::new();
        let existing_households;
        {
            let mut conn = self.app.store.acquire().await?;
            let codes: HashSet<&str> = ck.parsed.iter().map(|d| d.building_code.as_str()).collect();
            let mut bad_codes: HashMap<String, &'static str> = HashMap::new();
            for code in codes {
                match sr::get_node_by_code(&mut conn, &scope, code).await {
                    Ok(n) if n.kind == NodeKind::Building => {
                        buildings.insert(code.to_string(), n);
                    }
                    Ok(_) => {
                        bad_codes.insert(code.to_string(), "该编码不是楼宇");
                    }
                    Err(jingzhi_store::Error::NotFound) => {
                        bad_codes.insert(code.to_string(), "楼宇不存在或不在您的管辖范围内");
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            let hashes: Vec<String> = ck
                .parsed
                .iter()
                .map(|d| cipher.lookup_hash(d.resident.id_number.as_str()))
                .collect();
            let registered = sr::id_hashes_existing(&mut conn, &hashes).await?;
            let mut errs = vec![];
            for (d, h) in ck.parsed.iter().zip(&hashes) {
                if let Some(reason) = bad_codes.get(&d.building_code) {
                    errs.push((d.row, Col::BuildingCode, *reason));
                }
                if registered.contains(h) {
                    errs.push((d.row, Col::IdNumber, "该身份证号已登记"));
                }
            }
            for (row, col, reason) in errs {
                ck.push(row, col.header(), reason);
            }
            let ids: Vec<i64> = buildings.values().map(|b| b.id).collect();
            existing_households = si::households_in_buildings(&mut conn, &scope, &ids).await?;
        }

        // 4. One head per household.
        let mut head_row: HashMap<si::HouseholdKey, usize> = HashMap::new();
        let mut errs = vec![];
        for d in &ck.parsed {
            let Some(b) = buildings.get(&d.building_code) else {
                continue;
            };
            if d.resident.relationship != Relationship::Head {
                continue;
            }
            let key = (b.id, d.unit, d.room.clone());
            if existing_households
                .get(&key)
                .is_some_and(|h| h.head_id.is_some())
            {
                errs.push((d.row, "该户在登记册中已有户主".to_string()));
            } else if let Some(r) = head_row.get(&key) {
                errs.push((d.row, format!("第{r}行已是该户户主，每户只能有一位户主")));
            } else {
                head_row.insert(key, d.row);
            }
        }
        for (row, reason) in errs {
            ck.push(row, Col::Relationship.header(), reason);
        }

        ck.errors.sort_by_key(|e| e.row);
        let rows = sheet.rows.len();
        let good: Vec<&RowData> = ck
            .parsed
            .iter()
            .filter(|d| !ck.bad_rows.contains(&d.row))
            .collect();
        let mut report = ImportReport {
            rows,
            households_created: 0,
            residents_created: 0,
            errors: ck.errors.clone(),
            committed: false,
            rejects: None,
        };
        if header_bad || (!ck.errors.is_empty() && !opts.skip_invalid) {
            return Ok(report);
        }
        if good.is_empty() {
            // Skipping bad rows, but none is good: nothing to write, everything comes back.
            report.rejects = Some(rejects_file(format, &file_name, &sheet, &report.errors)?);
            return Ok(report);
        }

        // 5. Write, all in one transaction.
        let now = jingzhi_domain::time_fmt::now_ms();
        let mut new_keys: Vec<(&Node, Option<i32>, String)> = vec![];
        let mut seen: HashSet<si::HouseholdKey> = HashSet::new();
        for d in &good {
            let b = &buildings[&d.building_code];
            let key = (b.id, d.unit, d.room.clone());
            if !existing_households.contains_key(&key) && seen.insert(key) {
                new_keys.push((b, d.unit, d.room.clone()));
            }
        }
        let mut tx = self.app.store.begin().await?;
        let created = si::insert_households(&mut tx, &new_keys).await?;
        let mut deltas: HashMap<i64, Stats> = HashMap::new();
        for (b, _, _) in &new_keys {
            deltas.entry(b.id).or_default().households += 1;
        }
        let mut values = Vec::with_capacity(good.len());
        let mut with_head: HashSet<i64> = HashSet::new();
        for d in &good {
            let b = &buildings[&d.building_code];
            let key = (b.id, d.unit, d.room.clone());
            let hh_id = match existing_households.get(&key) {
                Some(h) => h.id,
                None => *created.get(&key).ok_or_else(|| {
                    AppError::Internal("household id missing after insert".into())
                })?,
            };
            if d.resident.relationship == Relationship::Head {
                with_head.insert(hh_id);
            }
            values.push(sr::resident_values(
                cipher,
                hh_id,
                &b.path,
                &d.resident,
                now,
            ));
            deltas
                .entry(b.id)
                .or_default()
                .add(&Stats::of_resident(&d.resident.tags, 1));
        }
        si::insert_residents(&mut tx, &values).await?;
        si::set_heads(&mut tx, &with_head.into_iter().collect::<Vec<_>>()).await?;
        let paths: HashMap<i64, &str> = buildings
            .values()
            .map(|b| (b.id, b.path.as_str()))
            .collect();
        for (b, d) in &deltas {
            sr::apply_stats_delta(&mut tx, paths[b], d).await?;
        }
        report.households_created = new_keys.len();
        report.residents_created = good.len();
        let skipped = ck.bad_rows.len();
        let mut codes: Vec<&str> = buildings.keys().map(String::as_str).collect();
        codes.sort_unstable();
        audit::record(
            &mut tx,
            audit::Entry {
                actor_id: actor.audit_id(),
                actor_name: actor.name(),
                action: Action::Import,
                entity: "resident",
                entity_id: None,
                path: &scope.path,
                summary: format!(
                    "导入居民名单 {file_name}：新增居民{}人、住户{}户（共{rows}行，跳过{skipped}行）",
                    report.residents_created, report.households_created
                ),
                before: None,
                after: Some(serde_json::json!({
                    "file": file_name, "rows": rows, "residents_created": report.residents_created,
                    "households_created": report.households_created, "skipped_rows": skipped,
                    "buildings": codes,
                })),
                reason: None,
            },
        )
        .await?;
        jingzhi_store::commit(tx).await?;
        report.committed = true;
        if !report.errors.is_empty() {
            report.rejects = Some(rejects_file(format, &file_name, &sheet, &report.errors)?);
        }
        Ok(report)
    }

    /// The blank template with the Chinese headers and one example row, and a sheet of
    /// instructions.
    pub fn template_xlsx() -> Vec<u8> {
        template().expect("the template is built from constants")
    }
}

fn template() -> Result<Vec<u8>, spreadsheet::WriteError> {
    let example = [
        "371002001001001001001",
        "1",
        "301",
        "王芳",
        "11010519491231002X",
        "女",
        "1949-12-31",
        "13812345678",
        "户主",
        "常住",
        "是",
        "否",
        "否",
        "",
        "低保",
        "否",
        "是",
    ];
    let mut w = spreadsheet::XlsxWriter::new();
    // Text columns keep Excel from turning codes and ID numbers into numbers.
    w.sheet(
        SheetSpec::new(
            "居民",
            Col::ALL.iter().map(|c| {
                let width = match c {
                    Col::BuildingCode => 24.0,
                    Col::IdNumber => 21.0,
                    Col::Phone | Col::BirthDate | Col::FamilyDoctorKey => 14.0,
                    _ => 10.0,
                };
                Column::new(c.header()).width(width).marked(c.required())
            }),
        )
        .shaded_header()
        .text_columns()
        .freeze_header(),
    )?;
    w.row(example)?;
    w.sheet(SheetSpec::new(
        "填写说明",
        [
            Column::new("列名").width(18.0),
            Column::new("必填").width(6.0),
            Column::new("填写说明").width(80.0),
        ],
    ))?;
    for c in Col::ALL {
        w.row([c.header(), if c.required() { "是" } else { "" }, c.help()])?;
    }
    w.row(Vec::<String>::new())?;
    let notes = [
        "每行一位居民；楼宇编码+单元+房号相同的行属于同一户，该户不存在时自动新建。".to_string(),
        "列的顺序不限，表头须与上表一致（红色为必填）；示例行请在导入前删除。".to_string(),
        format!("每个文件不超过{MAX_ROWS}行、20 MiB；CSV须为UTF-8编码。"),
        "任何一行有错时整个文件不导入，并列出每个错误的行号、列名和原因；勾选“跳过错误行”则导入正确的行，错误行以文件返回（可改正后再次导入）。".to_string(),
    ];
    for n in notes {
        w.row([n])?;
    }
    w.to_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_directories_and_numbers() {
        assert_eq!(clean_file_name("C:\\x\\名单.xlsx"), "名单.xlsx");
        assert_eq!(
            clean_file_name("/tmp/11010519491231002X.csv"),
            "******************.csv"
        );
        assert_eq!(clean_file_name("2026年第3批.csv"), "2026年第3批.csv");
    }

    #[test]
    fn headers_accept_a_required_star() {
        assert_eq!(Col::from_header(" 楼宇编码* "), Some(Col::BuildingCode));
        assert_eq!(Col::from_header("手机号"), None);
    }

    #[test]
    fn the_template_reads_back() {
        let sheet = spreadsheet::read_xlsx(&Import::template_xlsx(), MAX_ROWS).unwrap();
        assert_eq!(sheet.headers.len(), Col::ALL.len());
        assert_eq!(sheet.rows.len(), 1);
        assert_eq!(sheet.rows[0].0, 2);
    }
}
