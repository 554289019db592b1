//! The 12345 hotline: importing the hotline's tickets (`.xlsx`, UTF-8 `.csv`, JSON; the format
//! is `docs/12345.md`), matching their addresses to buildings, the queue of tickets no building
//! was found for, and exporting the results back in the same format.
//!
//! An import is all-or-nothing on a malformed file (a bad header, a missing required value, a
//! bad time, a ticket number twice in the file): every error comes back with its row and
//! column and nothing is written. A ticket number already imported is reported as such and
//! never makes a second event. Every other ticket is kept (`hotline_tickets`, the caller's phone
//! sealed); those whose address matches a building of the caller's scope surely enough become
//! events (source `hotline`, reporter = 来电人) through the same store calls, timeline and
//! audit as any report, and the rest wait in the queue, in the importer's scope, for a person to
//! pick the building or discard the ticket with a reason. Community workers and above may do
//! this ([`may_handle`]).

use crate::import::RowError;
use crate::spreadsheet::{self, Cell, Column, Sheet, SheetSpec};
use crate::{Actor, App, AppError, AppResult};
use jingzhi_domain::audit::Action;
use jingzhi_domain::auth::{Permission, Role};
use jingzhi_domain::events::lifecycle::{Rating, Status};
use jingzhi_domain::events::{DeadlinePolicy, Urgency};
use jingzhi_domain::hotline::{self as dh, Col, Gazetteer};
use jingzhi_domain::registry::{NodeKind, Phone};
use jingzhi_domain::time_fmt::now_ms;
use jingzhi_store::events as se;
use jingzhi_store::hotline::{self as sh, ExportRow, NewTicket};
use jingzhi_store::registry::{self as sr, Node};
use jingzhi_store::{audit, Conn};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

// The rows this capability returns (its read models): the pages render them and the API maps
// them to its DTOs. Callers name them here, never in the store.
pub use jingzhi_store::hotline::Ticket;

/// Most tickets one file may hold.
pub const MAX_TICKETS: usize = 10_000;
/// Largest file accepted.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;
/// Most tickets one export writes.
pub const MAX_EXPORT: usize = 200_000;
/// The event source of tickets.
pub const SOURCE: &str = "hotline";
/// Caller's name when the ticket has none.
pub const ANONYMOUS: &str = "匿名来电人";

const MAX_ADDRESS: usize = 200;
const MAX_NAME: usize = 50;
const MAX_CATEGORY: usize = 100;

pub const JSON_CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// Who may import, handle the queue and export: community workers and above (the roles that
/// accept and dispatch events). Grid workers may import rosters but not hotline tickets, which
/// may land anywhere in the importer's scope.
pub fn may_handle(role: Role) -> bool {
    role.can(Permission::ImportExport) && role.is_manager()
}

fn require(actor: &Actor) -> AppResult<()> {
    if may_handle(actor.user.role) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// The file formats, by file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Xlsx,
    Csv,
    Json,
}

impl Format {
    pub fn of_file_name(name: &str) -> AppResult<Format> {
        let lower = name.trim().to_ascii_lowercase();
        if lower.ends_with(".xlsx") {
            Ok(Format::Xlsx)
        } else if lower.ends_with(".csv") {
            Ok(Format::Csv)
        } else if lower.ends_with(".json") {
            Ok(Format::Json)
        } else {
            Err(AppError::invalid(
                "file",
                "只能导入 .xlsx、.csv 或 .json 文件（旧版 .xls 请在Excel中另存为 .xlsx）",
            ))
        }
    }

    pub fn parse(s: &str) -> AppResult<Format> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "xlsx" => Ok(Format::Xlsx),
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            _ => Err(AppError::invalid("format", "格式应为 xlsx、csv 或 json")),
        }
    }

    pub fn ext(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Csv => "csv",
            Format::Json => "json",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Xlsx => spreadsheet::XLSX_CONTENT_TYPE,
            Format::Csv => spreadsheet::CSV_CONTENT_TYPE,
            Format::Json => JSON_CONTENT_TYPE,
        }
    }
}

