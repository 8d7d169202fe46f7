//! Ranks on a leaderboard that do not claim more than the data can tell.
//!
//! Equal scores share a rank (standard competition ranking: 1, 1, 3). Each score's standard error is
//! half the width of its 95% interval divided by 1.96, and two scores are within the noise when
//! |a − b| ≤ 1.96·√(se_a² + se_b²). Consecutive entries whose score is within the noise of the entry
//! directly above form one group, so nobody reads rank 1 against rank 2 as a verdict when it is not one.

/// The sentence the leaderboard prints to say how groups are made.
pub const RULE: &str = "Each score's standard error is half the width of its 95% interval divided by 1.96, and two scores are \
     within the noise when they differ by at most 1.96·√(se₁² + se₂²); candidates within the noise of the one ranked directly \
     above share a group letter.";

/// The z value of a two-sided 95% interval.
const Z95: f64 = 1.96;

/// The standard error a 95% interval implies; `None` without an interval or for a nonsensical one.
pub fn standard_error(interval: Option<[f64; 2]>) -> Option<f64> {
    let [lo, hi] = interval?;
    let se = (hi - lo) / 2.0 / Z95;
    (se.is_finite() && se >= 0.0).then_some(se)
}

/// Whether two scores with these standard errors are within the noise of each other.
pub fn within_noise(a: f64, se_a: f64, b: f64, se_b: f64) -> bool {
    (a - b).abs() <= Z95 * (se_a * se_a + se_b * se_b).sqrt()
}

/// How one entry compares with the one directly above it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Above {
    /// The first entry: nothing above.
    Top,
    /// Exactly the same score.
    Tied,
    /// A different score, within the noise.
    WithinNoise,
    /// A different score, beyond the noise.
    Apart,
    /// A different score, and at least one of the two has no interval: the noise cannot be judged.
    Unknown,
}

/// One entry's place on the board.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// Competition rank: one more than the number of entries with a strictly higher score.
    pub rank: usize,
    /// Index of the indistinguishable group, 0 for the first; consecutive entries share one.
    pub group: usize,
    /// Rank of the first entry of the group.
    pub group_rank: usize,
    /// Whether the group holds more than this entry.
    pub shared: bool,
    pub above: Above,
    /// Whether the score is also within the noise of (or tied with) the first of its group; false
    /// when the group only chains through entries in between.
    pub with_group_head: bool,
}

/// Ranks `entries` (score, 95% interval of the score), which must be ordered best first.
pub fn rank(entries: &[(f64, Option<[f64; 2]>)]) -> Vec<Place> {
    debug_assert!(entries.windows(2).all(|w| w[0].0 >= w[1].0), "entries are ordered best first");
    let mut out: Vec<Place> = Vec::with_capacity(entries.len());
    let mut head = 0usize;
    for (i, &(score, interval)) in entries.iter().enumerate() {
        let above = match i.checked_sub(1) {
            None => Above::Top,
            Some(j) => compare(entries[j], (score, interval)),
        };
        let rank = match above {
            Above::Top => 1,
            Above::Tied => out[i - 1].rank,
            _ => i + 1,
        };
        let joins = matches!(above, Above::Tied | Above::WithinNoise);
        if !joins {
            head = i;
        }
        let group = if i == 0 { 0 } else if joins { out[i - 1].group } else { out[i - 1].group + 1 };
        let with_group_head = head == i || matches!(compare(entries[head], (score, interval)), Above::Tied | Above::WithinNoise);
        out.push(Place { rank, group, group_rank: out.get(head).map(|p| p.rank).unwrap_or(rank), shared: false, above, with_group_head });
    }
    for i in 0..out.len() {
        let g = out[i].group;
        out[i].shared = out.iter().filter(|p| p.group == g).count() > 1;
    }
    out
}

fn compare(upper: (f64, Option<[f64; 2]>), lower: (f64, Option<[f64; 2]>)) -> Above {
    if upper.0 == lower.0 {
        return Above::Tied;
    }
    match (standard_error(upper.1), standard_error(lower.1)) {
        (Some(a), Some(b)) if within_noise(upper.0, a, lower.0, b) => Above::WithinNoise,
        (Some(_), Some(_)) => Above::Apart,
        _ => Above::Unknown,
    }
}

/// The letter of group `i`: A…Z, then AA, AB, …
pub fn group_letter(i: usize) -> String {
    let mut n = i;
    let mut out = Vec::new();
    loop {
        out.push((b'A' + (n % 26) as u8) as char);
        if n < 26 {
            break;
        }
        n = n / 26 - 1;
    }
    out.iter().rev().collect()
}

