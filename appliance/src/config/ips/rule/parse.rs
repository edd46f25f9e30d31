//! The rule language's parser: logical lines (continued with `\`), the
//! header, the options, each error with its file, line and column.

use super::*;

/// How deep `!` and `[..]` may nest in one address or port spec. Real rule
/// sets nest two or three levels; the bound keeps the recursive parser, the
/// matcher and the drop of the parsed tree off the end of the stack (a spec
/// nested 30,000 deep used to abort the process).
pub const MAX_NESTING: usize = 64;

/// Parses a whole rule file. `file` names it in errors and origins.
pub fn parse_rules(file: &str, text: &str, vars: &RuleVars) -> Result<Vec<Rule>, RuleError> {
    let mut rules = Vec::new();
    let mut sids = std::collections::BTreeMap::new();
    let mut pending: Option<Logical> = None;
    for (i, raw_line) in text.lines().enumerate() {
        let line_no = i + 1;
        let (body, continues) = match raw_line.trim_end().strip_suffix('\\') {
            Some(b) => (b, true),
            None => (raw_line, false),
        };
        let logical = pending.get_or_insert_with(Logical::default);
        logical.push(body, line_no);
        if continues {
            continue;
        }
        let Some(logical) = pending.take() else {
            continue;
        };
        let trimmed = logical.text.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let lead = logical.text.len() - trimmed.len();
        let mut p = Parser {
            file,
            logical: &logical,
            vars,
        };
        let rule = p.rule(lead)?;
        if let Some(first) = sids.insert(rule.sid, rule.origin.clone()) {
            let (line, column) = logical.position(lead);
            return Err(RuleError {
                file: file.to_string(),
                line,
                column,
                message: format!("sid {} is used twice (first at {first})", rule.sid),
            });
        }
        rules.push(rule);
    }
    if let Some(logical) = pending.filter(|l| !l.text.trim().is_empty()) {
        let (line, column) = logical.position(logical.text.len());
        return Err(RuleError {
            file: file.to_string(),
            line,
            column,
            message: "the file ends inside a rule continued with `\\`".into(),
        });
    }
    Ok(rules)
}

/// One rule's text, joined from continued lines, with a map back to them.
#[derive(Default)]
struct Logical {
    text: String,
    /// (offset in `text`, line number) where each physical line starts.
    starts: Vec<(usize, usize)>,
}

impl Logical {
    fn push(&mut self, body: &str, line: usize) {
        self.starts.push((self.text.len(), line));
        self.text.push_str(body);
    }

    /// 1-based line and column (in characters) of byte `offset`.
    fn position(&self, offset: usize) -> (usize, usize) {
        let (start, line) = self
            .starts
            .iter()
            .rev()
            .find(|(s, _)| *s <= offset)
            .copied()
            .unwrap_or((0, 1));
        let col = self
            .text
            .get(start..offset.min(self.text.len()))
            .map_or(0, |s| s.chars().count());
        (line, col + 1)
    }
}

struct Parser<'a> {
    file: &'a str,
    logical: &'a Logical,
    vars: &'a RuleVars,
}

/// A header token and its byte offset.
struct Tok<'t> {
    text: &'t str,
    at: usize,
}

