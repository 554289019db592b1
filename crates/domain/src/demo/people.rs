//! The people of the demo city: households of plausible make-up (an age pyramid with Weihai's
//! many elderly), valid and city-wide unique ID numbers, phones, and tags at plausible rates.

use super::names;
use super::REFERENCE_DATE;
use crate::registry::{
    Gender, IdNumber, LowIncome, NewResident, PersonName, Phone, Relationship, Residence,
    ResidentTags,
};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use time::{Date, Duration};

/// The earliest birth date the generator uses.
const BASE_JULIAN: i32 = 2_420_499; // 1915-01-01

/// Hands out the 3-digit sequence of ID numbers so that (region, birth date, sequence) never
/// repeats: per region, day and gender a counter, mapped through a fixed permutation so the
/// sequences look scattered. The parity of the sequence is the gender.
pub(crate) struct IdAllocator {
    days: usize,
    counters: Vec<u16>,
}

impl IdAllocator {
    pub fn new(regions: usize) -> Self {
        let days = (REFERENCE_DATE.to_julian_day() - BASE_JULIAN + 1) as usize;
        Self {
            days,
            counters: vec![0; regions * days * 2],
        }
    }

    /// A fresh ID number for a person of this region (index and 6-digit code), birth date and
    /// gender; when the day is full (500 people of one gender), the birth date moves a day.
    pub fn next(
        &mut self,
        region_idx: usize,
        region: u32,
        mut birth: Date,
        male: bool,
    ) -> (IdNumber, Date) {
        loop {
            let day = (birth.to_julian_day() - BASE_JULIAN).clamp(0, self.days as i32 - 1) as usize;
            let i = (region_idx * self.days + day) * 2 + usize::from(male);
            let k = self.counters[i] as u32;
            if k < 500 {
                self.counters[i] += 1;
                let p = (k * 193 + 57) % 500;
                let seq = if male { 2 * p + 1 } else { 2 * p + 2 };
                return (IdNumber::build(region, birth, seq), birth);
            }
            birth = if day == 0 {
                birth + Duration::days(1)
            } else {
                birth - Duration::days(1)
            };
        }
    }
}

/// A member before names and numbers: age, gender, relationship, and whose surname they carry.
struct Member {
    age: i32,
    male: bool,
    rel: Relationship,
    /// 0 = the head's family name, 1 = the spouse's, 2 = another (a parent-in-law's).
    family: u8,
}

fn m(age: i32, male: bool, rel: Relationship, family: u8) -> Member {
    Member {
        age: age.max(0),
        male,
        rel,
        family,
    }
}

fn elderly_age(rng: &mut ChaCha8Rng, lo: i32) -> i32 {
    // Fewer people at every older year.
    let u: f64 = rng.gen();
    lo + (u.powf(1.6) * (93 - lo) as f64) as i32
}

/// The make-up of one household (head first). Average size ≈ 2.3.
fn compose(rng: &mut ChaCha8Rng) -> Vec<Member> {
    use Relationship::*;
    let size = match rng.gen_range(0..100) {
        0..=26 => 1,
        27..=63 => 2,
        64..=84 => 3,
        85..=94 => 4,
        95..=98 => 5,
        _ => 6,
    };
    let head_male = rng.gen_bool(0.72);
    let mut v = Vec::with_capacity(size);
    // A couple with the head of `age`, the spouse close in age.
    let couple = |rng: &mut ChaCha8Rng, v: &mut Vec<Member>, age: i32| {
        v.push(m(age, head_male, Head, 0));
        let d = rng.gen_range(-3..=5);
        let spouse_age = if head_male { age - d } else { age + d };
        v.push(m(spouse_age.max(20), !head_male, Spouse, 1));
    };
    // Children of a couple whose younger parent is `parent_age`.
    let children = |rng: &mut ChaCha8Rng,
                    v: &mut Vec<Member>,
                    parent_age: i32,
                    n: usize,
                    rel: Relationship| {
        let father_side = if head_male { 0 } else { 1 };
        let mut age = (parent_age - rng.gen_range(22..=34)).max(0);
        for _ in 0..n {
            v.push(m(age, rng.gen_bool(0.51), rel, father_side));
            age = (age - rng.gen_range(2..=6)).max(0);
        }
    };
    match size {
        1 => {
            let age = match rng.gen_range(0..100) {
                0..=44 => rng.gen_range(20..40),
                45..=94 => rng.gen_range(40..65),
                _ => elderly_age(rng, 65),
            };
            v.push(m(age, rng.gen_bool(0.55), Head, 0));
        }
        2 => match rng.gen_range(0..100) {
            0..=44 => {
                let a = elderly_age(rng, 60);
                couple(rng, &mut v, a)
            }
            45..=69 => {
                let a = rng.gen_range(45..65);
                couple(rng, &mut v, a)
            }
            70..=84 => {
                let a = rng.gen_range(23..36);
                couple(rng, &mut v, a)
            }
            _ => {
                let age = rng.gen_range(32..58);
                v.push(m(age, rng.gen_bool(0.3), Head, 0));
                let c = (age - rng.gen_range(22..34)).max(0);
                v.push(m(c, rng.gen_bool(0.51), Child, 0));
            }
        },
        3 => {
            if rng.gen_bool(0.85) {
                let age = rng.gen_range(26..56);
                couple(rng, &mut v, age);
                children(rng, &mut v, age, 1, Child);
            } else {
                let age = elderly_age(rng, 58);
                couple(rng, &mut v, age);
                let c = (age - rng.gen_range(24..34)).max(18);
                v.push(m(c, rng.gen_bool(0.5), Child, 0));
            }
        }
        _ => {
            let age = rng.gen_range(30..50);
            couple(rng, &mut v, age);
            let (grandparents, kids) = match size {
                4 if rng.gen_bool(0.4) => (0, 2),
                4 => (1, 1),
                5 => (2, 1),
                _ => (2, 2),
            };
            for i in 0..grandparents {
                let g = (age + rng.gen_range(24..34)).min(98);
                let male = i == 0 && grandparents == 2 || (grandparents == 1 && rng.gen_bool(0.35));
                v.push(m(g, male, Parent, if male { 0 } else { 2 }));
            }
            children(rng, &mut v, age, kids, Child);
        }
    }
    v
}

