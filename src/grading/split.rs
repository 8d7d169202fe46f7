//! The fixed split of the hidden test rows into a public part and a private part.
//!
//! The permutation comes from a small generator written out here (SplitMix64 driving a Fisher–Yates
//! shuffle) rather than from a crate, so that the split of a challenge never changes when a dependency
//! is upgraded: a candidate's public score must mean the same thing next year.

/// Indices of the public rows and of the private rows, each sorted. Both parts get at least one row
/// when there are two or more rows.
pub fn public_private_split(n: usize, public_fraction: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut order: Vec<usize> = (0..n).collect();
    let mut state = seed;
    for i in (1..n).rev() {
        let j = (splitmix64(&mut state) % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
    let mut public_len = (n as f64 * public_fraction).round() as usize;
    if n >= 2 {
        public_len = public_len.clamp(1, n - 1);
    }
    let mut public = order[..public_len.min(n)].to_vec();
    let mut private = order[public_len.min(n)..].to_vec();
    public.sort_unstable();
    private.sort_unstable();
    (public, private)
}

pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_is_a_partition_of_the_right_size() {
        let (public, private) = public_private_split(171, 0.5, 7);
        assert_eq!(public.len(), 86);
        assert_eq!(private.len(), 85);
        let mut all: Vec<usize> = public.iter().chain(&private).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..171).collect::<Vec<_>>());
    }

    #[test]
    fn split_depends_on_the_seed_only() {
        assert_eq!(public_private_split(100, 0.3, 42), public_private_split(100, 0.3, 42));
        assert_ne!(public_private_split(100, 0.3, 42).0, public_private_split(100, 0.3, 43).0);
    }

    #[test]
    fn fixed_seed_gives_a_fixed_split() {
        // Pinned so a change to the generator, which would silently move rows between the parts of
        // every challenge, fails here.
        assert_eq!(public_private_split(10, 0.5, 1).0, vec![1, 2, 4, 8, 9]);
    }

    #[test]
    fn both_parts_are_never_empty() {
        assert_eq!(public_private_split(2, 0.01, 3).0.len(), 1);
        assert_eq!(public_private_split(2, 0.99, 3).1.len(), 1);
    }
}
