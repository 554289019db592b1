//! The event dashboard: the numbers of `docs/metrics.md` for any place in scope and any period,
//! grouped by month, category, child place and (for 吹哨报到) department, and their `.xlsx`
//! export.
//!
//! Whole months at a place above the community level are read from the monthly rollup (a city
//! of 300,000 events in a few thousand rows); anything else counts the events themselves.

use crate::spreadsheet::{Column, SheetSpec, Value, WriteError, XlsxWriter};
use crate::{Actor, App, AppError, AppResult};
use jingzhi_domain::audit::Action;
use jingzhi_domain::auth::Role;
use jingzhi_domain::events::metrics::{
    self as m, Breakdown, Child, Counts, DepartmentCounts, DepartmentRates, Rates,
};
use jingzhi_domain::registry::NodeKind;
use jingzhi_domain::time_fmt::now_ms;
use jingzhi_store::{audit, events as se, metrics as sm, registry as sr};
use serde::Serialize;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// Longest period the dashboard counts (10 years).
pub const MAX_MONTHS: usize = 120;

#[derive(Debug, Clone, Serialize)]
pub struct PlaceRef {
    pub id: i64,
    pub name: String,
    pub kind: NodeKind,
}

#[derive(Debug, Clone, Serialize)]
pub struct MonthRow {
    /// `yyyymm`.
    pub month: i32,
    /// `2026-03`.
    pub label: String,
    pub counts: Counts,
    pub rates: Rates,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChildRow {
    pub place: PlaceRef,
    pub counts: Counts,
    pub rates: Rates,
    /// 12345 events per month of the period (same order as `Dashboard::by_month`).
    pub hotline_by_month: Vec<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CategoryRow {
    pub code: String,
    pub name: String,
    pub events: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct DepartmentRow {
    /// The department's registry code (empty for the total); `counts.department` is its name.
    pub code: String,
    pub counts: DepartmentCounts,
    pub rates: DepartmentRates,
}

/// Everything the dashboard page, its export and the metrics API show.
#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    pub place: PlaceRef,
    /// From the top of the caller's scope down to the parent of `place`.
    pub ancestors: Vec<PlaceRef>,
    pub from_ms: i64,
    pub to_ms: i64,
    /// `rollup` (monthly counts) or `events` (counted directly).
    pub counted_from: &'static str,
    pub counts: Counts,
    pub rates: Rates,
    pub by_month: Vec<MonthRow>,
    /// Largest first.
    pub by_category: Vec<CategoryRow>,
    pub by_child: Vec<ChildRow>,
    /// Most summoned first.
    pub departments: Vec<DepartmentRow>,
}

impl Dashboard {
    /// Whistles' departments in total.
    pub fn department_total(&self) -> DepartmentRow {
        let mut t = DepartmentCounts {
            department: "合计".into(),
            ..Default::default()
        };
        for d in &self.departments {
            let c = &d.counts;
            t.summoned += c.summoned;
            t.reported_in += c.reported_in;
            t.reported_in_on_time += c.reported_in_on_time;
            t.report_in_ms_total += c.report_in_ms_total;
            t.tasks += c.tasks;
            t.tasks_done += c.tasks_done;
            t.satisfied += c.satisfied;
            t.fairly_satisfied += c.fairly_satisfied;
            t.dissatisfied += c.dissatisfied;
        }
        DepartmentRow {
            code: String::new(),
            rates: m::department_rates(&t),
            counts: t,
        }
    }
}

type DashboardKey = (i64, i64, i64, i64);

/// Dashboards computed in the last [`DashboardCache::TTL_MS`], by (caller's scope node, place,
/// from, to).
#[derive(Debug, Default, Clone)]
pub struct DashboardCache {
    entries: Arc<std::sync::Mutex<HashMap<DashboardKey, (i64, Arc<Dashboard>)>>>,
    computing: Arc<tokio::sync::Mutex<()>>,
}

impl DashboardCache {
    pub const TTL_MS: i64 = 15_000;
    const MAX_ENTRIES: usize = 2_000;

    fn get(&self, k: &DashboardKey) -> Option<Arc<Dashboard>> {
        let e = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        e.get(k)
            .filter(|(at, _)| now_ms() - at < Self::TTL_MS)
            .map(|(_, d)| d.clone())
    }

    fn put(&self, k: DashboardKey, d: Arc<Dashboard>) {
        let now = now_ms();
        let mut e = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if e.len() >= Self::MAX_ENTRIES {
            e.retain(|_, (at, _)| now - *at < Self::TTL_MS);
            if e.len() >= Self::MAX_ENTRIES {
                e.clear();
            }
        }
        e.insert(k, (now, d));
    }
}

fn place(n: &sr::Node) -> PlaceRef {
    PlaceRef {
        id: n.id,
        name: n.name.clone(),
        kind: n.kind,
    }
}

/// Metrics: the event dashboard and its export. Reached as `app.metrics()`.
#[derive(Clone, Copy)]
pub struct Metrics<'a> {
    app: &'a App,
}

impl App {
    /// See [`Metrics`].
    pub fn metrics(&self) -> Metrics<'_> {
        Metrics { app: self }
    }
}

