//! The SMTP channel: a plain-text e-mail (UTF-8, base64) to the reporter's address (the user's
//! `email`, see `docs/notifications.md`) through a configured server, with STARTTLS, implicit
//! TLS (rustls) or, inside a trusted network, no TLS; optional AUTH.

use super::channel::{BoxFuture, Channel, Delivery, DeliveryError};
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain connection (a relay on the same host or network).
    None,
    /// Upgrade with STARTTLS (port 587), required.
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
}

impl SmtpTls {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "none" => Some(SmtpTls::None),
            "starttls" => Some(SmtpTls::StartTls),
            "tls" => Some(SmtpTls::Tls),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub username: Option<String>,
    pub password: Option<String>,
    /// `精致社区 <noreply@example.org>`
    pub from: String,
    /// The name this client gives in EHLO.
    pub hello_name: String,
    pub timeout: Duration,
}

pub struct Smtp {
    from: Mailbox,
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl Smtp {
    pub fn new(cfg: SmtpConfig) -> Result<Self, String> {
        let from: Mailbox = cfg
            .from
            .parse()
            .map_err(|e| format!("smtp from {:?}: {e}", cfg.from))?;
        let builder = match cfg.tls {
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&cfg.host),
            SmtpTls::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&cfg.host)
                .map_err(|e| format!("smtp: {e}"))?,
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&cfg.host)
                .map_err(|e| format!("smtp: {e}"))?,
        };
        let mut builder = builder
            .port(cfg.port)
            .timeout(Some(cfg.timeout))
            .hello_name(ClientId::Domain(cfg.hello_name.clone()));
        if let (Some(u), Some(p)) = (&cfg.username, &cfg.password) {
            builder = builder.credentials(Credentials::new(u.clone(), p.clone()));
        }
        Ok(Self {
            from,
            transport: builder.build(),
        })
    }
}

impl Channel for Smtp {
    fn name(&self) -> &str {
        "smtp"
    }

    fn deliver<'a>(&'a self, d: &'a Delivery) -> BoxFuture<'a, Result<(), DeliveryError>> {
        Box::pin(async move {
            let to: Mailbox = d
                .recipient
                .parse()
                .map_err(|e| DeliveryError(format!("smtp to {:?}: {e}", d.recipient)))?;
            let p = &d.payload;
            let text = format!(
                "{}\r\n\r\n{}\r\n\r\n（此邮件由精致社区平台自动发送，请勿回复。通知编号 {}）\r\n",
                p.title, p.body, d.id
            );
            let msg = Message::builder()
                .from(self.from.clone())
                .to(to)
                .subject(p.title.clone())
                .header(ContentType::TEXT_PLAIN)
                .body(
                    Body::new_with_encoding(text, ContentTransferEncoding::Base64)
                        .map_err(|_| DeliveryError("smtp: body encoding".into()))?,
                )
                .map_err(|e| DeliveryError(format!("smtp message: {e}")))?;
            self.transport
                .send(msg)
                .await
                .map(|_| ())
                .map_err(|e| DeliveryError(format!("smtp: {e}")))
        })
    }
}
