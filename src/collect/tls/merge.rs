//! Putting suites found chunk by chunk into the server's order with few connections.
//!
//! A hello carries at most [`super::hello::MAX_SUITES`] suites, so a server that accepts suites
//! from two chunks yields two runs, each in the server's order but not interleaved. Offering two
//! suites `x, y` is a comparison: a server that imposes its order picks the one it prefers. The
//! enumerator mostly avoids comparisons (it drains the first chunk with the other chunk's best
//! suite offered alongside, see `enumerate`); this merge places what remains: a single suite
//! (by bisection, `⌈log2(n + 1)⌉` connections instead of offering all `n + 1` suites again),
//! or runs of more than two chunks. It is the Hwang–Lin binary merge, which never asks more
//! than the `m + n - 1` comparisons of a plain merge and far fewer when one run is much shorter.
//!
//! The merge is a pure function of the answers known so far: it returns the next comparison it
//! needs, the caller asks the server and calls it again (cheap: a few hundred suites at most).
//! That keeps the algorithm testable without a server.

use std::collections::HashMap;

/// The server's answers: `(x, y) → true` when, offered `x` then `y`, it chose `x`. `x` always
/// comes from the run offered first, so a server that ranks both the same and follows the
/// client's order among them (equal-preference groups) keeps the offer order, as offering all
/// found suites again would.
pub type Answers = HashMap<(u16, u16), bool>;

/// Merges `a` and `b` (each in the server's order; `a` found first). `Err((x, y))`: the answer
/// needed next, `x` from `a` and `y` from `b`.
pub fn merge(a: &[u16], b: &[u16], answers: &Answers) -> Result<Vec<u16>, (u16, u16)> {
    let ask = |x: u16, y: u16| answers.get(&(x, y)).copied().ok_or((x, y));
    let (mut a, mut b) = (a, b);
    let mut out = Vec::with_capacity(a.len() + b.len());
    while !a.is_empty() && !b.is_empty() {
        if a.len() <= b.len() {
            let (ahead, placed) = step(a, b, ask)?;
            out.extend_from_slice(&b[..ahead]);
            b = &b[ahead..];
            if placed {
                out.push(a[0]);
                a = &a[1..];
            }
        } else {
            // `s` (from b) precedes `l` (from a) when the server, offered `l` then `s`, chose `s`.
            let (ahead, placed) = step(b, a, |s, l| ask(l, s).map(|l_first| !l_first))?;
            out.extend_from_slice(&a[..ahead]);
            a = &a[ahead..];
            if placed {
                out.push(b[0]);
                b = &b[1..];
            }
        }
    }
    out.extend_from_slice(a);
    out.extend_from_slice(b);
    Ok(out)
}

/// One Hwang–Lin step, `short` no longer than `long`: with `k` the largest power of two not above
/// `long.len() / short.len()`, one comparison tells whether `long[..k]` all precede `short[0]`;
/// if not, a binary search over `long[..k - 1]` places `short[0]`. Returns how many of `long`
/// come first and whether `short[0]` follows them. `before(s, l)`: `s` precedes `l`.
fn step(
    short: &[u16],
    long: &[u16],
    before: impl Fn(u16, u16) -> Result<bool, (u16, u16)>,
) -> Result<(usize, bool), (u16, u16)> {
    let k = 1usize << (long.len() / short.len()).ilog2();
    if !before(short[0], long[k - 1])? {
        return Ok((k, false));
    }
    // long[..lo] precede short[0]; short[0] precedes long[hi].
    let (mut lo, mut hi) = (0, k - 1);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if before(short[0], long[mid])? {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    Ok((lo, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the merge against a server whose preference is `rank` (lower first), answering each
    /// question when asked; returns the result and the number of connections it took.
    fn merge_with(a: &[u16], b: &[u16], rank: impl Fn(u16) -> usize) -> (Vec<u16>, usize) {
        let mut answers = Answers::new();
        loop {
            match merge(a, b, &answers) {
                Ok(merged) => return (merged, answers.len()),
                Err((x, y)) => {
                    assert!(answers.insert((x, y), rank(x) <= rank(y)).is_none(), "asked ({x}, {y}) twice");
                }
            }
        }
    }

    /// Every way to interleave `m` and `n` suites: the bit `i` of `mask` says whether the `i`-th
    /// suite of the server's order belongs to `a`.
    fn interleavings(m: usize, n: usize) -> impl Iterator<Item = (Vec<u16>, Vec<u16>)> {
        (0u32..1 << (m + n)).filter(move |mask| mask.count_ones() as usize == m).map(move |mask| {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            for s in 0..(m + n) as u16 {
                if mask >> s & 1 == 1 { a.push(s) } else { b.push(s) }
            }
            (a, b)
        })
    }

    #[test]
    fn every_interleaving_is_recovered_within_a_plain_merges_connections() {
        for m in 1..=6 {
            for n in 1..=8 {
                for (a, b) in interleavings(m, n) {
                    let (merged, asked) = merge_with(&a, &b, usize::from);
                    assert_eq!(merged, (0..(m + n) as u16).collect::<Vec<_>>(), "{a:?} {b:?}");
                    assert!(asked < m + n, "{a:?} {b:?}: {asked} connections");
                }
            }
        }
    }

    #[test]
    fn a_short_run_costs_a_few_connections() {
        // One suite among 60: bisection, six comparisons for 61 places.
        let a: Vec<u16> = (0..61).filter(|&s| s != 37).collect();
        let (merged, asked) = merge_with(&a, &[37], usize::from);
        assert_eq!(merged, (0..61).collect::<Vec<_>>());
        assert_eq!(asked, 6);
        // Three suites spread among 60: well under a plain merge's 62.
        let a: Vec<u16> = (0..63).filter(|s| ![3, 30, 62].contains(s)).collect();
        let (merged, asked) = merge_with(&a, &[3, 30, 62], usize::from);
        assert_eq!(merged, (0..63).collect::<Vec<_>>());
        assert!(asked <= 18, "{asked} connections");
    }

    #[test]
    fn equal_ranks_keep_the_offer_order() {
        // A server that ranks everything the same follows the client: the first run stays first.
        let (merged, asked) = merge_with(&[7, 3], &[9, 1, 4], |_| 0);
        assert_eq!(merged, [7, 3, 9, 1, 4]);
        assert!(asked <= 4);
    }
}
