//! Spreadsheets, the one place that reads and writes them: `.xlsx` and UTF-8 `.csv` files in,
//! as a [`Sheet`] of [`Cell`]s (the import of residents and of 12345 tickets); `.xlsx` and
//! `.csv` files out, from a [`SheetSpec`] (name, columns, header style) and rows of typed
//! [`Value`]s (every export, the rejects of an import, the import template), either whole in
//! memory ([`XlsxWriter`], [`csv_bytes`]) or streamed page by page to a constant-memory file on a
//! blocking thread ([`XlsxStream`]).
//!
//! The pure rules live in `jingzhi_domain::spreadsheet`: which cells a spreadsheet program would
//! take for a formula, and Excel's date serials. Here they are applied to every cell:
//!
//! - **No cell is ever a formula.** A [`Value`] has no formula variant; text goes into an xlsx
//!   file as a string cell, and a text that begins like a formula (`=`, `+`, `-`, `@`, tab,
//!   carriage return) also gets Excel's quote prefix (the style Excel itself gives `'=…` typed
//!   into a cell), so that editing the cell does not turn it into one either. In CSV, where
//!   every cell is text to the program that opens it, such a text is written with a leading `'`
//!   (OWASP's rule on CSV injection), which [`read_csv`] takes off again so that a downloaded
//!   file imports as it was. Numbers are written as numbers.
//! - A text longer than Excel's cell limit is cut (ending in `…`) rather than failing the file.
//! - A sheet holds at most [`SHEET_ROWS`] data rows; longer tables continue on further sheets
//!   named `<name>2`, `<name>3`, … with the same header.

use crate::{AppError, AppResult};
use calamine::{Data, Reader};
use jingzhi_domain::spreadsheet::{is_formula_like, safe_cell, unquote_cell};
use std::path::{Path, PathBuf};

pub use jingzhi_domain::spreadsheet::{excel_serial_date, excel_serial_datetime};

pub const XLSX_CONTENT_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
pub const CSV_CONTENT_TYPE: &str = "text/csv; charset=utf-8";

/// Data rows per worksheet (Excel's limit is 1,048,576 rows including the header).
pub const SHEET_ROWS: u32 = 1_000_000;
/// Excel refuses cells longer than this.
pub const CELL_MAX: usize = 32_767;

/// The two spreadsheet formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Csv,
}

// ----------------------------------------------------------------------------------------------
// Reading

/// A cell as read: spreadsheets may hold numbers and dates where a column wants text.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    /// An Excel date serial (days since 1899-12-30; [`excel_serial_datetime`]).
    Date(f64),
}

impl Cell {
    pub fn from_data(d: &Data) -> Cell {
        match d {
            Data::Empty => Cell::Text(String::new()),
            Data::String(s) => Cell::Text(s.clone()),
            Data::Int(i) => Cell::Number(*i as f64),
            Data::Float(f) => Cell::Number(*f),
            Data::Bool(b) => Cell::Text(if *b { "是" } else { "否" }.into()),
            Data::DateTime(dt) => Cell::Date(dt.as_f64()),
            Data::DateTimeIso(s) => Cell::Text(s.chars().take(10).collect()),
            Data::DurationIso(s) => Cell::Text(s.clone()),
            Data::Error(e) => Cell::Text(format!("#{e:?}")),
        }
    }

    /// The cell as text, numbers without a needless `.0`.
    pub fn text(&self) -> String {
        match self {
            Cell::Text(s) => s.trim().to_string(),
            Cell::Number(n) | Cell::Date(n) => number_text(*n),
        }
    }

    pub fn is_blank(&self) -> bool {
        matches!(self, Cell::Text(s) if s.trim().is_empty())
    }
}

fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// A sheet as read: the header row and the non-blank data rows, with their spreadsheet rows
/// (1-based, as a spreadsheet program numbers them).
#[derive(Debug, Clone)]
pub struct Sheet {
    pub header_row: usize,
    pub headers: Vec<String>,
    pub rows: Vec<(usize, Vec<Cell>)>,
}

