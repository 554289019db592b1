//! Importing rosters and exporting lists, on a real database (SQLite, or PostgreSQL with
//! JINGZHI_TEST_DATABASE_URL).

mod common;

use calamine::{Data, Reader};
use common::World;
use jingzhi_app::import::Import;
use jingzhi_app::import::{ImportOptions, ImportReport, RowError};
use jingzhi_app::{Actor, AppError};
use jingzhi_domain::audit::Filter;
use jingzhi_domain::registry::IdNumber;
use jingzhi_domain::registry::{HouseholdFilter, ResidentFilter};
use jingzhi_store::registry::Stats;
use time::{Date, Month};

const A1: &str = "371002001001001001001"; // building_a, in 前进社区
const A2: &str = "371002001001001001002"; // building_a2, in 前进社区
const B1: &str = "371002001002001001001"; // building_b, in 东北村社区

/// A valid ID number; `seq` odd for a man.
fn id(y: i32, m: u8, d: u8, seq: u32) -> String {
    IdNumber::build(
        371002,
        Date::from_calendar_date(y, Month::try_from(m).unwrap(), d).unwrap(),
        seq,
    )
    .as_str()
    .to_string()
}

/// The same ID with a wrong checksum.
fn bad_checksum(s: &str) -> String {
    let last = s.as_bytes()[17];
    let other = if last == b'0' { '1' } else { '0' };
    format!("{}{}", &s[..17], other)
}

fn csv(lines: &[&str]) -> Vec<u8> {
    let mut b = "\u{feff}".as_bytes().to_vec();
    b.extend(lines.join("\r\n").as_bytes());
    b.extend(b"\r\n");
    b
}

const HEAD: &str = "楼宇编码,单元,房号,姓名,身份证号,性别,出生日期,联系电话,与户主关系,居住状态,党员,注册志愿者,独居老人,残疾等级,低收入类别,困境儿童,家庭医生重点人群";

/// What an import must leave alone: counts, households, residents.
#[derive(Debug, PartialEq)]
struct Snapshot {
    city: Stats,
    building_a: Stats,
    residents: usize,
    households: usize,
}

async fn snapshot(w: &World, admin: &Actor) -> Snapshot {
    let residents = w
        .app
        .registry()
        .list_residents(admin, ResidentFilter::default(), None, 1, 200)
        .await
        .unwrap()
        .items
        .len();
    let households = w
        .app
        .registry()
        .list_households(admin, HouseholdFilter::default(), None, 1, 200)
        .await
        .unwrap()
        .items
        .len();
    Snapshot {
        city: w.app.registry().home(admin).await.unwrap().stats,
        building_a: w
            .app
            .registry()
            .node_view(admin, w.building_a.id)
            .await
            .unwrap()
            .stats,
        residents,
        households,
    }
}

fn has(report: &ImportReport, row: usize, column: &str, reason_part: &str) -> bool {
    report
        .errors
        .iter()
        .any(|e| e.row == row && e.column == column && e.reason.contains(reason_part))
}