fn birth_date(rng: &mut ChaCha8Rng, age: i32) -> Date {
    let jd = REFERENCE_DATE.to_julian_day() - age * 365 - age / 4 - rng.gen_range(0..365);
    Date::from_julian_day(jd.max(BASE_JULIAN)).unwrap_or(REFERENCE_DATE)
}

fn phone(rng: &mut ChaCha8Rng) -> Option<Phone> {
    let s = format!(
        "{}{:08}",
        names::pick(rng, names::PHONE_PREFIXES),
        rng.gen_range(0..100_000_000u32)
    );
    Phone::parse(&s).ok()
}

fn person_name(s: &str) -> PersonName {
    PersonName::parse(s).unwrap_or_else(|_| PersonName::parse("居民").expect("a fixed valid name"))
}

/// The residents of one household, head first, each valid (`NewResident::check` holds).
pub(crate) fn household(
    rng: &mut ChaCha8Rng,
    ids: &mut IdAllocator,
    region_idx: usize,
    region: u32,
) -> Vec<NewResident> {
    let members = compose(rng);
    let head_age = members[0].age;
    let floating = rng.gen_bool(match head_age {
        ..=44 => 0.24,
        45..=59 => 0.08,
        _ => 0.02,
    });
    let low_income = rng.gen_bool(0.0125).then(|| {
        let alone_old = members.len() == 1 && head_age >= 60;
        match rng.gen_range(0..100) {
            0..=29 if alone_old => LowIncome::Tekun,
            0..=54 => LowIncome::Dibao,
            55..=64 => LowIncome::Tekun,
            65..=89 => LowIncome::DibaoEdge,
            90..=94 => LowIncome::RigidExpense,
            _ => LowIncome::PovertyWatch,
        }
    });
    let families = [
        names::surname(rng),
        names::surname(rng),
        names::surname(rng),
    ];
    let alone = members.len() == 1;
    members
        .iter()
        .map(|mb| {
            let birth = birth_date(rng, mb.age);
            let (id_number, birth) = ids.next(region_idx, region, birth, mb.male);
            let year = birth.year();
            let name = format!(
                "{}{}",
                families[mb.family as usize],
                names::given_name(rng, mb.male, year)
            );
            let age = mb.age;
            let has_phone = match age {
                ..=11 => false,
                12..=17 => rng.gen_bool(0.35),
                18..=64 => rng.gen_bool(0.96),
                _ => rng.gen_bool(0.72),
            };
            let disabled = rng.gen_bool(match age {
                ..=17 => 0.008,
                18..=59 => 0.015,
                _ => 0.04,
            });
            let disability_grade = disabled.then(|| match rng.gen_range(0..10) {
                0 => 1,
                1..=2 => 2,
                3..=5 => 3,
                _ => 4,
            });
            let child_in_difficulty = age < 18
                && rng.gen_bool(if low_income.is_some() || disabled {
                    0.3
                } else {
                    0.018
                });
            let family_doctor_key = disabled
                || (age >= 65 && rng.gen_bool(0.88))
                || (low_income.is_some() && rng.gen_bool(0.5))
                || rng.gen_bool(0.02);
            let tags = ResidentTags {
                party_member: age >= 18 && rng.gen_bool(if age >= 60 { 0.11 } else { 0.075 }),
                // Weihai reports 830,000 registered volunteers for some 2.9 million people (28%).
                volunteer: (16..=75).contains(&age) && rng.gen_bool(0.36),
                elderly_alone: alone && age >= 65,
                disability_grade,
                low_income,
                child_in_difficulty,
                family_doctor_key,
            };
            NewResident {
                name: person_name(&name),
                gender: if mb.male {
                    Gender::Male
                } else {
                    Gender::Female
                },
                id_number,
                birth_date: birth,
                phone: if has_phone { phone(rng) } else { None },
                relationship: mb.rel,
                residence: if floating {
                    Residence::Floating
                } else {
                    Residence::Permanent
                },
                tags,
            }
        })
        .collect()
}

/// A person's name for officers and party secretaries (born 1965–1990).
pub(crate) fn officer_name(rng: &mut ChaCha8Rng) -> String {
    let male = rng.gen_bool(0.5);
    let year = rng.gen_range(1965..1990);
    format!(
        "{}{}",
        names::surname(rng),
        names::given_name(rng, male, year)
    )
}
