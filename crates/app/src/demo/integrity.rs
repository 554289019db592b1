//! The demo's integrity index (issue 12 §1): every merchant of 东北村社区's trade associations
//! scored from a few records of the example catalogue (documents attached); 向阳街福顺面馆 with
//! its adopted birthday-noodles project (five monthly deliveries confirmed), a minus record it
//! appealed and had reversed, an integrity agreement, and the shopkeeper's account
//! (`dongbeicun.merchant`) linked to it; a second project open for adoption; two workers and
//! their platform; rewards and one grant. Written through the use-cases, so every record and
//! the appeal's outcome are in the transparency log.

use crate::integrity::{AgreementInput, ProjectInput, RecordInput, RewardInput, SubjectInput};
use crate::{Actor, App, AppResult};
use jingzhi_domain::registry::NodeKind;
use jingzhi_domain::time_fmt::{format_date, now_ms, today};
use jingzhi_store::integrity as si;
use jingzhi_store::registry as sr;

const DAY: i64 = 24 * 3600 * 1000;

pub const NOODLE_SHOP: &str = "向阳街福顺面馆";
pub const BIRTHDAY_PROJECT: &str = "百岁宴·长寿面：每月为社区高龄老人过集体生日";
pub const OPEN_PROJECT: &str = "重阳敬老宴：为独居老人送一顿热饭";

/// A one-page PDF saying what it stands for (the demo's documentary evidence).
pub fn demo_pdf(text: &str) -> Vec<u8> {
    let text: String = text
        .chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .filter(|c| !matches!(c, '(' | ')' | '\\'))
        .collect();
    let content = format!("BT /F1 14 Tf 40 780 Td ({text}) Tj ET");
    let objs = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>".to_string(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objs.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objs.len() + 1).as_bytes());
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objs.len() + 1
        )
        .as_bytes(),
    );
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for b in bytes {
        c ^= *b as u32;
        for _ in 0..8 {
            c = if c & 1 == 1 {
                (c >> 1) ^ 0xEDB8_8320
            } else {
                c >> 1
            };
        }
    }
    !c
}

/// A small striped PNG (the demo's photo evidence): RGB, stored (uncompressed) deflate.
pub fn demo_png(rgb: [u8; 3]) -> Vec<u8> {
    const W: usize = 64;
    let mut raw = Vec::with_capacity(W * (W * 3 + 1));
    for y in 0..W {
        raw.push(0);
        for x in 0..W {
            let light = ((x + y) / 8) % 2 == 0;
            raw.extend(rgb.iter().map(|c| if light { *c } else { c / 2 + 64 }));
        }
    }
    let mut z = vec![0x78, 0x01];
    let chunks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, c) in chunks.iter().enumerate() {
        z.push(u8::from(i + 1 == chunks.len()));
        let n = c.len() as u16;
        z.extend_from_slice(&n.to_le_bytes());
        z.extend_from_slice(&(!n).to_le_bytes());
        z.extend_from_slice(c);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for x in &raw {
        a = (a + *x as u32) % 65_521;
        b = (b + a) % 65_521;
    }
    z.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], data: &[u8]| {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
    };
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&(W as u32).to_be_bytes());
    ihdr.extend_from_slice(&(W as u32).to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(b"IHDR", &ihdr);
    chunk(b"IDAT", &z);
    chunk(b"IEND", &[]);
    out
}

fn record(code: &str, days_ago: i64, note: &str) -> RecordInput {
    // Photo items get the striped picture, the others the one-page document.
    let photo = jingzhi_domain::integrity::default_catalogue()
        .iter()
        .any(|i| i.code == code && i.evidence == jingzhi_domain::integrity::Evidence::Photo);
    RecordInput {
        item_code: code.into(),
        occurred_on: format_date(today() - time::Duration::days(days_ago)),
        note: note.into(),
        agreement_id: None,
        evidence: Some(if photo {
            demo_png(if code.starts_with('P') {
                [60, 160, 90]
            } else {
                [200, 80, 60]
            })
        } else {
            demo_pdf(&format!("jingzhi demo evidence: item {code}"))
        }),
    }
}