/// Read a file of `format` (see [`read_xlsx`], [`read_csv`]).
pub fn read(format: Format, bytes: &[u8], max_rows: usize) -> AppResult<Sheet> {
    match format {
        Format::Xlsx => read_xlsx(bytes, max_rows),
        Format::Csv => read_csv(bytes, max_rows),
    }
}

fn too_many_rows(max_rows: usize) -> AppError {
    AppError::invalid(
        "file",
        format!("文件超过{max_rows}行，请拆分为多个文件分批导入"),
    )
}

/// The first worksheet of an `.xlsx` workbook: its first used row is the header; blank rows
/// are skipped; more than `max_rows` data rows reject the file.
pub fn read_xlsx(bytes: &[u8], max_rows: usize) -> AppResult<Sheet> {
    let bad = || {
        AppError::invalid(
            "file",
            "无法读取该 .xlsx 文件，请确认文件完好且为Excel工作簿",
        )
    };
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).map_err(|_| bad())?;
    let range = wb
        .worksheet_range_at(0)
        .ok_or_else(bad)?
        .map_err(|_| bad())?;
    let Some((r0, _)) = range.start() else {
        return Err(AppError::invalid("file", "文件中没有数据"));
    };
    let mut rows = range.rows();
    let headers: Vec<String> = rows
        .next()
        .map(|r| r.iter().map(|c| Cell::from_data(c).text()).collect())
        .unwrap_or_default();
    let header_row = r0 as usize + 1;
    let mut out = vec![];
    for (i, r) in rows.enumerate() {
        let cells: Vec<Cell> = r.iter().map(Cell::from_data).collect();
        if cells.iter().all(Cell::is_blank) {
            continue;
        }
        if out.len() >= max_rows {
            return Err(too_many_rows(max_rows));
        }
        out.push((header_row + 1 + i, cells));
    }
    Ok(Sheet {
        header_row,
        headers,
        rows: out,
    })
}

/// A UTF-8 `.csv` file (with or without a BOM): its first non-blank line is the header; blank
/// lines are skipped; a cell quoted by [`csv_bytes`] so that it is not taken for a formula reads
/// as it was; more than `max_rows` data rows reject the file. Every cell is text.
pub fn read_csv(bytes: &[u8], max_rows: usize) -> AppResult<Sheet> {
    let text = std::str::from_utf8(bytes).map_err(|_| {
        AppError::invalid(
            "file",
            "CSV文件应为UTF-8编码：请在Excel中“另存为 → CSV UTF-8（逗号分隔）”，或改用 .xlsx",
        )
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut header: Option<(usize, Vec<String>)> = None;
    let mut out = vec![];
    let (mut counted_to, mut lines_before) = (0usize, 0usize);
    for rec in rdr.records() {
        let rec = rec.map_err(|e| AppError::invalid("file", format!("CSV格式有误: {e}")))?;
        // The spreadsheet row: lines before the record's first byte, plus one (counted on from
        // the previous record, so the whole file is scanned once).
        if let Some(p) = rec.position() {
            let mut at = (p.byte() as usize).min(text.len());
            // A record's position may point at the end of the previous line terminator.
            while at < text.len() && matches!(text.as_bytes()[at], b'\r' | b'\n') {
                at += 1;
            }
            if at > counted_to {
                lines_before += text.as_bytes()[counted_to..at]
                    .iter()
                    .filter(|b| **b == b'\n')
                    .count();
                counted_to = at;
            }
        }
        let line = lines_before + 1;
        let cells: Vec<String> = rec.iter().map(|c| unquote_cell(c).to_string()).collect();
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if header.is_none() {
            header = Some((line, cells.iter().map(|c| c.trim().to_string()).collect()));
            continue;
        }
        if out.len() >= max_rows {
            return Err(too_many_rows(max_rows));
        }
        out.push((line, cells.into_iter().map(Cell::Text).collect()));
    }
    let (header_row, headers) =
        header.ok_or_else(|| AppError::invalid("file", "文件中没有数据"))?;
    Ok(Sheet {
        header_row,
        headers,
        rows: out,
    })
}

// ----------------------------------------------------------------------------------------------
// Writing

/// A value to write in a cell. There is no formula: see the module's documentation.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Number(f64),
    Empty,
}

impl Value {
    /// 是 or 否.
    pub fn yes_no(b: bool) -> Value {
        Value::Text(if b { "是" } else { "否" }.into())
    }

    /// A number, or an empty cell.
    pub fn opt_number(n: Option<f64>) -> Value {
        n.map(Value::Number).unwrap_or(Value::Empty)
    }

    /// The cell's text in a CSV file: the injection rule applied to text, numbers as numbers.
    fn csv_text(&self) -> String {
        match self {
            Value::Text(s) => safe_cell(s).into_owned(),
            Value::Number(n) => number_text(*n),
            Value::Empty => String::new(),
        }
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Text(s)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Text(s.to_string())
    }
}

impl From<&String> for Value {
    fn from(s: &String) -> Self {
        Value::Text(s.clone())
    }
}

impl From<Option<String>> for Value {
    fn from(s: Option<String>) -> Self {
        s.map(Value::Text).unwrap_or(Value::Empty)
    }
}

macro_rules! number_values {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(n: $t) -> Self {
                Value::Number(n as f64)
            }
        }
        impl From<Option<$t>> for Value {
            fn from(n: Option<$t>) -> Self {
                n.map(Value::from).unwrap_or(Value::Empty)
            }
        }
    )*};
}
number_values!(f64, i64, i32, u32, u64, usize);

