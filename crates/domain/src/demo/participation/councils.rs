//! The demo's council and associations in 环翠楼街道 (issue 11 §6, domain.md §8): a street
//! co-governance council with a rotating chair (东北村社区, a property company and the street's
//! eleven trade associations, 90-day terms, two years of handovers), the associations with a
//! few member merchants each at buildings of 东北村社区, and the matters the council handled.

use crate::participation::councils::{LicenceNumber, Trade};

pub const COUNCIL_NAME: &str = "环翠楼街道街区共治理事会";
/// The chair's term (days).
pub const TERM_DAYS: i64 = 90;
/// How long ago the council was set up (days): eight handovers since.
pub const SET_UP_DAYS_AGO: i64 = 735;
pub const PROPERTY_COMPANY: &str = "威海宏安物业服务有限公司";

/// The eleven trade associations (name, trade, member merchants).
pub const ASSOCIATIONS: [(&str, Trade, &[&str]); 11] = [
    (
        "环翠楼街道餐饮行业协会",
        Trade::Catering,
        &[
            "老船长海鲜水饺",
            "向阳街福顺面馆",
            "东北村烧烤小院",
            "家常菜馆",
        ],
    ),
    (
        "环翠楼街道美容美发行业协会",
        Trade::Beauty,
        &["剪艺美发工作室", "丽人美容院", "小马理发店"],
    ),
    (
        "环翠楼街道超市便利行业协会",
        Trade::Convenience,
        &["家家福便利店", "东北村生活超市", "24小时便民店"],
    ),
    (
        "环翠楼街道维修服务行业协会",
        Trade::Repair,
        &["老刘家电维修", "开锁换锁服务部", "鞋包修补店"],
    ),
    (
        "环翠楼街道快递物流行业协会",
        Trade::Logistics,
        &["东北村快递驿站", "向阳街菜鸟驿站", "同城跑腿服务部"],
    ),
    (
        "环翠楼街道教育培训行业协会",
        Trade::Education,
        &["启明书法培训", "小海豚托管班", "乐音钢琴教室"],
    ),
    (
        "环翠楼街道药店诊所行业协会",
        Trade::Pharmacy,
        &["仁和大药房东北村店", "康宁口腔诊所", "百草堂中医诊所"],
    ),
    (
        "环翠楼街道洗衣家政行业协会",
        Trade::Housekeeping,
        &["洁雅干洗店", "好帮手家政服务部", "阿姨到家保洁"],
    ),
    (
        "环翠楼街道五金建材行业协会",
        Trade::Hardware,
        &["东北村五金店", "金鑫建材门市", "水电暖配件部"],
    ),
    (
        "环翠楼街道水果生鲜行业协会",
        Trade::FreshProduce,
        &["鲜丰水果店", "渔港海鲜档口", "绿源蔬菜店"],
    ),
    (
        "环翠楼街道汽车服务行业协会",
        Trade::Auto,
        &["车之家洗车美容", "老王汽修", "轮胎快修点"],
    ),
];

/// A matter of the demo council: (title, days after the set-up it was raised, its outcome and
/// the days it took, or none: still open).
pub type DemoMatter = (&'static str, i64, Option<(&'static str, i64)>);

