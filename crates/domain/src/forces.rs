//! The register of people who can be mobilised (可动员力量库, issue 13 §4; docs/forces.md): party
//! members (the in-service ones who report to the community, 双报到, included), volunteers,
//! property staff, doctors, lawyers and police in the community, each with their skills, when
//! they can be called, and how to reach them. With the resident register it is one of the "two
//! registers" (两库); the teams are the "two teams" (两组).

use crate::registry::str_enum;
use crate::FieldError;
use serde::{Deserialize, Serialize};

str_enum!(
    /// Who they are to the community.
    ForceKind {
        PartyMember = "party_member" / "党员",
        DualReport = "dual_report" / "双报到在职党员",
        Volunteer = "volunteer" / "志愿者",
        PropertyStaff = "property_staff" / "物业人员",
        Doctor = "doctor" / "医生",
        Lawyer = "lawyer" / "律师",
        Police = "police" / "社区民警",
        Other = "other" / "其他",
    }
);

str_enum!(
    /// What they can do (coded, so "who can give first aid in this grid" is one query).
    Skill {
        FirstAid = "first_aid" / "急救",
        Medical = "medical" / "医疗护理",
        Legal = "legal" / "法律咨询",
        Rescue = "rescue" / "抢险救援",
        Driving = "driving" / "驾驶",
        Electrical = "electrical" / "电工",
        Plumbing = "plumbing" / "水暖维修",
        Psychology = "psychology" / "心理疏导",
        Caregiving = "caregiving" / "照护陪护",
        SignLanguage = "sign_language" / "手语翻译",
        Publicity = "publicity" / "宣传动员",
        Patrol = "patrol" / "巡逻值守",
    }
);

str_enum!(
    /// When they can be called.
    Availability {
        Anytime = "anytime" / "随时",
        Weekdays = "weekdays" / "工作日白天",
        Evenings = "evenings" / "晚间",
        Weekends = "weekends" / "周末",
        EmergencyOnly = "emergency_only" / "仅限应急",
    }
);

/// At most this many skills per person.
pub const MAX_SKILLS: usize = 6;

/// Parse the skills given as codes: known, no repeats, at most six. Returned in the registry's
/// order, so the stored list is canonical.
pub fn parse_skills(codes: &[String]) -> Result<Vec<Skill>, FieldError> {
    let mut out = Vec::new();
    for c in codes {
        let s = Skill::parse(c).ok_or_else(|| FieldError::new("skills", "请从列表中选择技能"))?;
        if !out.contains(&s) {
            out.push(s);
        }
    }
    if out.len() > MAX_SKILLS {
        return Err(FieldError::new("skills", "技能最多选6项"));
    }
    out.sort_by_key(|s| Skill::ALL.iter().position(|x| x == s));
    Ok(out)
}

/// Skills as stored: `,first_aid,driving,` — delimited at both ends so one `LIKE '%,code,%'`
/// finds a skill without matching part of another.
pub fn skills_column(skills: &[Skill]) -> String {
    if skills.is_empty() {
        return String::new();
    }
    let codes: Vec<&str> = skills.iter().map(|s| s.as_str()).collect();
    format!(",{},", codes.join(","))
}

/// The skills of a stored column (unknown codes skipped).
pub fn skills_of(column: &str) -> Vec<Skill> {
    column
        .split(',')
        .filter(|c| !c.is_empty())
        .filter_map(Skill::parse)
        .collect()
}

/// Whether someone of this availability can be called at an hour of the day (0–23, China time)
/// on a weekday or a weekend day, for everyday work; everyone can be called in an emergency.
pub fn callable(a: Availability, hour: u8, weekend: bool, emergency: bool) -> bool {
    if emergency {
        return true;
    }
    let day = (8..18).contains(&hour);
    match a {
        Availability::Anytime => true,
        Availability::Weekdays => !weekend && day,
        Availability::Evenings => (18..22).contains(&hour),
        Availability::Weekends => weekend && (8..20).contains(&hour),
        Availability::EmergencyOnly => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn skills_are_coded_and_canonical() {
        let s = parse_skills(&["driving".into(), "first_aid".into(), "driving".into()]).unwrap();
        assert_eq!(s, vec![Skill::FirstAid, Skill::Driving]);
        assert_eq!(skills_column(&s), ",first_aid,driving,");
        assert_eq!(skills_of(",first_aid,driving,"), s);
        assert!(parse_skills(&["juggling".into()]).is_err());
        let seven: Vec<String> = Skill::ALL[..7].iter().map(|s| s.as_str().into()).collect();
        assert!(parse_skills(&seven).is_err());
        assert_eq!(skills_column(&[]), "");
        assert!(skills_of("").is_empty());
    }

    #[test]
    fn who_can_be_called() {
        assert!(callable(Availability::Weekdays, 10, false, false));
        assert!(!callable(Availability::Weekdays, 10, true, false));
        assert!(callable(Availability::Evenings, 19, true, false));
        assert!(!callable(Availability::EmergencyOnly, 10, false, false));
        assert!(callable(Availability::EmergencyOnly, 3, true, true));
    }

    proptest! {
        #[test]
        fn stored_skills_read_back(picks in proptest::collection::vec(0usize..12, 0..6)) {
            let codes: Vec<String> = picks.iter().map(|i| Skill::ALL[*i].as_str().into()).collect();
            let s = parse_skills(&codes).unwrap();
            prop_assert_eq!(skills_of(&skills_column(&s)), s.clone());
            // No code is part of another's delimited form.
            for a in Skill::ALL {
                let found = skills_column(&s).contains(&format!(",{},", a.as_str()));
                prop_assert_eq!(found, s.contains(a));
            }
        }

        #[test]
        fn anyone_in_an_emergency(h in 0u8..24, w: bool) {
            for a in Availability::ALL {
                prop_assert!(callable(*a, h, w, true));
            }
        }
    }
}
