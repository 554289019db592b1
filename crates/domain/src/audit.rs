//! The audit trail: every write leaves an append-only record (who, when, what, before → after).

use serde::{Deserialize, Serialize};

/// What happened. Stored as its string; new capabilities add their own actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Create,
    Update,
    Move,
    Delete,
    Import,
    Export,
    Unmask,
    Login,
    LoginFailed,
    Logout,
    TokenCreate,
    UserCreate,
    UserPassword,
    Generate,
    UserDisable,
    UserEnable,
    UserSignOut,
    UserUnlock,
}

impl Action {
    pub const ALL: [Action; 18] = [
        Action::Create,
        Action::Update,
        Action::Move,
        Action::Delete,
        Action::Import,
        Action::Export,
        Action::Unmask,
        Action::Login,
        Action::LoginFailed,
        Action::Logout,
        Action::TokenCreate,
        Action::UserCreate,
        Action::UserPassword,
        Action::Generate,
        Action::UserDisable,
        Action::UserEnable,
        Action::UserSignOut,
        Action::UserUnlock,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Move => "move",
            Action::Delete => "delete",
            Action::Import => "import",
            Action::Export => "export",
            Action::Unmask => "unmask",
            Action::Login => "login",
            Action::LoginFailed => "login_failed",
            Action::Logout => "logout",
            Action::TokenCreate => "token_create",
            Action::UserCreate => "user_create",
            Action::UserPassword => "user_password",
            Action::Generate => "generate",
            Action::UserDisable => "user_disable",
            Action::UserEnable => "user_enable",
            Action::UserSignOut => "user_sign_out",
            Action::UserUnlock => "user_unlock",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Action::Create => "新增",
            Action::Update => "修改",
            Action::Move => "迁移",
            Action::Delete => "删除",
            Action::Import => "导入",
            Action::Export => "导出",
            Action::Unmask => "查看明文",
            Action::Login => "登录",
            Action::LoginFailed => "登录失败",
            Action::Logout => "退出",
            Action::TokenCreate => "创建令牌",
            Action::UserCreate => "新增用户",
            Action::UserPassword => "修改密码",
            Action::Generate => "生成演示数据",
            Action::UserDisable => "停用账号",
            Action::UserEnable => "启用账号",
            Action::UserSignOut => "强制下线",
            Action::UserUnlock => "解除锁定",
        }
    }
}
