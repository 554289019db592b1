//! Deterministic pieces of the demo's rounds (names, departments, texts): a hash of the seed
//! and an index picks each, so the SQL-side generation and these agree without a shared RNG.

/// SplitMix64: a well-mixed 64-bit hash of `x`.
pub fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林",
    "何", "郭", "马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧", "程", "曹",
    "袁", "邓", "许", "傅", "沈", "曾", "彭", "吕", "苏", "卢", "蒋", "蔡", "贾", "丁", "魏", "薛",
    "叶", "阎", "余", "潘", "杜", "戴", "夏", "钟", "汪", "田", "任", "姜", "范", "方", "石", "姚",
    "谭", "廖", "邹", "熊", "金", "陆", "郝", "孔", "白", "崔", "康", "毛", "邱", "秦", "江", "史",
    "顾", "侯", "邵", "孟", "龙", "万", "段", "曲", "隋", "丛",
];
const GIVEN: &[&str] = &[
    "建国", "秀英", "桂兰", "志强", "海燕", "丽娟", "永刚", "红梅", "立新", "淑珍", "晓东", "春华",
    "国庆", "玉兰", "德明", "静", "伟", "敏", "磊", "洋", "娜", "军", "勇", "艳", "杰", "涛", "明",
    "超", "霞", "平", "刚", "丽", "华", "芳", "鹏", "燕", "宁", "晨", "海波", "文静", "志刚",
    "秀梅", "建华", "凤英", "振华", "玉梅", "学军", "新华", "爱华",
];

/// A plausible Chinese name.
pub fn person_name(seed: u64, i: u64) -> String {
    let h = mix(seed ^ mix(i));
    format!(
        "{}{}",
        SURNAMES[(h % SURNAMES.len() as u64) as usize],
        GIVEN[((h >> 20) % GIVEN.len() as u64) as usize]
    )
}

/// Departments of 环翠区 that send party members to the grids (双报到).
pub const DEPARTMENTS: &[&str] = &[
    "区住房和城乡建设局",
    "区民政局",
    "区市场监督管理局",
    "区综合行政执法局",
    "区卫生健康局",
    "区教育和体育局",
    "区司法局",
    "区应急管理局",
    "区人力资源和社会保障局",
    "区财政局",
    "区发展和改革局",
    "区退役军人事务局",
];

/// What a specialist did in a month.
pub const SERVICES: &[&str] = &[
    "走访网格内困难党员和独居老人，了解生活需求",
    "参加网格议事会，协调解决楼道照明维修",
    "开展政策宣讲，解答居民医保和养老保险问题",
    "协助排查电动车飞线充电隐患",
    "组织网格志愿者清理小区卫生死角",
    "参与邻里纠纷调解，双方达成和解",
    "走访沿街商户，宣传消防安全知识",
    "收集居民意见建议，反馈派出单位办理",
];

/// (kind code, text) of a demo finding.
pub const FINDINGS: &[(&str, &str)] = &[
    ("dispute", "楼上楼下因漏水产生矛盾，已初步沟通"),
    ("demand", "独居老人希望有人定期上门测血压"),
    ("hazard", "楼道内电动车飞线充电"),
    ("proposal", "建议在小区门口增设非机动车停放区"),
    ("dispute", "邻居在公共走廊堆放杂物引发争执"),
    ("demand", "居民反映单元门禁损坏，需维修"),
    ("hazard", "楼道堆放纸箱等易燃物"),
    ("proposal", "建议增加夜间路灯照明"),
    ("dispute", "停车位占用引发口角"),
    ("demand", "咨询老年人助餐服务办理方式"),
    ("hazard", "窗外空调支架锈蚀松动"),
    ("proposal", "希望社区组织健康讲座"),
];

/// What a visit note may say when nothing was found.
pub const NOTES: &[&str] = &[
    "家中一切正常",
    "宣传了禁止飞线充电和楼道堆物",
    "提醒在划线区域停车",
    "老人身体健康，子女常来探望",
    "了解家庭近况，无特殊需求",
];

#[cfg(test)]
mod tests {
    #[test]
    fn names_are_deterministic_and_varied() {
        assert_eq!(super::person_name(7, 1), super::person_name(7, 1));
        let names: std::collections::BTreeSet<_> =
            (0..200).map(|i| super::person_name(7, i)).collect();
        assert!(names.len() > 100, "{}", names.len());
    }
}