/// What became of one ticket of the file.
#[derive(Debug, Clone, Serialize)]
pub struct TicketOutcome {
    pub row: usize,
    pub ticket_no: String,
    /// `created` (an event), `queued` (waiting for a person) or `already_imported`.
    pub outcome: &'static str,
    pub event_id: Option<i64>,
    /// The building it was matched to, or suggested for a queued ticket.
    pub building: Option<String>,
    pub confidence: u8,
    pub category: String,
    /// Why it was queued, or that the classification was filed under 其他.
    pub note: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct HotlineImportReport {
    pub file: String,
    pub rows: usize,
    pub created: usize,
    pub queued: usize,
    pub already_imported: usize,
    /// Tickets whose 问题分类 fitted no category and were filed under 其他.
    pub other_category: usize,
    /// Every error; when there is any, nothing was imported.
    pub errors: Vec<RowError>,
    pub committed: bool,
    pub tickets: Vec<TicketOutcome>,
}

/// A ticket as read and checked.
#[derive(Debug, Clone)]
struct Parsed {
    row: usize,
    ticket_no: String,
    called_at: i64,
    caller_name: String,
    phone: Option<Phone>,
    phone_mask: Option<String>,
    address: String,
    content: String,
    category: String,
    urgency: Urgency,
    due_at: Option<i64>,
}

/// The file as rows of (row number, column → cell), after the header is checked.
struct Rows {
    rows: Vec<(usize, HashMap<Col, Cell>)>,
    errors: Vec<RowError>,
}

fn err(row: usize, column: impl Into<String>, reason: impl Into<String>) -> RowError {
    RowError {
        row,
        column: column.into(),
        reason: reason.into(),
    }
}

fn from_sheet(sheet: Sheet) -> Rows {
    let mut errors = vec![];
    let hr = sheet.header_row;
    let mut cols: HashMap<usize, Col> = HashMap::new();
    let mut seen: HashSet<Col> = HashSet::new();
    for (i, h) in sheet.headers.iter().enumerate() {
        let h = h.trim();
        if h.is_empty() {
            if sheet
                .rows
                .iter()
                .any(|(_, c)| c.get(i).is_some_and(|c| !c.is_blank()))
            {
                errors.push(err(hr, format!("第{}列", i + 1), "该列有数据但没有表头"));
            }
            continue;
        }
        match Col::from_header(h) {
            Some(c) => {
                if !seen.insert(c) {
                    errors.push(err(hr, c.header(), "表头重复"));
                }
                cols.insert(i, c);
            }
            None => errors.push(err(
                hr,
                h,
                format!(
                    "未知的列；可用的列为: {}",
                    Col::ALL.map(|c| c.header()).join("、")
                ),
            )),
        }
    }
    for c in Col::INPUT {
        if c.required() && !seen.contains(&c) {
            errors.push(err(hr, c.header(), "缺少必填列"));
        }
    }
    let rows = sheet
        .rows
        .into_iter()
        .map(|(r, cells)| {
            let m = cells
                .into_iter()
                .enumerate()
                .filter_map(|(i, c)| cols.get(&i).map(|col| (*col, c)))
                .collect();
            (r, m)
        })
        .collect();
    Rows { rows, errors }
}

fn read_json(bytes: &[u8]) -> AppResult<Rows> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| AppError::invalid("file", "JSON文件应为UTF-8编码"))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        AppError::invalid(
            "file",
            format!("JSON格式有误（第{}行第{}列）", e.line(), e.column()),
        )
    })?;
    let arr = v
        .as_array()
        .ok_or_else(|| AppError::invalid("file", "JSON文件应为工单对象的数组 [ {…}, {…} ]"))?;
    if arr.len() > MAX_TICKETS {
        return Err(too_many());
    }
    let mut errors = vec![];
    let mut rows = vec![];
    for (i, o) in arr.iter().enumerate() {
        let row = i + 1;
        let Some(obj) = o.as_object() else {
            errors.push(err(row, "", "应为对象 {…}"));
            continue;
        };
        let mut m = HashMap::new();
        for (k, v) in obj {
            let Some(col) = Col::from_header(k) else {
                errors.push(err(row, k.as_str(), "未知的字段"));
                continue;
            };
            let cell = match v {
                serde_json::Value::Null => Cell::Text(String::new()),
                serde_json::Value::String(s) => Cell::Text(s.clone()),
                serde_json::Value::Number(n) => Cell::Text(n.to_string()),
                serde_json::Value::Bool(b) => Cell::Text(b.to_string()),
                _ => {
                    errors.push(err(row, col.header(), "应为文字或数字"));
                    continue;
                }
            };
            if m.insert(col, cell).is_some() {
                errors.push(err(row, col.header(), "字段重复（中文名与英文名同时出现）"));
            }
        }
        rows.push((row, m));
    }
    if rows.is_empty() && errors.is_empty() {
        return Err(AppError::invalid("file", "文件中没有工单"));
    }
    Ok(Rows { rows, errors })
}

fn too_many() -> AppError {
    AppError::invalid(
        "file",
        format!("文件超过{MAX_TICKETS}条工单，请拆分为多个文件分批导入"),
    )
}

/// An Excel date-time serial, read as China Standard Time.
fn excel_serial_ms(serial: f64) -> Option<i64> {
    let t =
        spreadsheet::excel_serial_datetime(serial)?.assume_offset(jingzhi_domain::time_fmt::CST);
    Some((t.unix_timestamp_nanos() / 1_000_000) as i64)
}

fn time_of(cell: Option<&Cell>) -> Result<Option<i64>, String> {
    match cell {
        None => Ok(None),
        Some(c) if c.is_blank() => Ok(None),
        Some(Cell::Date(s)) | Some(Cell::Number(s)) => excel_serial_ms(*s)
            .map(Some)
            .ok_or_else(|| "不是有效的时间".to_string()),
        Some(c) => dh::parse_datetime(&c.text())
            .map(Some)
            .ok_or_else(|| "时间格式应为 YYYY-MM-DD HH:MM:SS（或 YYYY/M/D H:MM）".to_string()),
    }
}