impl Parser<'_> {
    fn err(&self, at: usize, message: impl Into<String>) -> RuleError {
        let (line, column) = self.logical.position(at);
        RuleError {
            file: self.file.to_string(),
            line,
            column,
            message: message.into(),
        }
    }

    fn too_deep(&self, at: usize, what: &str) -> RuleError {
        self.err(
            at,
            format!("{what} nests `!` and `[..]` deeper than {MAX_NESTING} levels"),
        )
    }

    fn rule(&mut self, lead: usize) -> Result<Rule, RuleError> {
        let text = self.logical.text.as_str();
        let Some(open) = text.find('(') else {
            return Err(self.err(
                text.len(),
                "a rule needs options in parentheses: `(msg:\"...\"; sid:N;)`",
            ));
        };
        let close = text.trim_end().len();
        if !text[..close].ends_with(')') {
            return Err(self.err(close, "the options must end with `)`"));
        }
        let header = self.header_tokens(lead, open)?;
        let [action, proto, src, sport, dir, dst, dport] = header.as_slice() else {
            let at = header.last().map_or(lead, |t| t.at);
            return Err(self.err(
                at,
                format!(
                    "a rule header has 7 parts (action proto src sport -> dst dport), found {}",
                    header.len()
                ),
            ));
        };
        let action = match action.text {
            "alert" => RuleAction::Alert,
            "drop" => RuleAction::Drop,
            "reject" => RuleAction::Reject,
            "pass" => RuleAction::Pass,
            other => {
                return Err(self.err(
                    action.at,
                    format!("unknown action `{other}` (alert, drop, reject or pass)"),
                ));
            }
        };
        let proto = match proto.text {
            "tcp" => RuleProto::Tcp,
            "udp" => RuleProto::Udp,
            "icmp" => RuleProto::Icmp,
            "ip" => RuleProto::Ip,
            "http" => RuleProto::Http,
            other => {
                return Err(self.err(
                    proto.at,
                    format!("unsupported protocol `{other}` (tcp, udp, icmp, ip or http)"),
                ));
            }
        };
        let bidirectional = match dir.text {
            "->" => false,
            "<>" => true,
            other => {
                return Err(self.err(
                    dir.at,
                    format!("`{other}` is not a direction (`->` or `<>`)"),
                ));
            }
        };
        let src_addr = self.addr(src.text, src.at, 0)?;
        let src_ports = self.ports(sport.text, sport.at, 0)?;
        let dst_addr = self.addr(dst.text, dst.at, 0)?;
        let dst_ports = self.ports(dport.text, dport.at, 0)?;
        let mut rule = Rule {
            action,
            proto,
            src: src_addr,
            src_ports,
            bidirectional,
            dst: dst_addr,
            dst_ports,
            msg: String::new(),
            contents: Vec::new(),
            flow: FlowOpts::default(),
            classtype: None,
            sid: 0,
            rev: 1,
            threshold: None,
            origin: String::new(),
        };
        self.options(open + 1, close - 1, &mut rule)?;
        if rule.sid == 0 {
            return Err(self.err(close - 1, "the rule has no `sid` (a positive number)"));
        }
        let (line, _) = self.logical.position(lead);
        rule.origin = format!("{}:{line}", self.file);
        Ok(rule)
    }

    /// Header tokens before `end`: whitespace-separated, but `[..]` lists
    /// may contain spaces.
    fn header_tokens(&self, from: usize, end: usize) -> Result<Vec<Tok<'_>>, RuleError> {
        let text = &self.logical.text[..end];
        let mut toks = Vec::new();
        let mut depth = 0usize;
        let mut start: Option<usize> = None;
        for (i, c) in text.char_indices().skip_while(|(i, _)| *i < from) {
            match c {
                '[' => depth += 1,
                ']' => {
                    depth = depth
                        .checked_sub(1)
                        .ok_or_else(|| self.err(i, "`]` without `[`"))?;
                }
                _ => {}
            }
            if c.is_whitespace() && depth == 0 {
                if let Some(s) = start.take() {
                    toks.push(Tok {
                        text: &text[s..i],
                        at: s,
                    });
                }
            } else if start.is_none() {
                start = Some(i);
            }
        }
        if depth > 0 {
            return Err(self.err(end, "a `[` list is not closed"));
        }
        if let Some(s) = start {
            toks.push(Tok {
                text: &text[s..],
                at: s,
            });
        }
        Ok(toks)
    }

    fn addr(&self, text: &str, at: usize, depth: usize) -> Result<Addr, RuleError> {
        if depth > MAX_NESTING {
            return Err(self.too_deep(at, "an address"));
        }
        if let Some(rest) = text.strip_prefix('!') {
            return Ok(Addr::Not(Box::new(self.addr(rest, at + 1, depth + 1)?)));
        }
        if let Some(inner) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            let mut items = Vec::new();
            for (off, part) in split_top(inner) {
                let part_trim = part.trim_start();
                let skip = part.len() - part_trim.len();
                items.push(self.addr(part_trim.trim_end(), at + 1 + off + skip, depth + 1)?);
            }
            if items.is_empty() {
                return Err(self.err(at, "an empty address list"));
            }
            return Ok(Addr::List(items));
        }
        match text {
            "any" => Ok(Addr::Any),
            "$HOME_NET" => Ok(Addr::List(
                self.vars.home_net.iter().map(|c| Addr::Net(*c)).collect(),
            )),
            "$EXTERNAL_NET" => Ok(Addr::Not(Box::new(Addr::List(
                self.vars.home_net.iter().map(|c| Addr::Net(*c)).collect(),
            )))),
            v if v.starts_with('$') => Err(self.err(
                at,
                format!("unknown address variable `{v}` ($HOME_NET or $EXTERNAL_NET)"),
            )),
            _ => text
                .parse::<Cidr>()
                .map(Addr::Net)
                .map_err(|e| self.err(at, e)),
        }
    }

    fn ports(&self, text: &str, at: usize, depth: usize) -> Result<Ports, RuleError> {
        if depth > MAX_NESTING {
            return Err(self.too_deep(at, "a port spec"));
        }
        if let Some(rest) = text.strip_prefix('!') {
            return Ok(Ports::Not(Box::new(self.ports(rest, at + 1, depth + 1)?)));
        }
        if let Some(inner) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            let mut items = Vec::new();
            for (off, part) in split_top(inner) {
                let part_trim = part.trim_start();
                let skip = part.len() - part_trim.len();
                items.push(self.ports(part_trim.trim_end(), at + 1 + off + skip, depth + 1)?);
            }
            if items.is_empty() {
                return Err(self.err(at, "an empty port list"));
            }
            return Ok(Ports::List(items));
        }
        let num = |t: &str, default: u16| -> Result<u16, RuleError> {
            if t.is_empty() {
                return Ok(default);
            }
            t.parse::<u16>()
                .map_err(|_| self.err(at, format!("`{text}` is not a port, range or list")))
        };
        match text {
            "any" => Ok(Ports::Any),
            "$HTTP_PORTS" => Ok(Ports::List(vec![
                Ports::Range(80, 80),
                Ports::Range(8080, 8080),
            ])),
            "$SMB_PORTS" => Ok(Ports::List(vec![
                Ports::Range(139, 139),
                Ports::Range(445, 445),
            ])),
            v if v.starts_with('$') => Err(self.err(
                at,
                format!("unknown port variable `{v}` ($HTTP_PORTS or $SMB_PORTS)"),
            )),
            _ => match text.split_once(':') {
                Some((a, b)) => {
                    let (a, b) = (num(a, 0)?, num(b, u16::MAX)?);
                    if a > b {
                        return Err(self.err(at, format!("the port range `{text}` runs backwards")));
                    }
                    Ok(Ports::Range(a, b))
                }
                None => {
                    let p = num(text, 0)?;
                    if text.is_empty() {
                        return Err(self.err(at, "a port is missing"));
                    }
                    Ok(Ports::Range(p, p))
                }
            },
        }
    }

    /// The options between byte offsets `from` and `to` (exclusive).
    fn options(&self, from: usize, to: usize, rule: &mut Rule) -> Result<(), RuleError> {
        let text = &self.logical.text;
        let mut sticky = Buffer::Payload;
        let mut i = from;
        while i < to {
            // Skip whitespace.
            let rest = &text[i..to];
            let trimmed = rest.trim_start();
            i += rest.len() - trimmed.len();
            if i >= to {
                break;
            }
            let (opt_end, next) = option_end(text, i, to)
                .ok_or_else(|| self.err(i, "an option is not terminated by `;`"))?;
            let option = &text[i..opt_end];
            let (key, value, value_at) = match option.split_once(':') {
                Some((k, v)) => {
                    let v_trim = v.trim_start();
                    let value_at = i + k.len() + 1 + (v.len() - v_trim.len());
                    (k.trim(), Some(v_trim.trim_end()), value_at)
                }
                None => (option.trim(), None, i),
            };
            self.option(key, value, i, value_at, rule, &mut sticky)?;
            i = next;
        }
        Ok(())
    }

    fn option(
        &self,
        key: &str,
        value: Option<&str>,
        at: usize,
        value_at: usize,
        rule: &mut Rule,
        sticky: &mut Buffer,
    ) -> Result<(), RuleError> {
        let need = |what: &str| {
            value.ok_or_else(|| self.err(at, format!("`{key}` needs a value: `{key}:{what};`")))
        };
        let number = |v: &str| -> Result<u32, RuleError> {
            v.trim()
                .parse::<u32>()
                .map_err(|_| self.err(value_at, format!("`{key}` takes a number, not `{v}`")))
        };
        let last_content = |rule: &mut Rule| -> Result<usize, RuleError> {
            if rule.contents.is_empty() {
                return Err(self.err(at, format!("`{key}` must follow a `content`")));
            }
            Ok(rule.contents.len() - 1)
        };
        match key {
            "msg" => rule.msg = self.quoted(need("\"text\"")?, value_at)?,
            "sid" => {
                rule.sid = number(need("1000001")?)?;
                if rule.sid == 0 {
                    return Err(self.err(value_at, "`sid` must be positive"));
                }
            }
            "rev" => rule.rev = number(need("1")?)?,
            "priority" => {
                number(need("1")?)?;
            }
            "classtype" => {
                let v = need("trojan-activity")?;
                if v.is_empty()
                    || !v
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                {
                    return Err(self.err(value_at, format!("`{v}` is not a classtype name")));
                }
                rule.classtype = Some(v.to_string());
            }
            "reference" | "metadata" => {
                need("...")?;
            }
            "content" => {
                let v = need("\"bytes\"")?;
                let (negated, v, v_at) = match v.strip_prefix('!') {
                    Some(rest) => (true, rest.trim_start(), value_at + 1),
                    None => (false, v, value_at),
                };
                let bytes = self.content_bytes(v, v_at)?;
                if bytes.is_empty() {
                    return Err(self.err(v_at, "an empty `content`"));
                }
                rule.contents.push(Content {
                    bytes,
                    negated,
                    nocase: false,
                    offset: 0,
                    depth: None,
                    buffer: *sticky,
                });
            }
            "nocase" => {
                let i = last_content(rule)?;
                rule.contents[i].nocase = true;
            }
            "depth" | "offset" => {
                let i = last_content(rule)?;
                let n = number(need("N")?)? as usize;
                if key == "depth" {
                    if n == 0 {
                        return Err(self.err(value_at, "`depth` must be at least 1"));
                    }
                    rule.contents[i].depth = Some(n);
                } else {
                    rule.contents[i].offset = n;
                }
            }
            "http.uri" | "http.host" | "pkt_data" => {
                if value.is_some() {
                    return Err(self.err(at, format!("`{key}` takes no value")));
                }
                if key != "pkt_data" && !matches!(rule.proto, RuleProto::Http | RuleProto::Tcp) {
                    return Err(self.err(at, format!("`{key}` needs protocol `http` or `tcp`")));
                }
                *sticky = match key {
                    "http.uri" => Buffer::HttpUri,
                    "http.host" => Buffer::HttpHost,
                    _ => Buffer::Payload,
                };
            }
            "http_uri" | "http_host" => {
                let i = last_content(rule)?;
                rule.contents[i].buffer = if key == "http_uri" {
                    Buffer::HttpUri
                } else {
                    Buffer::HttpHost
                };
            }
            "flow" => {
                for (off, part) in split_top(need("established,to_server")?) {
                    let word = part.trim();
                    let word_at = value_at + off + (part.len() - part.trim_start().len());
                    match word {
                        "established" => rule.flow.established = Some(true),
                        "not_established" => rule.flow.established = Some(false),
                        "stateless" => {}
                        "to_server" | "from_client" => rule.flow.to_server = Some(true),
                        "to_client" | "from_server" => rule.flow.to_server = Some(false),
                        other => {
                            return Err(self.err(
                                word_at,
                                format!("unsupported flow option `{other}` (established, not_established, stateless, to_server, from_client, to_client, from_server)"),
                            ));
                        }
                    }
                }
            }
            "threshold" => {
                rule.threshold = Some(self.threshold(
                    need("type limit, track by_src, count 1, seconds 60")?,
                    value_at,
                )?)
            }
            "" => return Err(self.err(at, "an empty option (`;;`)")),
            other => {
                return Err(self.err(
                    at,
                    format!("unsupported keyword `{other}` (this gateway's IPS reads a subset of Suricata's rule language; see appliance/src/inspect/ips/rule.rs)"),
                ));
            }
        }
        Ok(())
    }

    fn threshold(&self, v: &str, at: usize) -> Result<Threshold, RuleError> {
        let (mut kind, mut track, mut count, mut seconds) = (None, None, None, None);
        for (off, part) in split_top(v) {
            let part_at = at + off + (part.len() - part.trim_start().len());
            let mut words = part.split_whitespace();
            let (Some(name), Some(val), None) = (words.next(), words.next(), words.next()) else {
                return Err(self.err(part_at, format!("`{}` is not `name value`", part.trim())));
            };
            match name {
                "type" => {
                    kind = Some(match val {
                        "limit" => ThresholdType::Limit,
                        "threshold" => ThresholdType::Threshold,
                        "both" => ThresholdType::Both,
                        other => {
                            return Err(self.err(
                                part_at,
                                format!("threshold type `{other}` (limit, threshold or both)"),
                            ));
                        }
                    })
                }
                "track" => {
                    track = Some(match val {
                        "by_src" => Track::BySrc,
                        "by_dst" => Track::ByDst,
                        other => {
                            return Err(self.err(
                                part_at,
                                format!("threshold track `{other}` (by_src or by_dst)"),
                            ));
                        }
                    })
                }
                "count" | "seconds" => {
                    let n = val.parse::<u32>().ok().filter(|n| *n > 0).ok_or_else(|| {
                        self.err(
                            part_at,
                            format!("threshold `{name}` must be a positive number"),
                        )
                    })?;
                    if name == "count" {
                        count = Some(n);
                    } else {
                        seconds = Some(n);
                    }
                }
                other => {
                    return Err(self.err(part_at, format!("unknown threshold setting `{other}`")));
                }
            }
        }
        match (kind, track, count, seconds) {
            (Some(kind), Some(track), Some(count), Some(seconds)) => Ok(Threshold {
                kind,
                track,
                count,
                seconds,
            }),
            _ => Err(self.err(at, "`threshold` needs type, track, count and seconds")),
        }
    }

    /// A double-quoted string with `\"`, `\\` and `\;` escapes.
    fn quoted(&self, v: &str, at: usize) -> Result<String, RuleError> {
        let inner = v
            .strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
            .filter(|_| v.len() >= 2)
            .ok_or_else(|| self.err(at, format!("expected a double-quoted string, found `{v}`")))?;
        let mut out = String::with_capacity(inner.len());
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                match chars.next() {
                    Some(e @ ('"' | '\\' | ';' | ':')) => out.push(e),
                    _ => return Err(self.err(at, "a `\\` must escape `\"`, `\\`, `;` or `:`")),
                }
            } else {
                out.push(c);
            }
        }
        Ok(out)
    }

    /// Content bytes: text with `|41 42|` hex runs.
    fn content_bytes(&self, v: &str, at: usize) -> Result<Vec<u8>, RuleError> {
        let text = self.quoted(v, at)?;
        let mut out = Vec::with_capacity(text.len());
        let mut parts = text.split('|');
        let mut in_hex = false;
        let mut seen_first = false;
        for part in &mut parts {
            if seen_first {
                in_hex = !in_hex;
            }
            seen_first = true;
            if in_hex {
                for pair in part.split_whitespace().flat_map(|w| {
                    w.as_bytes()
                        .chunks(2)
                        .map(|c| std::str::from_utf8(c).unwrap_or(""))
                        .collect::<Vec<_>>()
                }) {
                    let byte = u8::from_str_radix(pair, 16)
                        .ok()
                        .filter(|_| pair.len() == 2)
                        .ok_or_else(|| {
                            self.err(at, format!("`{pair}` is not a hex byte in `|..|`"))
                        })?;
                    out.push(byte);
                }
            } else {
                out.extend_from_slice(part.as_bytes());
            }
        }
        if in_hex {
            return Err(self.err(at, "a `|` hex run is not closed"));
        }
        Ok(out)
    }
}

/// Splits on top-level commas (not inside `[..]`); yields byte offsets.
fn split_top(s: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                out.push((start, &s[start..i]));
                start = i + 1;
            }
            _ => {}
        }
    }
    if !s[start..].trim().is_empty() || !out.is_empty() {
        out.push((start, &s[start..]));
    }
    out
}

/// The end of the option starting at `i` (the `;` that ends it, outside
/// quotes and escapes), and where the next one starts. `None` if no `;`.
fn option_end(text: &str, i: usize, to: usize) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut quoted = false;
    let mut j = i;
    while j < to {
        match bytes.get(j)? {
            b'\\' => j += 1,
            b'"' => quoted = !quoted,
            b';' if !quoted => return Some((j, j + 1)),
            _ => {}
        }
        j += 1;
    }
    None
}
