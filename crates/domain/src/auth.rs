//! Who may do what: roles, their permissions, and the rules for passwords and login throttling.

use serde::{Deserialize, Serialize};

/// A user's role. The command line and the API use the kebab-case names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    CityAdmin,
    DistrictOfficer,
    StreetOfficer,
    CommunityWorker,
    GridWorker,
    Steward,
    DepartmentStaff,
    Resident,
    Auditor,
}

/// Something a role may be allowed to do. Scope is checked separately, in every query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// See the register (households, residents) in scope, masked.
    ReadRegister,
    /// Create, update and move households and residents.
    WriteRegister,
    /// Create and edit places (nodes) of the tree.
    WriteTree,
    /// Import rosters and export lists.
    ImportExport,
    /// See an ID or phone number unmasked (every use is audited).
    Unmask,
    /// Browse the audit log.
    ReadAudit,
    /// Manage users.
    ManageUsers,
}

impl Role {
    pub const ALL: [Role; 9] = [
        Role::CityAdmin,
        Role::DistrictOfficer,
        Role::StreetOfficer,
        Role::CommunityWorker,
        Role::GridWorker,
        Role::Steward,
        Role::DepartmentStaff,
        Role::Resident,
        Role::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::CityAdmin => "city-admin",
            Role::DistrictOfficer => "district-officer",
            Role::StreetOfficer => "street-officer",
            Role::CommunityWorker => "community-worker",
            Role::GridWorker => "grid-worker",
            Role::Steward => "steward",
            Role::DepartmentStaff => "department-staff",
            Role::Resident => "resident",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Self::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Role::CityAdmin => "市级管理员",
            Role::DistrictOfficer => "区市工作人员",
            Role::StreetOfficer => "街道工作人员",
            Role::CommunityWorker => "社区工作者",
            Role::GridWorker => "网格员",
            Role::Steward => "小巷管家",
            Role::DepartmentStaff => "部门工作人员",
            Role::Resident => "居民",
            Role::Auditor => "审计员",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Role::CityAdmin => "City admin",
            Role::DistrictOfficer => "District officer",
            Role::StreetOfficer => "Street officer",
            Role::CommunityWorker => "Community worker",
            Role::GridWorker => "Grid worker",
            Role::Steward => "Alley steward",
            Role::DepartmentStaff => "Department staff",
            Role::Resident => "Resident",
            Role::Auditor => "Auditor",
        }
    }

    /// Manages a place's events, rounds and hotline tickets: the officers of the tree and the
    /// community workers (accept, dispatch, verify, blow the whistle, assign posts).
    pub fn is_manager(self) -> bool {
        use Role::*;
        matches!(
            self,
            CityAdmin | DistrictOfficer | StreetOfficer | CommunityWorker
        )
    }

    pub fn can(self, p: Permission) -> bool {
        use Permission::*;
        use Role::*;
        match p {
            // Department staff see what was sent to them, not the register.
            ReadRegister => !matches!(self, Resident | DepartmentStaff),
            WriteRegister => matches!(
                self,
                CityAdmin | DistrictOfficer | StreetOfficer | CommunityWorker | GridWorker
            ),
            WriteTree => matches!(self, CityAdmin | DistrictOfficer | StreetOfficer),
            ImportExport => matches!(
                self,
                CityAdmin | DistrictOfficer | StreetOfficer | CommunityWorker | GridWorker
            ),
            Unmask => matches!(
                self,
                CityAdmin | DistrictOfficer | StreetOfficer | CommunityWorker
            ),
            ReadAudit => matches!(self, CityAdmin | Auditor),
            ManageUsers => matches!(self, CityAdmin),
        }
    }
}

/// Rules for a new password: 8–128 characters, not all digits.
pub fn check_password(p: &str) -> Result<(), crate::FieldError> {
    if p.chars().count() < 8 {
        return Err(crate::FieldError::new("password", "密码至少8位"));
    }
    if p.chars().count() > 128 {
        return Err(crate::FieldError::new("password", "密码不能超过128位"));
    }
    if p.chars().all(|c| c.is_ascii_digit()) {
        return Err(crate::FieldError::new("password", "密码不能全为数字"));
    }
    Ok(())
}

/// A username: 3–40 of `a-z 0-9 . _ -`.
pub fn check_username(u: &str) -> Result<(), crate::FieldError> {
    let ok = (3..=40).contains(&u.len())
        && u.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(crate::FieldError::new(
            "username",
            "用户名应为3–40位小写字母、数字或 . _ -",
        ))
    }
}