fn plain(s: &str, what: &str, max: usize) -> Result<String, String> {
    let t = s.trim();
    if t.chars().count() > max {
        return Err(format!("{what}不能超过{max}字"));
    }
    if t.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(format!("{what}含有不可见控制字符"));
    }
    Ok(t.to_string())
}

/// Check one row; every error is named by its column.
fn check_row(
    row: usize,
    m: &HashMap<Col, Cell>,
    now: i64,
    errors: &mut Vec<RowError>,
) -> Option<Parsed> {
    let text = |c: Col| m.get(&c).map(Cell::text).unwrap_or_default();
    let mut errs: Vec<(Col, String)> = vec![];
    let ticket_no = match m.get(&Col::TicketNo) {
        Some(Cell::Number(n)) if n.fract() != 0.0 || n.abs() >= 1e15 => {
            errs.push((
                Col::TicketNo,
                "工单编号被Excel存成了数字，可能已丢失位数：请把该列设为“文本”格式".into(),
            ));
            None
        }
        _ => match dh::parse_ticket_no(&text(Col::TicketNo)) {
            Ok(t) => Some(t),
            Err(e) => {
                errs.push((Col::TicketNo, e));
                None
            }
        },
    };
    let called_at = match time_of(m.get(&Col::CalledAt)) {
        Ok(Some(t)) if t > now + 86_400_000 => {
            errs.push((Col::CalledAt, "来电时间晚于当前时间".into()));
            None
        }
        Ok(Some(t)) => Some(t),
        Ok(None) => {
            errs.push((Col::CalledAt, "来电时间不能为空".into()));
            None
        }
        Err(e) => {
            errs.push((Col::CalledAt, e));
            None
        }
    };
    let due_at = match time_of(m.get(&Col::DueAt)) {
        Ok(t) => t,
        Err(e) => {
            errs.push((Col::DueAt, e));
            None
        }
    };
    if let (Some(c), Some(d)) = (called_at, due_at) {
        if d <= c {
            errs.push((Col::DueAt, "办理时限应晚于来电时间".into()));
        }
    }
    let mut field = |c: Col, what: &str, max: usize| match plain(&text(c), what, max) {
        Ok(s) => s,
        Err(e) => {
            errs.push((c, e));
            String::new()
        }
    };
    let caller_name = field(Col::CallerName, "来电人", MAX_NAME);
    let address = field(Col::Address, "诉求地址", MAX_ADDRESS);
    let content = field(Col::Content, "诉求内容", crate::events::MAX_TEXT);
    let category = field(Col::Category, "问题分类", MAX_CATEGORY);
    if content.is_empty() && !errs.iter().any(|(c, _)| *c == Col::Content) {
        errs.push((Col::Content, "诉求内容不能为空".into()));
    }
    let urgency = match dh::parse_urgency(&text(Col::Urgency)) {
        Some(u) => Some(u),
        None => {
            errs.push((
                Col::Urgency,
                "紧急程度应为：紧急、加急、一般或疑难复杂（留空为一般）".into(),
            ));
            None
        }
    };
    let raw_phone = text(Col::CallerPhone);
    let (phone, phone_mask) = if raw_phone.is_empty() {
        (None, None)
    } else if let Ok(p) = Phone::parse(&raw_phone) {
        (Some(p), None)
    } else {
        // The hotline may send the number already masked (`138****5678`): kept as the mask.
        let t: String = raw_phone
            .chars()
            .filter(|c| !matches!(c, ' ' | '-'))
            .collect();
        let masked = t.contains('*')
            && t.chars().all(|c| c.is_ascii_digit() || c == '*')
            && (7..=13).contains(&t.len());
        if masked {
            (None, Some(t))
        } else {
            errs.push((
                Col::CallerPhone,
                "联系电话应为11位手机号、带区号的固定电话或已打码的号码（如138****5678）".into(),
            ));
            (None, None)
        }
    };
    let ok = errs.is_empty();
    for (c, reason) in errs {
        errors.push(err(row, c.header(), reason));
    }
    if !ok {
        return None;
    }
    Some(Parsed {
        row,
        ticket_no: ticket_no?,
        called_at: called_at?,
        caller_name,
        phone,
        phone_mask,
        address,
        content,
        category,
        urgency: urgency?,
        due_at,
    })
}