/// A column: its header, its width in Excel's character units (default: Excel's), and whether
/// its header is marked (red, as the template marks required columns).
#[derive(Debug, Clone)]
pub struct Column {
    pub header: String,
    pub width: Option<f64>,
    pub marked: bool,
}

impl Column {
    pub fn new(header: impl Into<String>) -> Column {
        Column {
            header: header.into(),
            width: None,
            marked: false,
        }
    }

    pub fn width(mut self, w: f64) -> Column {
        self.width = Some(w);
        self
    }

    pub fn marked(mut self, marked: bool) -> Column {
        self.marked = marked;
        self
    }
}

impl From<&str> for Column {
    fn from(h: &str) -> Self {
        Column::new(h)
    }
}

impl From<String> for Column {
    fn from(h: String) -> Self {
        Column::new(h)
    }
}

impl From<&(&str, f64)> for Column {
    fn from((h, w): &(&str, f64)) -> Self {
        Column::new(*h).width(*w)
    }
}

/// A worksheet's shape: its name, columns and header; the rows come separately.
#[derive(Debug, Clone)]
pub struct SheetSpec {
    pub name: String,
    pub columns: Vec<Column>,
    /// A bold header on a light blue band (otherwise only bold).
    pub shaded_header: bool,
    /// Every column formatted as text (`@`), so that Excel keeps codes, ID and phone numbers
    /// typed into it as they are; the cells written are text too.
    pub text_columns: bool,
    /// The header row stays in view when scrolling.
    pub freeze_header: bool,
}

impl SheetSpec {
    pub fn new<C: Into<Column>>(
        name: impl Into<String>,
        columns: impl IntoIterator<Item = C>,
    ) -> SheetSpec {
        SheetSpec {
            name: name.into(),
            columns: columns.into_iter().map(Into::into).collect(),
            shaded_header: false,
            text_columns: false,
            freeze_header: false,
        }
    }

    pub fn shaded_header(mut self) -> SheetSpec {
        self.shaded_header = true;
        self
    }

    pub fn text_columns(mut self) -> SheetSpec {
        self.text_columns = true;
        self
    }

    pub fn freeze_header(mut self) -> SheetSpec {
        self.freeze_header = true;
        self
    }

    pub fn headers(&self) -> impl Iterator<Item = &str> {
        self.columns.iter().map(|c| c.header.as_str())
    }
}

/// A failure to write a file (an internal error: the data is ours).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct WriteError(pub String);

impl From<rust_xlsxwriter::XlsxError> for WriteError {
    fn from(e: rust_xlsxwriter::XlsxError) -> Self {
        WriteError(e.to_string())
    }
}

impl From<csv::Error> for WriteError {
    fn from(e: csv::Error) -> Self {
        WriteError(e.to_string())
    }
}

impl WriteError {
    /// As the use-case's error, saying what was being written.
    pub fn app(self, what: &str) -> AppError {
        AppError::Internal(format!("{what}: {}", self.0))
    }
}

