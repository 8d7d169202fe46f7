//! A sliding-window rate limiter kept in memory. Each API node limits on its own; the limits that must
//! hold across nodes (a candidate's cooldown and submission count) live in the database instead.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct RateLimiter {
    max: u32,
    window: Duration,
    hits: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl RateLimiter {
    pub fn new(max: u32, window: Duration) -> RateLimiter {
        RateLimiter { max, window, hits: Mutex::new(HashMap::new()) }
    }

    /// `Err(wait)` when `key` has used up its window, without counting this call.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let mut hits = self.hits.lock().unwrap_or_else(|p| p.into_inner());
        match hits.get_mut(key) {
            Some(q) => self.full(q, now),
            None => Ok(()),
        }
    }

    /// Counts one event for `key`; `Err(wait)` (and nothing counted) when the window is already full.
    pub fn hit(&self, key: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let mut hits = self.hits.lock().unwrap_or_else(|p| p.into_inner());
        if hits.len() > 10_000 {
            // Forget keys whose events have all left the window, so the map cannot grow without bound.
            let window = self.window;
            hits.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < window));
        }
        let q = hits.entry(key.to_owned()).or_default();
        self.full(q, now)?;
        q.push_back(now);
        Ok(())
    }

    /// Forgets `key`'s events (after a successful sign-in, say).
    pub fn clear(&self, key: &str) {
        self.hits.lock().unwrap_or_else(|p| p.into_inner()).remove(key);
    }

    fn full(&self, q: &mut VecDeque<Instant>, now: Instant) -> Result<(), Duration> {
        while q.front().is_some_and(|t| now.duration_since(*t) >= self.window) {
            q.pop_front();
        }
        if q.len() as u32 >= self.max {
            let oldest = *q.front().expect("a full window has events");
            return Err(self.window.saturating_sub(now.duration_since(oldest)).max(Duration::from_secs(1)));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_window_refuses_until_it_slides() {
        let rl = RateLimiter::new(2, Duration::from_millis(200));
        assert!(rl.hit("a").is_ok());
        assert!(rl.hit("a").is_ok());
        assert!(rl.hit("a").is_err());
        assert!(rl.check("a").is_err());
        assert!(rl.hit("b").is_ok(), "keys are independent");
        std::thread::sleep(Duration::from_millis(250));
        assert!(rl.hit("a").is_ok());
        rl.clear("a");
        assert!(rl.check("a").is_ok());
    }
}
