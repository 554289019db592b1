//! The event dashboard (`/dashboard`): a place (the caller's scope by default; breadcrumb up,
//! children down) and a period (the last twelve months by default), KPI tiles, SVG charts drawn
//! here on the server (no chart library, nothing from a CDN), the 12345 volume per child place
//! and month, the whistle departments' performance, and the same numbers as `.xlsx`.

use super::export::stream;
use super::UrlQuery;
use super::{escape, query_string, render, Chrome, PageResult};
use crate::i18n::Lang;
use crate::session::PageCaller;
use crate::shared::MetricsQuery;
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use jingzhi_app::metrics::Dashboard;
use jingzhi_domain::events::metrics::{month_label, month_of, Rates};
use jingzhi_domain::time_fmt::today;
use std::fmt::Write;

/// The pages of this module (merged in [`super::router`]).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dashboard", get(dashboard))
        .route("/dashboard/export.xlsx", get(export))
}

/// A rate as shown: `93.4%`, or `—` when there is nothing to rate.
pub fn pct(r: Option<f64>) -> String {
    match r {
        Some(v) => format!("{:.1}%", v * 100.0),
        None => "—".into(),
    }
}

pub struct Tile {
    pub label: &'static str,
    pub value: String,
    pub note: String,
}

pub struct Link {
    pub name: String,
    pub href: String,
}

pub struct ChildLine {
    pub name: String,
    pub href: String,
    pub reported: i64,
    pub hotline: i64,
    pub response: String,
    pub resolution: String,
    pub satisfaction: String,
    pub on_time: String,
    pub hotline_by_month: Vec<i64>,
}

