//! Diacritic-insensitive folding of Vietnamese text, and the query and snippet helpers built on it.
//!
//! People search the way they type: with Telex on a tablet, without diacritics on a laptop,
//! in capitals on a sticky keyboard.
//! `bac binh`, `Bắc Bình` and `BAC BINH` must find the same questions, and `d` must find `đường`.
//! So the question text is folded by [`fold`] before it is indexed, and the query is folded by
//! the same function before it is matched: one function on both sides is what keeps them in step.
//! Changing what [`fold`] returns changes what is in the index, so such a change needs a
//! migration that rebuilds the search index.
//!
//! The user still reads what the citizen wrote, with its diacritics: [`snippet`] cuts the
//! original text and finds the matches in it through [`fold_with_map`].
//! Everything here is pure, so it runs the same in the replica, the server and the benchmarks.

use unicode_normalization::char::decompose_canonical;
use unicode_properties::{GeneralCategory, GeneralCategoryGroup, UnicodeGeneralCategory};

/// The most terms a query keeps; the rest are ignored.
///
/// Each term is one more index lookup in an implicit AND, and nobody types more than a few
/// words into a search box on purpose, so the cap only bounds the cost of pasted text.
pub const MAX_TERMS: usize = 16;

/// The most characters a query term keeps; longer words are cut to this prefix.
///
/// Terms are prefix-matched, so a cut term still finds the word it was cut from.
pub const MAX_TERM_CHARS: usize = 64;

/// A short excerpt of a question's text around the first match, with the matches marked.
///
/// The UI renders `text` as a text node and wraps each highlight in an element of its own,
/// never building HTML from citizen text; that is why highlights are ranges, not markup.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Snippet {
    /// The excerpt: the original text with its diacritics, whitespace runs collapsed to one
    /// space, and `…` where the original was cut.
    pub text: String,
    /// The matched parts of `text`, as half-open `(start, end)` ranges counted in `char`s
    /// (Unicode scalar values), sorted and never overlapping.
    /// In JavaScript, index `Array.from(text)`, not the UTF-16 string.
    pub highlights: Vec<(usize, usize)>,
}

/// Folds text for search: lowercase, without diacritics, with `đ` as `d`.
///
/// Precomposed (`ắ`) and decomposed (`a` + U+0306 + U+0301) input fold the same, because
/// Vietnamese keyboards produce both.
/// Only the combining diacritical marks U+0300–U+036F are dropped, so scripts whose marks
/// carry meaning (Thai, Devanagari, …) keep them.
pub fn fold(text: &str) -> String {
    // Folding never grows Vietnamese text (a two- or three-byte letter becomes one byte),
    // so one allocation of the input's size is enough for the common case.
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        fold_char(c, |f| out.push(f));
    }
    out
}

/// Folds text like [`fold`] and says where each folded `char` came from.
///
/// The second value holds, for the `i`-th `char` of the folded string, the byte offset in
/// `text` of the `char` that produced it.
/// Offsets never decrease, and every one is a `char` boundary of `text`.
/// Characters that fold to nothing (combining marks) have no entry: they belong to the
/// folded `char` before them.
pub fn fold_with_map(text: &str) -> (String, Vec<usize>) {
    let mut folded = String::with_capacity(text.len());
    let mut map = Vec::with_capacity(text.len());
    for (offset, c) in text.char_indices() {
        fold_char(c, |f| {
            folded.push(f);
            map.push(offset);
        });
    }
    (folded, map)
}

/// Splits what a user typed into folded search terms.
///
/// Anything that is not a letter or a digit separates terms, so quotes, operators and
/// punctuation never reach the search engine.
/// Repeated terms are kept once; at most [`MAX_TERMS`] terms of at most [`MAX_TERM_CHARS`]
/// characters each are returned.
pub fn query_terms(user_query: &str) -> Vec<String> {
    let folded = fold(user_query);
    let mut terms: Vec<String> = Vec::new();
    for word in folded.split(|c: char| !is_word_char(c)) {
        if word.is_empty() {
            continue;
        }
        let term: String = word.chars().take(MAX_TERM_CHARS).collect();
        if !terms.contains(&term) {
            terms.push(term);
            if terms.len() == MAX_TERMS {
                break;
            }
        }
    }
    terms
}

