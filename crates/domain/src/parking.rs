//! Parking sharing (错时停车, issue 12 §2; docs/parking.md): a community's parking spaces, the
//! hours each is shared in (a weekly schedule: days of the week and a time of day, overnight
//! allowed), and rental contracts over a window of those hours whose rent posts to a fund when
//! it is paid. Two contracts of one space never hold the same hour on the same day.

use crate::FieldError;
use serde::{Deserialize, Serialize};
use time::Date;

/// Minutes in a week.
const WEEK: usize = 7 * 1440;

/// Hours of the week: the days (bit 0 Monday … bit 6 Sunday) and a time of day from `start` to
/// `end` minutes after midnight; `end <= start` runs overnight into the next day (18:00–08:00).
/// `start == end` is the whole day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub days: u8,
    pub start: u16,
    pub end: u16,
}

/// Every day, all day.
pub const ALWAYS: Window = Window {
    days: 0x7f,
    start: 0,
    end: 0,
};

impl Window {
    pub fn check(&self) -> Result<(), FieldError> {
        if self.days == 0 || self.days > 0x7f {
            return Err(FieldError::new("days", "请选择星期几"));
        }
        if self.start >= 1440 || self.end >= 1440 {
            return Err(FieldError::new("start", "时间应在 00:00 至 23:59 之间"));
        }
        Ok(())
    }

    /// The minutes of the week it covers.
    fn minutes(&self) -> Vec<bool> {
        let mut m = vec![false; WEEK];
        let len = if self.end > self.start {
            (self.end - self.start) as usize
        } else {
            1440 - self.start as usize + self.end as usize
        };
        for d in 0..7 {
            if self.days & (1 << d) == 0 {
                continue;
            }
            let from = d * 1440 + self.start as usize;
            for i in 0..len {
                m[(from + i) % WEEK] = true;
            }
        }
        m
    }

    /// Whether the two share a minute of the week.
    pub fn overlaps(&self, other: &Window) -> bool {
        let (a, b) = (self.minutes(), other.minutes());
        a.iter().zip(b.iter()).any(|(x, y)| *x && *y)
    }

    /// Whether every minute of `self` lies in one of `within`.
    pub fn inside(&self, within: &[Window]) -> bool {
        let mut all = vec![false; WEEK];
        for w in within {
            for (i, x) in w.minutes().into_iter().enumerate() {
                all[i] |= x;
            }
        }
        self.minutes()
            .iter()
            .zip(all.iter())
            .all(|(m, a)| !*m || *a)
    }

    /// "周一至周五 08:00–18:00", "每天 全天".
    pub fn label_zh(&self) -> String {
        const NAMES: [&str; 7] = ["一", "二", "三", "四", "五", "六", "日"];
        let days = match self.days {
            0x7f => "每天".to_string(),
            0x1f => "周一至周五".to_string(),
            0x60 => "周六、周日".to_string(),
            d => {
                let picked: Vec<&str> = (0..7)
                    .filter(|i| d & (1 << i) != 0)
                    .map(|i| NAMES[i])
                    .collect();
                format!("周{}", picked.join("、"))
            }
        };
        if self.start == self.end {
            format!("{days} 全天")
        } else {
            format!("{days} {}–{}", hhmm(self.start), hhmm(self.end))
        }
    }
}

pub fn hhmm(m: u16) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

/// "08:00" → minutes after midnight.
pub fn parse_hhmm(field: &'static str, s: &str) -> Result<u16, FieldError> {
    let bad = || FieldError::new(field, "时间格式应为 HH:MM，例如 08:00");
    let (h, m) = s.trim().split_once(':').ok_or_else(bad)?;
    let (h, m): (u16, u16) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if h > 23 || m > 59 {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

/// Days as the forms send them: "1,2,3,4,5" (1 Monday … 7 Sunday).
pub fn parse_days(s: &str) -> Result<u8, FieldError> {
    let mut d = 0u8;
    for p in s.split([',', ' ']).filter(|p| !p.is_empty()) {
        let n: u8 = p
            .parse()
            .ok()
            .filter(|n| (1..=7).contains(n))
            .ok_or_else(|| FieldError::new("days", "星期应为1至7"))?;
        d |= 1 << (n - 1);
    }
    if d == 0 {
        return Err(FieldError::new("days", "请选择星期几"));
    }
    Ok(d)
}

/// How often rent is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    Month,
    Year,
}

impl Period {
    pub fn as_str(self) -> &'static str {
        match self {
            Period::Month => "month",
            Period::Year => "year",
        }
    }

    pub fn parse(s: &str) -> Result<Self, FieldError> {
        match s.trim() {
            "month" => Ok(Period::Month),
            "year" => Ok(Period::Year),
            _ => Err(FieldError::new(
                "period",
                "租金周期应为 month（月）或 year（年）",
            )),
        }
    }
}

