//! Printing an HTML document to PDF with headless Chromium.
//!
//! The document is written to a private temporary folder and Chromium prints it from there, so the
//! browser needs no session and reaches no server (the document holds no script); each print has its own
//! throwaway profile. At most two prints run at once, because a browser costs a few hundred MB, and
//! each is killed if it takes longer than a minute.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::Duration;

use anyhow::{anyhow, Context};
use tokio::process::Command;
use tokio::sync::Semaphore;

/// Names the Chromium binary when it is not `chromium` (or `chromium-browser`, `google-chrome`) on the PATH.
pub const BROWSER_ENV: &str = "MLGRADE_CHROMIUM";

const LIMIT: Duration = Duration::from_secs(60);
const AT_ONCE: usize = 2;

#[derive(Debug)]
pub enum PrintError {
    /// No Chromium on this server.
    NoBrowser,
    Failed(anyhow::Error),
}

/// The Chromium binary: `MLGRADE_CHROMIUM` if set, else the first known name on the PATH.
pub fn browser() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(BROWSER_ENV).filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// Prints `html` (a complete, self-contained document) to PDF and returns the PDF's bytes.
pub async fn print(html: &str) -> Result<Vec<u8>, PrintError> {
    let browser = browser().ok_or(PrintError::NoBrowser)?;
    static SLOTS: OnceLock<Semaphore> = OnceLock::new();
    let _slot = SLOTS.get_or_init(|| Semaphore::new(AT_ONCE)).acquire().await.map_err(|e| PrintError::Failed(e.into()))?;
    run(&browser, html).await.map_err(PrintError::Failed)
}

async fn run(browser: &std::path::Path, html: &str) -> anyhow::Result<Vec<u8>> {
    let dir = tempfile::tempdir().context("making a folder for the print")?;
    let page = dir.path().join("report.html");
    let out = dir.path().join("report.pdf");
    tokio::fs::write(&page, html).await.context("writing the document to print")?;
    let mut command = Command::new(browser);
    command
        .arg("--headless=new")
        // The browser runs as the service's user, often root in a container, where Chromium's own
        // sandbox cannot start; it only ever opens this one local, script-free file.
        .arg("--no-sandbox")
        .args(["--disable-gpu", "--disable-dev-shm-usage", "--disable-extensions", "--no-first-run"])
        .arg("--no-pdf-header-footer")
        .arg(format!("--user-data-dir={}", dir.path().join("profile").display()))
        .arg(format!("--print-to-pdf={}", out.display()))
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let child = command.spawn().with_context(|| format!("starting {}", browser.display()))?;
    let output = tokio::time::timeout(LIMIT, child.wait_with_output())
        .await
        .map_err(|_| anyhow!("Chromium did not finish printing within {} s", LIMIT.as_secs()))?
        .context("waiting for Chromium")?;
    let pdf = tokio::fs::read(&out).await.unwrap_or_default();
    if !output.status.success() || !pdf.starts_with(b"%PDF-") {
        let said = String::from_utf8_lossy(&output.stderr);
        let tail: String = said.lines().rev().take(5).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n");
        return Err(anyhow!("Chromium exited with {} and made no PDF: {tail}", output.status));
    }
    Ok(pdf)
}