/// Insert an event for a ticket at a building, with its timeline row and audit record (through
/// [`crate::events::create`], like every new event), with the hotline as the source and the
/// caller as the reporter; the category's extra questions are not asked of the hotline. Without the
/// hotline's own due time, the deadline counts from the call (来电时间), not from the import.
#[allow(clippy::too_many_arguments)]
async fn insert_event(
    tx: &mut Conn,
    actor: &Actor,
    policy: &DeadlinePolicy,
    building: &Node,
    category_code: &str,
    urgency: Urgency,
    caller_name: &str,
    content: &str,
    due_at: Option<i64>,
    called_at: i64,
    note: &str,
    now: i64,
) -> AppResult<se::Event> {
    let reporter = if caller_name.trim().is_empty() {
        ANONYMOUS
    } else {
        caller_name
    };
    let event = se::NewEvent {
        path: &building.path,
        node_id: building.id,
        category_code,
        urgency,
        source: crate::events::Source::Hotline.as_str(),
        reporter_user_id: None,
        reporter_name: reporter,
        description: content,
        answers: None,
        x: building.x,
        y: building.y,
        reported_at: now,
        deadline_at: due_at.unwrap_or_else(|| policy.deadline(urgency, called_at.min(now))),
    };
    let id = crate::events::create::create_one(
        tx,
        crate::events::create::NewReport {
            actor,
            event,
            note: Some(note),
            via: None,
        },
    )
    .await?;
    Ok(se::get_event(tx, &actor.scope(), id).await?)
}

fn event_note(ticket_no: &str, how: &str) -> String {
    format!("12345热线工单 {ticket_no}，{how}")
}

/// A status of the export's 办理状态 column.
fn status_zh(r: &ExportRow) -> String {
    match r.ticket.status.as_str() {
        sh::QUEUED => "待匹配".into(),
        sh::DISCARDED => "已退回".into(),
        _ => r
            .event_status
            .as_deref()
            .and_then(Status::parse)
            .map(|s| s.label_zh().to_string())
            .unwrap_or_default(),
    }
}

/// The cells of one export row, in [`Col::ALL`] order.
fn export_cells(r: &ExportRow) -> Vec<String> {
    let t = &r.ticket;
    let fmt = |v: Option<i64>| v.map(dh::format_datetime).unwrap_or_default();
    let result = match t.status.as_str() {
        sh::DISCARDED => format!("退回：{}", t.discard_reason.clone().unwrap_or_default()),
        sh::QUEUED => String::new(),
        _ => match (&r.result, &r.invalid_reason) {
            (Some(x), _) => x.clone(),
            (None, Some(w)) => format!("作废：{w}"),
            _ => String::new(),
        },
    };
    Col::ALL
        .iter()
        .map(|c| match c {
            Col::TicketNo => t.ticket_no.clone(),
            Col::CalledAt => dh::format_datetime(t.called_at),
            Col::CallerName => t.caller_name.clone(),
            Col::CallerPhone => t.phone_mask.clone().unwrap_or_default(),
            Col::Address => t.address.clone(),
            Col::Content => t.content.clone(),
            Col::Category => {
                if t.hotline_category.is_empty() {
                    t.category_name.clone()
                } else {
                    t.hotline_category.clone()
                }
            }
            Col::Urgency => Urgency::parse(&t.urgency)
                .map(|u| u.label_zh().to_string())
                .unwrap_or_default(),
            Col::DueAt => fmt(t.due_at),
            Col::Status => status_zh(r),
            Col::AcceptedAt => fmt(r.responded_at),
            Col::ResolvedAt => fmt(r.resolved_at),
            Col::Result => result.clone(),
            Col::Satisfaction => {
                dh::satisfaction_zh(r.rating.as_deref().and_then(Rating::parse)).to_string()
            }
            Col::Handler => r.handler.clone().unwrap_or_default(),
            Col::EventId => t.event_id.map(|i| i.to_string()).unwrap_or_default(),
            Col::BuildingCode => r.building_code.clone().unwrap_or_default(),
            Col::BuildingName => r.building_name.clone().unwrap_or_default(),
        })
        .collect()
}

