//! The container's stdout → the supervisor's frame: never a panic, however the bytes are cut into
//! chunks, and a frame that parses holds exactly the bytes its first line announced.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let whole = mlgrade::sandbox::parse_frame(data);
    // The same bytes in chunks of a size taken from the input give the same frame.
    let size = usize::from(data.first().copied().unwrap_or(1).max(1));
    let mut reader = mlgrade::sandbox::FrameReader::default();
    for chunk in data.chunks(size) {
        reader.push(chunk);
    }
    let chunked = reader.finish();
    assert_eq!(whole.is_some(), chunked.is_some(), "chunking changed whether a frame was read");
    if let (Some(a), Some(b)) = (whole, chunked) {
        assert_eq!(a.result, b.result);
        assert_eq!(a.log.render(), b.log.render());
        assert!(data.windows(a.result.len().max(1)).any(|w| a.result.is_empty() || w == a.result.as_slice()));
    }
});
