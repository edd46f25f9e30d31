//! Tests of the digit runs, and the writers the detectors' proptests share: numbers written by construction the ways people write them, in text around them.

use super::*;
use proptest::prelude::*;

/// The hyphens people write between groups, spelled here as the test's own
/// list (the oracle, not [`HYPHENS`]).
pub(crate) const TEST_HYPHENS: &[char] = &['-', '‐', '‑', '‒', '–', '—', '―', '−', '－', 'ー', 'ｰ'];

/// The spaces people write between groups.
pub(crate) const TEST_SPACES: &[char] = &[' ', '\u{a0}', '　'];

/// Characters that may stand next to a number without making it part of a
/// word: Japanese text, punctuation, spaces, line breaks, hyphens. No
/// digits, no Latin letters.
pub(crate) const CONTEXT: &[char] = &[
    '番', '号', 'は', 'で', 'す', '。', '、', '「', '」', '（', '）', '：', '個', '人', 'カ', 'ー',
    'ド', ' ', '　', '\n', '\t', '-', '－', ':', '(', ')', '.', ',', '/', '#', '※', '＝',
];

/// The full-width form of an ASCII digit.
pub(crate) fn full_width(d: char) -> char {
    char::from_u32(u32::from(d) - u32::from('0') + 0xFF10).unwrap_or(d)
}

/// The ASCII digits of a written number: full-width digits mapped back,
/// everything else left out.
pub(crate) fn ascii_digits(written: &str) -> String {
    written
        .chars()
        .filter_map(|c| match c {
            '0'..='9' => Some(c),
            '０'..='９' => char::from_u32(u32::from(c) - 0xFF10 + u32::from('0')),
            _ => None,
        })
        .collect()
}

/// One row of a detector's table: a readable name, a text, and the numbers
/// the detector must find, as written.
pub(crate) struct DetectorRow {
    pub name: &'static str,
    pub text: &'static str,
    pub hits: &'static [&'static str],
}

pub(crate) const fn row(
    name: &'static str,
    text: &'static str,
    hits: &'static [&'static str],
) -> DetectorRow {
    DetectorRow { name, text, hits }
}