/// The cell formats of a workbook.
struct Formats {
    head: rust_xlsxwriter::Format,
    head_shaded: rust_xlsxwriter::Format,
    head_marked: rust_xlsxwriter::Format,
    head_shaded_marked: rust_xlsxwriter::Format,
    text: rust_xlsxwriter::Format,
    quoted: rust_xlsxwriter::Format,
    text_quoted: rust_xlsxwriter::Format,
}

impl Formats {
    fn new() -> Formats {
        use rust_xlsxwriter::{Color, Format};
        let shade = Color::RGB(0xDDEBF7);
        let red = Color::RGB(0xC00000);
        Formats {
            head: Format::new().set_bold(),
            head_shaded: Format::new().set_bold().set_background_color(shade),
            head_marked: Format::new().set_bold().set_font_color(red),
            head_shaded_marked: Format::new()
                .set_bold()
                .set_font_color(red)
                .set_background_color(shade),
            text: Format::new().set_num_format("@"),
            quoted: Format::new().set_quote_prefix(),
            text_quoted: Format::new().set_num_format("@").set_quote_prefix(),
        }
    }

    fn header(&self, spec: &SheetSpec, c: &Column) -> &rust_xlsxwriter::Format {
        match (spec.shaded_header, c.marked) {
            (false, false) => &self.head,
            (true, false) => &self.head_shaded,
            (false, true) => &self.head_marked,
            (true, true) => &self.head_shaded_marked,
        }
    }
}

/// A text cut to Excel's cell limit.
fn fit(s: String) -> String {
    if s.len() > CELL_MAX && s.chars().count() > CELL_MAX {
        s.chars().take(CELL_MAX - 1).chain(['…']).collect()
    } else {
        s
    }
}

/// An `.xlsx` workbook written sheet by sheet, row by row: [`XlsxWriter::sheet`] starts a sheet
/// (writing its header), [`XlsxWriter::row`] adds a row to it.
pub struct XlsxWriter {
    wb: rust_xlsxwriter::Workbook,
    constant_memory: bool,
    formats: Formats,
    /// The current sheet: its spec, its index, its part (1, 2, … past [`SHEET_ROWS`]) and the
    /// data rows written to it.
    current: Option<(SheetSpec, usize, u32, u32)>,
    rows: u64,
    /// Data rows per sheet ([`SHEET_ROWS`]; less in tests).
    sheet_rows: u32,
}

impl Default for XlsxWriter {
    fn default() -> Self {
        XlsxWriter::new()
    }
}

impl XlsxWriter {
    /// A workbook held in memory until saved.
    pub fn new() -> XlsxWriter {
        XlsxWriter {
            wb: rust_xlsxwriter::Workbook::new(),
            constant_memory: false,
            formats: Formats::new(),
            current: None,
            rows: 0,
            sheet_rows: SHEET_ROWS,
        }
    }

    /// A workbook whose sheets write each row out as soon as the next one starts (to a
    /// temporary file), so that a table of any length takes constant memory.
    pub fn constant_memory() -> XlsxWriter {
        XlsxWriter {
            constant_memory: true,
            ..XlsxWriter::new()
        }
    }

    fn add_sheet(&mut self, spec: SheetSpec, part: u32) -> Result<(), WriteError> {
        let index = self.current.as_ref().map(|c| c.1 + 1).unwrap_or(0);
        let ws = if self.constant_memory {
            self.wb.add_worksheet_with_constant_memory()?
        } else {
            self.wb.add_worksheet()
        };
        ws.set_name(if part == 1 {
            spec.name.clone()
        } else {
            format!("{}{part}", spec.name)
        })?;
        // Widths, formats and panes before any row: a constant-memory sheet writes rows at once.
        for (i, c) in spec.columns.iter().enumerate() {
            let i = i as u16;
            if let Some(w) = c.width {
                ws.set_column_width(i, w)?;
            }
            if spec.text_columns {
                ws.set_column_format(i, &self.formats.text)?;
            }
        }
        if spec.freeze_header {
            ws.set_freeze_panes(1, 0)?;
        }
        for (i, c) in spec.columns.iter().enumerate() {
            ws.write_string_with_format(0, i as u16, fit(c.header.clone()), {
                self.formats.header(&spec, c)
            })?;
        }
        self.current = Some((spec, index, part, 0));
        Ok(())
    }