impl Metrics<'_> {
    /// The dashboard of `node_id` (the caller's scope node by default) for events reported in
    /// `[from_ms, to_ms)` (the last twelve months by default). Not for residents.
    pub async fn dashboard(
        &self,
        actor: &Actor,
        node_id: Option<i64>,
        from_ms: Option<i64>,
        to_ms: Option<i64>,
    ) -> AppResult<Dashboard> {
        let (from, to) = Self::dashboard_period(actor, from_ms, to_ms)?;
        self.compute_dashboard(actor, node_id, from, to).await
    }

    /// [`Metrics::dashboard`] as the pages and the API serve it: kept for
    /// [`DashboardCache::TTL_MS`] per (caller's scope, place, period). A dashboard a few seconds
    /// old is fine, and many people opening the city's dashboard at once then cost one
    /// computation, not one each (misses are computed one at a time).
    pub async fn dashboard_cached(
        &self,
        actor: &Actor,
        node_id: Option<i64>,
        from_ms: Option<i64>,
        to_ms: Option<i64>,
    ) -> AppResult<Arc<Dashboard>> {
        let (from, to) = Self::dashboard_period(actor, from_ms, to_ms)?;
        let scope = actor.scope();
        let key = (scope.node_id, node_id.unwrap_or(scope.node_id), from, to);
        if let Some(d) = self.app.dashboards.get(&key) {
            return Ok(d);
        }
        let _one = self.app.dashboards.computing.lock().await;
        if let Some(d) = self.app.dashboards.get(&key) {
            return Ok(d);
        }
        let d = Arc::new(self.compute_dashboard(actor, node_id, from, to).await?);
        self.app.dashboards.put(key, d.clone());
        Ok(d)
    }

    fn dashboard_period(
        actor: &Actor,
        from_ms: Option<i64>,
        to_ms: Option<i64>,
    ) -> AppResult<(i64, i64)> {
        if actor.user.role == Role::Resident {
            return Err(AppError::Forbidden);
        }
        let (dfrom, dto) = m::last_twelve_months(now_ms());
        let (from, to) = (from_ms.unwrap_or(dfrom), to_ms.unwrap_or(dto));
        if to <= from {
            return Err(AppError::invalid("to", "结束时间应晚于开始时间"));
        }
        Ok((from, to))
    }

    async fn compute_dashboard(
        &self,
        actor: &Actor,
        node_id: Option<i64>,
        from: i64,
        to: i64,
    ) -> AppResult<Dashboard> {
        let scope = actor.scope();
        let mut conn = self.app.store.acquire().await?;
        let node = sr::get_node(&mut conn, &scope, node_id.unwrap_or(scope.node_id)).await?;
        let mut ancestors = sr::ancestors(&mut conn, &scope, &node.path).await?;
        ancestors.retain(|a| a.id != node.id);
        let children: Vec<Child> = sr::children(&mut conn, &scope, node.id)
            .await?
            .into_iter()
            .map(|c| Child {
                id: c.id,
                name: c.name,
                path: c.path,
            })
            .collect();
        let rollup = match m::whole_months(from, to) {
            Some(ms) if node.kind.depth() < NodeKind::Community.depth() => Some(ms),
            _ => None,
        };
        let (months, rows, cats) = if let Some((a, b)) = rollup {
            let months = m::months(a, b);
            if months.len() > MAX_MONTHS {
                return Err(AppError::invalid("from", "统计期间不能超过10年"));
            }
            let rows = sm::rollup_by_child_month(&mut conn, &node.path, a, b).await?;
            let cats = sm::rollup_by_category(&mut conn, &node.path, a, b).await?;
            (months, rows, cats)
        } else {
            let months = m::months(m::month_of(from), m::next_month(m::month_of(to - 1)));
            if months.len() > MAX_MONTHS {
                return Err(AppError::invalid("from", "统计期间不能超过10年"));
            }
            let starts: Vec<i64> = months.iter().map(|x| m::month_start(*x)).collect();
            let rows = sm::direct_rows(&mut conn, &node.path, from, to, &months, &starts).await?;
            let cats = sm::direct_by_category(&mut conn, &node.path, from, to).await?;
            (months, rows, cats)
        };
        let Breakdown {
            total,
            by_month,
            by_child,
            hotline_by_child_month,
        } = m::breakdown(&rows, &months, &children);
        let names = se::categories(&mut conn).await?;
        let mut by_category: Vec<CategoryRow> = cats
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .map(|(code, events)| CategoryRow {
                name: names
                    .iter()
                    .find(|c| c.category.code == code)
                    .map(|c| c.category.name.clone())
                    .unwrap_or_else(|| code.clone()),
                code,
                events,
            })
            .collect();
        by_category.sort_by(|a, b| b.events.cmp(&a.events).then(a.code.cmp(&b.code)));
        let dept_counts = sm::departments(&mut conn, &node.path, from, to).await?;
        // Counted by code; shown by the registry's name (a code not in it shows as itself).
        let codes: Vec<String> = dept_counts.iter().map(|d| d.department.clone()).collect();
        let names = jingzhi_store::departments::names(&mut conn, &codes).await?;
        let departments = dept_counts
            .into_iter()
            .map(|mut d| {
                let code = std::mem::take(&mut d.department);
                d.department = names.get(&code).cloned().unwrap_or_else(|| code.clone());
                DepartmentRow {
                    code,
                    rates: m::department_rates(&d),
                    counts: d,
                }
            })
            .collect();
        let kinds: std::collections::HashMap<i64, NodeKind> =
            sr::children(&mut conn, &scope, node.id)
                .await?
                .into_iter()
                .map(|c| (c.id, c.kind))
                .collect();
        Ok(Dashboard {
            place: place(&node),
            ancestors: ancestors.iter().map(place).collect(),
            from_ms: from,
            to_ms: to,
            counted_from: if rollup.is_some() { "rollup" } else { "events" },
            rates: m::rates(&total),
            counts: total,
            by_month: by_month
                .into_iter()
                .map(|(month, counts)| MonthRow {
                    month,
                    label: m::month_label(month),
                    rates: m::rates(&counts),
                    counts,
                })
                .collect(),
            by_category,
            by_child: by_child
                .into_iter()
                .zip(hotline_by_child_month)
                .map(|((c, counts), hotline_by_month)| ChildRow {
                    place: PlaceRef {
                        id: c.id,
                        kind: kinds.get(&c.id).copied().unwrap_or(NodeKind::Grid),
                        name: c.name,
                    },
                    rates: m::rates(&counts),
                    counts,
                    hotline_by_month,
                })
                .collect(),
            departments,
        })
    }

    /// Write the dashboard's numbers to an `.xlsx` workbook at `path` (sheets: 概览, 按月,
    /// 按类别, 按下级, 12345按月, 吹哨部门). Audited.
    pub async fn export_dashboard(
        &self,
        actor: &Actor,
        node_id: Option<i64>,
        from_ms: Option<i64>,
        to_ms: Option<i64>,
        path: &Path,
    ) -> AppResult<u64> {
        let d = self.dashboard(actor, node_id, from_ms, to_ms).await?;
        let file = path.to_path_buf();
        let d2 = d.clone();
        let rows = tokio::task::spawn_blocking(move || write_xlsx(&d2, &file))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
            .map_err(|e| e.app("xlsx"))?;
        let scope = actor.scope();
        let mut tx = self.app.store.begin().await?;
        let node = sr::get_node(&mut tx, &scope, d.place.id).await?;
        audit::record(
            &mut tx,
            audit::Entry {
                actor_id: actor.audit_id(),
                actor_name: actor.name(),
                action: Action::Export,
                entity: "event_metrics",
                entity_id: Some(d.place.id),
                path: &node.path,
                summary: format!(
                    "导出事件统计：{}（{} 至 {}）",
                    d.place.name,
                    jingzhi_domain::time_fmt::format_ms(d.from_ms),
                    jingzhi_domain::time_fmt::format_ms(d.to_ms)
                ),
                before: None,
                after: Some(serde_json::json!({"from_ms": d.from_ms, "to_ms": d.to_ms, "events": d.counts.reported})),
                reason: None,
            },
        )
        .await?;
        jingzhi_store::commit(tx).await?;
        Ok(rows)
    }
}

