//! Manifest text → the manifest loader: any text is a manifest error or a challenge, never a panic.
//! Files the manifest names are looked up in the tiny test challenge, so valid manifests get far.
#![no_main]

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use mlgrade::challenge::Challenge;

fn fixture() -> &'static (PathBuf, BTreeSet<String>, tempfile::TempDir) {
    static FIXTURE: OnceLock<(PathBuf, BTreeSet<String>, tempfile::TempDir)> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/challenges/tiny-classify");
        let runtimes = ["python-numpy", "python-ml"].into_iter().map(String::from).collect();
        (dir, runtimes, tempfile::tempdir().unwrap())
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (dir, runtimes, generated) = fixture();
    let _ = Challenge::from_manifest_text("fuzz".parse().unwrap(), text, dir, runtimes, generated.path());
});
