//! Keys for exported entries: readable slugs derived from live names,
//! unique per kind and stable from one export to the next. Objects come in
//! id order; the first to want a slug keeps it, later ones get a
//! disambiguator that says something about them (their parent's key, their
//! sku, their owner), and only then `-2`, `-3`, ...
//!
//! Keys are a pure function of the snapshot: exporting the same account
//! twice gives the same keys.

use std::collections::{HashMap, HashSet};

use crate::catalog::format::is_valid_key;
use crate::remote::wire::Id;

/// How long a slug taken from a name may be; room is left for prefixes
/// and suffixes within the 128 characters a key may have.
const SLUG_MAX: usize = 64;
/// How long a disambiguated key may be before its `-N` suffix.
const KEY_MAX: usize = 120;

/// `Rain Jacket, Blue (M)` → `rain-jacket-blue-m`: lower-case ASCII letters
/// and digits, every other run of characters one `-`, trimmed, at most
/// [`SLUG_MAX`] characters (cut at a `-` where possible). Common accented
/// Latin letters are folded (`Ä` → `a`, `ß` → `ss`). May be empty.
#[must_use]
pub fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(SLUG_MAX));
    let mut gap = false;
    for c in text.chars() {
        let folded = fold(c);
        let mut pushed = false;
        for f in folded.chars() {
            if f.is_ascii_alphanumeric() {
                if gap && !out.is_empty() {
                    out.push('-');
                }
                gap = false;
                out.push(f.to_ascii_lowercase());
                pushed = true;
            }
        }
        if !pushed {
            gap = true;
        }
        if out.len() >= SLUG_MAX {
            break;
        }
    }
    cut(&out, SLUG_MAX)
}

/// `text` shortened to at most `max` characters, at the last `-` when
/// there is one in the second half, never ending in `-`.
fn cut(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.trim_end_matches('-').to_owned();
    }
    let head = &text[..max];
    let head = match head.rfind('-') {
        Some(i) if i > max / 2 => &head[..i],
        _ => head,
    };
    head.trim_end_matches('-').to_owned()
}

/// An ASCII spelling of common Latin letters with diacritics; other
/// characters as they are.
fn fold(c: char) -> String {
    let s = match c {
        'À'..='Å' | 'à'..='å' | 'Ā' | 'ā' | 'Ă' | 'ă' | 'Ą' | 'ą' => "a",
        'Æ' | 'æ' => "ae",
        'Ç' | 'ç' | 'Ć' | 'ć' | 'Č' | 'č' => "c",
        'Ð' | 'ð' | 'Ď' | 'ď' | 'Đ' | 'đ' => "d",
        'È'..='Ë' | 'è'..='ë' | 'Ē' | 'ē' | 'Ė' | 'ė' | 'Ę' | 'ę' | 'Ě' | 'ě' => "e",
        'Ì'..='Ï' | 'ì'..='ï' | 'Ī' | 'ī' | 'Į' | 'į' | 'İ' | 'ı' => "i",
        'Ł' | 'ł' | 'Ľ' | 'ľ' => "l",
        'Ñ' | 'ñ' | 'Ń' | 'ń' | 'Ň' | 'ň' => "n",
        'Ò'..='Ö' | 'Ø' | 'ò'..='ö' | 'ø' | 'Ō' | 'ō' | 'Ő' | 'ő' => "o",
        'Œ' | 'œ' => "oe",
        'Ř' | 'ř' => "r",
        'Ś' | 'ś' | 'Š' | 'š' | 'Ş' | 'ş' => "s",
        'ß' => "ss",
        'Ť' | 'ť' | 'Ţ' | 'ţ' => "t",
        'Þ' | 'þ' => "th",
        'Ù'..='Ü' | 'ù'..='ü' | 'Ū' | 'ū' | 'Ů' | 'ů' | 'Ű' | 'ű' => "u",
        'Ý' | 'ý' | 'ÿ' | 'Ÿ' => "y",
        'Ź' | 'ź' | 'Ż' | 'ż' | 'Ž' | 'ž' => "z",
        _ => return c.to_string(),
    };
    s.to_owned()
}

/// What an object that lost its slug to an earlier one may use instead.
#[derive(Debug, Clone)]
pub enum Hint {
    /// Nothing: `-2`, `-3`, ...
    None,
    /// Prefix with the key of another object of the same kind (a
    /// category's parent, a variant's family).
    SameKindPrefix(Id),
    /// Prefix with a key already known (a resource's owner).
    Prefix(String),
    /// Suffix with this (already slugged) text (a collection's sku).
    Suffix(String),
}

/// One object that needs a key.
#[derive(Debug, Clone)]
pub struct Wanted {
    pub id: Id,
    /// The name the key is derived from.
    pub name: String,
    pub hint: Hint,
}

/// Assigns a key to every object of one kind. `noun` is the kind's
/// singular (`category`), used when a name gives no slug:
/// `category-<id>`. `wanted` must be in id order.
#[must_use]
pub fn assign(noun: &str, wanted: &[Wanted]) -> HashMap<Id, String> {
    let mut book = Book {
        wanted,
        index: wanted
            .iter()
            .enumerate()
            .map(|(i, w)| (w.id.as_str(), i))
            .collect(),
        bases: Vec::with_capacity(wanted.len()),
        keys: vec![None; wanted.len()],
        taken: HashSet::with_capacity(wanted.len()),
        resolving: HashSet::new(),
    };
    for (i, w) in wanted.iter().enumerate() {
        let base = match slug(&w.name) {
            s if s.is_empty() => fallback(noun, &w.id, i),
            s => s,
        };
        book.bases.push(base);
    }
    // The first object (in id order) to want a slug keeps it.
    for i in 0..wanted.len() {
        if book.taken.insert(book.bases[i].clone()) {
            book.keys[i] = Some(book.bases[i].clone());
        }
    }
    for i in 0..wanted.len() {
        book.resolve(i);
    }
    wanted
        .iter()
        .zip(book.keys)
        .filter_map(|(w, k)| k.map(|k| (w.id.clone(), k)))
        .collect()
}