/// A contract's term checked: it ends after it starts, within five years.
pub fn check_term(start: Date, end: Date) -> Result<(), FieldError> {
    if end < start {
        return Err(FieldError::new("ends_on", "结束日期不能早于开始日期"));
    }
    if end > start + time::Duration::days(5 * 366) {
        return Err(FieldError::new("ends_on", "合同期限不超过五年"));
    }
    Ok(())
}

/// Whether two terms share a day.
pub fn terms_overlap(a: (Date, Date), b: (Date, Date)) -> bool {
    a.0 <= b.1 && b.0 <= a.1
}

/// The periods a contract owes rent for, by the day each starts: "2026" style labels are
/// ambiguous across a contract starting mid-year, so a period is named by its first day.
pub fn periods(start: Date, end: Date, period: Period) -> Vec<Date> {
    let step = match period {
        Period::Month => 1,
        Period::Year => 12,
    };
    (0..120)
        .map(|k| add_months(start, k * step))
        .take_while(|d| *d <= end)
        .collect()
}

fn add_months(d: Date, n: i32) -> Date {
    let total = d.year() * 12 + (d.month() as i32 - 1) + n;
    let (y, m) = (total.div_euclid(12), total.rem_euclid(12) + 1);
    let month = time::Month::try_from(m as u8).expect("1..=12");
    let last = month.length(y);
    Date::from_calendar_date(y, month, d.day().min(last)).expect("a valid day")
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn w(days: u8, s: &str, e: &str) -> Window {
        Window {
            days,
            start: parse_hhmm("start", s).unwrap(),
            end: parse_hhmm("end", e).unwrap(),
        }
    }

    #[test]
    fn day_and_night_share_a_space_without_overlapping() {
        let day = w(0x1f, "08:00", "18:00");
        let night = w(0x7f, "18:00", "08:00");
        assert!(!day.overlaps(&night));
        assert!(day.overlaps(&w(0x01, "17:00", "19:00")));
        assert!(
            night.overlaps(&w(0x40, "03:00", "04:00")),
            "Sunday small hours"
        );
        // Sunday night runs into Monday morning.
        assert!(w(0x40, "22:00", "06:00").overlaps(&w(0x01, "05:00", "07:00")));
        assert!(ALWAYS.overlaps(&day));
    }

    #[test]
    fn a_contract_lies_inside_the_shared_hours() {
        let shared = [w(0x1f, "08:00", "18:00")];
        assert!(w(0x01, "09:00", "17:00").inside(&shared));
        assert!(!w(0x01, "07:00", "17:00").inside(&shared));
        assert!(!w(0x40, "09:00", "10:00").inside(&shared));
        assert!(ALWAYS.inside(&[ALWAYS]));
    }

    #[test]
    fn inputs_are_checked() {
        assert_eq!(parse_days("1,2,3,4,5").unwrap(), 0x1f);
        assert!(parse_days("0").is_err());
        assert!(parse_days("").is_err());
        assert!(parse_hhmm("start", "24:00").is_err());
        assert_eq!(
            w(0x1f, "08:00", "18:00").label_zh(),
            "周一至周五 08:00–18:00"
        );
        assert_eq!(ALWAYS.label_zh(), "每天 全天");
        assert!(check_term(date!(2026 - 02 - 01), date!(2026 - 01 - 01)).is_err());
    }

    #[test]
    fn periods_start_on_the_contracts_day() {
        let p = periods(date!(2026 - 01 - 31), date!(2026 - 04 - 30), Period::Month);
        assert_eq!(
            p,
            [
                date!(2026 - 01 - 31),
                date!(2026 - 02 - 28),
                date!(2026 - 03 - 31),
                date!(2026 - 04 - 30)
            ]
        );
        assert_eq!(
            periods(date!(2026 - 03 - 01), date!(2027 - 02 - 28), Period::Year).len(),
            1
        );
        assert!(terms_overlap(
            (date!(2026 - 01 - 01), date!(2026 - 12 - 31)),
            (date!(2026 - 12 - 31), date!(2027 - 12 - 31))
        ));
    }
}