pub struct DeptLine {
    pub name: String,
    pub summoned: i64,
    pub reported_in: i64,
    pub on_time: String,
    pub minutes: String,
    pub tasks: String,
    pub completion: String,
    pub satisfaction: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
pub struct DashboardPage {
    pub c: Chrome,
    pub place: String,
    pub crumbs: Vec<Link>,
    pub from: String,
    pub to: String,
    pub node_id: i64,
    pub export: String,
    pub tiles: Vec<Tile>,
    pub month_svg: String,
    pub trend_svg: String,
    pub category_svg: String,
    pub child_svg: String,
    pub children: Vec<ChildLine>,
    pub months: Vec<String>,
    pub departments: Vec<DeptLine>,
    pub counted_from: &'static str,
}

fn link(node: i64, from: &str, to: &str) -> String {
    format!(
        "/dashboard?{}",
        query_string(&[
            ("node_id", node.to_string()),
            ("from", from.to_string()),
            ("to", to.to_string())
        ])
    )
}

pub async fn dashboard(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    lang: Lang,
    UrlQuery(q): UrlQuery<MetricsQuery>,
) -> PageResult {
    let (node, from, to) = q.parse()?;
    let d = s
        .app
        .metrics()
        .dashboard_cached(&c.actor, node, from, to)
        .await?;
    Ok(render(&page(&c, lang, &d)))
}

pub async fn export(
    State(s): State<AppState>,
    PageCaller(c): PageCaller,
    UrlQuery(q): UrlQuery<MetricsQuery>,
) -> PageResult {
    let (node, from, to) = q.parse()?;
    stream(format!("事件统计_{}.xlsx", today()), |p| async move {
        s.app
            .metrics()
            .export_dashboard(&c.actor, node, from, to, &p)
            .await
    })
    .await
}

fn page(c: &crate::session::Caller, lang: Lang, d: &Dashboard) -> DashboardPage {
    let from = month_label(month_of(d.from_ms));
    let to = month_label(month_of(d.to_ms - 1));
    let r: &Rates = &d.rates;
    let k = &d.counts;
    let tiles = vec![
        Tile {
            label: lang.t("dashboard.requests"),
            value: k.reported.to_string(),
            note: lang.tf("dashboard.valid_n", k.valid),
        },
        Tile {
            label: lang.t("event.source.hotline"),
            value: k.hotline.to_string(),
            note: if k.reported > 0 {
                lang.tf(
                    "dashboard.share",
                    format!("{:.0}%", k.hotline as f64 * 100.0 / k.reported as f64),
                )
            } else {
                "—".into()
            },
        },
        Tile {
            label: lang.t("dashboard.response"),
            value: pct(r.response_rate),
            note: lang.t("dashboard.within_2h").into(),
        },
        Tile {
            label: lang.t("dashboard.resolution"),
            value: pct(r.resolution_rate),
            note: lang.tf("dashboard.resolved_n", k.resolved),
        },
        Tile {
            label: lang.t("dashboard.satisfaction"),
            value: pct(r.satisfaction_rate),
            note: lang.tf(
                "dashboard.rated_n",
                k.satisfied + k.fairly_satisfied + k.dissatisfied,
            ),
        },
        Tile {
            label: lang.t("dashboard.on_time"),
            value: pct(r.on_time_rate),
            note: lang.tf("dashboard.on_time_n", k.resolved_on_time),
        },
        Tile {
            label: lang.t("dashboard.whistle_rate"),
            value: pct(r.whistle_rate),
            note: lang.tf("dashboard.whistled_n", k.whistled),
        },
    ];
    let mut crumbs: Vec<Link> = d
        .ancestors
        .iter()
        .map(|a| Link {
            name: a.name.clone(),
            href: link(a.id, &from, &to),
        })
        .collect();
    crumbs.push(Link {
        name: d.place.name.clone(),
        href: link(d.place.id, &from, &to),
    });
    let months: Vec<(String, i64, i64)> = d
        .by_month
        .iter()
        .map(|m| (m.label.clone(), m.counts.reported, m.counts.hotline))
        .collect();
    let children: Vec<ChildLine> = d
        .by_child
        .iter()
        .map(|ch| ChildLine {
            name: ch.place.name.clone(),
            href: link(ch.place.id, &from, &to),
            reported: ch.counts.reported,
            hotline: ch.counts.hotline,
            response: pct(ch.rates.response_rate),
            resolution: pct(ch.rates.resolution_rate),
            satisfaction: pct(ch.rates.satisfaction_rate),
            on_time: pct(ch.rates.on_time_rate),
            hotline_by_month: ch.hotline_by_month.clone(),
        })
        .collect();
    let mut departments: Vec<DeptLine> = d
        .departments
        .iter()
        .chain(
            (!d.departments.is_empty())
                .then(|| d.department_total())
                .as_ref(),
        )
        .map(|x| DeptLine {
            name: x.counts.department.clone(),
            summoned: x.counts.summoned,
            reported_in: x.counts.reported_in,
            on_time: pct(x.rates.on_time_report_in_rate),
            minutes: x
                .rates
                .mean_report_in_minutes
                .map(|m| format!("{m:.0}"))
                .unwrap_or_else(|| "—".into()),
            tasks: format!("{}/{}", x.counts.tasks_done, x.counts.tasks),
            completion: pct(x.rates.task_completion_rate),
            satisfaction: pct(x.rates.satisfaction_rate),
        })
        .collect();
    departments.truncate(50);
    DashboardPage {
        c: Chrome::new(c, lang, "dashboard"),
        place: d.place.name.clone(),
        crumbs,
        node_id: d.place.id,
        export: format!(
            "/dashboard/export.xlsx?{}",
            query_string(&[
                ("node_id", d.place.id.to_string()),
                ("from", from.clone()),
                ("to", to.clone())
            ])
        ),
        from,
        to,
        tiles,
        month_svg: both_widths(|w| month_bars(lang, &months, w)),
        trend_svg: both_widths(|w| trend(lang, d, w)),
        category_svg: both_widths(|w| {
            hbars(
                &d.by_category
                    .iter()
                    .map(|c| (c.name.clone(), c.events, None))
                    .collect::<Vec<_>>(),
                "#b91c1c",
                lang,
                w,
            )
        }),
        child_svg: both_widths(|w| {
            hbars(
                &d.by_child
                    .iter()
                    .map(|c| {
                        (
                            c.place.name.clone(),
                            c.counts.reported,
                            Some(link(
                                c.place.id,
                                &month_label(month_of(d.from_ms)),
                                &month_label(month_of(d.to_ms - 1)),
                            )),
                        )
                    })
                    .collect::<Vec<_>>(),
                "#1d4ed8",
                lang,
                w,
            )
        }),
        months: d.by_month.iter().map(|m| m.label.clone()).collect(),
        children,
        departments,
        counted_from: d.counted_from,
    }
}

/// A round upper bound for an axis (1, 2, 5 × 10ⁿ).
fn nice_max(v: i64) -> i64 {
    let v = v.max(1);
    let mut p = 1i64;
    while p * 10 <= v {
        p *= 10;
    }
    for m in [1, 2, 5, 10] {
        if m * p >= v {
            return m * p;
        }
    }
    10 * p
}

fn short(lang: Lang, n: i64) -> String {
    if n >= 10_000 && lang == Lang::En {
        format!("{:.1}k", n as f64 / 1_000.0)
    } else if n >= 10_000 {
        format!("{:.1}万", n as f64 / 10_000.0)
    } else {
        n.to_string()
    }
}

/// Monthly volume: a bar per month, the 12345 share darker, with the axis and labels.
pub fn month_bars(lang: Lang, months: &[(String, i64, i64)], w: f64) -> String {
    let (h, left, bottom, top) = (240.0, 44.0, 36.0, 12.0);
    let max = nice_max(months.iter().map(|m| m.1).max().unwrap_or(0));
    let n = months.len().max(1) as f64;
    let plot_w = w - left - 8.0;
    let plot_h = h - top - bottom;
    let mut s = format!(
        r#"<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">"#,
        escape(lang.t("dashboard.by_month"))
    );
    for i in 0..=4 {
        let v = max * i / 4;
        let y = top + plot_h - plot_h * i as f64 / 4.0;
        let _ = write!(
            s,
            r##"<line x1="{left}" y1="{y:.1}" x2="{}" y2="{y:.1}" stroke="#e5e7eb"/><text x="{}" y="{:.1}" font-size="11" text-anchor="end" fill="#6b7280">{}</text>"##,
            w - 8.0,
            left - 4.0,
            y + 4.0,
            short(lang, v)
        );
    }
    let bw = plot_w / n;
    for (i, (label, total, hotline)) in months.iter().enumerate() {
        let x = left + bw * i as f64 + bw * 0.15;
        let th = plot_h * *total as f64 / max as f64;
        let hh = plot_h * *hotline as f64 / max as f64;
        let _ = write!(
            s,
            r##"<g><title>{} {} {} / 12345 {}</title><rect x="{x:.1}" y="{:.1}" width="{:.1}" height="{th:.1}" fill="#fca5a5"/><rect x="{x:.1}" y="{:.1}" width="{:.1}" height="{hh:.1}" fill="#b91c1c"/></g>"##,
            escape(label),
            escape(lang.t("dashboard.requests")),
            total,
            hotline,
            top + plot_h - th,
            bw * 0.7,
            top + plot_h - hh,
            bw * 0.7,
        );
        if i % label_step(months.len(), plot_w) == 0 {
            let _ = write!(
                s,
                r##"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="middle" fill="#374151">{}</text>"##,
                x + bw * 0.35,
                h - bottom + 16.0,
                escape(label.get(2..).unwrap_or(label))
            );
        }
    }
    let _ = write!(
        s,
        r##"<rect x="{left}" y="{}" width="10" height="10" fill="#fca5a5"/><text x="{}" y="{}" font-size="11" fill="#374151">{}</text><rect x="{}" y="{}" width="10" height="10" fill="#b91c1c"/><text x="{}" y="{}" font-size="11" fill="#374151">{}</text></svg>"##,
        h - 12.0,
        left + 14.0,
        h - 3.0,
        escape(lang.t("dashboard.legend_all")),
        left + 60.0,
        h - 12.0,
        left + 74.0,
        h - 3.0,
        escape(lang.t("dashboard.legend_hotline"))
    );
    s
}

/// A chart drawn for a phone (340 units wide: its text keeps its size on a 375 px screen) and
/// for a desk (640); the page's CSS shows one of them.
fn both_widths(chart: impl Fn(f64) -> String) -> String {
    format!(
        r#"<div class="chart-narrow">{}</div><div class="chart-wide">{}</div>"#,
        chart(340.0),
        chart(640.0)
    )
}

/// Every how many months a chart of `n` months `plot_w` wide labels its axis, so that labels
/// ("26-01", ≈ 32 units at font size 11) do not overlap.
fn label_step(n: usize, plot_w: f64) -> usize {
    ((n as f64 * 36.0 / plot_w.max(1.0)).ceil() as usize).max(1)
}

/// Satisfaction and on-time rates by month, as lines on 0–100 %.
pub fn trend(lang: Lang, d: &Dashboard, w: f64) -> String {
    let series: [(&str, &str, Vec<Option<f64>>); 3] = [
        (
            lang.t("dashboard.satisfaction"),
            "#15803d",
            d.by_month
                .iter()
                .map(|m| m.rates.satisfaction_rate)
                .collect(),
        ),
        (
            lang.t("dashboard.on_time"),
            "#1d4ed8",
            d.by_month.iter().map(|m| m.rates.on_time_rate).collect(),
        ),
        (
            lang.t("dashboard.response"),
            "#b45309",
            d.by_month.iter().map(|m| m.rates.response_rate).collect(),
        ),
    ];
    let labels: Vec<&str> = d.by_month.iter().map(|m| m.label.as_str()).collect();
    lines(lang.t("dashboard.trend"), &labels, &series, w)
}

pub fn lines(
    title: &str,
    labels: &[&str],
    series: &[(&str, &str, Vec<Option<f64>>)],
    w: f64,
) -> String {
    let (h, left, bottom, top) = (220.0, 44.0, 36.0, 12.0);
    let plot_w = w - left - 16.0;
    let plot_h = h - top - bottom;
    let n = labels.len().max(2) as f64 - 1.0;
    let mut s = format!(
        r#"<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">"#,
        escape(title)
    );
    for i in 0..=4 {
        let y = top + plot_h - plot_h * i as f64 / 4.0;
        let _ = write!(
            s,
            r##"<line x1="{left}" y1="{y:.1}" x2="{}" y2="{y:.1}" stroke="#e5e7eb"/><text x="{}" y="{:.1}" font-size="11" text-anchor="end" fill="#6b7280">{}%</text>"##,
            w - 16.0,
            left - 4.0,
            y + 4.0,
            i * 25
        );
    }
    for (i, l) in labels.iter().enumerate() {
        if i % label_step(labels.len(), plot_w) == 0 {
            let _ = write!(
                s,
                r##"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="middle" fill="#374151">{}</text>"##,
                left + plot_w * i as f64 / n,
                h - bottom + 16.0,
                escape(l.get(2..).unwrap_or(l))
            );
        }
    }
    for (k, (name, color, vals)) in series.iter().enumerate() {
        let mut path = String::new();
        let mut pen = false;
        for (i, v) in vals.iter().enumerate() {
            match v {
                Some(v) => {
                    let x = left + plot_w * i as f64 / n;
                    let y = top + plot_h - plot_h * v.clamp(0.0, 1.0);
                    let _ = write!(path, "{}{x:.1},{y:.1} ", if pen { "L" } else { "M" });
                    let _ = write!(
                        s,
                        r#"<circle cx="{x:.1}" cy="{y:.1}" r="2.5" fill="{color}"><title>{} {} {}</title></circle>"#,
                        escape(labels.get(i).copied().unwrap_or("")),
                        escape(name),
                        pct(Some(*v))
                    );
                    pen = true;
                }
                None => pen = false,
            }
        }
        let _ = write!(
            s,
            r##"<path d="{}" fill="none" stroke="{color}" stroke-width="2"/><rect x="{:.1}" y="{}" width="10" height="10" fill="{color}"/><text x="{:.1}" y="{}" font-size="11" fill="#374151">{}</text>"##,
            path.trim_end(),
            left + ((w - left) / 3.0).min(110.0) * k as f64,
            h - 12.0,
            left + ((w - left) / 3.0).min(110.0) * k as f64 + 14.0,
            h - 3.0,
            escape(name)
        );
    }
    s.push_str("</svg>");
    s
}

/// Horizontal bars, largest first as given; a bar with a link drills down.
pub fn hbars(rows: &[(String, i64, Option<String>)], color: &str, lang: Lang, w: f64) -> String {
    let shown = &rows[..rows.len().min(40)];
    let (row_h, left, top) = (24.0, if w < 500.0 { 110.0 } else { 150.0 }, 6.0);
    let h = top * 2.0 + row_h * shown.len().max(1) as f64;
    let max = shown.iter().map(|r| r.1).max().unwrap_or(0).max(1) as f64;
    let plot_w = w - left - 70.0;
    let mut s = format!(
        r#"<svg class="chart" viewBox="0 0 {w} {h}" role="img" xmlns="http://www.w3.org/2000/svg">"#
    );
    if shown.is_empty() {
        let _ = write!(
            s,
            r##"<text x="10" y="22" font-size="13" fill="#6b7280">{}</text>"##,
            escape(lang.t("dashboard.no_data"))
        );
    }
    for (i, (label, v, href)) in shown.iter().enumerate() {
        let y = top + row_h * i as f64;
        let bw = plot_w * *v as f64 / max;
        // As much of the name as fits left of the bars (12-unit characters).
        let fit = ((left - 10.0) / 12.0) as usize;
        let name: String = if label.chars().count() > fit {
            label.chars().take(fit - 1).chain(['…']).collect()
        } else {
            label.clone()
        };
        let body = format!(
            r##"<text x="{:.1}" y="{:.1}" font-size="12" text-anchor="end" fill="#111827">{}</text><rect x="{left}" y="{:.1}" width="{bw:.1}" height="{:.1}" fill="{color}" rx="2"/><text x="{:.1}" y="{:.1}" font-size="11" fill="#374151">{}</text><title>{} {}</title>"##,
            left - 6.0,
            y + row_h * 0.65,
            escape(&name),
            y + row_h * 0.15,
            row_h * 0.7,
            left + bw + 4.0,
            y + row_h * 0.65,
            v,
            escape(label),
            v
        );
        match href {
            Some(hr) => {
                let _ = write!(s, r#"<a href="{}">{body}</a>"#, escape(hr));
            }
            None => s.push_str(&body),
        }
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_escape_labels_and_scale_to_the_largest() {
        let svg = hbars(
            &[
                (
                    "<b>停车</b>".into(),
                    10,
                    Some("/dashboard?node_id=1&from=x".into()),
                ),
                ("噪音".into(), 5, None),
            ],
            "#000",
            Lang::Zh,
            640.0,
        );
        assert!(svg.contains("&lt;b&gt;停车"));
        assert!(!svg.contains("<b>"));
        assert!(svg.contains("node_id=1&amp;from=x"));
        assert!(svg.contains(r#"width="420.0""#), "{svg}");
        assert!(svg.contains(r#"width="210.0""#), "{svg}");
        assert_eq!(nice_max(0), 1);
        assert_eq!(nice_max(37), 50);
        assert_eq!(nice_max(120), 200);
        let m = month_bars(
            Lang::Zh,
            &[("2026-01".into(), 10, 3), ("2026-02".into(), 0, 0)],
            640.0,
        );
        assert!(m.starts_with("<svg") && m.ends_with("</svg>"));
        // A phone's chart of 12 months labels every other month, a desk's every month.
        assert_eq!(label_step(12, 340.0 - 52.0), 2);
        assert_eq!(label_step(12, 640.0 - 52.0), 1);
        let months: Vec<(String, i64, i64)> =
            (1..=12).map(|m| (format!("2026-{m:02}"), 5, 1)).collect();
        let narrow = month_bars(Lang::Zh, &months, 340.0);
        assert_eq!(narrow.matches(r#"text-anchor="middle""#).count(), 6);
        assert!(narrow.contains(r#"viewBox="0 0 340 240""#));
        let both = both_widths(|w| month_bars(Lang::Zh, &months, w));
        assert!(both.contains("chart-narrow") && both.contains("chart-wide"));
        assert_eq!(pct(None), "—");
        assert_eq!(pct(Some(0.9345)), "93.5%");
    }
}