#[tokio::test]
async fn a_good_csv_goes_in_with_households_heads_counts_and_one_audit_record() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let admin = w.user("admin", "city-admin", &w.city).await;
    let (p1, p2, p3) = (id(1958, 3, 7, 11), id(1960, 5, 1, 22), id(1990, 12, 31, 33));
    let file = csv(&[
        HEAD,
        &format!("{A1},1,301,王建国,{p1},男,1958-03-07,13812345678,户主,常住,是,否,否,,低保,否,是"),
        &format!("{A1},1,301,李秀英,{p2},,1960/5/1,,配偶,,否,是,1,二级,,0,否"),
        "",
        &format!("{A2},,102,王小明,{p3},,,0631-5201234,,流动,,,,,,,"),
    ]);
    let report = w
        .app
        .import()
        .residents(
            &worker,
            "名单.csv",
            &file,
            &ImportOptions {
                skip_invalid: false,
            },
        )
        .await
        .unwrap();
    assert!(report.committed, "{:?}", report.errors);
    assert!(report.errors.is_empty());
    assert_eq!(
        (
            report.rows,
            report.residents_created,
            report.households_created
        ),
        (3, 3, 2)
    );
    assert!(report.rejects.is_none());

    let home = w.app.registry().home(&worker).await.unwrap().stats;
    assert_eq!(
        (
            home.households,
            home.residents,
            home.party_member,
            home.volunteer
        ),
        (2, 3, 1, 1)
    );
    assert_eq!(
        (
            home.elderly_alone,
            home.disabled,
            home.low_income,
            home.family_doctor_key
        ),
        (1, 1, 1, 1)
    );
    let b2 = w
        .app
        .registry()
        .node_view(&worker, w.building_a2.id)
        .await
        .unwrap()
        .stats;
    assert_eq!((b2.households, b2.residents), (1, 1));

    let hhs = w
        .app
        .registry()
        .list_households(&worker, HouseholdFilter::default(), None, 1, 50)
        .await
        .unwrap()
        .items;
    let h301 = hhs.iter().find(|h| h.room == "301").unwrap();
    assert_eq!(
        (h301.unit, h301.members, h301.head_name.as_deref()),
        (Some(1), 2, Some("王建国"))
    );
    assert_eq!(h301.address, "前进小区1号楼1单元301室");
    let h102 = hhs.iter().find(|h| h.room == "102").unwrap();
    assert_eq!((h102.unit, h102.head_name.as_deref()), (None, None));

    let found = w
        .app
        .registry()
        .list_residents(
            &worker,
            ResidentFilter {
                q: Some(p2.clone()),
                ..Default::default()
            },
            None,
            1,
            5,
        )
        .await
        .unwrap();
    let li = &found.items[0];
    assert_eq!(
        (li.name.as_str(), li.birth_date.as_str()),
        ("李秀英", "1960-05-01")
    );
    assert_eq!(li.tags.disability_grade, Some(2));

    // The counts agree with a recomputation from scratch.
    let before = w.app.registry().home(&admin).await.unwrap().stats;
    let mut c = w.db.store.acquire().await.unwrap();
    jingzhi_store::registry::recompute_stats(&mut c)
        .await
        .unwrap();
    drop(c);
    assert_eq!(w.app.registry().home(&admin).await.unwrap().stats, before);

    // One audit record, without plain numbers.
    let log = w
        .app
        .audit()
        .list(
            &admin,
            &Filter {
                action: Some(jingzhi_domain::audit::Action::Import),
                ..Default::default()
            },
            None,
            10,
        )
        .await
        .unwrap();
    assert_eq!(log.len(), 1);
    assert!(
        log[0].summary.contains("名单.csv") && log[0].summary.contains("3人"),
        "{}",
        log[0].summary
    );
    let text = serde_json::to_string(&log).unwrap();
    assert!(!text.contains(&p1) && !text.contains("13812345678"));

    // Importing into an existing household reuses it.
    let p4 = id(2015, 6, 1, 44);
    let more = csv(&[HEAD, &format!("{A1},1,301,王小红,{p4},,,,孙子女,,,,,,,,")]);
    let r = w
        .app
        .import()
        .residents(&worker, "补充.csv", &more, &ImportOptions::default())
        .await
        .unwrap();
    assert_eq!(
        (r.committed, r.residents_created, r.households_created),
        (true, 1, 0)
    );
    let hhs = w
        .app
        .registry()
        .list_households(&worker, HouseholdFilter::default(), None, 1, 50)
        .await
        .unwrap()
        .items;
    assert_eq!(hhs.len(), 2);
    assert_eq!(hhs.iter().find(|h| h.room == "301").unwrap().members, 3);
}

fn xlsx(build: impl FnOnce(&mut rust_xlsxwriter::Worksheet)) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    build(wb.add_worksheet());
    wb.save_to_buffer().unwrap()
}

