//! Bytes → the bundle unpacker: a refusal or a folder inside the destination, never a panic, and
//! nothing written outside the destination.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mlgrade::bundle::{self, BundleLimits};

fuzz_target!(|data: &[u8]| {
    let root = tempfile::tempdir().unwrap();
    let dest = root.path().join("dest");
    std::fs::create_dir(&dest).unwrap();
    let limits = BundleLimits { max_entries: 64, max_file_bytes: 1 << 20, max_total_bytes: 4 << 20 };
    if let Ok(folder) = bundle::unpack(data, &dest, limits) {
        assert!(folder.starts_with(&dest), "the manifest folder {folder:?} is outside the destination");
    }
    let outside: Vec<_> = std::fs::read_dir(root.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(outside, vec![std::ffi::OsString::from("dest")], "something was written beside the destination");
});