    /// Start a sheet and write its header row.
    pub fn sheet(&mut self, spec: SheetSpec) -> Result<(), WriteError> {
        self.add_sheet(spec, 1)
    }

    /// Add a row to the current sheet (continuing on a new one past [`SHEET_ROWS`]). Empty
    /// texts are left blank.
    pub fn row<V: Into<Value>>(
        &mut self,
        cells: impl IntoIterator<Item = V>,
    ) -> Result<(), WriteError> {
        let Some((spec, _, part, n)) = &self.current else {
            return Err(WriteError("a row before any sheet".into()));
        };
        if *n == self.sheet_rows {
            let (spec, part) = (spec.clone(), *part + 1);
            self.add_sheet(spec, part)?;
        }
        let Some((spec, index, _, n)) = &mut self.current else {
            unreachable!("a sheet was started above");
        };
        *n += 1;
        self.rows += 1;
        let r = *n;
        let ws = self.wb.worksheet_from_index(*index)?;
        let f = &self.formats;
        for (c, v) in cells.into_iter().enumerate() {
            let c = c as u16;
            match v.into() {
                Value::Text(s) if s.is_empty() => {}
                Value::Text(s) => {
                    let s = fit(s);
                    match (spec.text_columns, is_formula_like(&s)) {
                        (false, false) => ws.write_string(r, c, s)?,
                        (true, false) => ws.write_string_with_format(r, c, s, &f.text)?,
                        (false, true) => ws.write_string_with_format(r, c, s, &f.quoted)?,
                        (true, true) => ws.write_string_with_format(r, c, s, &f.text_quoted)?,
                    };
                }
                Value::Number(x) => {
                    ws.write_number(r, c, x)?;
                }
                Value::Empty => {}
            }
        }
        Ok(())
    }

    /// Data rows written so far (headers not counted), over every sheet.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    pub fn to_bytes(mut self) -> Result<Vec<u8>, WriteError> {
        Ok(self.wb.save_to_buffer()?)
    }

    pub fn save(mut self, path: &Path) -> Result<(), WriteError> {
        Ok(self.wb.save(path)?)
    }
}

/// One sheet as an `.xlsx` file.
pub fn xlsx_bytes<R, V>(spec: SheetSpec, rows: R) -> Result<Vec<u8>, WriteError>
where
    R: IntoIterator,
    R::Item: IntoIterator<Item = V>,
    V: Into<Value>,
{
    let mut w = XlsxWriter::new();
    w.sheet(spec)?;
    for r in rows {
        w.row(r)?;
    }
    w.to_bytes()
}

/// A table as a UTF-8 `.csv` file: a BOM (so that Excel opens it with the right encoding), the
/// header, the rows; text that begins like a formula prefixed with `'`.
pub fn csv_bytes<R, V>(spec: &SheetSpec, rows: R) -> Result<Vec<u8>, WriteError>
where
    R: IntoIterator,
    R::Item: IntoIterator<Item = V>,
    V: Into<Value>,
{
    let mut w = csv::WriterBuilder::new().from_writer("\u{feff}".as_bytes().to_vec());
    w.write_record(spec.headers().map(|h| safe_cell(h).into_owned()))?;
    for r in rows {
        w.write_record(r.into_iter().map(|v| v.into().csv_text()))?;
    }
    w.into_inner().map_err(|e| WriteError(e.to_string()))
}

/// One sheet in either format.
pub fn table_bytes<R, V>(format: Format, spec: SheetSpec, rows: R) -> Result<Vec<u8>, WriteError>
where
    R: IntoIterator,
    R::Item: IntoIterator<Item = V>,
    V: Into<Value>,
{
    match format {
        Format::Xlsx => xlsx_bytes(spec, rows),
        Format::Csv => csv_bytes(&spec, rows),
    }
}

/// One sheet written to an `.xlsx` file at a path page by page from async code: the rows go
/// over a channel to a constant-memory writer on a blocking thread, so a city-wide export
/// never holds the list in memory.
pub struct XlsxStream {
    tx: tokio::sync::mpsc::Sender<Vec<Vec<Value>>>,
    handle: tokio::task::JoinHandle<Result<u64, WriteError>>,
    path: PathBuf,
}

