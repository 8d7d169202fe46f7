//! E-mail through an SMTP relay, when one is configured: invitation links go to the candidate.
//!
//! `MLGRADE_SMTP_URL` names the relay the way lettre reads it: `smtp://host:25` (plain, for a relay on
//! loopback), `smtp://user:password@host:587?tls=required` (STARTTLS) or `smtps://user:password@host:465`
//! (TLS from the start). The URL may hold a password, so it never appears in `Debug` output or logs.

use std::fmt;

use anyhow::Context;
use lettre::message::{header::ContentType, Mailbox};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// An SMTP relay URL, checked when the configuration is read.
#[derive(Clone)]
pub struct SmtpUrl(String);

impl fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SmtpUrl(***)")
    }
}

impl std::str::FromStr for SmtpUrl {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AsyncSmtpTransport::<Tokio1Executor>::from_url(s).map_err(|e| format!("not an SMTP URL lettre can use: {e}"))?;
        Ok(SmtpUrl(s.to_owned()))
    }
}

/// A sender address, checked when the configuration is read.
#[derive(Debug, Clone)]
pub struct From(Mailbox);

impl std::str::FromStr for From {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse::<Mailbox>().map(From).map_err(|e| format!("not a sender address: {e}"))
    }
}

/// Sends mail through the configured relay.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

/// What an invitation e-mail says.
pub struct InvitationMail<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub url: &'a str,
    pub expires_at: i64,
    pub time_limit_minutes: Option<i64>,
    pub challenges: Vec<String>,
}

impl Mailer {
    pub fn new(url: &SmtpUrl, from: Option<&From>) -> Mailer {
        // The URL was checked when it was parsed.
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&url.0).expect("checked SMTP URL").build();
        let from = from.map(|f| f.0.clone()).unwrap_or_else(|| "mlgrade <mlgrade@localhost>".parse().expect("a valid mailbox"));
        Mailer { transport, from }
    }

    /// Sends the candidate its link. The link is a key, so it goes to the candidate's own address only.
    pub async fn send_invitation(&self, mail: &InvitationMail<'_>) -> anyhow::Result<()> {
        let to: Mailbox = format!("{} <{}>", mail.name.replace(['<', '>', '"'], ""), mail.email)
            .parse()
            .or_else(|_| mail.email.parse())
            .with_context(|| format!("'{}' is not an address the mailer accepts", mail.email))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject("Your coding challenge invitation")
            .header(ContentType::TEXT_PLAIN)
            .body(invitation_text(mail))
            .context("building the invitation e-mail")?;
        self.transport.send(message).await.context("sending the invitation e-mail through SMTP")?;
        Ok(())
    }
}

fn invitation_text(mail: &InvitationMail<'_>) -> String {
    let time_box = match mail.time_limit_minutes {
        Some(m) => format!(
            "You have {m} minutes from when you open your first challenge, so open it when you are ready to start.\n"
        ),
        None => String::new(),
    };
    format!(
        "Hello {name},\n\nyou are invited to solve: {challenges}.\n\nOpen this link to start:\n\n    {url}\n\n\
         The link is personal; do not share it. It works until {until}.\n{time_box}\nGood luck!\n",
        name = mail.name,
        challenges = mail.challenges.join(", "),
        url = mail.url,
        until = super::time::format_utc(mail.expires_at),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_and_never_printed() {
        let url: SmtpUrl = "smtp://user:hunter2@127.0.0.1:2525".parse().unwrap();
        assert!(!format!("{url:?}").contains("hunter2"));
        assert!("ftp://example.com".parse::<SmtpUrl>().is_err());
        assert!("Hiring <jobs@example.com>".parse::<From>().is_ok());
    }

    #[test]
    fn the_mail_names_the_link_the_deadline_and_the_time_box() {
        let text = invitation_text(&InvitationMail {
            name: "Ada",
            email: "ada@example.com",
            url: "https://grade.example.com/i/mlgi_x",
            expires_at: 0,
            time_limit_minutes: Some(90),
            challenges: vec!["Tiny".into()],
        });
        assert!(text.contains("https://grade.example.com/i/mlgi_x") && text.contains("90 minutes") && text.contains("1970-01-01"));
    }
}