/// A rate as a number for a spreadsheet cell (empty when there is nothing to rate).
fn pct(r: Option<f64>) -> Option<f64> {
    r.map(|v| (v * 10000.0).round() / 100.0)
}

/// The cells of a row's counts and rates, under [`RATE_COLS`].
fn counts_cells(c: &Counts, rt: &Rates) -> [Value; 10] {
    [
        c.reported.into(),
        c.hotline.into(),
        c.valid.into(),
        pct(rt.response_rate).into(),
        pct(rt.resolution_rate).into(),
        pct(rt.satisfaction_rate).into(),
        pct(rt.on_time_rate).into(),
        pct(rt.whistle_rate).into(),
        c.satisfied.into(),
        c.dissatisfied.into(),
    ]
}

const RATE_COLS: [&str; 10] = [
    "诉求量",
    "12345诉求量",
    "有效诉求",
    "响应率%",
    "解决率%",
    "满意率%",
    "按期办结率%",
    "吹哨率%",
    "满意",
    "不满意",
];

/// The workbook: one sheet per grouping; the number of data rows.
fn write_xlsx(d: &Dashboard, path: &Path) -> Result<u64, WriteError> {
    // Bold headers, every column 14 wide.
    let sheet = |name: &str, cols: Vec<String>| {
        SheetSpec::new(name, cols.into_iter().map(|c| Column::new(c).width(14.0)))
    };
    let with_rates = |first: &[&str]| -> Vec<String> {
        first
            .iter()
            .chain(RATE_COLS.iter())
            .map(|c| c.to_string())
            .collect()
    };
    let mut w = XlsxWriter::new();

    w.sheet(sheet("概览", with_rates(&["地区", "开始", "结束"])))?;
    let mut row: Vec<Value> = vec![
        d.place.name.as_str().into(),
        jingzhi_domain::time_fmt::format_ms(d.from_ms).into(),
        jingzhi_domain::time_fmt::format_ms(d.to_ms).into(),
    ];
    row.extend(counts_cells(&d.counts, &d.rates));
    w.row(row)?;

    w.sheet(sheet("按月", with_rates(&["月份"])))?;
    for m in &d.by_month {
        let mut row: Vec<Value> = vec![m.label.as_str().into()];
        row.extend(counts_cells(&m.counts, &m.rates));
        w.row(row)?;
    }

    w.sheet(sheet(
        "按类别",
        ["类别", "编码", "诉求量"].map(String::from).to_vec(),
    ))?;
    for c in &d.by_category {
        w.row([
            Value::from(c.name.as_str()),
            c.code.as_str().into(),
            c.events.into(),
        ])?;
    }

    w.sheet(sheet("按下级", with_rates(&["下级地区"])))?;
    for c in &d.by_child {
        let mut row: Vec<Value> = vec![c.place.name.as_str().into()];
        row.extend(counts_cells(&c.counts, &c.rates));
        w.row(row)?;
    }

    let mut cols = vec!["下级地区".to_string()];
    cols.extend(d.by_month.iter().map(|m| m.label.clone()));
    w.sheet(sheet("12345按月", cols))?;
    for c in &d.by_child {
        let mut row: Vec<Value> = vec![c.place.name.as_str().into()];
        row.extend(c.hotline_by_month.iter().map(|n| Value::from(*n)));
        w.row(row)?;
    }

    let cols = [
        "部门",
        "被召集次数",
        "已报到",
        "按时报到率%",
        "平均报到用时(分钟)",
        "任务数",
        "已完成",
        "任务完成率%",
        "满意率%",
    ];
    w.sheet(sheet("吹哨部门", cols.map(String::from).to_vec()))?;
    for dr in d
        .departments
        .iter()
        .chain(std::iter::once(&d.department_total()))
    {
        let c = &dr.counts;
        w.row([
            Value::from(c.department.as_str()),
            c.summoned.into(),
            c.reported_in.into(),
            pct(dr.rates.on_time_report_in_rate).into(),
            dr.rates.mean_report_in_minutes.map(|v| v.round()).into(),
            c.tasks.into(),
            c.tasks_done.into(),
            pct(dr.rates.task_completion_rate).into(),
            pct(dr.rates.satisfaction_rate).into(),
        ])?;
    }
    let rows = w.rows();
    w.save(path)?;
    Ok(rows)
}
