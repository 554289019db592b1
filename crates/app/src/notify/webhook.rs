//! The webhook channel: an HTTP POST of the payload's JSON to a configured URL, signed with
//! HMAC-SHA-256 over the exact body bytes using a configured secret.
//!
//! Headers: `Content-Type: application/json`, `X-Jingzhi-Delivery: <outbox id>` (the same on
//! every retry: a receiver drops repeats by it), `X-Jingzhi-Signature: sha256=<hex>`. Any 2xx
//! answer is a delivery; anything else (or no answer within the timeout) is retried.

use super::channel::{BoxFuture, Channel, Delivery, DeliveryError};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::time::Duration;

pub const SIGNATURE_HEADER: &str = "x-jingzhi-signature";
pub const DELIVERY_HEADER: &str = "x-jingzhi-delivery";

#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// `https://…` (or `http://` inside a trusted network).
    pub url: String,
    pub secret: String,
    pub timeout: Duration,
}

pub struct Webhook {
    cfg: WebhookConfig,
    client: reqwest::Client,
}

/// `sha256=<hex of HMAC-SHA-256(secret, body)>`.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Check a signature header against a body, in constant time (for receivers and tests).
pub fn verify(secret: &str, body: &[u8], header: &str) -> bool {
    let Some(hex_sig) = header.strip_prefix("sha256=") else {
        return false;
    };
    let Ok(sig) = hex::decode(hex_sig) else {
        return false;
    };
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(body);
    mac.verify_slice(&sig).is_ok()
}

impl Webhook {
    pub fn new(cfg: WebhookConfig) -> Result<Self, String> {
        let u = cfg.url.trim();
        if !(u.starts_with("https://") || u.starts_with("http://")) {
            return Err(format!("webhook url must be http(s)://…: {u}"));
        }
        if cfg.secret.is_empty() {
            return Err("webhook secret is empty".into());
        }
        let client = reqwest::Client::builder()
            .timeout(cfg.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("jingzhi/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("webhook client: {e}"))?;
        Ok(Self { cfg, client })
    }
}

impl Channel for Webhook {
    fn name(&self) -> &str {
        "webhook"
    }

    fn deliver<'a>(&'a self, d: &'a Delivery) -> BoxFuture<'a, Result<(), DeliveryError>> {
        Box::pin(async move {
            let body = d.json.as_bytes().to_vec();
            let sig = sign(&self.cfg.secret, &body);
            let res = self
                .client
                .post(&self.cfg.url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .header(DELIVERY_HEADER, d.id.to_string())
                .header(SIGNATURE_HEADER, sig)
                .body(body)
                .send()
                .await
                .map_err(|e| DeliveryError(format!("webhook: {e}")))?;
            if res.status().is_success() {
                Ok(())
            } else {
                Err(DeliveryError(format!("webhook answered {}", res.status())))
            }
        })
    }
}
