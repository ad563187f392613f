//! Did-you-mean suggestions for misspelt fields, keys and options.

/// The closest candidate to `wanted`, if one is close enough to be a
/// plausible typo, phrased as a hint.
#[must_use]
pub fn did_you_mean<'a>(
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    closest(wanted, candidates).map(|c| format!("did you mean `{c}`?"))
}

/// The closest candidate by Jaro-Winkler similarity, above a threshold
/// that keeps unrelated words out.
#[must_use]
pub fn closest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let wanted_lower = wanted.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&wanted_lower, &c.to_lowercase()), c))
        .filter(|(score, c)| *score >= 0.8 && *c != wanted)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_words_only() {
        assert_eq!(
            closest("categry", ["category", "collections"]),
            Some("category")
        );
        assert_eq!(closest("zzz", ["category", "collections"]), None);
    }
}