/// Builds an SQLite FTS5 `MATCH` expression that finds rows containing every term, the last
/// one as a prefix.
///
/// `bac binh` becomes `"bac" "binh"*`: the last word may still be
/// being typed, so it matches words it starts; the earlier ones are whole words. Matching every
/// term as a prefix would make FTS5 merge the match lists of every word starting with `su` or
/// `dat` in a long query, which costs tens of milliseconds over 100,000 questions.
/// Each term is a quoted string, so nothing a user types can be read as FTS5 syntax
/// (`AND`, `NEAR(`, `col:`, `-`, `^`); the index holds [`fold`]ed text, so the folded terms
/// match it.
/// Returns `None` when the query has no letters or digits, which callers treat as "no filter"
/// or "no results" as the screen requires; an empty `MATCH` would be an SQL error.
pub fn fts_match_expression(user_query: &str) -> Option<String> {
    let terms = query_terms(user_query);
    if terms.is_empty() {
        return None;
    }
    let mut expression = String::new();
    for (i, term) in terms.iter().enumerate() {
        if !expression.is_empty() {
            expression.push(' ');
        }
        expression.push('"');
        // Terms hold only letters and digits, but doubling quotes keeps the expression valid
        // even if that ever changes.
        expression.push_str(&term.replace('"', "\"\""));
        expression.push('"');
        if i + 1 == terms.len() {
            expression.push('*');
        }
    }
    Some(expression)
}

/// Cuts an excerpt of about `max_chars` characters around the first match of `terms` in
/// `original`, and marks every word that starts with a term.
///
/// Matching folds both sides, so the term `bac` marks `Bắc` and `d` marks the `Đ` of `Đường`;
/// only the matched prefix of a word is marked, as the search itself matches prefixes.
/// Terms are usually the output of [`query_terms`]; they are folded again here, so raw words
/// work too.
/// The excerpt covers at most `max_chars` characters of `original` and prefers to cut at
/// spaces; `…` is added at each end that was cut, so the text may be two characters longer.
/// Without a match the excerpt is the start of the text.
/// Any input is safe: cuts fall on `char` boundaries and avoid separating a letter from its
/// combining marks.
pub fn snippet(original: &str, terms: &[String], max_chars: usize) -> Snippet {
    if max_chars == 0 {
        return Snippet::default();
    }
    let terms: Vec<Vec<char>> = terms
        .iter()
        .map(|t| fold(t).chars().collect::<Vec<char>>())
        .filter(|t| !t.is_empty())
        .collect();
    let matches = match_ranges(original, &terms);
    let (start, end) = choose_window(original, matches.first().copied(), max_chars);
    render(original, start, end, &matches)
}

/// Calls `push` with each `char` that `c` folds to: none for a combining mark, usually one.
#[inline]
fn fold_char(c: char, mut push: impl FnMut(char)) {
    if c.is_ascii() {
        push(c.to_ascii_lowercase());
    } else if let Some(base) = vietnamese_base(c) {
        push(base);
    } else if let Some(letter) = enclosed_letter(c) {
        // Ⓐ, 🄰 and the like are letters to Rust but symbols to the index's tokenizer, which
        // would cut `xⓐy` in two and make the query term a phrase (refused by an index
        // without word positions). Folded to their letter, they match it as well.
        push(letter);
    } else if !is_combining_mark(c) {
        // The rare case: any other letter, decomposed without allocating.
        // Lowercasing first and decomposing second gives the same result for precomposed and
        // decomposed input, since a decomposed letter's base lowercases on its own.
        for lower in c.to_lowercase() {
            decompose_canonical(lower, |d| {
                if !is_combining_mark(d) {
                    push(if d == 'đ' { 'd' } else { d });
                }
            });
        }
    }
}

