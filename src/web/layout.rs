//! The frame every page shares: head, navigation by role, a skip link, the sign-out form.

use axum::http::StatusCode;
use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::session::Viewer;
use crate::accounts::Principal;

pub struct Page<'a> {
    title: &'a str,
    head: Option<Markup>,
    /// Whether the page loads `page.js` (local times, countdowns, copy buttons, confirmations).
    script: bool,
}

impl<'a> Page<'a> {
    pub fn new(title: &'a str) -> Page<'a> {
        Page { title, head: None, script: true }
    }

    /// A page with no script at all (the API reference is read as plain text).
    pub fn without_script(mut self) -> Page<'a> {
        self.script = false;
        self
    }

    /// Extra elements for the head (a refresh for pages that update, a script).
    pub fn head(mut self, head: Markup) -> Page<'a> {
        self.head = Some(head);
        self
    }

    pub fn render(self, viewer: Option<&Viewer>, body: Markup) -> Markup {
        html! {
            (DOCTYPE)
            html lang="en" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { (self.title) " · mlgrade" }
                    link rel="stylesheet" href="/static/style.css";
                    link rel="icon" href="/static/favicon.svg" type="image/svg+xml";
                    @if self.script { script src="/static/page.js" defer {} }
                    @if let Some(h) = self.head { (h) }
                }
                body {
                    a.skip href="#main" { "Skip to content" }
                    header { (nav(viewer)) }
                    main #main {
                        h1 { (self.title) }
                        (body)
                    }
                }
            }
        }
    }
}

fn nav(viewer: Option<&Viewer>) -> Markup {
    html! {
        nav aria-label="Main" {
            a.brand href="/" { "mlgrade" }
            @match viewer.map(|v| &v.principal) {
                Some(Principal::Staff(u)) => {
                    a href="/dashboard" { "Submissions" }
                    a href="/challenges" { "Challenges" }
                    a href="/invitations" { "Invitations" }
                    @if u.is_admin() {
                        a href="/admin/users" { "Users" }
                        a href="/admin/audit" { "Audit log" }
                        a href="/admin/webhooks" { "Webhooks" }
                    }
                    a href="/tokens" { "API tokens" }
                    a href="/api/docs" { "API" }
                }
                Some(Principal::Candidate(_)) => {
                    a href="/" { "Your challenges" }
                }
                None => {}
            }
            @if let Some(v) = viewer {
                span.who {
                    @match &v.principal {
                        Principal::Staff(u) => { (u.name) " (" (u.role) ")" }
                        Principal::Candidate(c) => { (c.name) }
                    }
                }
                form.inline method="post" action="/logout" {
                    input type="hidden" name="csrf" value=(v.csrf);
                    button type="submit" { "Sign out" }
                }
            }
        }
    }
}

pub fn error_page(status: StatusCode, message: &str) -> Markup {
    let title = match status {
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::UNAUTHORIZED => "Not signed in",
        StatusCode::FORBIDDEN => "Not allowed",
        StatusCode::TOO_MANY_REQUESTS => "Please wait",
        StatusCode::BAD_REQUEST => "Something in the request is wrong",
        StatusCode::PAYLOAD_TOO_LARGE => "Too large",
        s if s.is_server_error() => "Something went wrong",
        _ => "Cannot show this page",
    };
    Page::new(title).render(
        None,
        html! {
            p.error role="alert" { (message) }
            (ways_on(false))
        },
    )
}

/// Where to go from a page that could not be shown.
pub fn ways_on(signed_in: bool) -> Markup {
    html! {
        nav.ways aria-label="Ways on" {
            a href="/" { "Home" }
            @if !signed_in { " · " a href="/login" { "Staff sign-in" } }
        }
    }
}

/// A moment, shown in UTC and turned into the viewer's own time zone by the page script.
pub fn when(ms: i64) -> Markup {
    html! { time datetime=(iso(ms)) { (crate::accounts::time::format_utc(ms)) } }
}

/// Unix milliseconds as an ISO 8601 UTC timestamp, for `datetime` attributes and scripts.
pub fn iso(ms: i64) -> String {
    let text = crate::accounts::time::format_utc(ms);
    // "YYYY-MM-DD HH:MM UTC" → "YYYY-MM-DDTHH:MMZ"
    format!("{}T{}Z", &text[..10], &text[11..16])
}

/// A hidden CSRF field for a form of `viewer`'s session.
pub fn csrf_field(viewer: &Viewer) -> Markup {
    html! { input type="hidden" name="csrf" value=(viewer.csrf); }
}

/// A number for people: up to 4 decimals, no trailing zeros.
pub fn num(v: f64) -> String {
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_owned() }
}

pub fn opt_num(v: Option<f64>) -> String {
    v.map(num).unwrap_or_else(|| "—".into())
}

/// Decimals of an interval on the 0–100 score scale.
pub const SCORE_DECIMALS: usize = 1;
/// Decimals of an interval of a metric.
pub const METRIC_DECIMALS: usize = 3;

/// A 95% interval as "(80.1–93.2)", to stand beside its value; nothing when there is none.
pub fn interval(iv: Option<[f64; 2]>, decimals: usize) -> Markup {
    html! {
        @if let Some([lo, hi]) = iv {
            " " span.iv title="95% interval" { "(" (format!("{lo:.decimals$}")) "–" (format!("{hi:.decimals$}")) ")" }
        }
    }
}

/// A score (0–100) and its 95% interval: "87.6 (80.1–93.2)", or "—" without a score.
pub fn score_iv(score: Option<f64>, iv: Option<[f64; 2]>) -> Markup {
    html! { (opt_num(score)) @if score.is_some() { (interval(iv, SCORE_DECIMALS)) } }
}

/// A metric value and its 95% interval.
pub fn metric_iv(value: Option<f64>, iv: Option<[f64; 2]>) -> Markup {
    html! { (opt_num(value)) @if value.is_some() { (interval(iv, METRIC_DECIMALS)) } }
}

/// Seconds for people: one decimal below a minute, whole seconds above.
pub fn seconds(s: f64) -> String {
    if s < 60.0 { format!("{s:.1} s") } else { format!("{s:.0} s") }
}

/// A small coloured word for a verdict or state.
pub fn badge(text: &str) -> Markup {
    let class = match text {
        "accepted" | "active" | "completed" => "badge good",
        "queued" | "running" => "badge wait",
        _ => "badge bad",
    };
    html! { span class=(class) { (text.replace('_', " ")) } }
}

/// Marks up pre-rendered, sanitised HTML.
pub fn trusted(html: String) -> PreEscaped<String> {
    PreEscaped(html)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_score_stands_beside_its_interval() {
        assert_eq!(score_iv(Some(87.6), Some([80.12, 93.19])).into_string(), r#"87.6 <span class="iv" title="95% interval">(80.1–93.2)</span>"#);
        assert_eq!(score_iv(Some(87.6), None).into_string(), "87.6");
        assert_eq!(score_iv(None, Some([1.0, 2.0])).into_string(), "—");
        assert_eq!(metric_iv(Some(0.9176), Some([0.871, 0.9551])).into_string(), r#"0.9176 <span class="iv" title="95% interval">(0.871–0.955)</span>"#);
        assert_eq!(seconds(12.345), "12.3 s");
    }
}

