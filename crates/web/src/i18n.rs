//! Chinese first, English switchable: the language comes from the `lang` cookie (set by the
//! switcher), else `Accept-Language`, else Chinese. Strings are looked up by key in two small
//! tables; a key missing from the English table falls back to Chinese.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use std::convert::Infallible;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn from_headers(h: &axum::http::HeaderMap) -> Lang {
        match crate::session::cookie(h, "lang") {
            Some("en") => return Lang::En,
            Some("zh") | Some("zh-CN") => return Lang::Zh,
            _ => {}
        }
        let accept = h.get(axum::http::header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("");
        let first = accept.split(',').next().unwrap_or("").trim().to_ascii_lowercase();
        if first.starts_with("en") {
            Lang::En
        } else {
            Lang::Zh
        }
    }

    /// The string for `key` in this language.
    pub fn t(self, key: &str) -> &'static str {
        let zh = ZH.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
        match self {
            Lang::Zh => zh.unwrap_or("?"),
            Lang::En => EN.iter().find(|(k, _)| *k == key).map(|(_, v)| *v).or(zh).unwrap_or("?"),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Lang::from_headers(&parts.headers))
    }
}

/// Chinese strings by key.
pub static ZH: &[(&str, &str)] = &[
    ("app.name", "精致幸福社区"),
    ("nav.home", "首页"),
    ("nav.households", "住户"),
    ("nav.residents", "居民"),
    ("nav.import", "导入"),
    ("nav.audit", "审计日志"),
    ("nav.logout", "退出"),
    ("login.title", "登录"),
    ("login.username", "用户名"),
    ("login.password", "密码"),
    ("login.submit", "登录"),
    ("login.failed", "用户名或密码错误"),
    ("login.locked", "失败次数过多，账号已暂时锁定，请稍后再试"),
];

/// English strings by key.
pub static EN: &[(&str, &str)] = &[
    ("app.name", "Jingzhi Communities"),
    ("nav.home", "Home"),
    ("nav.households", "Households"),
    ("nav.residents", "Residents"),
    ("nav.import", "Import"),
    ("nav.audit", "Audit log"),
    ("nav.logout", "Log out"),
    ("login.title", "Sign in"),
    ("login.username", "Username"),
    ("login.password", "Password"),
    ("login.submit", "Sign in"),
    ("login.failed", "Wrong username or password"),
    ("login.locked", "Too many failed attempts; the account is locked for a while"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_english_key_exists_in_chinese() {
        for (k, _) in EN {
            assert!(ZH.iter().any(|(z, _)| z == k), "{k} missing from ZH");
        }
    }

    #[test]
    fn language_choice() {
        let mut h = axum::http::HeaderMap::new();
        assert_eq!(Lang::from_headers(&h), Lang::Zh);
        h.insert(axum::http::header::ACCEPT_LANGUAGE, "en-US,en;q=0.9".parse().unwrap());
        assert_eq!(Lang::from_headers(&h), Lang::En);
        h.insert(axum::http::header::COOKIE, "lang=zh".parse().unwrap());
        assert_eq!(Lang::from_headers(&h), Lang::Zh);
        assert_eq!(Lang::En.t("nav.home"), "Home");
        assert_eq!(Lang::Zh.t("nav.home"), "首页");
    }
}
