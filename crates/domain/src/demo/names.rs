//! Name lists for the demo city: Weihai's real districts, streets and towns, and the pieces that
//! generated names (communities, compounds, roads, people) are made of.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// A district of the demo city: its 6-digit region code, name, share of the communities, and the
/// rectangle (west, south, east, north in degrees) it occupies on the map.
pub struct DistrictSpec {
    pub region: u32,
    pub name: &'static str,
    pub share: f64,
    pub rect: [f64; 4],
    /// Real streets and towns (镇 names end in 镇), used first and in order.
    pub streets: &'static [&'static str],
    pub river: &'static str,
    pub roads: &'static [&'static str],
}

/// Weihai's seven district-level units, laid out roughly as on the map: 高区 and 环翠区 on the
/// northern coast, 经区 and 临港区 south of them, 文登区 in the middle, 荣成市 along the east and
/// 乳山市 in the south.
pub const DISTRICTS: [DistrictSpec; 7] = [
    DistrictSpec {
        region: 371002,
        name: "环翠区",
        share: 0.30,
        rect: [122.12, 37.42, 122.30, 37.55],
        streets: &[
            "环翠楼街道",
            "鲸园街道",
            "张村镇",
            "竹岛街道",
            "孙家疃街道",
            "羊亭镇",
            "温泉镇",
            "桥头镇",
        ],
        river: "羊亭河",
        roads: &[
            "世昌大道",
            "统一路",
            "新威路",
            "青岛路",
            "文化路",
            "海滨路",
            "昆明路",
            "光明路",
        ],
    },
    DistrictSpec {
        region: 371003,
        name: "文登区",
        share: 0.18,
        rect: [122.00, 37.12, 122.30, 37.30],
        streets: &[
            "龙山街道",
            "天福街道",
            "环山街道",
            "文登营镇",
            "大水泊镇",
            "张家产镇",
            "高村镇",
            "泽库镇",
            "侯家镇",
            "宋村镇",
            "米山镇",
            "界石镇",
        ],
        river: "母猪河",
        roads: &["峰山路", "文山路", "昆嵛路", "米山路", "龙山路", "抱龙河路"],
    },
    DistrictSpec {
        region: 371082,
        name: "荣成市",
        share: 0.20,
        rect: [122.30, 37.05, 122.50, 37.55],
        streets: &[
            "崖头街道",
            "城西街道",
            "宁津街道",
            "港湾街道",
            "桃园街道",
            "王连街道",
            "东山街道",
            "斥山街道",
            "寻山街道",
            "俚岛镇",
            "成山镇",
            "埠柳镇",
            "港西镇",
            "夏庄镇",
            "人和镇",
        ],
        river: "沽河",
        roads: &[
            "成山大道",
            "青山路",
            "观海路",
            "黄海路",
            "府新路",
            "石岛大道",
        ],
    },
    DistrictSpec {
        region: 371083,
        name: "乳山市",
        share: 0.12,
        rect: [122.00, 36.90, 122.30, 37.12],
        streets: &[
            "城区街道",
            "夏村镇",
            "乳山口镇",
            "海阳所镇",
            "白沙滩镇",
            "大孤山镇",
            "南黄镇",
            "冯家镇",
            "下初镇",
            "育黎镇",
        ],
        river: "乳山河",
        roads: &["胜利街", "商业街", "青山路", "府前路", "金岭路"],
    },
    DistrictSpec {
        region: 371071,
        name: "高区",
        share: 0.08,
        rect: [122.00, 37.42, 122.12, 37.55],
        streets: &["田和街道", "怡园街道", "初村镇", "双岛湾街道"],
        river: "初村河",
        roads: &["火炬路", "文化西路", "沈阳路", "科技路"],
    },
    DistrictSpec {
        region: 371072,
        name: "经区",
        share: 0.08,
        rect: [122.12, 37.30, 122.30, 37.42],
        streets: &["皇冠街道", "凤林街道", "西苑街道", "泊于镇", "崮山镇"],
        river: "五渚河",
        roads: &["青岛中路", "海南路", "香港路", "齐鲁大道"],
    },
    DistrictSpec {
        region: 371073,
        name: "临港区",
        share: 0.04,
        rect: [122.00, 37.30, 122.12, 37.42],
        streets: &["草庙子镇", "汪疃镇", "苘山镇", "蔄山镇"],
        river: "汪疃河",
        roads: &["开元西路", "临港大道", "苘山路"],
    },
];

