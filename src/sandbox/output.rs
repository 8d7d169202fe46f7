//! Bounded buffers for what a container prints, and the supervisor's frame read from its stdout.

use super::{Usage, LOG_CAP, RESULT_CAP};

/// Keeps the head and the tail of a log: the start says what the code did, the end holds the traceback.
#[derive(Debug)]
pub struct CappedLog {
    head: Vec<u8>,
    tail: std::collections::VecDeque<u8>,
    half: usize,
    total: u64,
}

impl CappedLog {
    pub fn new(cap: usize) -> Self {
        CappedLog { head: Vec::new(), tail: Default::default(), half: cap / 2, total: 0 }
    }

    pub fn push(&mut self, chunk: &[u8]) {
        self.total += chunk.len() as u64;
        let room = self.half.saturating_sub(self.head.len());
        let (to_head, rest) = chunk.split_at(room.min(chunk.len()));
        self.head.extend_from_slice(to_head);
        let rest = if rest.len() > self.half { &rest[rest.len() - self.half..] } else { rest };
        self.tail.extend(rest);
        while self.tail.len() > self.half {
            self.tail.pop_front();
        }
    }

    /// A log kept elsewhere (by the supervisor) as its head, its tail and how many bytes there were.
    pub fn from_parts(head: &[u8], tail: &[u8], total: u64) -> Self {
        let half = head.len().max(tail.len());
        CappedLog { head: head.to_vec(), tail: tail.iter().copied().collect(), half, total: total.max((head.len() + tail.len()) as u64) }
    }

    /// The kept text, with a marker where bytes were cut; invalid UTF-8 is replaced, never fatal.
    pub fn render(&self) -> String {
        let kept = (self.head.len() + self.tail.len()) as u64;
        let mut out = String::from_utf8_lossy(&self.head).into_owned();
        if self.total > kept {
            out.push_str(&format!(
                "\n[... mlgrade cut the log here: {} of {} bytes not kept ...]\n",
                self.total - kept,
                self.total
            ));
        }
        let tail: Vec<u8> = self.tail.iter().copied().collect();
        out.push_str(&String::from_utf8_lossy(&tail));
        out
    }
}

/// Longest first line the supervisor writes; a longer one is not its frame.
const HEADER_CAP: usize = 4096;

/// What the supervisor reports at the end of a run (see supervisor.py): how the harness ended and what
/// the container used, the candidate's log, and the harness's result.
#[derive(Debug)]
pub struct Frame {
    pub usage: Usage,
    /// `None` where the runtime shows no OOM count inside the container; the engine is asked then.
    pub oom_killed: Option<bool>,
    pub log: CappedLog,
    pub result: Vec<u8>,
    pub result_overflow: bool,
}

/// The frame's first line: the usage and the lengths of what follows.
#[derive(serde::Deserialize)]
struct Header {
    #[serde(flatten)]
    usage: Usage,
    oom_killed: Option<bool>,
    log_head: usize,
    log_tail: usize,
    log_total: u64,
    result_bytes: usize,
    result_overflow: bool,
}

impl Header {
    /// Lengths within the caps the supervisor was given: anything else is not its frame.
    fn body_len(&self) -> Option<usize> {
        let log = self.log_head.checked_add(self.log_tail)?;
        (log <= LOG_CAP && self.result_bytes <= RESULT_CAP).then_some(log + self.result_bytes)
    }
}

/// Reads the container's stdout as it arrives until the frame is whole, so a run ends when its frame
/// does rather than when the engine has stopped the container.
#[derive(Default)]
pub struct FrameReader {
    /// The first line until it is in, then the body.
    bytes: Vec<u8>,
    /// The parsed first line and the length of the body it announces.
    header: Option<(Header, usize)>,
    /// The first line could not be a frame: nothing more is kept.
    broken: bool,
}

impl FrameReader {
    /// Adds bytes as they came; true once the frame is whole (bytes after it are ignored).
    pub fn push(&mut self, mut chunk: &[u8]) -> bool {
        while !chunk.is_empty() && !self.broken && !self.is_complete() {
            match &self.header {
                None => {
                    let room = HEADER_CAP - self.bytes.len();
                    match chunk.iter().take(room + 1).position(|&b| b == b'\n') {
                        Some(at) => {
                            self.bytes.extend_from_slice(&chunk[..at]);
                            chunk = &chunk[at + 1..];
                            self.read_header();
                        }
                        None if chunk.len() > room => self.broken = true,
                        None => {
                            self.bytes.extend_from_slice(chunk);
                            chunk = &[];
                        }
                    }
                }
                Some((_, len)) => {
                    let take = (len - self.bytes.len()).min(chunk.len());
                    self.bytes.extend_from_slice(&chunk[..take]);
                    chunk = &chunk[take..];
                }
            }
        }
        self.is_complete()
    }