#[tokio::test]
async fn a_good_xlsx_goes_in_with_numbers_and_excel_dates_converted() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let (p1, p2) = (id(1980, 1, 1, 51), id(1950, 1, 1, 62));
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    let file = xlsx(|ws| {
        // Order free, required star tolerated.
        for (c, h) in [
            "姓名*",
            "身份证号*",
            "楼宇编码*",
            "单元",
            "房号*",
            "出生日期",
            "联系电话",
            "与户主关系",
            "党员",
        ]
        .iter()
        .enumerate()
        {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        ws.write_string(1, 0, "张伟").unwrap();
        ws.write_string(1, 1, &p1).unwrap();
        ws.write_string(1, 2, A1).unwrap();
        ws.write_number(1, 3, 2).unwrap();
        ws.write_number(1, 4, 501).unwrap();
        ws.write_number_with_format(1, 5, 29221.0, &date).unwrap(); // 1980-01-01
        ws.write_number(1, 6, 13912345678.0).unwrap();
        ws.write_string(1, 7, "户主").unwrap();
        ws.write_boolean(1, 8, true).unwrap();
        ws.write_string(2, 0, "赵敏").unwrap();
        ws.write_string(2, 1, &p2).unwrap();
        ws.write_string(2, 2, A1).unwrap();
        ws.write_number(2, 3, 2).unwrap();
        ws.write_number(2, 4, 501).unwrap();
        ws.write_number(2, 5, 19500101.0).unwrap(); // typed as digits
        ws.write_string(2, 7, "父母").unwrap();
    });
    let report = w
        .app
        .import()
        .residents(&worker, "roster.XLSX", &file, &ImportOptions::default())
        .await
        .unwrap();
    assert!(report.committed, "{:?}", report.errors);
    assert_eq!(
        (
            report.rows,
            report.residents_created,
            report.households_created
        ),
        (2, 2, 1)
    );
    let list = w
        .app
        .registry()
        .list_residents(&worker, ResidentFilter::default(), None, 1, 50)
        .await
        .unwrap()
        .items;
    let zhang = list.iter().find(|r| r.name == "张伟").unwrap();
    assert_eq!(zhang.birth_date, "1980-01-01");
    assert_eq!(zhang.phone_mask.as_deref(), Some("139****5678"));
    assert_eq!(zhang.address, "前进小区1号楼2单元501室");
    assert!(zhang.tags.party_member);
    assert_eq!(
        list.iter().find(|r| r.name == "赵敏").unwrap().birth_date,
        "1950-01-01"
    );

    // An ID typed as a number has lost its last digits: said plainly.
    let numeric = xlsx(|ws| {
        for (c, h) in ["楼宇编码", "房号", "姓名", "身份证号"].iter().enumerate() {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        ws.write_string(1, 0, A1).unwrap();
        ws.write_string(1, 1, "101").unwrap();
        ws.write_string(1, 2, "钱进").unwrap();
        ws.write_number(1, 3, 371002198001010000.0).unwrap();
    });
    let r = w
        .app
        .import()
        .residents(&worker, "n.xlsx", &numeric, &ImportOptions::default())
        .await
        .unwrap();
    assert!(!r.committed);
    assert!(has(&r, 2, "身份证号", "文本"), "{:?}", r.errors);
}

/// Rows: 2 good, 3 bad checksum, 4 bad date, 5 bad phone, 6 building out of scope, 7 good,
/// 8 duplicate of row 2, 9 already registered.
fn bad_rows(registered: &str) -> (Vec<String>, [String; 3]) {
    let good = [id(1970, 1, 2, 71), id(1971, 2, 3, 81), id(1972, 3, 4, 91)];
    let rows = vec![
        format!("{A1},1,101,周一,{},,,13800000001,户主,,,,,,,,", good[0]),
        format!(
            "{A1},1,102,周二,{},,,,,,,,,,,,",
            bad_checksum(&id(1973, 4, 5, 11))
        ),
        format!(
            "{A1},1,103,周三,{},,1974-02-30,,,,,,,,,,",
            id(1974, 2, 3, 13)
        ),
        format!("{A1},1,104,周四,{},,,12345,,,,,,,,,", id(1975, 5, 6, 15)),
        format!("{B1},1,105,周五,{},,,,,,,,,,,,", id(1976, 6, 7, 17)),
        format!("{A2},,201,周六,{},,,,户主,,是,,,,,,", good[1]),
        format!("{A1},1,101,周七,{},,,,,,,,,,,,", good[0]),
        format!("{A1},1,106,周八,{},,,,,,,,,,,,", registered),
    ];
    (rows, good)
}

#[tokio::test]
async fn a_file_with_bad_rows_is_rejected_whole_and_changes_nothing() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let admin = w.user("admin", "city-admin", &w.city).await;
    let registered = id(1950, 8, 8, 99);
    let seed = csv(&[
        HEAD,
        &format!("{A1},3,999,老住户,{registered},,,,户主,,,,,,,,"),
    ]);
    assert!(
        w.app
            .import()
            .residents(&worker, "seed.csv", &seed, &ImportOptions::default())
            .await
            .unwrap()
            .committed
    );
    let before = snapshot(&w, &admin).await;

    let (rows, _) = bad_rows(&registered);
    let mut lines = vec![format!("{HEAD},备注")];
    lines.extend(rows.iter().map(|r| format!("{r},x")));
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let report = w
        .app
        .import()
        .residents(&worker, "bad.csv", &csv(&refs), &ImportOptions::default())
        .await
        .unwrap();
    assert!(!report.committed);
    assert_eq!(
        (
            report.rows,
            report.residents_created,
            report.households_created
        ),
        (8, 0, 0)
    );
    for (row, col, why) in [
        (1, "备注", "未知的列"),
        (3, "身份证号", "校验位"),
        (4, "出生日期", "出生日期"),
        (5, "联系电话", "手机号"),
        (6, "楼宇编码", "不在您的管辖范围"),
        (8, "身份证号", "与第2行身份证号重复"),
        (9, "身份证号", "已登记"),
    ] {
        assert!(
            has(&report, row, col, why),
            "row {row} {col} {why}: {:#?}",
            report.errors
        );
    }
    for good in [2, 7] {
        assert!(
            !report.errors.iter().any(|e| e.row == good),
            "row {good} is good: {:#?}",
            report.errors
        );
    }
    assert!(report.rejects.is_none());
    assert_eq!(
        snapshot(&w, &admin).await,
        before,
        "the register is unchanged"
    );

    // With an unknown column, skipping bad rows does not help either: the header is wrong.
    let r = w
        .app
        .import()
        .residents(
            &worker,
            "bad.csv",
            &csv(&refs),
            &ImportOptions { skip_invalid: true },
        )
        .await
        .unwrap();
    assert!(!r.committed);
    assert_eq!(snapshot(&w, &admin).await, before);

    // Files that are not rosters at all are refused as a whole.
    let e = w
        .app
        .import()
        .residents(&worker, "x.pdf", b"%PDF", &ImportOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, AppError::Invalid(v) if v[0].field == "file"),
        "{e:?}"
    );
    let e = w
        .app
        .import()
        .residents(&worker, "x.xlsx", b"not a zip", &ImportOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, AppError::Invalid(v) if v[0].field == "file"),
        "{e:?}"
    );
    let e = w
        .app
        .import()
        .residents(
            &worker,
            "x.csv",
            &[0xb9, 0xfa, 0x2c, 0x0a],
            &ImportOptions::default(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&e, AppError::Invalid(v) if v[0].reason.contains("UTF-8")),
        "{e:?}"
    );
    // A steward may not import.
    let steward = w.user("steward", "steward", &w.comm_a).await;
    let e = w
        .app
        .import()
        .residents(&steward, "bad.csv", &csv(&refs), &ImportOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::Forbidden));
    assert_eq!(snapshot(&w, &admin).await, before);
}