/// Extra street names (each used once city-wide) when a district needs more streets than it has
/// real names for.
pub const EXTRA_STREETS: &[&str] = &[
    "望海",
    "金山",
    "海埠",
    "港头",
    "新港",
    "滨海",
    "青山",
    "龙泉",
    "海源",
    "刘公",
    "杨家滩",
    "海景",
    "松涛",
    "玉龙",
    "凤凰",
    "百合",
    "海岳",
    "东海",
    "西山",
    "碧海",
    "蓝湾",
    "金海",
    "海月",
    "青龙",
    "华夏",
    "翠竹",
    "长峰",
    "金鼎",
    "环海",
    "观澜",
    "宝泉",
    "远遥",
    "里口",
    "葡萄滩",
    "望岛",
    "戚家庄",
    "古陌",
    "神道口",
];

const COMMUNITY_A: &[&str] = &[
    "海", "新", "东", "西", "南", "北", "翠", "青", "福", "兴", "华", "和", "安", "乐", "宁", "昌",
    "盛", "祥", "阳", "光", "明", "春", "秀", "金", "银", "玉", "龙", "凤", "松", "柏", "竹", "梅",
    "兰", "杏", "桃", "丰",
];
const COMMUNITY_B: &[&str] = &[
    "苑", "园", "港", "湾", "山", "河", "岛", "庄", "城", "林", "泉", "华", "景", "滨", "村", "坊",
    "桥", "亭", "台", "湖", "岭", "里", "峰", "源",
];

/// All two-character community name stems, shuffled by the caller.
pub fn community_stems() -> Vec<String> {
    let mut v = Vec::with_capacity(COMMUNITY_A.len() * COMMUNITY_B.len());
    for a in COMMUNITY_A {
        for b in COMMUNITY_B {
            if a != b {
                v.push(format!("{a}{b}"));
            }
        }
    }
    v
}

const COMPOUND_A: &[&str] = &[
    "海景", "阳光", "锦绣", "金海", "蓝天", "翠湖", "丽都", "望海", "怡海", "福泰", "幸福", "碧水",
    "长安", "和谐", "东方", "海韵", "银河", "紫薇", "香榭", "明珠", "华府", "绿城", "玉兰", "观澜",
    "春晖", "鸿运", "盛世", "新华", "海悦", "凤鸣", "泰和", "康乐", "龙腾", "松竹", "海天", "润园",
];
const COMPOUND_B: &[&str] = &[
    "小区", "花园", "家园", "苑", "公寓", "新村", "嘉园", "雅居", "名邸", "庭院",
];

/// A compound name, unique within its community when `taken` is respected by the caller.
pub fn compound_name(rng: &mut ChaCha8Rng) -> String {
    format!("{}{}", pick(rng, COMPOUND_A), pick(rng, COMPOUND_B))
}

/// Extra road names for streets and communities.
pub const ROADS: &[&str] = &[
    "和平路",
    "建设路",
    "幸福街",
    "海港路",
    "解放路",
    "人民路",
    "花园路",
    "新华街",
    "胜利路",
    "民生路",
    "东城路",
    "西城路",
    "南山路",
    "北山路",
    "滨河路",
    "育才路",
    "学府路",
    "兴业路",
    "金鸡路",
    "鸿运路",
    "宝泉路",
    "戚谷疃路",
];

/// Weighted surnames, with the names common on the Jiaodong peninsula (于, 丛, 鞠, 毕, 谷, 姜) well
/// represented.
const SURNAMES: &[(&str, u32)] = &[
    ("王", 90),
    ("张", 60),
    ("李", 60),
    ("刘", 50),
    ("于", 45),
    ("孙", 35),
    ("姜", 30),
    ("杨", 28),
    ("赵", 25),
    ("陈", 25),
    ("丛", 18),
    ("毕", 15),
    ("鞠", 14),
    ("谷", 12),
    ("徐", 15),
    ("周", 14),
    ("吴", 12),
    ("林", 12),
    ("宋", 12),
    ("曲", 12),
    ("董", 10),
    ("郭", 10),
    ("高", 10),
    ("马", 9),
    ("梁", 8),
    ("韩", 9),
    ("唐", 7),
    ("田", 7),
    ("邹", 7),
    ("戚", 6),
    ("汤", 6),
    ("慕", 5),
    ("隋", 6),
    ("丁", 6),
    ("夏", 5),
    ("蔡", 5),
    ("许", 6),
    ("郑", 6),
    ("谢", 5),
    ("胡", 6),
    ("朱", 6),
    ("邵", 5),
    ("孔", 4),
    ("崔", 5),
    ("鲁", 4),
    ("初", 6),
    ("战", 4),
    ("车", 4),
    ("都", 3),
    ("殷", 3),
    ("欧阳", 1),
    ("司马", 1),
];

