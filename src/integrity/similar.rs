//! Finding the closest earlier file to a submission: the challenge's reference, and every earlier
//! submission to the same challenge by someone else, compared by code fingerprints with the
//! challenge's starter removed (the skeleton every candidate is given is not copying).

use super::checks::Match;
use super::fingerprint::{similarity, Fingerprints};
use crate::challenge::Challenge;

/// A file's fingerprints without those of the challenge's starter.
pub fn prints_of(challenge: &Challenge, source: &[u8]) -> Fingerprints {
    Fingerprints::of(&String::from_utf8_lossy(source)).excluding(&Fingerprints::of(&challenge.starter))
}

/// The reference solution's fingerprints, starter removed; none when it cannot be read.
pub fn reference_prints(challenge: &Challenge) -> Option<Fingerprints> {
    std::fs::read(&challenge.reference.0).ok().map(|source| prints_of(challenge, &source))
}

/// A file to compare with: what to call it, where to see it beside this one, and its fingerprints.
pub struct Candidate {
    pub what: String,
    pub link: Option<String>,
    pub prints: Fingerprints,
}

/// The file sharing the largest part of `mine`, if any shares anything.
pub fn closest(mine: &Fingerprints, others: impl IntoIterator<Item = Candidate>) -> Option<Match> {
    if mine.is_empty() {
        return None;
    }
    others
        .into_iter()
        .map(|c| (similarity(mine, &c.prints).share_a, c))
        .filter(|(share, _)| *share > 0.0)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(share, c)| Match { what: c.what, share, link: c.link })
}
