//! The container's stdout → the supervisor's frame and the harness's result: never a panic, and the
//! result is always a tail of the input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (_usage, result) = mlgrade::sandbox::split_frame(data.to_vec());
    assert!(data.ends_with(&result), "the result is not what followed the frame");
});