/// Per merchant (by its place in the list), the records that make its score: document or
/// either-kind items, so every one carries the demo PDF.
const PATTERNS: [&[(&str, i64)]; 5] = [
    &[("P029", 200), ("P024", 120), ("P026", 40)],
    &[("P029", 210), ("M007", 60)],
    &[
        ("P029", 190),
        ("P024", 150),
        ("P010", 90),
        ("P039", 30),
        ("P030", 240),
    ],
    &[("P024", 100)],
    &[
        ("P029", 230),
        ("P028", 180),
        ("P024", 70),
        ("P019", 20),
        ("P030", 300),
    ],
];

pub(crate) async fn seed(app: &App) -> AppResult<()> {
    let mut conn = app.store.acquire().await?;
    let user = |name: &'static str| async move {
        let mut c = app.store.acquire().await?;
        AppResult::Ok(
            jingzhi_store::auth::user_by_username(&mut c, name)
                .await?
                .map(Actor::new),
        )
    };
    drop(conn);
    let (Some(worker), Some(officer)) = (user("dongbeicun").await?, user("huancuilou").await?)
    else {
        return Ok(());
    };
    conn = app.store.acquire().await?;
    let community = sr::search_nodes(
        &mut conn,
        &worker.scope(),
        "东北村社区",
        Some(NodeKind::Community),
        1,
    )
    .await?
    .into_iter()
    .next();
    let Some(community) = community else {
        return Ok(());
    };
    let merchants = si::merchants_unscored(&mut conn, &worker.scope(), 200).await?;
    drop(conn);
    let ig = app.integrity();
    let now = now_ms();

    // Projects: the birthday noodles (adopted by the noodle shop) and one open for adoption.
    let birthday = ig
        .create_project(
            &worker,
            &ProjectInput {
                node_id: community.id,
                title: BIRTHDAY_PROJECT.into(),
                description: "每月最后一个周六中午，在社区食堂为当月过生日的80岁以上老人煮长寿面、办集体生日。".into(),
                schedule: "每月一次".into(),
                item_code: "P001".into(),
            },
        )
        .await?;
    ig.create_project(
        &worker,
        &ProjectInput {
            node_id: community.id,
            title: OPEN_PROJECT.into(),
            description: "重阳节当天为辖区独居老人送一份热饭菜，并陪老人聊聊天。".into(),
            schedule: "每年重阳节".into(),
            item_code: "P002".into(),
        },
    )
    .await?;

    let mut noodle = None;
    for (i, (merchant_id, name, _)) in merchants.iter().enumerate() {
        let s = ig
            .create_subject(
                &worker,
                &SubjectInput {
                    kind: "merchant".into(),
                    merchant_id: Some(*merchant_id),
                    ..Default::default()
                },
            )
            .await?;
        if name == NOODLE_SHOP {
            noodle_shop(app, &worker, &officer, s.id, birthday.id).await?;
            noodle = Some(s.id);
            continue;
        }
        for (code, days) in PATTERNS[i % PATTERNS.len()] {
            ig.record_at(&worker, s.id, &record(code, *days, ""), now - days * DAY)
                .await?;
        }
    }

    // New-employment workers and their platform.
    let platform = ig
        .create_subject(
            &worker,
            &SubjectInput {
                kind: "platform".into(),
                node_id: Some(community.id),
                name: "威海同城即时配送站".into(),
                ..Default::default()
            },
        )
        .await?;
    ig.record_at(
        &worker,
        platform.id,
        &record("P009", 100, "资助社区助老餐"),
        now - 100 * DAY,
    )
    .await?;
    for (name, phone, codes) in [
        ("张师傅", "13906310001", &[("P005", 45), ("P014", 12)][..]),
        ("李骑手", "13906310002", &[("P010", 80)][..]),
    ] {
        let w = ig
            .create_subject(
                &worker,
                &SubjectInput {
                    kind: "worker".into(),
                    node_id: Some(community.id),
                    name: name.into(),
                    phone: phone.into(),
                    platform_id: Some(platform.id),
                    ..Default::default()
                },
            )
            .await?;
        for (code, days) in codes {
            ig.record_at(&worker, w.id, &record(code, *days, ""), now - days * DAY)
                .await?;
        }
    }

    // Rewards.
    ig.create_reward(
        &worker,
        &RewardInput {
            node_id: community.id,
            title: "四点半课堂免费托管".into(),
            description: "诚信四星以上商户员工子女，放学后在社区四点半课堂免费托管一学期。".into(),
            min_stars: 4,
        },
    )
    .await?;
    let plaque = ig
        .create_reward(
            &worker,
            &RewardInput {
                node_id: community.id,
                title: "诚信商户挂牌".into(),
                description: "三星以上商户授予“诚信商户”铜牌，在社区光荣榜公示。".into(),
                min_stars: 3,
            },
        )
        .await?;
    if let Some(n) = noodle {
        ig.grant(&worker, plaque.id, n, "", "百岁宴长寿面项目坚持五个月")
            .await?;
    }
    Ok(())
}

