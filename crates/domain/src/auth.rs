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

/// Rules for a new password: at least 8 characters, not all digits.
pub fn check_password(p: &str) -> Result<(), crate::FieldError> {
    if p.chars().count() < 8 {
        return Err(crate::FieldError::new("password", "密码至少8位"));
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
        assert!(check_username("wang.xm").is_ok());
        assert!(check_username("Wang").is_err());
    }
}
