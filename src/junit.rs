//! `officetwin junit-merge`: the JUnit reports of N shards (conformance runs,
//! feature runs) made into one, for the CI system that shows one report.
//!
//! Each input's `<testsuite>` elements are copied as they are into one
//! `<testsuites>` root whose counts are recounted from the test cases (never
//! trusted from the inputs' attributes). A test case (suite, class and name)
//! that two inputs both hold is a duplicate: shards that overlap, or one
//! report given twice. The merge names them, so "every check exactly once"
//! is something CI can check.

use anyhow::{Context, Result, bail};
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, Writer, XmlVersion};
use std::collections::BTreeMap;
use std::fmt;

/// One report to merge: a name for messages (its path) and its text.
pub struct Input<'a> {
    pub name: &'a str,
    pub xml: &'a str,
}

/// The merged report and what it holds.
#[derive(Debug, Clone, Default)]
pub struct Merged {
    pub xml: String,
    pub counts: Counts,
    /// Test cases held by more than one input: (suite, class, name) and the inputs.
    pub duplicates: Vec<(TestId, Vec<String>)>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Counts {
    pub suites: u64,
    pub tests: u64,
    pub failures: u64,
    pub errors: u64,
    pub skipped: u64,
    pub seconds: f64,
}

/// A test case's identity across reports.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct TestId {
    pub suite: String,
    pub class: String,
    pub name: String,
}

impl fmt::Display for TestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} / {} / {}", self.suite, self.class, self.name)
    }
}

impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} test suites, {} tests: {} failures, {} errors, {} skipped ({:.1} s)",
            self.suites, self.tests, self.failures, self.errors, self.skipped, self.seconds
        )
    }
}

/// Merges the reports, in the order given, under a root named `name`.
pub fn merge(inputs: &[Input<'_>], name: &str) -> Result<Merged> {
    let mut body = Writer::new_with_indent(Vec::new(), b' ', 2);
    let mut counts = Counts::default();
    let mut seen: BTreeMap<TestId, Vec<usize>> = BTreeMap::new();
    for (n, input) in inputs.iter().enumerate() {
        copy_suites(n, input, &mut body, &mut counts, &mut seen)
            .with_context(|| format!("reading the JUnit report {}", input.name))?;
    }
    let body = String::from_utf8(body.into_inner()).context("the merged report is not UTF-8")?;
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.push_str(&format!(
        "<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{:.3}\">\n",
        quick_xml::escape::escape(name),
        counts.tests,
        counts.failures,
        counts.errors,
        counts.skipped,
        counts.seconds
    ));
    for line in body.lines().filter(|l| !l.trim().is_empty()) {
        xml.push_str("  ");
        xml.push_str(line);
        xml.push('\n');
    }
    xml.push_str("</testsuites>\n");
    let duplicates = seen
        .into_iter()
        .filter(|(_, holders)| holders.len() > 1)
        .map(|(id, holders)| {
            let names = holders
                .iter()
                .map(|&n| inputs[n].name.to_string())
                .collect();
            (id, names)
        })
        .collect();
    Ok(Merged {
        xml,
        counts,
        duplicates,
    })
}

/// Where a `<testcase>` being read stands.
#[derive(Default)]
struct Case {
    id: Option<TestId>,
    failed: bool,
    errored: bool,
    skipped: bool,
}

fn copy_suites(
    n: usize,
    input: &Input<'_>,
    out: &mut Writer<Vec<u8>>,
    counts: &mut Counts,
    seen: &mut BTreeMap<TestId, Vec<usize>>,
) -> Result<()> {
    let mut reader = Reader::from_str(input.xml);
    reader.config_mut().trim_text(true);
    // Depth inside the suite being copied (0: outside every suite).
    let mut depth = 0usize;
    let mut suite = String::new();
    let mut case: Option<Case> = None;
    let mut suites_here = 0u64;
    loop {
        let position = reader.buffer_position();
        let event = reader
            .read_event()
            .with_context(|| format!("malformed XML at byte {position}"))?;
        if matches!(event, Event::Eof) {
            break;
        }
        if depth == 0 {
            if let Event::Start(e) | Event::Empty(e) = &event
                && local(e.local_name().as_ref()) == "testsuite"
            {
                suites_here += 1;
                counts.suites += 1;
                suite = attribute(e, "name")?.unwrap_or_default();
                if let Some(time) = attribute(e, "time")? {
                    counts.seconds += time.trim().parse::<f64>().unwrap_or(0.0);
                }
                depth = usize::from(matches!(event, Event::Start(_)));
                out.write_event(event)?;
            }
            continue;
        }
        match &event {
            Event::Start(e) | Event::Empty(e) => match local(e.local_name().as_ref()).as_str() {
                "testcase" => {
                    case = Some(Case {
                        id: Some(TestId {
                            suite: suite.clone(),
                            class: attribute(e, "classname")?.unwrap_or_default(),
                            name: attribute(e, "name")?.unwrap_or_default(),
                        }),
                        ..Case::default()
                    });
                }
                "failure" => case.iter_mut().for_each(|c| c.failed = true),
                "error" => case.iter_mut().for_each(|c| c.errored = true),
                "skipped" => case.iter_mut().for_each(|c| c.skipped = true),
                _ => {}
            },
            _ => {}
        }
        let closes_case = match &event {
            Event::Start(_) => {
                depth += 1;
                false
            }
            Event::Empty(e) => local(e.local_name().as_ref()) == "testcase",
            Event::End(e) => {
                depth -= 1;
                local(e.local_name().as_ref()) == "testcase"
            }
            _ => false,
        };
        if closes_case && let Some(done) = case.take() {
            count_case(done, n, counts, seen);
        }
        out.write_event(event)?;
    }
    if depth != 0 {
        bail!("the report ends inside a <testsuite>");
    }
    if suites_here == 0 {
        bail!("no <testsuite> in it");
    }
    Ok(())
}

fn local(name: &[u8]) -> String {
    String::from_utf8_lossy(name).into_owned()
}

/// A finished test case counted once: a failure, else an error, else a skip.
fn count_case(
    case: Case,
    input: usize,
    counts: &mut Counts,
    seen: &mut BTreeMap<TestId, Vec<usize>>,
) {
    counts.tests += 1;
    counts.failures += u64::from(case.failed);
    counts.errors += u64::from(case.errored && !case.failed);
    counts.skipped += u64::from(case.skipped && !case.failed && !case.errored);
    if let Some(id) = case.id {
        let holders = seen.entry(id).or_default();
        if holders.last() != Some(&input) {
            holders.push(input);
        }
    }
}

fn attribute(e: &BytesStart<'_>, name: &str) -> Result<Option<String>> {
    let Some(attr) = e
        .try_get_attribute(name)
        .with_context(|| format!("attribute {name}"))?
    else {
        return Ok(None);
    };
    Ok(Some(
        attr.normalized_value(XmlVersion::Implicit1_0)
            .with_context(|| format!("attribute {name}"))?
            .into_owned(),
    ))
}

#[cfg(test)]
mod tests;
