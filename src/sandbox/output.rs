//! Bounded buffers for what a container prints.

/// Keeps the first `cap` bytes and counts the rest.
pub struct CappedBuffer {
    bytes: Vec<u8>,
    cap: usize,
    dropped: u64,
}

impl CappedBuffer {
    pub fn new(cap: usize) -> Self {
        CappedBuffer { bytes: Vec::new(), cap, dropped: 0 }
    }

    pub fn push(&mut self, chunk: &[u8]) {
        let room = self.cap.saturating_sub(self.bytes.len());
        let take = room.min(chunk.len());
        self.bytes.extend_from_slice(&chunk[..take]);
        self.dropped += (chunk.len() - take) as u64;
    }

    pub fn overflowed(&self) -> bool {
        self.dropped > 0
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

/// Keeps the head and the tail of a log: the start says what the code did, the end holds the traceback.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffer_keeps_only_the_cap() {
        let mut b = CappedBuffer::new(4);
        b.push(b"ab");
        b.push(b"cdef");
        assert!(b.overflowed());
        assert_eq!(b.into_bytes(), b"abcd");
    }

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
}