/// Failed logins allowed before an account is locked for a while.
pub const MAX_FAILED_LOGINS: i32 = 5;

/// How long (ms) an account stays locked after `failures` failed logins in a row: 1 minute at the
/// limit, doubling with every further failure, at most one hour.
pub fn lockout_ms(failures: i32) -> Option<i64> {
    if failures < MAX_FAILED_LOGINS {
        return None;
    }
    let extra = (failures - MAX_FAILED_LOGINS).min(6) as u32;
    Some((60_000i64 << extra).min(3_600_000))
}

/// Failed logins from one client address within [`ADDRESS_WINDOW_MS`] before the address is
/// refused for [`ADDRESS_LOCKOUT_MS`]: one address guessing many accounts (or one account from
/// many names) is stopped even though no single account reaches its own limit. Higher than the
/// per-account limit, since an office or a mobile carrier's NAT puts many people on one address.
pub const MAX_FAILED_LOGINS_PER_ADDRESS: i32 = 20;

/// The window in which an address's failed logins are counted (ms).
pub const ADDRESS_WINDOW_MS: i64 = 15 * 60_000;

/// How long an address that reached the limit is refused (ms).
pub const ADDRESS_LOCKOUT_MS: i64 = 15 * 60_000;

/// Sign-ups that did not match the register, per ID number, within [`ADDRESS_WINDOW_MS`] before
/// sign-ups with that number are refused for [`ADDRESS_LOCKOUT_MS`]: someone holding a name and
/// an ID number cannot try phone numbers until one fits.
pub const MAX_SIGNUP_FAILURES_PER_ID: i32 = 5;

/// The same per client address (any ID numbers).
pub const MAX_SIGNUP_FAILURES_PER_CLIENT: i32 = 10;

/// What is kept about an address's failed logins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AddressFailures {
    pub failures: i32,
    /// When the current counting window began (ms).
    pub window_start: i64,
    /// Refused until then (ms; 0 = not refused).
    pub locked_until: i64,
}

impl AddressFailures {
    /// Whether logins from the address are refused at `now`.
    pub fn locked(&self, now: i64) -> bool {
        self.locked_until > now
    }

    /// The record after one more failed login at `now`: a window older than
    /// [`ADDRESS_WINDOW_MS`] starts again from this failure; reaching
    /// [`MAX_FAILED_LOGINS_PER_ADDRESS`] refuses the address for [`ADDRESS_LOCKOUT_MS`].
    pub fn after_failure(prev: Option<AddressFailures>, now: i64) -> AddressFailures {
        Self::after_failure_of(prev, now, MAX_FAILED_LOGINS_PER_ADDRESS)
    }

    /// The same with another limit (sign-ups: [`MAX_SIGNUP_FAILURES_PER_ID`],
    /// [`MAX_SIGNUP_FAILURES_PER_CLIENT`]).
    pub fn after_failure_of(prev: Option<AddressFailures>, now: i64, max: i32) -> AddressFailures {
        let (failures, window_start) = match prev {
            Some(p) if now - p.window_start < ADDRESS_WINDOW_MS => (p.failures + 1, p.window_start),
            _ => (1, now),
        };
        let locked_until = if failures >= max {
            now + ADDRESS_LOCKOUT_MS
        } else {
            prev.map(|p| p.locked_until).unwrap_or(0)
        };
        AddressFailures {
            failures,
            window_start,
            locked_until,
        }
    }
}

/// The key an address is throttled under: an IPv4 address as it is; an IPv6 address by its /64
/// (one subscriber usually holds a whole /64, and could otherwise change address per attempt).
/// IPv4-mapped IPv6 addresses count as the IPv4 address. A loopback address is not throttled
/// (`None`): it is the machine itself, or a reverse proxy on it that every client comes through,
/// and counting it would let one stranger's wrong passwords lock everybody out.
pub fn address_key(ip: std::net::IpAddr) -> Option<String> {
    let ip = match ip {
        std::net::IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(std::net::IpAddr::V4)
            .unwrap_or(std::net::IpAddr::V6(v6)),
        v4 => v4,
    };
    if ip.is_loopback() {
        return None;
    }
    Some(match ip {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    })
}

/// Longest display name (characters).
pub const MAX_DISPLAY_NAME: usize = 50;
/// Longest department name (characters).
pub const MAX_DEPARTMENT: usize = 100;