const MALE_OLD: &[&str] = &[
    "建国", "国庆", "德明", "志强", "学文", "振华", "树林", "长青", "玉山", "福来", "文海", "世昌",
    "洪波", "永胜", "德胜", "宝山", "春生", "连成", "忠诚", "建军",
];
const FEMALE_OLD: &[&str] = &[
    "秀英", "桂兰", "玉兰", "淑珍", "秀兰", "凤英", "桂英", "玉珍", "丽华", "素芳", "翠花", "美兰",
    "淑英", "秀芝", "桂芳", "玉梅", "春兰", "玉英", "爱华", "秀云",
];
const MALE_MID: &[&str] = &[
    "伟", "强", "军", "磊", "勇", "涛", "斌", "刚", "海波", "建华", "志刚", "立新", "红军", "晓东",
    "明", "鹏", "海涛", "海军", "卫东", "永强", "春雷", "国栋", "洪涛", "晓明",
];
const FEMALE_MID: &[&str] = &[
    "丽", "静", "敏", "燕", "艳", "娟", "芳", "霞", "红梅", "丽娜", "晓燕", "海燕", "春燕", "雪梅",
    "丽丽", "晓红", "美玲", "晓丽", "红霞", "海霞", "玲", "萍", "颖", "倩",
];
const MALE_YOUNG: &[&str] = &[
    "浩然", "子轩", "宇航", "浩宇", "俊杰", "一鸣", "博文", "天佑", "明轩", "睿", "泽宇", "子豪",
    "皓轩", "思远", "晨阳", "梓豪", "嘉豪", "铭泽", "宇轩", "家乐", "昊天", "奕辰", "锦程", "浩轩",
];
const FEMALE_YOUNG: &[&str] = &[
    "欣怡", "梓涵", "诗涵", "子涵", "雨桐", "一诺", "佳怡", "思琪", "语嫣", "可欣", "梦瑶", "紫萱",
    "雨欣", "婧", "萌", "晓雪", "若曦", "依诺", "梓萱", "心怡", "欣然", "雨涵", "芷若", "安琪",
];

pub fn pick<'a>(rng: &mut ChaCha8Rng, list: &'a [&'a str]) -> &'a str {
    list[rng.gen_range(0..list.len())]
}

fn surname_total() -> u32 {
    SURNAMES.iter().map(|(_, w)| w).sum()
}

pub fn surname(rng: &mut ChaCha8Rng) -> &'static str {
    let mut x = rng.gen_range(0..surname_total());
    for (s, w) in SURNAMES {
        if x < *w {
            return s;
        }
        x -= w;
    }
    SURNAMES[0].0
}

/// A given name fitting the gender and the decade of birth.
pub fn given_name(rng: &mut ChaCha8Rng, male: bool, birth_year: i32) -> &'static str {
    let list = match (male, birth_year) {
        (true, ..=1959) => MALE_OLD,
        (false, ..=1959) => FEMALE_OLD,
        (true, 1960..=1989) => MALE_MID,
        (false, 1960..=1989) => FEMALE_MID,
        (true, _) => MALE_YOUNG,
        (false, _) => FEMALE_YOUNG,
    };
    pick(rng, list)
}

/// Mobile prefixes of the three carriers.
pub const PHONE_PREFIXES: &[&str] = &[
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153",
    "155", "156", "157", "158", "159", "166", "177", "180", "181", "182", "183", "185", "186",
    "187", "188", "189", "199",
];

/// Chinese numerals for small ordinals (网格 names): 一 … 九十九.
pub fn zh_number(n: u32) -> String {
    const D: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0..=9 => D[n as usize].to_string(),
        10..=19 => format!("十{}", if n == 10 { "" } else { D[(n % 10) as usize] }),
        20..=99 => format!(
            "{}十{}",
            D[(n / 10) as usize],
            if n % 10 == 0 {
                ""
            } else {
                D[(n % 10) as usize]
            }
        ),
        _ => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numerals() {
        assert_eq!(zh_number(1), "一");
        assert_eq!(zh_number(10), "十");
        assert_eq!(zh_number(12), "十二");
        assert_eq!(zh_number(20), "二十");
        assert_eq!(zh_number(37), "三十七");
    }

    #[test]
    fn enough_community_stems() {
        let s = community_stems();
        let set: std::collections::HashSet<_> = s.iter().collect();
        assert!(set.len() > 389 * 2);
    }

    #[test]
    fn districts_share_everything() {
        let total: f64 = DISTRICTS.iter().map(|d| d.share).sum();
        assert!((total - 1.0).abs() < 1e-9);
    }
}