fn read_xlsx_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let range = wb.worksheet_range_at(0).unwrap().unwrap();
    range
        .rows()
        .map(|r| r.iter().map(cell_text).collect())
        .collect()
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
        other => other.to_string(),
    }
}

#[tokio::test]
async fn skipping_bad_rows_imports_the_good_ones_and_returns_the_rest_as_a_file() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let registered = id(1950, 8, 8, 99);
    let seed = csv(&[
        HEAD,
        &format!("{A1},3,999,老住户,{registered},,,,户主,,,,,,,,"),
    ]);
    w.app
        .import()
        .residents(&worker, "seed.csv", &seed, &ImportOptions::default())
        .await
        .unwrap();
    let (rows, good) = bad_rows(&registered);

    // CSV in, CSV rejects out.
    let mut lines = vec![HEAD.to_string()];
    lines.extend(rows.iter().cloned());
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let report = w
        .app
        .import()
        .residents(
            &worker,
            "批次.csv",
            &csv(&refs),
            &ImportOptions { skip_invalid: true },
        )
        .await
        .unwrap();
    assert!(report.committed);
    assert_eq!(
        (report.residents_created, report.households_created),
        (2, 2)
    );
    let rejects = report.rejects.clone().expect("a rejects file");
    assert_eq!(rejects.file_name, "批次_未导入.csv");
    let text = String::from_utf8(rejects.bytes.clone()).unwrap();
    let text = text.strip_prefix('\u{feff}').expect("a BOM for Excel");
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(rdr.headers().unwrap().iter().last(), Some("错误原因"));
    let recs: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(recs.len(), 6, "rows 3, 4, 5, 6, 8, 9");
    let names: Vec<&str> = recs.iter().map(|r| &r[3]).collect();
    assert_eq!(names, ["周二", "周三", "周四", "周五", "周七", "周八"]);
    assert!(
        recs[4][17].contains("第8行") && recs[4][17].contains("重复"),
        "{}",
        &recs[4][17]
    );
    let list = w
        .app
        .registry()
        .list_residents(&worker, ResidentFilter::default(), None, 1, 50)
        .await
        .unwrap()
        .items;
    assert_eq!(list.len(), 3);
    for g in &good[..2] {
        let hit = w
            .app
            .registry()
            .list_residents(
                &worker,
                ResidentFilter {
                    q: Some(g.clone()),
                    ..Default::default()
                },
                None,
                1,
                5,
            )
            .await
            .unwrap();
        assert_eq!(hit.items.len(), 1);
    }
    let stats = w.app.registry().home(&worker).await.unwrap().stats;
    assert_eq!(
        (stats.households, stats.residents, stats.party_member),
        (3, 3, 1)
    );

    // The corrected rejects file goes back in (its 错误原因 column is ignored): only the
    // out-of-scope row and the already registered ones stay out.
    let fixed = text
        .replace(&bad_checksum(&id(1973, 4, 5, 11)), &id(1973, 4, 5, 11))
        .replace("1974-02-30", "1974-02-03")
        .replace(",12345,", ",13900000004,");
    let again = w
        .app
        .import()
        .residents(
            &worker,
            &rejects.file_name,
            fixed.as_bytes(),
            &ImportOptions { skip_invalid: true },
        )
        .await
        .unwrap();
    assert_eq!(again.residents_created, 3, "{:?}", again.errors);
    let left: Vec<usize> = again.errors.iter().map(|e| e.row).collect();
    assert_eq!(left, [5, 6, 7], "{:?}", again.errors);

    // XLSX in, XLSX rejects out.
    let w2 = World::new().await;
    let worker2 = w2.user("worker.a", "community-worker", &w2.comm_a).await;
    w2.app
        .import()
        .residents(&worker2, "seed.csv", &seed, &ImportOptions::default())
        .await
        .unwrap();
    let file = xlsx(|ws| {
        for (r, line) in lines.iter().enumerate() {
            for (c, v) in line.split(',').enumerate() {
                if !v.is_empty() {
                    ws.write_string(r as u32, c as u16, v).unwrap();
                }
            }
        }
    });
    let report = w2
        .app
        .import()
        .residents(
            &worker2,
            "批次.xlsx",
            &file,
            &ImportOptions { skip_invalid: true },
        )
        .await
        .unwrap();
    assert_eq!((report.committed, report.residents_created), (true, 2));
    let rejects = report.rejects.expect("a rejects file");
    assert_eq!(rejects.file_name, "批次_未导入.xlsx");
    let back = read_xlsx_rows(&rejects.bytes);
    assert_eq!(back.len(), 7);
    assert_eq!(back[0].last().map(String::as_str), Some("错误原因"));
    assert_eq!(
        back[1][4],
        bad_checksum(&id(1973, 4, 5, 11)),
        "IDs stay text"
    );
    assert!(back[1][17].contains("身份证号"));
}