/// The council's matters.
pub const MATTERS: &[DemoMatter] = &[
    (
        "向阳街沿街商户占道经营整治",
        12,
        Some((
            "餐饮、水果生鲜协会牵头签订门前三包承诺书，外摆划定时段和区域，城管每周联合巡查",
            21,
        )),
    ),
    (
        "餐饮油烟扰民投诉",
        25,
        Some(("12家餐馆加装油烟净化器，协会每季度组织清洗并公示记录", 40)),
    ),
    (
        "快递驿站包裹堆放占用人行道",
        33,
        Some(("驿站搬入原自行车棚改造的室内点位，人行道恢复通行", 30)),
    ),
    (
        "夜间烧烤噪音",
        47,
        Some(("户外经营截至22:00，协会会员互相监督，违约三次退出协会", 14)),
    ),
    (
        "沿街门头招牌统一规范",
        60,
        Some((
            "制定门头招牌样式指引，38家商户分两批更换，街道补贴一半费用",
            90,
        )),
    ),
    (
        "小区周边停车难与商户车辆占位",
        72,
        Some((
            "商户车辆夜间停入物业开放的共享车位，白天让出沿街车位给顾客",
            35,
        )),
    ),
    (
        "建筑垃圾随意倾倒",
        85,
        Some(("五金建材协会设临时集中堆放点，物业联系清运，每周两次", 10)),
    ),
    (
        "理发店污水排放堵塞",
        98,
        Some(("美容美发协会统一加装毛发过滤器，物业疏通主管道", 12)),
    ),
    (
        "老旧小区电动车充电隐患",
        110,
        Some((
            "便利店代售充电卡，物业在两处空地建充电棚，与居民表决衔接",
            60,
        )),
    ),
    (
        "春节期间烟花爆竹安全",
        125,
        Some(("超市便利协会承诺不售违规烟花，社区志愿者夜间巡查", 7)),
    ),
    (
        "校外培训机构接送拥堵",
        140,
        Some(("教育培训协会错峰放学，家长志愿者路口引导", 20)),
    ),
    (
        "药店夜间售药服务",
        152,
        Some(("三家药店轮值夜间售药，值班表在社区公示栏和公众号公布", 15)),
    ),
    (
        "洗车店污水流入雨水管网",
        166,
        Some(("汽车服务协会会员全部接入污水管网，环保部门验收", 45)),
    ),
    (
        "菜市场周边卫生",
        180,
        Some((
            "水果生鲜协会划分卫生责任区，每日收摊后清扫，社区每月评比",
            14,
        )),
    ),
    (
        "商户消防通道堵塞",
        195,
        Some(("联合消防检查，清理杂物，每户配备灭火器并登记", 10)),
    ),
    (
        "老年人助餐点设立",
        210,
        Some(("两家餐馆作为助餐点，80岁以上老人每餐优惠3元，街道补贴", 50)),
    ),
    (
        "家政服务价格不透明",
        226,
        Some(("洗衣家政协会发布服务价目参考，会员店明码标价", 25)),
    ),
    (
        "维修服务上门收费纠纷",
        240,
        Some((
            "维修协会制定上门服务收费公示和纠纷调解流程，社区人民调解员参与",
            30,
        )),
    ),
    (
        "向阳街绿化带被踩踏",
        255,
        Some(("商户认领门前绿化带养护，物业补种", 20)),
    ),
    (
        "夏季夜市规划",
        270,
        Some(("划定周五、周六夜市区域，摊位由协会统一管理，22:30收摊", 28)),
    ),
    (
        "共享单车乱停放",
        284,
        Some(("划设三处停放区，企业运维人员每日两次调度", 18)),
    ),
    (
        "商户垃圾分类",
        300,
        Some(("餐厨垃圾单独收运，协会督促会员分类，物业记录台账", 21)),
    ),
    (
        "沿街空调外机滴水",
        315,
        Some(("商户统一加装冷凝水管，接入下水", 16)),
    ),
    (
        "快递车辆早晚高峰停靠",
        330,
        Some(("快递车辆在指定时段、指定点位停靠装卸", 12)),
    ),
    (
        "社区便民服务日",
        346,
        Some((
            "每月第一个周六开展便民服务日：理发、家电维修、磨刀、义诊",
            30,
        )),
    ),
    (
        "防汛期间商户沙袋储备",
        360,
        Some(("五金建材协会储备沙袋500个，低洼处商户优先领取", 8)),
    ),
    (
        "学校周边食品安全",
        380,
        Some(("市场监管与协会联合检查，签订食品安全承诺书", 20)),
    ),
    (
        "冬季除雪责任",
        400,
        Some((
            "门前除雪由商户负责，物业负责小区内道路，社区组织志愿者支援",
            5,
        )),
    ),
    (
        "广告传单乱发乱贴",
        420,
        Some(("设立公共信息栏，商户广告统一张贴，违规者由协会提醒", 15)),
    ),
    (
        "老旧管网改造期间商户经营",
        445,
        Some(("施工分段进行，每段不超过15天，期间设临时通道和指引牌", 40)),
    ),
    (
        "诚信经营承诺与公示",
        470,
        Some(("全部会员商户签署诚信经营承诺，评价结果在街道公示栏公布", 30)),
    ),
    (
        "宠物店异味扰民",
        500,
        Some(("督促加装新风除味设备，每日清洁两次", 25)),
    ),
    (
        "向阳街节假日交通组织",
        540,
        Some(("节假日单向通行，商户员工车辆停入共享车位", 15)),
    ),
    (
        "商户用工与灵活就业",
        600,
        Some(("协会收集用工需求，社区就业服务站对接辖区待业居民", 45)),
    ),
    ("电动车充电棚收费标准", 690, None),
    ("向阳街夜间照明改善", 715, None),
    ("沿街店铺外摆桌椅管理", 726, None),
];

/// The n-th demo merchant's licence number (a 个体工商户's code, 92…, in 环翠区 371002).
pub fn licence(n: usize) -> LicenceNumber {
    const CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let mut tail = String::new();
    let mut x = n as u64 * 7919 + 104_729;
    for _ in 0..6 {
        tail.push(CHARS[(x % 31) as usize] as char);
        x /= 31;
    }
    LicenceNumber::complete(&format!("92371002MA3{tail}")).expect("code characters")
}

/// The n-th demo merchant's shop phone (a 0631 landline).
pub fn phone(n: usize) -> String {
    format!("0631-52{:05}", 10_000 + n * 37)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_merchants_have_distinct_valid_licences() {
        let n: usize = ASSOCIATIONS.iter().map(|a| a.2.len()).sum();
        let mut seen = std::collections::HashSet::new();
        for i in 0..n {
            let l = licence(i);
            assert_eq!(LicenceNumber::parse(l.as_str()), Ok(l.clone()));
            assert!(seen.insert(l));
            assert!(crate::participation::councils::contact_phone(&phone(i)).is_ok());
        }
        assert_eq!(ASSOCIATIONS.len(), 11);
        let settled = MATTERS.iter().filter(|m| m.2.is_some()).count();
        assert!(settled * 10 >= MATTERS.len() * 8, "{settled}");
        for (title, at, outcome) in MATTERS {
            assert!(*at < SET_UP_DAYS_AGO, "{title}");
            if let Some((o, days)) = outcome {
                assert!(!o.is_empty() && at + days < SET_UP_DAYS_AGO, "{title}");
            }
        }
    }
}