    fn read_header(&mut self) {
        let header = serde_json::from_slice::<Header>(&self.bytes).ok();
        match header.and_then(|h| h.body_len().map(|len| (h, len))) {
            Some((header, len)) => {
                self.bytes = Vec::with_capacity(len);
                self.header = Some((header, len));
            }
            None => self.broken = true,
        }
    }

    fn is_complete(&self) -> bool {
        self.header.as_ref().is_some_and(|(_, len)| self.bytes.len() == *len)
    }

    /// The frame when it came whole; `None` when the supervisor could not write it (killed from
    /// outside) or the stream ended inside it.
    pub fn finish(self) -> Option<Frame> {
        if !self.is_complete() {
            return None;
        }
        let (header, _) = self.header?;
        let (head, rest) = self.bytes.split_at(header.log_head);
        let (tail, result) = rest.split_at(header.log_tail);
        Some(Frame {
            usage: header.usage,
            oom_killed: header.oom_killed,
            log: CappedLog::from_parts(head, tail, header.log_total),
            result: result.to_vec(),
            result_overflow: header.result_overflow,
        })
    }
}

/// The frame at the start of `stdout`, if there is a whole one.
pub fn parse_frame(stdout: &[u8]) -> Option<Frame> {
    let mut reader = FrameReader::default();
    reader.push(stdout);
    reader.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_log_is_kept_whole() {
        let mut l = CappedLog::new(100);
        l.push(b"hello ");
        l.push(b"world");
        assert_eq!(l.render(), "hello world");
    }

    #[test]
    fn long_log_keeps_head_and_tail_with_a_marker() {
        let mut l = CappedLog::new(8);
        l.push(b"HEAD");
        for _ in 0..1000 {
            l.push(b"xxxxxxxxxx");
        }
        l.push(b"TAIL");
        let text = l.render();
        assert!(text.starts_with("HEAD"));
        assert!(text.ends_with("\nTAIL"), "{text}");
        assert!(text.contains("10000 of 10008 bytes not kept"), "{text}");
    }

    fn frame(log: &[u8], result: &[u8]) -> Vec<u8> {
        let header = serde_json::json!({
            "exit_code": 0, "cpu_seconds": 0.5, "peak_memory_mb": 12.0, "cpu_exceeded": false,
            "wall_exceeded": false, "oom_killed": false, "log_head": log.len(), "log_tail": 0,
            "log_total": log.len(), "result_bytes": result.len(), "result_overflow": false,
        });
        [serde_json::to_vec(&header).unwrap(), b"\n".to_vec(), log.to_vec(), result.to_vec()].concat()
    }

    #[test]
    fn a_frame_is_whole_at_its_announced_length_in_any_chunking() {
        let bytes = frame(b"log line\n", b"{\"test\": [1]}\n\x93NUMPY");
        for size in [1, 2, 7, 64, bytes.len()] {
            let mut reader = FrameReader::default();
            let mut complete_at = None;
            for (i, chunk) in bytes.chunks(size).enumerate() {
                if reader.push(chunk) && complete_at.is_none() {
                    complete_at = Some(i);
                }
            }
            assert_eq!(complete_at, Some((bytes.len() - 1) / size), "chunks of {size}");
            let frame = reader.finish().expect("a whole frame");
            assert_eq!(frame.log.render(), "log line\n");
            assert_eq!(frame.result, b"{\"test\": [1]}\n\x93NUMPY");
            assert_eq!(frame.usage.cpu_seconds, 0.5);
            assert_eq!(frame.oom_killed, Some(false));
        }
    }

    #[test]
    fn bytes_after_the_frame_are_ignored_and_a_short_one_is_no_frame() {
        let bytes = frame(b"", b"result");
        let mut reader = FrameReader::default();
        assert!(reader.push(&[bytes.as_slice(), b"trailing"].concat()));
        assert_eq!(reader.finish().unwrap().result, b"result");
        assert!(parse_frame(&bytes[..bytes.len() - 1]).is_none());
        assert!(parse_frame(b"not json\nresult").is_none());
        assert!(parse_frame(&vec![b'{'; HEADER_CAP + 10]).is_none());
    }

    #[test]
    fn lengths_past_the_caps_are_not_a_frame() {
        let header = format!(
            r#"{{"exit_code":0,"cpu_seconds":0,"peak_memory_mb":0,"cpu_exceeded":false,"wall_exceeded":false,"oom_killed":null,"log_head":{},"log_tail":0,"log_total":0,"result_bytes":0,"result_overflow":false}}"#,
            LOG_CAP + 1
        );
        assert!(parse_frame(format!("{header}\n").as_bytes()).is_none());
    }

    #[test]
    fn a_log_from_its_parts_renders_like_one_kept_here() {
        let mut kept = CappedLog::new(8);
        kept.push(b"HEADxxxxxxxxTAIL");
        assert_eq!(CappedLog::from_parts(b"HEAD", b"TAIL", 16).render(), kept.render());
    }
}