/// Whether the search index's tokenizer (FTS5 `unicode61`) reads `c` as part of a word:
/// letters, numbers and private-use characters; everything else separates words.
///
/// Query terms are split by this same rule, so each is one word to the index: a term the
/// tokenizer cut in two would be a phrase, which an index without word positions refuses.
/// [`char::is_alphanumeric`] differs on marks such as Thai ◌ิ and on symbols such as Ⓐ.
pub(crate) fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || (!c.is_ascii()
            && (matches!(
                c.general_category_group(),
                GeneralCategoryGroup::Letter | GeneralCategoryGroup::Number
            ) || c.general_category() == GeneralCategory::PrivateUse))
}

/// The lowercase letter of a Latin letter in a circle or a square (Ⓐ ⓐ 🄰 🅐 🅰), or `None`:
/// the symbols (`So`) that Unicode counts as alphabetic, so [`char::is_alphanumeric`] keeps
/// them in a term. Each block runs from A to Z.
fn enclosed_letter(c: char) -> Option<char> {
    let start = match u32::from(c) {
        0x24B6..=0x24CF => 0x24B6,
        0x24D0..=0x24E9 => 0x24D0,
        0x1F130..=0x1F149 => 0x1F130,
        0x1F150..=0x1F169 => 0x1F150,
        0x1F170..=0x1F189 => 0x1F170,
        _ => return None,
    };
    char::from_u32(u32::from('a') + u32::from(c) - start)
}

/// The lowercase ASCII base letter of a precomposed Vietnamese letter, or `None`.
///
/// This is the fast path of [`fold`]: Vietnamese text is mostly ASCII and these letters,
/// and a table lookup avoids the general decomposition for them.
/// The Latin Extended Additional ranges hold the letters with a tone mark, in the order
/// a, e, i, o, u, y with capital and small forms alternating.
/// A unit test checks every entry against the general decomposition.
#[inline]
fn vietnamese_base(c: char) -> Option<char> {
    let base = match c {
        'À'..='Ã' | 'à'..='ã' | 'Ă' | 'ă' | 'Ạ'..='ặ' => 'a',
        'È'..='Ê' | 'è'..='ê' | 'Ẹ'..='ệ' => 'e',
        'Ì' | 'Í' | 'ì' | 'í' | 'Ĩ' | 'ĩ' | 'Ỉ'..='ị' => 'i',
        'Ò'..='Õ' | 'ò'..='õ' | 'Ơ' | 'ơ' | 'Ọ'..='ợ' => 'o',
        'Ù' | 'Ú' | 'ù' | 'ú' | 'Ũ' | 'ũ' | 'Ư' | 'ư' | 'Ụ'..='ự' => 'u',
        'Ý' | 'ý' | 'Ỳ'..='ỹ' => 'y',
        'Đ' | 'đ' => 'd',
        _ => return None,
    };
    Some(base)
}

/// Whether `c` is one of the combining diacritical marks U+0300–U+036F that [`fold`] drops.
#[inline]
fn is_combining_mark(c: char) -> bool {
    ('\u{300}'..='\u{36f}').contains(&c)
}

/// The byte ranges in `original` of the word prefixes that match a term, in text order.
///
/// Words are runs of letters and digits in the folded text, the same rule [`query_terms`]
/// splits on, so a word is marked exactly when its folded form starts with a term.
fn match_ranges(original: &str, terms: &[Vec<char>]) -> Vec<(usize, usize)> {
    if terms.is_empty() {
        return Vec::new();
    }
    let (folded, map) = fold_with_map(original);
    let chars: Vec<char> = folded.chars().collect();
    let mut ranges = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_alphanumeric() {
            i += 1;
            continue;
        }
        let word_start = i;
        while i < chars.len() && chars[i].is_alphanumeric() {
            i += 1;
        }
        let word = &chars[word_start..i];
        // When several terms match (`b` and `bac`), the longest prefix is marked.
        let longest = terms
            .iter()
            .filter(|t| word.starts_with(t))
            .map(|t| t.len())
            .max();
        if let Some(len) = longest {
            let last = word_start + len - 1;
            ranges.push((map[word_start], source_end(&map, last, original.len())));
        }
    }
    ranges
}