impl XlsxStream {
    pub fn start(path: &Path, spec: SheetSpec) -> XlsxStream {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<Vec<Value>>>(2);
        let file = path.to_path_buf();
        let handle = tokio::task::spawn_blocking(move || -> Result<u64, WriteError> {
            let mut w = XlsxWriter::constant_memory();
            w.sheet(spec)?;
            while let Some(page) = rx.blocking_recv() {
                for cells in page {
                    w.row(cells)?;
                }
            }
            let n = w.rows();
            w.save(&file)?;
            Ok(n)
        });
        XlsxStream {
            tx,
            handle,
            path: path.to_path_buf(),
        }
    }

    /// Send a page of rows to the writer.
    pub async fn send(&self, page: Vec<Vec<Value>>) -> AppResult<()> {
        if self.tx.send(page).await.is_err() {
            // The writer stopped: its error comes out of finish().
            return Err(AppError::Internal("export writer stopped".into()));
        }
        Ok(())
    }

    /// Close the file; the data rows written.
    pub async fn finish(self) -> AppResult<u64> {
        drop(self.tx);
        self.handle
            .await
            .map_err(|e| AppError::Internal(format!("export writer: {e}")))?
            .map_err(|e| e.app("writing the .xlsx file"))
    }

    /// Stop after a failure, removing the unfinished file.
    pub async fn abort(self) {
        drop(self.tx);
        let _ = self.handle.await;
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NASTY: [&str; 6] = [
        "=HYPERLINK(\"http://evil.example\",\"点击\")",
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1:A2)",
        "\t=1",
        "\r=1",
    ];

    fn spec() -> SheetSpec {
        SheetSpec::new("表", ["内容", "数"])
    }

    fn rows() -> Vec<Vec<Value>> {
        let mut rows: Vec<Vec<Value>> = NASTY
            .iter()
            .map(|s| vec![Value::from(*s), Value::Number(-5.0)])
            .collect();
        rows.push(vec!["王建国".into(), Value::Empty]);
        rows
    }

    fn read_back(bytes: &[u8]) -> (Vec<Vec<Data>>, usize) {
        let mut wb: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
        let name = wb.sheet_names()[0].clone();
        let formulas = wb.worksheet_formula(&name).unwrap();
        let n_formulas = formulas
            .used_cells()
            .filter(|(_, _, f)| !f.is_empty())
            .count();
        let range = wb.worksheet_range(&name).unwrap();
        (range.rows().map(|r| r.to_vec()).collect(), n_formulas)
    }

    #[test]
    fn xlsx_text_that_looks_like_a_formula_is_a_string_cell() {
        for text_columns in [false, true] {
            let mut s = spec();
            s.text_columns = text_columns;
            let bytes = xlsx_bytes(s, rows()).unwrap();
            let (cells, formulas) = read_back(&bytes);
            assert_eq!(formulas, 0, "no cell is a formula");
            assert_eq!(cells[0][0], Data::String("内容".into()));
            for (i, nasty) in NASTY.iter().enumerate() {
                // The text as it was (no quote added in xlsx), as a string; numbers stay numbers.
                // (A carriage return is stored as OOXML's `_x000D_`, which calamine leaves as is.)
                let stored = nasty.replace('\r', "_x000D_");
                assert_eq!(cells[i + 1][0], Data::String(stored), "{nasty:?}");
                assert_eq!(cells[i + 1][1], Data::Float(-5.0));
            }
            assert_eq!(cells[7][0], Data::String("王建国".into()));
            assert_eq!(cells[7][1], Data::Empty);
        }
    }

    #[test]
    fn streamed_xlsx_follows_the_same_rule() {
        let path = std::env::temp_dir().join(format!("jz-sheet-{}.xlsx", std::process::id()));
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let n = rt.block_on(async {
            let s = XlsxStream::start(&path, spec().shaded_header().freeze_header());
            s.send(rows()).await.unwrap();
            s.finish().await.unwrap()
        });
        assert_eq!(n, 7);
        let bytes = std::fs::read(&path).unwrap();
        let _ = std::fs::remove_file(&path);
        let (cells, formulas) = read_back(&bytes);
        assert_eq!(formulas, 0);
        assert_eq!(cells[1][0], Data::String(NASTY[0].into()));
        assert_eq!(cells[3][0], Data::String("-2+3".into()));
    }