#[tokio::test]
async fn exports_stream_masked_lists_in_scope_and_are_audited() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let worker_b = w.user("worker.b", "community-worker", &w.comm_b).await;
    let admin = w.user("admin", "city-admin", &w.city).await;
    let mut lines = vec![HEAD.to_string()];
    let mut ids = vec![];
    for i in 0..40u32 {
        let p = id(
            1940 + i as i32,
            1 + (i % 12) as u8,
            1 + (i % 28) as u8,
            i * 2 + 1,
        );
        let b = if i % 2 == 0 { A1 } else { A2 };
        let rel = if i % 4 < 2 { "户主" } else { "子女" };
        lines.push(format!(
            "{b},1,{},居民{i},{p},,,1381234{:04},{rel},,,,,,,,",
            100 + i / 4,
            i
        ));
        ids.push(p);
    }
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let r = w
        .app
        .import()
        .residents(
            &worker,
            "四十人.csv",
            &csv(&refs),
            &ImportOptions::default(),
        )
        .await
        .unwrap();
    assert!(r.committed, "{:?}", r.errors);
    assert_eq!((r.residents_created, r.households_created), (40, 20));

    let dir = std::env::temp_dir().join(format!("jz_export_{}_{}", std::process::id(), rand_tag()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("residents.xlsx");
    let n = w
        .app
        .export()
        .residents(&worker, ResidentFilter::default(), None, &path)
        .await
        .unwrap();
    assert_eq!(n, 40);
    let rows = read_xlsx_rows(&std::fs::read(&path).unwrap());
    assert_eq!(rows.len(), 41);
    assert_eq!(
        rows[0][..6],
        ["楼宇编码", "单元", "房号", "地址", "姓名", "身份证号"]
    );
    let all = rows.concat().join("|");
    for p in &ids {
        assert!(!all.contains(p.as_str()), "no plain ID in the export");
    }
    assert!(!all.contains("13812340000"), "no plain phone");
    for r in &rows[1..] {
        assert!(
            r[5].len() == 18 && r[5].contains("***********"),
            "masked ID {}",
            r[5]
        );
        assert!(r[8].contains("****"), "masked phone {}", r[8]);
    }

    // Narrowed to one building, and filtered.
    let path_a2 = dir.join("a2.xlsx");
    assert_eq!(
        w.app
            .export()
            .residents(
                &worker,
                ResidentFilter::default(),
                Some(w.building_a2.id),
                &path_a2
            )
            .await
            .unwrap(),
        20
    );
    let path_q = dir.join("q.xlsx");
    let f = ResidentFilter {
        q: Some(ids[3].clone()),
        ..Default::default()
    };
    assert_eq!(
        w.app
            .export()
            .residents(&worker, f, None, &path_q)
            .await
            .unwrap(),
        1
    );

    // Households, and the audit log.
    let hh = dir.join("households.xlsx");
    assert_eq!(
        w.app
            .export()
            .households(&worker, HouseholdFilter::default(), None, &hh)
            .await
            .unwrap(),
        20
    );
    let hrows = read_xlsx_rows(&std::fs::read(&hh).unwrap());
    assert_eq!(hrows.len(), 21);
    assert_eq!(
        hrows[0],
        ["楼宇编码", "单元", "房号", "地址", "户主", "人数"]
    );
    assert!(
        hrows[1..]
            .iter()
            .all(|r| r[5] == "2" && r[4].starts_with("居民")),
        "{hrows:?}"
    );
    let au = dir.join("audit.xlsx");
    let n = w
        .app
        .export()
        .audit(&admin, &Filter::default(), &au)
        .await
        .unwrap();
    let arows = read_xlsx_rows(&std::fs::read(&au).unwrap());
    assert_eq!(arows.len() as u64, n + 1);
    let log = w
        .app
        .audit()
        .list(
            &admin,
            &Filter {
                action: Some(jingzhi_domain::audit::Action::Export),
                ..Default::default()
            },
            None,
            50,
        )
        .await
        .unwrap();
    assert_eq!(log.len(), 5, "four register exports and the audit export");
    let text = serde_json::to_string(&log).unwrap();
    assert!(
        !text.contains(ids[3].as_str()),
        "the search query is not kept"
    );

    // Outside the scope: nothing, or not found.
    let empty = dir.join("b.xlsx");
    assert_eq!(
        w.app
            .export()
            .residents(&worker_b, ResidentFilter::default(), None, &empty)
            .await
            .unwrap(),
        0
    );
    assert_eq!(read_xlsx_rows(&std::fs::read(&empty).unwrap()).len(), 1);
    let e = w
        .app
        .export()
        .residents(
            &worker_b,
            ResidentFilter::default(),
            Some(w.comm_a.id),
            &dir.join("x.xlsx"),
        )
        .await;
    assert!(matches!(e, Err(AppError::NotFound)), "{e:?}");
    assert!(matches!(
        w.app
            .export()
            .audit(&worker, &Filter::default(), &dir.join("y.xlsx"))
            .await,
        Err(AppError::Forbidden)
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn the_template_imports_its_example_row() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let t = Import::template_xlsx();
    let rows = read_xlsx_rows(&t);
    assert_eq!(rows[0].len(), 17);
    assert_eq!(rows[0][0], "楼宇编码");
    let r = w
        .app
        .import()
        .residents(&worker, "模板.xlsx", &t, &ImportOptions::default())
        .await
        .unwrap();
    assert!(r.committed, "{:?}", r.errors);
    assert_eq!(r.residents_created, 1);
    let _: Vec<RowError> = r.errors;
}

fn rand_tag() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
}

/// The largest file allowed, in one transaction (run with `--ignored`; prints the time taken).
#[tokio::test]
#[ignore]
async fn fifty_thousand_rows_in_one_go() {
    let w = World::new().await;
    let worker = w.user("worker.a", "community-worker", &w.comm_a).await;
    let mut text = String::from(HEAD);
    text.push('\n');
    for i in 0..50_000u32 {
        let birth_days = (i % 20_000) as i64;
        let birth = Date::from_calendar_date(1940, Month::January, 1).unwrap()
            + time::Duration::days(birth_days);
        let p = IdNumber::build(370000 + i / 1000, birth, i % 1000)
            .as_str()
            .to_string();
        let b = if i % 2 == 0 { A1 } else { A2 };
        let rel = if i % 36 < 6 { "户主" } else { "子女" };
        text.push_str(&format!(
            "{b},{},{},居民{i},{p},,,,{rel},,,,,,,,\n",
            1 + i % 6,
            101 + i / 36
        ));
    }
    let t = std::time::Instant::now();
    let r = w
        .app
        .import()
        .residents(
            &worker,
            "big.csv",
            text.as_bytes(),
            &ImportOptions::default(),
        )
        .await
        .unwrap();
    eprintln!("50,000 rows: {:?}", t.elapsed());
    assert!(r.committed, "{:?}", &r.errors[..r.errors.len().min(5)]);
    assert_eq!(r.residents_created, 50_000);
    let stats = w.app.registry().home(&worker).await.unwrap().stats;
    assert_eq!(
        (stats.residents, stats.households),
        (50_000, r.households_created as i64)
    );
    let path = std::env::temp_dir().join(format!("jz_big_{}.xlsx", rand_tag()));
    let t = std::time::Instant::now();
    assert_eq!(
        w.app
            .export()
            .residents(&worker, ResidentFilter::default(), None, &path)
            .await
            .unwrap(),
        50_000
    );
    eprintln!("export 50,000 rows: {:?}", t.elapsed());
    std::fs::remove_file(&path).unwrap();
}