/// The byte offset in the original text where the `char` behind folded `char` `index` ends,
/// including the combining marks that follow it.
fn source_end(map: &[usize], index: usize, text_len: usize) -> usize {
    let from = map[index];
    map[index + 1..]
        .iter()
        .copied()
        .find(|&offset| offset > from)
        .unwrap_or(text_len)
}

/// Picks the byte range of `original` to show: at most `max_chars` characters, with the
/// first match a third of the way in, moved to cut at spaces and between whole characters.
fn choose_window(
    original: &str,
    first_match: Option<(usize, usize)>,
    max_chars: usize,
) -> (usize, usize) {
    let chars: Vec<(usize, char)> = original.char_indices().collect();
    let len = chars.len();
    if len <= max_chars {
        return (0, original.len());
    }
    let char_at = |byte: usize| chars.partition_point(|&(offset, _)| offset < byte);
    let (match_start, match_end) = match first_match {
        Some((s, e)) => (char_at(s), char_at(e)),
        None => (0, 0),
    };
    // A third of the spare room goes before the match: enough to show what the match is
    // about, leaving the rest for what follows, which is usually what the reader wants.
    let spare = max_chars.saturating_sub(match_end - match_start);
    let mut start = match_start.saturating_sub(spare / 3).min(len - max_chars);
    let mut end = start + max_chars;

    // Prefer cutting at a space when one is near, but never cut off the match.
    let reach = (max_chars / 5).max(1);
    if start > 0 {
        let limit = match_start.min(start + reach);
        if let Some(space) = (start..limit).find(|&i| chars[i].1.is_whitespace()) {
            start = space + 1;
        }
    }
    if end < len {
        let floor = match_end.max(end.saturating_sub(reach)).max(start);
        if let Some(space) = (floor..end).rev().find(|&i| chars[i].1.is_whitespace()) {
            end = space;
        }
    }
    // Never start on a combining mark or end just before one: the mark would lose its letter.
    while start < match_start.min(end) && !is_cluster_start(&chars, start) {
        start += 1;
    }
    while end > match_end.max(start) && !is_cluster_start(&chars, end) {
        end -= 1;
    }
    let byte = |i: usize| chars.get(i).map_or(original.len(), |&(offset, _)| offset);
    (byte(start), byte(end))
}

/// Whether a cut before `chars[i]` keeps every user-perceived character whole, as far as
/// Vietnamese and emoji need: not before a combining mark, a variation selector, a joiner or a
/// skin tone, and not after a zero-width joiner.
fn is_cluster_start(chars: &[(usize, char)], i: usize) -> bool {
    let Some(&(_, c)) = chars.get(i) else {
        return true;
    };
    // Joiners, variation selectors and skin tones extend the emoji before them.
    let extends = is_combining_mark(c)
        || matches!(c, '\u{200c}' | '\u{200d}' | '\u{fe00}'..='\u{fe0f}')
        || ('\u{1f3fb}'..='\u{1f3ff}').contains(&c);
    let after_joiner = i > 0 && chars[i - 1].1 == '\u{200d}';
    !extends && !after_joiner
}

