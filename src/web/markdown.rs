//! Challenge statements: Markdown rendered to HTML, then sanitised, so a statement can format text
//! but never run a script or style the page.

use pulldown_cmark::{html, Options, Parser};

pub fn render(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_FOOTNOTES;
    let mut raw = String::new();
    html::push_html(&mut raw, Parser::new_ext(markdown, options));
    ammonia::Builder::default().link_rel(Some("noopener noreferrer")).clean(&raw).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_markdown_and_strips_what_could_run() {
        let html = render("# Title\n\nSome *text* and `code`.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n");
        assert!(html.contains("<h1>Title</h1>"), "{html}");
        assert!(html.contains("<em>text</em>") && html.contains("<code>code</code>"));
        assert!(html.contains("<table>"));
        let hostile = render(
            "<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n[click](javascript:alert(3))\n\n<iframe src=//x></iframe><style>body{}</style>",
        );
        for bad in ["<script", "onerror", "javascript:", "<iframe", "<style"] {
            assert!(!hostile.contains(bad), "{bad} survived: {hostile}");
        }
    }
}