async fn noodle_shop(
    app: &App,
    worker: &Actor,
    officer: &Actor,
    subject_id: i64,
    project_id: i64,
) -> AppResult<()> {
    let ig = app.integrity();
    let now = now_ms();
    ig.add_operator(worker, subject_id, "dongbeicun.merchant")
        .await
        .ok();
    for (code, days) in [("P029", 300), ("P024", 160)] {
        ig.record_at(
            worker,
            subject_id,
            &record(code, days, ""),
            now - days * DAY,
        )
        .await?;
    }
    ig.create_agreement(
        worker,
        subject_id,
        &AgreementInput {
            title: "东北村社区商户诚信经营协议".into(),
            terms: "一、明码标价，不缺斤短两；二、门前三包，不出店经营；三、油烟净化设施按期清洗；四、每月参加一次社区敬老服务。违反约定的，按诚信指数目录记减分项。".into(),
            signatories: "向阳街福顺面馆（经营者）；东北村社区居民委员会；环翠楼街道餐饮行业协会（见证）".into(),
            starts_on: format_date(today() - time::Duration::days(330)),
            ends_on: format_date(today() + time::Duration::days(400)),
        },
    )
    .await?;
    // A minus record the shop appealed: a street officer reversed it (the price tags were there).
    let minus = ig
        .record_at(
            worker,
            subject_id,
            &record("M007", 50, "巡查时价签被遮挡"),
            now - 50 * DAY,
        )
        .await?;
    if let Some(shopkeeper) = {
        let mut c = app.store.acquire().await?;
        jingzhi_store::auth::user_by_username(&mut c, "dongbeicun.merchant")
            .await?
            .map(Actor::new)
    } {
        ig.appeal_at(
            &shopkeeper,
            minus.id,
            "价签一直挂在柜台上，当天被顾客的包挡住了，附店内监控截图。",
            now - 48 * DAY,
        )
        .await?;
        ig.review(
            officer,
            minus.id,
            "reverse",
            "经查看监控，价签完整公示，撤销该记录。",
        )
        .await?;
    }
    // The birthday project: adopted, five monthly deliveries confirmed.
    let a = ig.adopt(worker, project_id, subject_id).await?;
    for m in (1..=5).rev() {
        let d = ig
            .report_delivery(
                worker,
                a.id,
                &format_date(today() - time::Duration::days(m * 30)),
                "为当月过生日的高龄老人煮长寿面，到场老人12位。",
            )
            .await?;
        ig.confirm_delivery(officer, d.id).await?;
    }
    Ok(())
}