/// `category-<id>`, or `category-<n>` for an id that gives no slug either.
fn fallback(noun: &str, id: &str, index: usize) -> String {
    let id = slug(id);
    if id.is_empty() {
        format!("{noun}-{}", index + 1)
    } else {
        format!("{noun}-{id}")
    }
}

struct Book<'a> {
    wanted: &'a [Wanted],
    index: HashMap<&'a str, usize>,
    bases: Vec<String>,
    keys: Vec<Option<String>>,
    taken: HashSet<String>,
    /// Objects whose key is being worked out, so a loop of same-kind
    /// prefixes cannot recurse forever.
    resolving: HashSet<usize>,
}

impl Book<'_> {
    fn resolve(&mut self, i: usize) -> String {
        if let Some(key) = &self.keys[i] {
            return key.clone();
        }
        self.resolving.insert(i);
        let base = self.bases[i].clone();
        let candidate = match &self.wanted[i].hint {
            Hint::None => None,
            Hint::Prefix(prefix) => Some(format!("{prefix}-{base}")),
            Hint::Suffix(suffix) if !suffix.is_empty() => Some(format!("{base}-{suffix}")),
            Hint::Suffix(_) => None,
            Hint::SameKindPrefix(id) => match self.index.get(id.as_str()).copied() {
                Some(p) if p != i && !self.resolving.contains(&p) => {
                    let prefix = self.resolve(p);
                    Some(format!("{prefix}-{base}"))
                }
                _ => None,
            },
        };
        let candidate = candidate.map(|c| cut(&c, KEY_MAX));
        let key = match candidate {
            Some(c) if self.taken.insert(c.clone()) => c,
            other => {
                let stem = other.unwrap_or(base);
                (2..)
                    .map(|n| format!("{stem}-{n}"))
                    .find(|k| self.taken.insert(k.clone()))
                    .unwrap_or_default()
            }
        };
        debug_assert!(is_valid_key(&key), "derived key `{key}` is invalid");
        self.resolving.remove(&i);
        self.keys[i] = Some(key.clone());
        key
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wanted(id: &str, name: &str, hint: Hint) -> Wanted {
        Wanted {
            id: id.to_owned(),
            name: name.to_owned(),
            hint,
        }
    }

    #[test]
    fn slugs_are_lower_case_ascii_with_dashes() {
        assert_eq!(slug("Rain Jacket, Blue (M)"), "rain-jacket-blue-m");
        assert_eq!(slug("  --Weight (g)--  "), "weight-g");
        assert_eq!(slug("Über Größe"), "uber-grosse");
        assert_eq!(slug("hero.JPG"), "hero-jpg");
        assert_eq!(slug("日本"), "");
        assert_eq!(slug("!!!"), "");
        let long = slug(&"word ".repeat(40));
        assert!(long.len() <= SLUG_MAX && !long.ends_with('-'), "{long}");
        assert!(is_valid_key(&long));
    }

    #[test]
    fn the_first_in_id_order_keeps_the_slug_and_later_ones_say_who_they_are() {
        let keys = assign(
            "category",
            &[
                wanted("1", "Apparel", Hint::None),
                wanted("2", "Sale", Hint::SameKindPrefix("1".into())),
                wanted("3", "Sale", Hint::None),
                wanted("4", "Sale", Hint::SameKindPrefix("1".into())),
                wanted("5", "Shoes", Hint::None),
                wanted("6", "Sale", Hint::SameKindPrefix("5".into())),
                wanted("7", "日本", Hint::None),
            ],
        );
        assert_eq!(keys["1"], "apparel");
        assert_eq!(keys["2"], "sale");
        assert_eq!(keys["3"], "sale-2");
        assert_eq!(keys["4"], "apparel-sale");
        assert_eq!(keys["6"], "shoes-sale");
        assert_eq!(keys["7"], "category-7");
    }

    #[test]
    fn a_disambiguator_that_is_taken_too_falls_back_to_a_number() {
        let keys = assign(
            "collection",
            &[
                wanted("1", "Tee", Hint::Suffix("sku-1".into())),
                wanted("2", "Tee SKU 1", Hint::None),
                wanted("3", "Tee", Hint::Suffix("sku-1".into())),
                wanted("4", "Tee", Hint::Suffix(String::new())),
            ],
        );
        assert_eq!(keys["1"], "tee");
        assert_eq!(keys["2"], "tee-sku-1");
        assert_eq!(keys["3"], "tee-sku-1-2");
        assert_eq!(keys["4"], "tee-2");
    }

    #[test]
    fn a_loop_of_prefixes_terminates() {
        let keys = assign(
            "category",
            &[
                wanted("1", "A", Hint::None),
                wanted("2", "A", Hint::SameKindPrefix("3".into())),
                wanted("3", "A", Hint::SameKindPrefix("2".into())),
            ],
        );
        let mut all: Vec<&String> = keys.values().collect();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 3, "{keys:?}");
    }
}
