//! One anti-malware signature rule as the intel writes it (the format is
//! described in `inspect::anti_malware::signatures`): a name and a byte
//! pattern, as text or as hex.

use serde::Deserialize;

/// One rule as written in the intel.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SignatureRule {
    pub name: String,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub hex: Option<String>,
}

impl SignatureRule {
    /// The rule's byte pattern, or why it has none.
    pub fn pattern(&self) -> Result<Vec<u8>, String> {
        match (&self.text, &self.hex) {
            (Some(t), None) if !t.is_empty() => Ok(t.as_bytes().to_vec()),
            (None, Some(h)) => parse_hex(h),
            _ => Err(format!(
                "signature {:?}: give exactly one non-empty `text` or `hex`",
                self.name
            )),
        }
    }
}

fn parse_hex(h: &str) -> Result<Vec<u8>, String> {
    let digits: Vec<u8> = h.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if digits.is_empty() || !digits.len().is_multiple_of(2) {
        return Err(format!(
            "hex pattern {h:?} needs an even, non-zero number of digits"
        ));
    }
    digits
        .chunks(2)
        .map(|pair| {
            let s = std::str::from_utf8(pair).map_err(|_| format!("bad hex in {h:?}"))?;
            u8::from_str_radix(s, 16).map_err(|_| format!("bad hex {s:?} in {h:?}"))
        })
        .collect()
}
