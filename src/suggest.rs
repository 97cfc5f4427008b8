//! "Did you mean …?": the nearest known words to a misspelt one, by edit distance. Shared by the
//! loaders (field names, statuses, levels, control ids) and `tuanthu explain` (control ids).

/// Levenshtein distance over characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb { prev } else { 1 + prev.min(cur).min(row[j]) };
            prev = cur;
        }
    }
    row[b.len()]
}

/// Up to three of `known` closest to `word` (ignoring case; only those at the smallest distance),
/// within a distance that still looks like a typo: two edits, or one for words of three characters
/// or fewer. Each is given once, in the order of `known` among equals.
pub fn nearest<'a>(word: &str, known: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let want = word.to_lowercase();
    let limit = if want.chars().count() <= 3 { 1 } else { 2 };
    let mut scored: Vec<(usize, &'a str)> = Vec::new();
    for k in known {
        let d = edit_distance(&want, &k.to_lowercase());
        if d <= limit && !scored.iter().any(|(_, x)| *x == k) {
            scored.push((d, k));
        }
    }
    scored.sort_by_key(|(d, _)| *d);
    let best = scored.first().map_or(0, |(d, _)| *d);
    scored.into_iter().take_while(|(d, _)| *d == best).take(3).map(|(_, k)| k).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_single_edits() {
        assert_eq!(edit_distance("POL.1", "POL.01"), 1);
        assert_eq!(edit_distance("PLO.01", "POL.01"), 2);
        assert_eq!(edit_distance("MGT.01", "MGT.01"), 0);
        assert_eq!(edit_distance("", "ab"), 2);
    }

    #[test]
    fn nearest_words_within_a_typo() {
        let fields = ["owner", "operator", "regulation", "name"];
        assert_eq!(nearest("operater", fields), ["operator"]);
        assert_eq!(nearest("Implemented", ["implemented", "partial"]), ["implemented"]);
        assert!(nearest("colour", fields).is_empty());
        assert_eq!(nearest("nam", ["name", "nap"]), ["name", "nap"]);
    }
}