/// The words beside a place: why it shares a group, or that its noise is unknown.
pub fn remark(place: &Place, rank_above: Option<usize>) -> Option<String> {
    match place.above {
        Above::Top | Above::Apart => None,
        Above::Unknown => Some("noise unknown (no interval), so not grouped".to_owned()),
        Above::Tied | Above::WithinNoise if place.with_group_head => {
            let how = if place.above == Above::Tied && place.rank == place.group_rank { "tied with" } else { "within the noise of" };
            Some(format!("{how} #{}", place.group_rank))
        }
        Above::Tied | Above::WithinNoise => Some(format!(
            "within the noise of #{} directly above, though not of #{}",
            rank_above.unwrap_or(place.rank),
            place.group_rank
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iv(score: f64, half: f64) -> (f64, Option<[f64; 2]>) {
        (score, Some([score - half, score + half]))
    }

    #[test]
    fn standard_error_is_half_the_interval_over_1_96() {
        assert!((standard_error(Some([80.0, 83.92])).unwrap() - 1.0).abs() < 1e-12);
        assert_eq!(standard_error(None), None);
        assert_eq!(standard_error(Some([5.0, 4.0])), None, "a reversed interval is not used");
        assert!(within_noise(90.0, 1.0, 87.3, 1.0), "2.7 ≤ 1.96·√2 ≈ 2.77");
        assert!(!within_noise(90.0, 1.0, 87.1, 1.0));
    }

    #[test]
    fn equal_scores_share_a_rank_and_the_next_rank_skips() {
        let places = rank(&[iv(90.0, 0.5), iv(90.0, 0.5), iv(70.0, 0.5), iv(70.0, 0.5), iv(50.0, 0.5)]);
        let ranks: Vec<usize> = places.iter().map(|p| p.rank).collect();
        assert_eq!(ranks, [1, 1, 3, 3, 5]);
        let groups: Vec<usize> = places.iter().map(|p| p.group).collect();
        assert_eq!(groups, [0, 0, 1, 1, 2]);
        assert_eq!(places[1].above, Above::Tied);
        assert_eq!(remark(&places[1], Some(1)).unwrap(), "tied with #1");
        assert!(places[0].shared && !places[4].shared);
    }

    #[test]
    fn ties_count_even_without_intervals() {
        let places = rank(&[(80.0, None), (80.0, None), (60.0, None)]);
        assert_eq!(places.iter().map(|p| p.rank).collect::<Vec<_>>(), [1, 1, 3]);
        assert_eq!(places[1].group, 0);
        assert_eq!(places[2].above, Above::Unknown);
        assert_eq!(places[2].group, 1, "an unknown difference is not grouped");
        assert!(remark(&places[2], Some(1)).unwrap().contains("no interval"));
    }

    #[test]
    fn scores_within_the_noise_form_one_group() {
        // se = 2 for each: within noise when |a − b| ≤ 1.96·2·√2 ≈ 5.54.
        let h = 2.0 * 1.96;
        let places = rank(&[iv(90.0, h), iv(86.0, h), iv(70.0, h), iv(66.0, h)]);
        assert_eq!(places.iter().map(|p| p.rank).collect::<Vec<_>>(), [1, 2, 3, 4], "different scores, different ranks");
        assert_eq!(places.iter().map(|p| p.group).collect::<Vec<_>>(), [0, 0, 1, 1]);
        assert_eq!(places[1].above, Above::WithinNoise);
        assert_eq!(remark(&places[1], Some(1)).unwrap(), "within the noise of #1");
        assert_eq!(places[2].above, Above::Apart);
        assert_eq!(remark(&places[2], Some(2)), None);
        assert_eq!(places[3].group_rank, 3);
        assert_eq!(remark(&places[3], Some(3)).unwrap(), "within the noise of #3");
        assert_eq!(group_letter(places[3].group), "B");
    }

    #[test]
    fn a_chained_group_says_which_neighbour_it_cannot_be_told_from() {
        let h = 2.0 * 1.96;
        let places = rank(&[iv(90.0, h), iv(85.0, h), iv(80.0, h)]);
        assert_eq!(places.iter().map(|p| p.group).collect::<Vec<_>>(), [0, 0, 0]);
        assert!(places[1].with_group_head && !places[2].with_group_head, "10 points apart is beyond the noise of #1");
        assert_eq!(remark(&places[2], Some(2)).unwrap(), "within the noise of #2 directly above, though not of #1");
    }

    #[test]
    fn a_missing_interval_on_either_side_is_unknown_not_apart() {
        let places = rank(&[iv(90.0, 1.0), (89.9, None), iv(89.8, 1.0)]);
        assert_eq!(places[1].above, Above::Unknown);
        assert_eq!(places[2].above, Above::Unknown);
        assert_eq!(places.iter().map(|p| p.group).collect::<Vec<_>>(), [0, 1, 2]);
        assert!(places.iter().all(|p| !p.shared));
        assert!(rank(&[]).is_empty());
    }

    #[test]
    fn group_letters_go_past_z() {
        assert_eq!(group_letter(0), "A");
        assert_eq!(group_letter(25), "Z");
        assert_eq!(group_letter(26), "AA");
        assert_eq!(group_letter(27), "AB");
    }
}