    #[test]
    fn csv_text_that_looks_like_a_formula_is_quoted_and_reads_back() {
        let bytes = csv_bytes(&SheetSpec::new("x", ["=内容", "数"]), rows()).unwrap();
        let text = std::str::from_utf8(&bytes).unwrap();
        assert!(text.starts_with('\u{feff}'));
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let recs: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
        assert_eq!(&recs[0][0], "'=内容");
        for (i, nasty) in NASTY.iter().enumerate() {
            assert_eq!(&recs[i + 1][0], format!("'{nasty}"));
            // A number is a number, not text that begins with a minus.
            assert_eq!(&recs[i + 1][1], "-5");
        }
        assert_eq!(&recs[7][0], "王建国");
        assert_eq!(&recs[7][1], "");
        for r in &recs {
            assert!(!is_formula_like(&r[0]), "{:?}", &r[0]);
        }
        // Read back, the quote comes off.
        let sheet = read_csv(&bytes, 100).unwrap();
        assert_eq!(sheet.headers[0], "=内容");
        for (i, nasty) in NASTY.iter().enumerate() {
            assert_eq!(sheet.rows[i].1[0], Cell::Text(nasty.to_string()));
        }
    }

    #[test]
    fn long_tables_continue_on_further_sheets() {
        let mut w = XlsxWriter::new();
        w.sheet_rows = 2;
        w.sheet(spec().freeze_header()).unwrap();
        for i in 0..5 {
            w.row([Value::from(format!("r{i}")), Value::from(i)])
                .unwrap();
        }
        assert_eq!(w.rows(), 5);
        let bytes = w.to_bytes().unwrap();
        let mut wb: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(wb.sheet_names(), ["表", "表2", "表3"]);
        let last = wb.worksheet_range("表3").unwrap();
        let rows: Vec<_> = last.rows().collect();
        assert_eq!(rows[0][0], Data::String("内容".into()));
        assert_eq!(rows[1][0], Data::String("r4".into()));
    }

    #[test]
    fn long_cells_are_cut() {
        let long = "长".repeat(CELL_MAX + 10);
        let bytes = xlsx_bytes(spec(), [vec![Value::Text(long)]]).unwrap();
        let (cells, _) = read_back(&bytes);
        match &cells[1][0] {
            Data::String(s) => {
                assert_eq!(s.chars().count(), CELL_MAX);
                assert!(s.ends_with('…'));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn reading_counts_spreadsheet_rows_and_limits_them() {
        let csv = "\u{feff}\n姓名,年龄\n\n王芳,30\n\"李\n四\",40\n";
        let s = read_csv(csv.as_bytes(), 10).unwrap();
        assert_eq!(s.header_row, 2);
        assert_eq!(s.headers, ["姓名", "年龄"]);
        assert_eq!(s.rows[0].0, 4);
        assert_eq!(s.rows[1].0, 5);
        assert!(read_csv(csv.as_bytes(), 1).is_err());
        assert!(read_csv(&[0xff, 0xfe], 10).is_err());

        let bytes = xlsx_bytes(
            SheetSpec::new("s", ["姓名", "出生"]),
            [
                vec![Value::from("王芳"), Value::Number(29221.0)],
                vec![Value::Empty, Value::Empty],
                vec![Value::from("李四"), Value::Number(1.5)],
            ],
        )
        .unwrap();
        let s = read_xlsx(&bytes, 10).unwrap();
        assert_eq!(s.header_row, 1);
        assert_eq!(s.rows.len(), 2);
        assert_eq!(s.rows[0].1[1].text(), "29221");
        assert_eq!(s.rows[1].0, 4);
        assert_eq!(s.rows[1].1[1].text(), "1.5");
        assert!(read_xlsx(&bytes, 1).is_err());
        assert!(read_xlsx(b"not a zip", 10).is_err());
    }
}