/// A display name: at most [`MAX_DISPLAY_NAME`] characters, no control characters.
pub fn check_display_name(s: &str) -> Result<(), crate::FieldError> {
    crate::check_max_chars("display_name", "显示名称", s, MAX_DISPLAY_NAME)?;
    if s.chars().any(char::is_control) {
        return Err(crate::FieldError::new(
            "display_name",
            "显示名称含有不可见控制字符",
        ));
    }
    Ok(())
}

/// A department's name: at most [`MAX_DEPARTMENT`] characters, no control characters.
pub fn check_department(s: &str) -> Result<(), crate::FieldError> {
    crate::check_max_chars("department", "部门编码", s, MAX_DEPARTMENT)?;
    if s.chars().any(char::is_control) {
        return Err(crate::FieldError::new(
            "department",
            "部门编码含有不可见控制字符",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn residents_do_not_read_the_register_and_auditors_do_not_write() {
        assert!(!Role::Resident.can(Permission::ReadRegister));
        assert!(!Role::DepartmentStaff.can(Permission::ReadRegister));
        assert!(!Role::Auditor.can(Permission::WriteRegister));
        assert!(Role::Auditor.can(Permission::ReadAudit));
        assert!(!Role::Steward.can(Permission::Unmask));
    }

    #[test]
    fn lockout_grows_and_caps() {
        assert_eq!(lockout_ms(4), None);
        assert_eq!(lockout_ms(5), Some(60_000));
        assert_eq!(lockout_ms(6), Some(120_000));
        assert_eq!(lockout_ms(50), Some(3_600_000));
    }

    #[test]
    fn password_and_username_rules() {
        assert!(check_password("12345678").is_err());
        assert!(check_password("short").is_err());
        assert!(check_password("jingzhi-demo").is_ok());
        assert!(check_password(&"a".repeat(129)).is_err());
        assert!(check_username("wang.xm").is_ok());
        assert!(check_username("Wang").is_err());
    }

    #[test]
    fn addresses_are_counted_in_a_window_and_locked_at_the_limit() {
        let mut a = None;
        for i in 0..MAX_FAILED_LOGINS_PER_ADDRESS - 1 {
            let n = AddressFailures::after_failure(a, 1_000 + i as i64);
            assert!(!n.locked(1_000 + i as i64));
            a = Some(n);
        }
        let n = AddressFailures::after_failure(a, 2_000);
        assert_eq!(n.failures, MAX_FAILED_LOGINS_PER_ADDRESS);
        assert!(n.locked(2_000));
        assert!(n.locked(2_000 + ADDRESS_LOCKOUT_MS - 1));
        assert!(!n.locked(2_000 + ADDRESS_LOCKOUT_MS));
        // A failure after the window starts counting again.
        let later = AddressFailures::after_failure(Some(n), 1_000 + ADDRESS_WINDOW_MS + 1);
        assert_eq!(later.failures, 1);
        // 19 failures spread over more than the window never lock.
        let mut a = None;
        for i in 0..100 {
            let n = AddressFailures::after_failure(a, i * ADDRESS_WINDOW_MS / 10);
            assert!(!n.locked(i * ADDRESS_WINDOW_MS / 10), "{i}");
            a = Some(n);
        }
    }

    #[test]
    fn address_keys() {
        let k = |s: &str| address_key(s.parse().unwrap());
        assert_eq!(k("203.0.113.7").as_deref(), Some("203.0.113.7"));
        assert_eq!(k("::ffff:203.0.113.7").as_deref(), Some("203.0.113.7"));
        assert_eq!(k("127.0.0.1"), None);
        assert_eq!(k("::1"), None);
        assert_eq!(k("::ffff:127.0.0.1"), None);
        assert_eq!(k("2001:db8:1:2:aaaa::1"), k("2001:db8:1:2:bbbb::9"));
        assert_ne!(k("2001:db8:1:2::1"), k("2001:db8:1:3::1"));
    }

    #[test]
    fn display_names_and_departments_are_bounded() {
        assert!(check_display_name(&"王".repeat(MAX_DISPLAY_NAME)).is_ok());
        let e = check_display_name(&"王".repeat(100_000)).unwrap_err();
        assert_eq!(e.reason, "显示名称不能超过50字");
        assert!(check_display_name("a\u{0}b").is_err());
        assert!(check_department(&"局".repeat(MAX_DEPARTMENT + 1)).is_err());
        assert!(check_department("住建局").is_ok());
    }
}