/// Builds the snippet text for `original[start..end]` and maps the match ranges into it.
fn render(original: &str, start: usize, end: usize, matches: &[(usize, usize)]) -> Snippet {
    let mut text = String::new();
    let mut count = 0;
    if start > 0 {
        text.push('…');
        count += 1;
    }
    // (byte offset in `original`, char index in `text`) at each char boundary of the window.
    let mut positions: Vec<(usize, usize)> = Vec::new();
    let mut pending_space = false;
    for (offset, c) in original[start..end].char_indices() {
        let offset = start + offset;
        if c.is_whitespace() {
            positions.push((offset, count));
            // Leading whitespace is dropped; a run inside becomes one space once text follows.
            pending_space = count > usize::from(start > 0);
            continue;
        }
        if pending_space {
            text.push(' ');
            count += 1;
            pending_space = false;
        }
        positions.push((offset, count));
        text.push(c);
        count += 1;
    }
    positions.push((end, count));
    if end < original.len() {
        text.push('…');
    }

    let index = |byte: usize| {
        positions
            .binary_search_by_key(&byte, |&(offset, _)| offset)
            .ok()
            .map(|i| positions[i].1)
    };
    let highlights = matches
        .iter()
        .filter_map(|&(s, e)| {
            let (s, e) = (s.max(start), e.min(end));
            if s >= e {
                return None;
            }
            let (s, e) = (index(s)?, index(e)?);
            (s < e).then_some((s, e))
        })
        .collect();
    Snippet { text, highlights }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rusqlite::Connection;
    use unicode_normalization::UnicodeNormalization;

    use super::*;

    /// Every Vietnamese letter with a diacritic, grouped by the base letter it folds to.
    /// 12 vowels × 6 tones + đ, small and capital: 146 letters.
    const VIETNAMESE_LETTERS: &[(char, &str, &str)] = &[
        ('a', "aàáảãạăằắẳẵặâầấẩẫậ", "AÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬ"),
        ('e', "eèéẻẽẹêềếểễệ", "EÈÉẺẼẸÊỀẾỂỄỆ"),
        ('i', "iìíỉĩị", "IÌÍỈĨỊ"),
        ('o', "oòóỏõọôồốổỗộơờớởỡợ", "OÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢ"),
        ('u', "uùúủũụưừứửữự", "UÙÚỦŨỤƯỪỨỬỮỰ"),
        ('y', "yỳýỷỹỵ", "YỲÝỶỸỴ"),
        ('d', "đ", "Đ"),
    ];

    fn check_fold(input: &str, expected: &str) {
        assert_eq!(fold(input), expected, "fold({input:?})");
        let decomposed: String = input.nfd().collect();
        assert_eq!(fold(&decomposed), expected, "fold of decomposed {input:?}");
        let (folded, map) = fold_with_map(input);
        assert_eq!(folded, expected, "fold_with_map({input:?})");
        assert_eq!(map.len(), folded.chars().count(), "map of {input:?}");
    }

    #[test]
    fn folds_every_vietnamese_letter_to_its_base() {
        let mut count = 0;
        for &(base, small, capital) in VIETNAMESE_LETTERS {
            assert_eq!(
                small.chars().count(),
                capital.chars().count(),
                "{small} / {capital}"
            );
            for letter in small.chars().chain(capital.chars()) {
                check_fold(&letter.to_string(), &base.to_string());
                if letter != base && !letter.is_ascii() {
                    count += 1;
                }
            }
        }
        // Everything but the plain a, e, i, o, u, y in both cases.
        assert_eq!(count, 146 - 12);
    }

    #[test]
    fn folds_words_and_sentences() {
        check_fold("Bắc Bình", "bac binh");
        check_fold("ĐƯỜNG", "duong");
        check_fold("BAC BINH", "bac binh");
        check_fold("Đông Hải, Hàm Thuận", "dong hai, ham thuan");
        check_fold(
            "Giấy chứng nhận quyền sử dụng đất",
            "giay chung nhan quyen su dung dat",
        );
        check_fold("", "");
        check_fold("  \n", "  \n");
        check_fold("Số 12/QĐ-UBND", "so 12/qd-ubnd");
        // Other scripts and symbols pass through, lowercased where they have case.
        check_fold("Ñandú Ærø İstanbul", "nandu ærø istanbul");
        check_fold("🙂 北京 ÄÖÜ", "🙂 北京 aou");
        check_fold("ΑΘΗΝΑ", "αθηνα");
    }

    #[test]
    fn decomposed_and_precomposed_fold_alike() {
        // "Bắc" typed decomposed, with the marks in either order.
        check_fold("Ba\u{306}\u{301}c", "bac");
        assert_eq!(fold("Ba\u{301}\u{306}c"), "bac");
        // A stray mark at the start, or after a space, folds to nothing.
        assert_eq!(fold("\u{301}a \u{323}b"), "a b");
    }

    /// The fold of one char by the general rule alone, without the fast path.
    fn reference_fold(c: char) -> String {
        let mut out = String::new();
        if let Some(letter) = enclosed_letter(c) {
            out.push(letter);
            return out;
        }
        for lower in c.to_lowercase() {
            decompose_canonical(lower, |d| {
                if !is_combining_mark(d) {
                    out.push(if d == 'đ' { 'd' } else { d });
                }
            });
        }
        out
    }

    #[test]
    fn fast_path_agrees_with_the_general_rule() {
        for c in '\0'..=char::MAX {
            let mut fast = String::new();
            fold_char(c, |f| fast.push(f));
            assert_eq!(fast, reference_fold(c), "U+{:04X} {c}", u32::from(c));
        }
    }

    #[test]
    fn fold_with_map_points_back_to_the_source() {
        let text = "Đường Ba\u{306}\u{301}c";
        let (folded, map) = fold_with_map(text);
        assert_eq!(folded, "duong bac");
        let sources: Vec<&str> = map
            .iter()
            .map(|&o| {
                let c = text[o..].chars().next().unwrap();
                &text[o..o + c.len_utf8()]
            })
            .collect();
        assert_eq!(sources, ["Đ", "ư", "ờ", "n", "g", " ", "B", "a", "c"]);
    }

    fn check_terms(query: &str, expected: &[&str]) {
        assert_eq!(query_terms(query), expected, "query_terms({query:?})");
    }

    #[test]
    fn splits_queries_into_folded_terms() {
        check_terms("bac binh", &["bac", "binh"]);
        check_terms("  Bắc   Bình ", &["bac", "binh"]);
        check_terms("\"giấy\" AND (đất*)", &["giay", "and", "dat"]);
        check_terms("QĐ-UBND 12/2024", &["qd", "ubnd", "12", "2024"]);
        check_terms("bac Bắc BAC", &["bac"]);
        check_terms("", &[]);
        check_terms("\"*():-^+🙂", &[]);
        let many: String = (0..40).map(|i| format!("t{i} ")).collect();
        assert_eq!(query_terms(&many).len(), MAX_TERMS);
        let long = "ă".repeat(10_000);
        assert_eq!(query_terms(&long), ["a".repeat(MAX_TERM_CHARS)]);
    }

    fn check_expression(query: &str, expected: Option<&str>) {
        assert_eq!(
            fts_match_expression(query).as_deref(),
            expected,
            "query {query:?}"
        );
    }

    #[test]
    fn builds_quoted_prefix_expressions() {
        check_expression("bac binh", Some(r#""bac" "binh"*"#));
        check_expression("Bắc Bình", Some(r#""bac" "binh"*"#));
        check_expression("d", Some(r#""d"*"#));
        check_expression("OR NOT", Some(r#""or" "not"*"#));
        check_expression("NEAR(a b)", Some(r#""near" "a" "b"*"#));
        check_expression("\"", None);
        check_expression("*", None);
        check_expression("   ", None);
    }

    /// Queries that would break a hand-built FTS5 expression.
    fn garbage_queries() -> Vec<String> {
        let mut queries: Vec<String> = [
            "\"",
            "\"\"",
            "*",
            "**",
            "AND",
            "OR",
            "NOT",
            "OR NOT",
            "a OR",
            "NOT a",
            "(",
            ")",
            "()",
            "NEAR(",
            "NEAR(a b, 2)",
            "-",
            "-a",
            "a-",
            ":",
            "body:",
            "body:a",
            "^",
            "^a",
            "+",
            "{",
            "}",
            "{body}: a",
            "'",
            "';--",
            "\\",
            "\0",
            "🙂",
            "👨‍👩‍👧",
            "a\u{301}",
            "\u{301}",
            "ऋ\u{903}",
            "\u{5b0}",
            "\u{e31}",
            "ⅻ",
            "²",
            "北京",
            "ß",
            "İ",
            "ǅ",
            "xⓐy",
            "Ⓑắc Ⓑình",
            "🄰🄱c",
            "a🅐b",
            "กิน ข้าว",
            "हिंदी",
            "",
        ]
        .iter()
        .map(|q| (*q).to_owned())
        .collect();
        queries.push("x".repeat(10_000));
        queries.push("\" OR * ( ".repeat(1_000));
        queries.push("Bắc ".repeat(2_500));
        queries.push(
            (0..10_000)
                .map(|i| char::from_u32(0x300 + i % 0x70).unwrap_or('a'))
                .collect(),
        );
        queries
    }

    #[test]
    fn fts5_finds_folded_text_and_accepts_any_query() {
        let db = Connection::open_in_memory().unwrap();
        db.execute_batch(
            "CREATE VIRTUAL TABLE t USING fts5(body, tokenize = 'unicode61 remove_diacritics 2',
                 prefix = '1 2', detail = column)",
        )
        .unwrap();
        let rows = [
            (1, "Xã Bắc Bình thiếu nước sinh hoạt"),
            (2, "Đường vào thôn Đông Hải bị sạt lở"),
            (3, "duong lien thon xuong cap"),
            (4, "Xin cấp giấy chứng nhận quyền sử dụng đất"),
            (5, "Bãi rác gần trường học ở Hàm Thuận"),
            (6, "BẮC BÌNH CẦN THÊM TRẠM Y TẾ"),
        ];
        for (id, body) in rows {
            db.execute(
                "INSERT INTO t(rowid, body) VALUES (?1, ?2)",
                (id, fold(body)),
            )
            .unwrap();
        }
        let search = |query: &str| -> rusqlite::Result<Vec<i64>> {
            let Some(expression) = fts_match_expression(query) else {
                return Ok(Vec::new());
            };
            let mut statement =
                db.prepare("SELECT rowid FROM t WHERE t MATCH ?1 ORDER BY rowid")?;
            statement
                .query_map([expression], |row| row.get(0))?
                .collect()
        };
        let check = |query: &str, expected: &[i64]| {
            assert_eq!(search(query).unwrap(), expected, "query {query:?}");
        };
        check("bac binh", &[1, 6]);
        check("Bắc Bình", &[1, 6]);
        check("BAC BINH", &[1, 6]);
        check("Ba\u{306}\u{301}c", &[1, 6]);
        check("d", &[2, 3, 4]);
        check("Đ", &[2, 3, 4]);
        check("đường", &[2, 3]);
        check("duong", &[2, 3]);
        check("giay chung nhan", &[4]);
        check("ham thuan", &[5]);
        check("binh NOT", &[]);
        check("Ⓑắc Ⓑình", &[1, 6]);
        check("🅱🅰🅲 ⓑⓘⓝⓗ", &[1, 6]);
        for query in garbage_queries() {
            let found = search(&query);
            assert!(found.is_ok(), "query {query:?} gave {found:?}");
        }
    }

    fn check_snippet(original: &str, query: &str, max_chars: usize, expected: &str) {
        let snippet = snippet(original, &query_terms(query), max_chars);
        // Render highlights as [brackets] so a failure reads like the screen.
        let mut marked = String::new();
        for (i, c) in snippet.text.chars().enumerate() {
            if snippet.highlights.iter().any(|&(_, e)| e == i) {
                marked.push(']');
            }
            if snippet.highlights.iter().any(|&(s, _)| s == i) {
                marked.push('[');
            }
            marked.push(c);
        }
        if snippet
            .highlights
            .iter()
            .any(|&(_, e)| e == snippet.text.chars().count())
        {
            marked.push(']');
        }
        assert_eq!(
            marked, expected,
            "snippet({original:?}, {query:?}, {max_chars})"
        );
    }

    #[test]
    fn snippets_mark_matches_in_the_original_text() {
        check_snippet(
            "Xã Bắc Bình thiếu nước",
            "bac binh",
            80,
            "Xã [Bắc] [Bình] thiếu nước",
        );
        check_snippet(
            "Xã Bắc Bình thiếu nước",
            "BẮC",
            80,
            "Xã [Bắc] Bình thiếu nước",
        );
        check_snippet(
            "Đường vào thôn Đông Hải",
            "d",
            80,
            "[Đ]ường vào thôn [Đ]ông Hải",
        );
        check_snippet("Đường vào thôn", "duo", 80, "[Đườ]ng vào thôn");
        check_snippet("Đường vào thôn", "du đường", 80, "[Đường] vào thôn");
        check_snippet(
            "Ba\u{306}\u{301}c Bình",
            "ba",
            80,
            "[Ba\u{306}\u{301}]c Bình",
        );
        check_snippet("nước\n\n  sinh   hoạt ", "sinh", 80, "nước [sinh] hoạt");
        check_snippet("không có gì", "bac", 80, "không có gì");
        check_snippet("abac bac", "bac", 80, "abac [bac]");
        check_snippet("", "bac", 80, "");
        check_snippet("Bắc", "", 80, "Bắc");
        check_snippet("Bắc", "bac", 0, "");
    }

    #[test]
    fn snippets_cut_long_text_around_the_first_match() {
        let text = "Gia đình tôi ở thôn Đông Hải, xã Bắc Bình. Từ năm 2019 đến nay, tuyến \
                    đường liên thôn xuống cấp nghiêm trọng, mùa mưa ngập sâu, học sinh đi lại \
                    rất khó khăn. Đề nghị Sở Xây dựng sớm sửa chữa tuyến đường này.";
        check_snippet(
            text,
            "đường",
            60,
            "…đến nay, tuyến [đường] liên thôn xuống cấp nghiêm trọng,…",
        );
        check_snippet(text, "gia dinh", 30, "[Gia] [đình] tôi ở thôn Đông Hải,…");
        check_snippet(
            text,
            "xây",
            40,
            "…Đề nghị Sở [Xây] dựng sớm sửa chữa tuyến…",
        );
        check_snippet(
            text,
            "sửa chữa",
            40,
            "…Xây dựng sớm [sửa] [chữa] tuyến đường này.",
        );
        check_snippet(text, "nothing", 24, "Gia đình tôi ở thôn Đông…");
        // No spaces to cut at: cut between characters, never inside one.
        let emoji = "🙂".repeat(50) + "bắc" + &"👍🏽".repeat(50);
        let cut = snippet(&emoji, &query_terms("bac"), 10);
        assert_eq!(cut.text, "…🙂🙂bắc👍🏽👍🏽…");
        assert_eq!(cut.highlights, [(3, 6)]);
    }

    proptest! {
        #[test]
        fn fold_is_stable_for_any_text(text in "\\PC*") {
            let once = fold(&text);
            prop_assert_eq!(fold(&once), once.clone());
            let (folded, map) = fold_with_map(&text);
            prop_assert_eq!(&folded, &once);
            prop_assert_eq!(map.len(), folded.chars().count());
            prop_assert!(map.windows(2).all(|w| w[0] <= w[1]));
            prop_assert!(map.iter().all(|&o| text.is_char_boundary(o) && o < text.len()));
        }

        #[test]
        fn fold_ignores_how_vietnamese_was_typed(
            text in "[a-zA-Z đĐàáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵẮỆƯỜỸ]*"
        ) {
            let composed: String = text.nfc().collect();
            let decomposed: String = text.nfd().collect();
            prop_assert_eq!(fold(&composed), fold(&decomposed));
            prop_assert!(fold(&text).chars().all(|c| c.is_ascii_lowercase() || c == ' '));
        }

        #[test]
        fn snippets_are_safe_for_any_text(
            text in "(\\PC|[ \n\u{300}-\u{36f}\u{200d}\u{fe0f}🏽]|bắc|Đ){0,200}",
            query in "\\PC{0,12}|bac|d",
            max_chars in 0usize..120,
        ) {
            let cut = snippet(&text, &query_terms(&query), max_chars);
            let len = cut.text.chars().count();
            prop_assert!(len <= max_chars + 2, "{} chars for max {}", len, max_chars);
            let mut last_end = 0;
            for &(s, e) in &cut.highlights {
                prop_assert!(last_end <= s && s < e && e <= len, "{:?}", cut.highlights);
                last_end = e;
            }
        }
    }
}