/// Runs every row through `find` and fails once, listing every row whose
/// hits (as written, and their ASCII digits) differ.
pub(crate) fn check_table(table: &[DetectorRow], find: impl Fn(&str) -> Vec<super::DigitRun>) {
    let mut failures = Vec::new();
    for row in table {
        let got: Vec<(&str, String)> = find(row.text)
            .into_iter()
            .map(|h| (row.text.get(h.start..h.end).unwrap_or("?"), h.digits))
            .collect();
        let want: Vec<(&str, String)> = row.hits.iter().map(|w| (*w, ascii_digits(w))).collect();
        if got != want {
            failures.push(format!(
                "{}: {:?}: got {got:?}, want {want:?}",
                row.name, row.text
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        table.len(),
        failures.join("\n")
    );
}

/// Text around a number: 0-5 context characters.
pub(crate) fn context() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(CONTEXT), 0..6)
        .prop_map(|cs| cs.into_iter().collect())
}

/// `digits` (ASCII) written in `shape` (group sizes summing to its length):
/// each digit ASCII or full-width at random; between groups, either
/// hyphens (each gap any of them) or spaces (each gap any of them), the two
/// kinds never mixed.
pub(crate) fn written(digits: String, shape: Vec<usize>) -> impl Strategy<Value = String> {
    let n = digits.len();
    let gaps = shape.len().saturating_sub(1);
    (
        prop::collection::vec(any::<bool>(), n),
        any::<bool>(),
        prop::collection::vec(prop::sample::select(TEST_HYPHENS), gaps),
        prop::collection::vec(prop::sample::select(TEST_SPACES), gaps),
    )
        .prop_map(move |(wide, hyphens, hs, ss)| {
            let seps = if hyphens { hs } else { ss };
            let mut out = String::new();
            let mut chars = digits.chars().zip(wide);
            for (g, size) in shape.iter().enumerate() {
                if g > 0
                    && let Some(&sep) = seps.get(g - 1)
                {
                    out.push(sep);
                }
                for (d, w) in chars.by_ref().take(*size) {
                    out.push(if w { full_width(d) } else { d });
                }
            }
            out
        })
}

/// A character glued to a number: an ASCII or full-width digit, an ASCII
/// or full-width Latin letter.
pub(crate) fn glue() -> impl Strategy<Value = char> {
    prop_oneof![
        prop::char::range('0', '9'),
        prop::char::range('０', '９'),
        prop::char::range('a', 'z'),
        prop::char::range('A', 'Z'),
        prop::char::range('Ａ', 'Ｚ'),
        prop::char::range('ａ', 'ｚ'),
    ]
}

/// One row of the runs' table: a name, a text, the runs as (written text,
/// group sizes).
struct Row {
    name: &'static str,
    text: &'static str,
    runs: &'static [(&'static str, &'static [usize])],
}

const ROWS: &[Row] = &[
    Row {
        name: "no digits",
        text: "番号なし",
        runs: &[],
    },
    Row {
        name: "one ASCII run in Japanese text",
        text: "番号123です",
        runs: &[("123", &[3])],
    },
    Row {
        name: "full-width and mixed widths",
        text: "１２3４",
        runs: &[("１２3４", &[4])],
    },
    Row {
        name: "hyphen groups",
        text: "03-1234-5678",
        runs: &[("03-1234-5678", &[2, 4, 4])],
    },
    Row {
        name: "long vowel mark as typed by a kana IME",
        text: "090ー1234ー5678",
        runs: &[("090ー1234ー5678", &[3, 4, 4])],
    },
    Row {
        name: "full-width space and full-width hyphen",
        text: "1234　5678－9018",
        runs: &[("1234　5678－9018", &[4, 4, 4])],
    },
    Row {
        name: "two separators in a row end the run",
        text: "1234--5678",
        runs: &[("1234", &[4]), ("5678", &[4])],
    },
    Row {
        name: "a trailing separator is not part of the run",
        text: "(1234-)",
        runs: &[("1234", &[4])],
    },
    Row {
        name: "slash and dot are not separators",
        text: "2024/01/15 3.14",
        runs: &[
            ("2024", &[4]),
            ("01", &[2]),
            ("15 3", &[2, 1]),
            ("14", &[2]),
        ],
    },
    Row {
        name: "letters do not break a run's digits out",
        text: "ID42X",
        runs: &[("42", &[2])],
    },
];

#[test]
fn digit_runs_table() {
    for row in ROWS {
        let got: Vec<(&str, Vec<usize>, String)> = digit_runs(row.text)
            .into_iter()
            .map(|r| {
                (
                    row.text.get(r.start..r.end).unwrap_or("?"),
                    r.groups,
                    r.digits,
                )
            })
            .collect();
        let want: Vec<(&str, Vec<usize>, String)> = row
            .runs
            .iter()
            .map(|(w, g)| (*w, g.to_vec(), ascii_digits(w)))
            .collect();
        assert_eq!(got, want, "row {:?}: {:?}", row.name, row.text);
    }
    assert_eq!(ROWS.len(), 10);
}

#[test]
fn numbers_split_space_lists_but_not_hyphen_groups() {
    let cases: &[(&str, &[&str])] = &[
        // All spaces: each chunk and the whole run.
        (
            "1234 5678 9018",
            &["1234 5678 9018", "1234", "5678", "9018"],
        ),
        // Hyphens join; a space between chunks splits.
        ("1234-5678 9018", &["1234-5678", "9018"]),
        ("12-34 56-78", &["12-34", "56-78"]),
        // Glued to a letter: the whole run and the glued chunk go.
        ("X1234 5678", &["5678"]),
        ("ａ12 34ｚ", &[]),
    ];
    for (text, want) in cases {
        let got: Vec<&str> = numbers(text)
            .iter()
            .filter_map(|r| text.get(r.start..r.end))
            .collect();
        let mut want = want.to_vec();
        want.sort_by_key(|w| {
            let at = text.find(w).unwrap_or(0);
            (at, at + w.len())
        });
        assert_eq!(got, want, "{text:?}");
    }
}

/// Random ASCII digits written in a random shape: (digits, shape, written).
pub(crate) fn any_written(
    groups: std::ops::Range<usize>,
    sizes: std::ops::Range<usize>,
) -> impl Strategy<Value = (String, Vec<usize>, String)> {
    prop::collection::vec(sizes, groups)
        .prop_flat_map(|shape| {
            let n: usize = shape.iter().sum();
            (
                prop::collection::vec(prop::char::range('0', '9'), n),
                Just(shape),
            )
        })
        .prop_flat_map(|(ds, shape)| {
            let digits: String = ds.into_iter().collect();
            (
                Just(digits.clone()),
                Just(shape.clone()),
                written(digits, shape),
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any digits written in any shape with any context come back as one
    /// run with those digits, groups and bytes.
    #[test]
    fn any_written_number_is_one_run(
        (digits, shape, w) in any_written(1..5, 1..6),
        before in context(),
        after in context(),
    ) {
        let text = format!("{before}{w}{after}");
        let runs = digit_runs(&text);
        prop_assert_eq!(runs.len(), 1, "{:?}", text);
        let run = &runs[0];
        prop_assert_eq!(&run.digits, &digits);
        prop_assert_eq!(&run.groups, &shape);
        prop_assert_eq!((run.start, run.end), (before.len(), before.len() + w.len()));
    }
}