/// A JSON object whose keys keep their order.
struct Ordered(Vec<(&'static str, serde_json::Value)>);

impl Serialize for Ordered {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

fn write_file(format: Format, rows: &[ExportRow]) -> AppResult<Vec<u8>> {
    let internal = |e: String| AppError::Internal(format!("hotline export: {e}"));
    match format {
        Format::Json => {
            // Keys in the columns' order (a serde_json map would sort them).
            let arr: Vec<Ordered> = rows
                .iter()
                .map(|r| {
                    Ordered(
                        Col::ALL
                            .iter()
                            .zip(export_cells(r))
                            .map(|(c, v)| {
                                let val = match c {
                                    Col::EventId => r
                                        .ticket
                                        .event_id
                                        .map(serde_json::Value::from)
                                        .unwrap_or(serde_json::Value::Null),
                                    _ if v.is_empty() => serde_json::Value::Null,
                                    _ => serde_json::Value::String(v),
                                };
                                (c.key(), val)
                            })
                            .collect(),
                    )
                })
                .collect();
            serde_json::to_vec_pretty(&arr).map_err(|e| internal(e.to_string()))
        }
        Format::Csv => export_table(spreadsheet::Format::Csv, rows),
        Format::Xlsx => export_table(spreadsheet::Format::Xlsx, rows),
    }
}

/// The export as a spreadsheet: the columns of the import, all text.
fn export_table(format: spreadsheet::Format, rows: &[ExportRow]) -> AppResult<Vec<u8>> {
    let spec = SheetSpec::new(
        "12345工单",
        Col::ALL.iter().map(|c| {
            Column::new(c.header()).width(match c {
                Col::Address | Col::Result => 30.0,
                Col::Content => 40.0,
                Col::BuildingCode => 24.0,
                Col::CalledAt | Col::DueAt | Col::AcceptedAt | Col::ResolvedAt => 19.0,
                _ => 12.0,
            })
        }),
    )
    .shaded_header()
    .text_columns()
    .freeze_header();
    spreadsheet::table_bytes(format, spec, rows.iter().map(export_cells))
        .map_err(|e| e.app("hotline export"))
}

/// An export: its file name, content type and bytes.
#[derive(Debug, Clone)]
pub struct HotlineExport {
    pub file_name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
    pub rows: usize,
}

/// Hotline (12345): importing tickets, matching them to buildings, the queue and the export.
/// Reached as `app.hotline()`.
#[derive(Clone, Copy)]
pub struct Hotline<'a> {
    app: &'a App,
}

impl App {
    /// See [`Hotline`].
    pub fn hotline(&self) -> Hotline<'_> {
        Hotline { app: self }
    }
}

impl Hotline<'_> {
    pub async fn import(
        &self,
        actor: &Actor,
        file_name: &str,
        bytes: &[u8],
    ) -> AppResult<HotlineImportReport> {
        self.import_at(actor, file_name, bytes, now_ms()).await
    }

    /// Import a file of hotline tickets (see the module's documentation). A malformed file gives
    /// a report with `committed = false` and every error, and changes nothing.
    pub async fn import_at(
        &self,
        actor: &Actor,
        file_name: &str,
        bytes: &[u8],
        now: i64,
    ) -> AppResult<HotlineImportReport> {
        require(actor)?;
        let format = Format::of_file_name(file_name)?;
        if bytes.len() > MAX_BYTES {
            return Err(AppError::invalid(
                "file",
                "文件超过10 MiB，请拆分为多个文件分批导入",
            ));
        }
        let owned = bytes.to_vec();
        let read = tokio::task::spawn_blocking(move || -> AppResult<Rows> {
            match format {
                // The roster import's cap on rows; the cap on tickets is checked below.
                Format::Xlsx => Ok(from_sheet(spreadsheet::read_xlsx(
                    &owned,
                    crate::import::MAX_ROWS,
                )?)),
                Format::Csv => Ok(from_sheet(spreadsheet::read_csv(
                    &owned,
                    crate::import::MAX_ROWS,
                )?)),
                Format::Json => read_json(&owned),
            }
        })
        .await
        .map_err(|e| AppError::Internal(format!("reading the file: {e}")))??;
        if read.rows.len() > MAX_TICKETS {
            return Err(too_many());
        }
        if read.rows.is_empty() && read.errors.is_empty() {
            return Err(AppError::invalid("file", "文件中只有表头，没有工单"));
        }
        let file = crate::import::clean_file_name(file_name);
        let mut report = HotlineImportReport {
            file: file.clone(),
            rows: read.rows.len(),
            created: 0,
            queued: 0,
            already_imported: 0,
            other_category: 0,
            errors: read.errors,
            committed: false,
            tickets: vec![],
        };

        // 1. Every row on its own, then ticket numbers twice in the file.
        let mut parsed = vec![];
        for (row, m) in &read.rows {
            if let Some(p) = check_row(*row, m, now, &mut report.errors) {
                parsed.push(p);
            }
        }
        // Also among rows with other errors, so that every error is named at once.
        let mut first: HashMap<String, usize> = HashMap::new();
        for (row, m) in &read.rows {
            let raw = m.get(&Col::TicketNo).map(Cell::text).unwrap_or_default();
            let Ok(no) = dh::parse_ticket_no(&raw) else {
                continue;
            };
            if let Some(r) = first.get(&no) {
                report.errors.push(err(
                    *row,
                    Col::TicketNo.header(),
                    format!("与第{r}行工单编号重复"),
                ));
            } else {
                first.insert(no, *row);
            }
        }
        if !report.errors.is_empty() {
            report.errors.sort_by_key(|e| e.row);
            return Ok(report);
        }

        // 2. Categories, places, and the match of every new ticket.
        let scope = actor.scope();
        let (cats, gaz) = {
            let mut conn = self.app.store.acquire().await?;
            let cats: Vec<(String, String)> = se::categories(&mut conn)
                .await?
                .into_iter()
                .filter(|c| c.active)
                .map(|c| (c.category.code, c.category.name))
                .collect();
            let places = sh::places(&mut conn, &scope).await?;
            let gaz = tokio::task::spawn_blocking(move || Gazetteer::new(&places))
                .await
                .map_err(|e| AppError::Internal(format!("gazetteer: {e}")))?;
            (cats, gaz)
        };
        let fallback = cats
            .iter()
            .find(|(c, _)| c == "other")
            .or(cats.last())
            .map(|(c, _)| c.clone())
            .ok_or_else(|| AppError::invalid("category", "没有可用的问题类别"))?;
        let cat_name: HashMap<&str, &str> =
            cats.iter().map(|(c, n)| (c.as_str(), n.as_str())).collect();

        let policy = self.app.events().deadline_policy();
        let mut tx = self.app.store.begin().await?;
        let nos: Vec<String> = parsed.iter().map(|p| p.ticket_no.clone()).collect();
        let existing = sh::existing(&mut tx, &nos).await?;
        let mut buildings: HashMap<i64, Node> = HashMap::new();
        let mut new_tickets = vec![];
        for p in &parsed {
            if existing.contains_key(&p.ticket_no) {
                report.already_imported += 1;
                report.tickets.push(TicketOutcome {
                    row: p.row,
                    ticket_no: p.ticket_no.clone(),
                    outcome: "already_imported",
                    event_id: None,
                    building: None,
                    confidence: 0,
                    category: String::new(),
                    note: "该工单已导入过，未重复生成事件".into(),
                });
                continue;
            }
            let (code, mut note) = match dh::map_category(&p.category, &cats) {
                Some(c) => (c, String::new()),
                None => {
                    report.other_category += 1;
                    let n = if p.category.is_empty() {
                        "未填问题分类，归入其他".to_string()
                    } else {
                        format!("问题分类“{}”未能对应，归入其他", p.category)
                    };
                    (fallback.clone(), n)
                }
            };
            let m = gaz.match_address(&p.address);
            let mut building_name = None;
            let (status, path, node_id, event_id) = if m.is_auto() {
                let bid = m.building_id.expect("an automatic match has a building");
                let b = match buildings.entry(bid) {
                    std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
                    std::collections::hash_map::Entry::Vacant(v) => {
                        v.insert(sr::get_node(&mut tx, &scope, bid).await?)
                    }
                };
                building_name = Some(b.name.clone());
                let e = insert_event(
                    &mut tx,
                    actor,
                    &policy,
                    b,
                    &code,
                    p.urgency,
                    &p.caller_name,
                    &p.content,
                    p.due_at,
                    p.called_at,
                    &event_note(
                        &p.ticket_no,
                        &format!("地址匹配到{}（{}%）", b.name, m.confidence),
                    ),
                    now,
                )
                .await?;
                report.created += 1;
                (sh::MATCHED, b.path.clone(), Some(bid), Some(e.id))
            } else {
                report.queued += 1;
                if let Some(bid) = m.building_id {
                    if let Ok(n) = sr::get_node(&mut tx, &scope, bid).await {
                        building_name = Some(n.name);
                    }
                }
                (sh::QUEUED, scope.path.clone(), None, None)
            };
            if status == sh::QUEUED || !note.is_empty() {
                let how = if status == sh::QUEUED {
                    m.note.clone()
                } else {
                    String::new()
                };
                note = [how, note]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join("；");
            }
            report.tickets.push(TicketOutcome {
                row: p.row,
                ticket_no: p.ticket_no.clone(),
                outcome: if status == sh::MATCHED {
                    "created"
                } else {
                    "queued"
                },
                event_id,
                building: building_name,
                confidence: m.confidence,
                category: cat_name.get(code.as_str()).unwrap_or(&"").to_string(),
                note,
            });
            new_tickets.push(NewTicket {
                ticket_no: p.ticket_no.clone(),
                path,
                status,
                called_at: p.called_at,
                caller_name: p.caller_name.clone(),
                phone: p.phone.clone(),
                phone_mask: p.phone_mask.clone(),
                address: p.address.clone(),
                content: p.content.clone(),
                hotline_category: p.category.clone(),
                category_code: code,
                urgency: p.urgency.as_str().into(),
                due_at: p.due_at,
                node_id,
                event_id,
                suggested_node_id: if status == sh::QUEUED {
                    m.building_id
                } else {
                    None
                },
                confidence: m.confidence,
                match_note: m.note.clone(),
                imported_at: now,
                imported_by: actor.name().to_string(),
            });
        }
        report.committed = true;
        if new_tickets.is_empty() {
            // Everything was imported before: nothing to write.
            drop(tx);
            return Ok(report);
        }
        sh::insert_tickets(&mut tx, &self.app.store.cipher, &new_tickets)
            .await
            .map_err(|e| match e {
                jingzhi_store::Error::Conflict(_) => AppError::Conflict {
                    field: "ticket_no".into(),
                    reason: "有工单正被同时导入，请稍后重新导入（已导入的工单不会重复）".into(),
                },
                e => e.into(),
            })?;
        audit::record(
            &mut tx,
            audit::Entry {
                after: Some(serde_json::json!({
                    "file": file, "rows": report.rows, "created": report.created,
                    "queued": report.queued, "already_imported": report.already_imported,
                    "other_category": report.other_category,
                    "tickets": new_tickets.iter().map(|t| t.ticket_no.as_str()).collect::<Vec<_>>(),
                })),
                ..actor.audit(
                    Action::Import,
                    "hotline_ticket",
                    None,
                    &scope.path,
                    format!(
                        "导入12345工单 {file}：生成事件{}件、待匹配{}件、已导入过{}件",
                        report.created, report.queued, report.already_imported
                    ),
                )
            },
        )
        .await?;
        jingzhi_store::commit(tx).await?;
        Ok(report)
    }

    /// Tickets waiting for a person, in scope, newest first.
    pub async fn queue(
        &self,
        actor: &Actor,
        before_id: Option<i64>,
        limit: i64,
    ) -> AppResult<Vec<Ticket>> {
        require(actor)?;
        let mut conn = self.app.store.acquire().await?;
        Ok(sh::list(&mut conn, &actor.scope(), sh::QUEUED, before_id, limit).await?)
    }

    /// Tickets in scope by status.
    pub async fn counts(&self, actor: &Actor) -> AppResult<BTreeMap<String, i64>> {
        require(actor)?;
        let mut conn = self.app.store.acquire().await?;
        Ok(sh::counts(&mut conn, &actor.scope())
            .await?
            .into_iter()
            .collect())
    }

    pub async fn ticket(&self, actor: &Actor, id: i64) -> AppResult<Ticket> {
        require(actor)?;
        let mut conn = self.app.store.acquire().await?;
        Ok(sh::get_ticket(&mut conn, &actor.scope(), id).await?)
    }

    /// The hotline ticket an event came from (for the event's page and API), if any.
    pub async fn ticket_of_event(&self, actor: &Actor, event_id: i64) -> AppResult<Option<Ticket>> {
        if actor.user.role == Role::Resident {
            return Ok(None);
        }
        let mut conn = self.app.store.acquire().await?;
        Ok(sh::ticket_of_event(&mut conn, &actor.scope(), event_id).await?)
    }

    pub async fn hotline_match(
        &self,
        actor: &Actor,
        id: i64,
        building_id: i64,
    ) -> AppResult<Ticket> {
        self.hotline_match_at(actor, id, building_id, now_ms())
            .await
    }

    /// A person picks the building of a queued ticket: the event is created (as by an import)
    /// and the ticket moves to the building. Audited.
    pub async fn hotline_match_at(
        &self,
        actor: &Actor,
        id: i64,
        building_id: i64,
        now: i64,
    ) -> AppResult<Ticket> {
        require(actor)?;
        let scope = actor.scope();
        let mut tx = self.app.store.begin().await?;
        let t = sh::get_ticket(&mut tx, &scope, id).await?;
        if t.status != sh::QUEUED {
            return Err(AppError::Conflict {
                field: "status".into(),
                reason: "该工单已处理".into(),
            });
        }
        let b = match sr::get_node(&mut tx, &scope, building_id).await {
            Ok(n) if n.kind == NodeKind::Building => n,
            Ok(_) => return Err(AppError::invalid("building_id", "请选择楼宇")),
            Err(jingzhi_store::Error::NotFound) => {
                return Err(AppError::invalid(
                    "building_id",
                    "楼宇不存在或不在您的管辖范围内",
                ))
            }
            Err(e) => return Err(e.into()),
        };
        let urgency = Urgency::parse(&t.urgency).unwrap_or(Urgency::Ordinary);
        let e = insert_event(
            &mut tx,
            actor,
            &self.app.events().deadline_policy(),
            &b,
            &t.category_code,
            urgency,
            &t.caller_name,
            &t.content,
            t.due_at,
            t.called_at,
            &event_note(&t.ticket_no, &format!("人工匹配到{}", b.name)),
            now,
        )
        .await?;
        sh::set_matched(&mut tx, &scope, id, &b.path, b.id, e.id, actor.name(), now).await?;
        audit::record(
            &mut tx,
            audit::Entry {
                before: Some(serde_json::json!({"status": sh::QUEUED})),
                after: Some(serde_json::json!({
                    "status": sh::MATCHED, "building_id": b.id, "event_id": e.id,
                })),
                ..actor.audit(
                    Action::Update,
                    "hotline_ticket",
                    Some(id),
                    &b.path,
                    format!(
                        "12345工单 {} 人工匹配到{}，生成事件#{}",
                        t.ticket_no, b.name, e.id
                    ),
                )
            },
        )
        .await?;
        let t = sh::get_ticket(&mut tx, &scope, id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(t)
    }

    pub async fn discard(&self, actor: &Actor, id: i64, reason: &str) -> AppResult<Ticket> {
        self.discard_at(actor, id, reason, now_ms()).await
    }

    /// A queued ticket is sent back (not ours, a duplicate, no place to be found) with a reason.
    /// Audited; the export reports it as 已退回 with the reason.
    pub async fn discard_at(
        &self,
        actor: &Actor,
        id: i64,
        reason: &str,
        now: i64,
    ) -> AppResult<Ticket> {
        require(actor)?;
        crate::events::text("reason", "退回原因", reason, true)?;
        let reason = reason.trim();
        let scope = actor.scope();
        let mut tx = self.app.store.begin().await?;
        let t = sh::get_ticket(&mut tx, &scope, id).await?;
        if t.status != sh::QUEUED {
            return Err(AppError::Conflict {
                field: "status".into(),
                reason: "该工单已处理".into(),
            });
        }
        sh::set_discarded(&mut tx, &scope, id, reason, actor.name(), now).await?;
        audit::record(
            &mut tx,
            audit::Entry {
                before: Some(serde_json::json!({"status": sh::QUEUED})),
                after: Some(serde_json::json!({"status": sh::DISCARDED})),
                reason: Some(reason),
                ..actor.audit(
                    Action::Update,
                    "hotline_ticket",
                    Some(id),
                    &t.path,
                    format!("12345工单 {} 退回", t.ticket_no),
                )
            },
        )
        .await?;
        let t = sh::get_ticket(&mut tx, &scope, id).await?;
        jingzhi_store::commit(tx).await?;
        Ok(t)
    }

    /// The tickets in scope called in `[from, to)` (all when not given), with what became of
    /// them, as a file in the import's format plus the result columns. Phones masked. Audited.
    pub async fn export(
        &self,
        actor: &Actor,
        from_ms: Option<i64>,
        to_ms: Option<i64>,
        format: Format,
    ) -> AppResult<HotlineExport> {
        require(actor)?;
        if let (Some(f), Some(t)) = (from_ms, to_ms) {
            if t <= f {
                return Err(AppError::invalid("to", "结束日期应晚于开始日期"));
            }
        }
        let scope = actor.scope();
        let mut rows = vec![];
        {
            let mut conn = self.app.store.acquire().await?;
            let mut after = None;
            loop {
                let page = sh::export_page(&mut conn, &scope, from_ms, to_ms, after, 2000).await?;
                let done = page.len() < 2000;
                after = page.last().map(|r| r.ticket.id);
                rows.extend(page);
                if rows.len() > MAX_EXPORT {
                    return Err(AppError::invalid(
                        "from",
                        format!("超过{MAX_EXPORT}条工单，请缩短时间范围"),
                    ));
                }
                if done {
                    break;
                }
            }
        }
        let n = rows.len();
        let bytes = tokio::task::spawn_blocking(move || write_file(format, &rows))
            .await
            .map_err(|e| AppError::Internal(format!("hotline export: {e}")))??;
        let mut tx = self.app.store.begin().await?;
        audit::record(
            &mut tx,
            audit::Entry {
                after: Some(serde_json::json!({
                    "rows": n, "from_ms": from_ms, "to_ms": to_ms, "format": format,
                })),
                ..actor.audit(
                    Action::Export,
                    "hotline_ticket",
                    None,
                    &scope.path,
                    format!("导出12345工单办理结果 {n}条"),
                )
            },
        )
        .await?;
        jingzhi_store::commit(tx).await?;
        Ok(HotlineExport {
            file_name: format!("12345工单办理结果.{}", format.ext()),
            content_type: format.content_type(),
            bytes,
            rows: n,
        })
    }
}

/// A date `YYYY-MM-DD` (China time) as the start of that day in UTC ms; `end` gives the start of
/// the next day (so `to` is inclusive).
pub fn day_bound(s: &str, end: bool, field: &'static str) -> AppResult<Option<i64>> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let d = jingzhi_domain::time_fmt::parse_date(s)
        .ok_or_else(|| AppError::invalid(field, "日期格式应为 YYYY-MM-DD"))?;
    let d = if end { d.next_day().unwrap_or(d) } else { d };
    let t = time::PrimitiveDateTime::new(d, time::Time::MIDNIGHT)
        .assume_offset(jingzhi_domain::time_fmt::CST);
    Ok(Some((t.unix_timestamp_nanos() / 1_000_000) as i64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excel_times_are_china_time() {
        // 2026-11-27 10:30 is serial 46353.4375.
        let ms = excel_serial_ms(46353.4375).unwrap();
        assert_eq!(dh::format_datetime(ms), "2026-11-27 10:30:00");
    }

    #[test]
    fn day_bounds_include_the_last_day() {
        let a = day_bound("2026-11-01", false, "from").unwrap().unwrap();
        let b = day_bound("2026-11-01", true, "to").unwrap().unwrap();
        assert_eq!(b - a, 86_400_000);
        assert_eq!(dh::format_datetime(a), "2026-11-01 00:00:00");
        assert!(day_bound("11/01", false, "from").is_err());
        assert_eq!(day_bound("", false, "from").unwrap(), None);
    }
}
