//! The lockstep control protocol (`appliance --control-fd N`): its messages
//! as types and their one encoding, shared by the firmware and the harness.
//!
//! A harness that owns time writes a frame onto one of the firmware's
//! interfaces, then tells the firmware on the control descriptor when that
//! happened; the firmware answers once everything the frame caused is on the
//! wire. One ASCII line per message, fields separated by one space, each
//! line ended by `\n`:
//!
//! ```text
//! harness:   H <micros> L|W       a frame was written to the LAN|WAN interface at <micros>
//!            P <micros>           run the gateway's timers at <micros>
//!            B <micros> <version> <json>
//!                                 deploy the device block list <json> (FAQ Q2) as
//!                                 policy <version>, the rest of the policy unchanged
//!            C <from> <until> up|down
//!                                 the time [from, until) passed with the link to the
//!                                 cloud up|down: the firmware records it as its uptime
//! appliance: R                    once, first: the ports are open, frames may come
//!            O ok <version> | O failed <kept version> <reason>
//!                                 after a B line: the deploy's outcome, then
//!            A <json>             an alert mail (zero or more lines), then
//!            S <json>             a request let through, for the access statistics
//!                                 (zero or more lines), then
//!            D <poll_at|-> <frames on LAN> <frames on WAN> <events recorded>
//! ```
//!
//! A line is at most [`MAX_LINE`] bytes, newline included; both sides refuse
//! a longer one, a line cut off by the end of the stream, and anything that
//! is not one of the messages above. After an error the stream is out of
//! step: both sides end the run.

use appliance::AccessRecord;
use appliance::alert::Alert;
use appliance::gateway::DeployOutcome;
use appliance::inspect::devices::BlockedDevice;
use appliance::{Instant, Port};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::io::{self, BufRead, Read as _};

/// The longest line either side writes or reads, its newline included.
pub const MAX_LINE: usize = 1 << 20;

/// What the harness tells the firmware.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// `H <micros> L|W`: a frame was written onto `port` at `now`.
    Handle { now: Instant, port: Port },
    /// `P <micros>`: run the gateway's timers at `now`.
    Poll { now: Instant },
    /// `B <micros> <version> <json>`: deploy `blocked` as the device block
    /// list of policy `version`, the rest of the running policy unchanged.
    DeployDevices {
        now: Instant,
        version: u32,
        blocked: Vec<BlockedDevice>,
    },
    /// `C <from> <until> up|down`: the world's time went from `from` to
    /// `until` with the cloud reachable (`online`) or not. The gateway does
    /// not run; the firmware records the span as its uptime, as the cloud
    /// records the box's uptime in memory.
    Clock {
        from: Instant,
        until: Instant,
        online: bool,
    },
}

/// What the firmware answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// `R`: once, first: the ports are open, frames may come.
    Ready,
    /// `O ok <version>` or `O failed <kept version> <reason>`: after a
    /// [`Command::DeployDevices`], how the deploy went. A reason travels on
    /// one line: its newlines become spaces, trailing whitespace is dropped.
    Deployed(DeployOutcome),
    /// `A <json>`: an alert mail the step produced.
    Alert(Alert),
    /// `S <json>`: a request the step let through, for the cloud's access
    /// statistics (the firmware's store holds only their sums).
    Access(AccessRecord),
    /// `D <poll_at|-> <lan> <wan> <events>`: the step is over.
    Done(Done),
}

/// The last answer to a step: what the firmware put out, and its next timer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Done {
    /// When the gateway's timers want to run next (`-`: no timer).
    pub poll_at: Option<Instant>,
    /// Frames sent on the LAN port.
    pub lan: u64,
    /// Frames sent on the WAN port.
    pub wan: u64,
    /// Events recorded in the firmware's log store.
    pub events: u64,
}

/// Why a control line could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading or writing the descriptor failed.
    #[error(transparent)]
    Io(#[from] io::Error),
    /// A line (newline included) longer than [`MAX_LINE`] bytes.
    #[error("control line longer than {MAX_LINE} bytes (starts {start:?})")]
    TooLong { start: String },
    /// The stream ended inside a line.
    #[error("control line cut off before its newline: {line:?}")]
    Truncated { line: String },
    /// A line that is not one of the protocol's messages.
    #[error("bad control line {line:?}: {why}")]
    Bad { line: String, why: String },
}

impl From<Error> for io::Error {
    fn from(e: Error) -> io::Error {
        match e {
            Error::Io(e) => e,
            other => io::Error::new(io::ErrorKind::InvalidData, other),
        }
    }
}

/// The alert mail as it travels (`A` lines): the fields of [`Alert`], in
/// this order, the time in microseconds since the epoch.
#[derive(Serialize)]
struct AlertOut<'a> {
    time: i64,
    from: &'a str,
    to: &'a str,
    subject: &'a str,
    body: &'a str,
}

/// An allowed request as it travels (`S` lines): the fields of
/// [`AccessRecord`], the time in microseconds since the epoch.
#[derive(Serialize, Deserialize)]
struct AccessWire {
    time: i64,
    src_ip: std::net::Ipv4Addr,
    host: Option<String>,
    category: Option<String>,
    bytes: u64,
}

#[derive(Deserialize)]
struct AlertIn {
    time: i64,
    from: String,
    to: String,
    subject: String,
    body: String,
}

impl Command {
    /// The command as one line, newline included.
    pub fn encode(&self) -> Result<String, Error> {
        let mut out = String::new();
        self.encode_into(&mut out)?;
        Ok(out)
    }

    /// Appends the command's line to `out`.
    pub fn encode_into(&self, out: &mut String) -> Result<(), Error> {
        let start = out.len();
        match self {
            Command::Handle { now, port } => {
                let port = match port {
                    Port::Lan => 'L',
                    Port::Wan => 'W',
                };
                let _ = writeln!(out, "H {} {port}", now.as_micros());
            }
            Command::Poll { now } => {
                let _ = writeln!(out, "P {}", now.as_micros());
            }
            Command::DeployDevices {
                now,
                version,
                blocked,
            } => {
                let json = serde_json::to_string(blocked).map_err(|e| Error::Bad {
                    line: "B".to_string(),
                    why: format!("the block list as JSON: {e}"),
                })?;
                let _ = writeln!(out, "B {} {version} {json}", now.as_micros());
            }
            Command::Clock {
                from,
                until,
                online,
            } => {
                let link = if *online { "up" } else { "down" };
                let _ = writeln!(out, "C {} {} {link}", from.as_micros(), until.as_micros());
            }
        }
        check_written(out, start)
    }

    /// One line (newline included) as a command.
    pub fn decode(line: &[u8]) -> Result<Command, Error> {
        let text = line_text(line)?;
        let bad = |why: &str| Error::Bad {
            line: text.to_string(),
            why: why.to_string(),
        };
        let mut fields = text.splitn(4, ' ');
        let verb = fields.next().unwrap_or_default();
        if !matches!(verb, "H" | "P" | "B" | "C") {
            return Err(bad("unknown command"));
        }
        let now = fields
            .next()
            .and_then(|w| w.parse::<i64>().ok())
            .map(Instant::from_micros)
            .ok_or_else(|| bad("no time in microseconds"))?;
        let command = match verb {
            "H" => {
                let port = match fields.next() {
                    Some("L") => Port::Lan,
                    Some("W") => Port::Wan,
                    _ => return Err(bad("the port is not L or W")),
                };
                Command::Handle { now, port }
            }
            "P" => Command::Poll { now },
            "B" => {
                let version = fields
                    .next()
                    .and_then(|w| w.parse::<u32>().ok())
                    .ok_or_else(|| bad("no policy version"))?;
                let json = fields.next().ok_or_else(|| bad("no block list"))?;
                let blocked =
                    serde_json::from_str(json).map_err(|e| bad(&format!("the block list: {e}")))?;
                return Ok(Command::DeployDevices {
                    now,
                    version,
                    blocked,
                });
            }
            "C" => {
                let until = fields
                    .next()
                    .and_then(|w| w.parse::<i64>().ok())
                    .map(Instant::from_micros)
                    .ok_or_else(|| bad("no end time in microseconds"))?;
                if until < now {
                    return Err(bad("the span ends before it starts"));
                }
                let online = match fields.next() {
                    Some("up") => true,
                    Some("down") => false,
                    _ => return Err(bad("the cloud link is not up or down")),
                };
                Command::Clock {
                    from: now,
                    until,
                    online,
                }
            }
            _ => return Err(bad("unknown command")),
        };
        match fields.next() {
            None => Ok(command),
            Some(_) => Err(bad("more fields than the command has")),
        }
    }
}

impl Reply {
    /// The reply as one line, newline included.
    pub fn encode(&self) -> Result<String, Error> {
        let mut out = String::new();
        self.encode_into(&mut out)?;
        Ok(out)
    }

    /// Appends the reply's line to `out`.
    pub fn encode_into(&self, out: &mut String) -> Result<(), Error> {
        let start = out.len();
        match self {
            Reply::Ready => out.push_str("R\n"),
            Reply::Deployed(DeployOutcome::Success { version }) => {
                let _ = writeln!(out, "O ok {version}");
            }
            Reply::Deployed(DeployOutcome::Failed {
                kept_version,
                reason,
            }) => {
                let reason = reason.replace('\n', " ");
                let _ = writeln!(out, "O failed {kept_version} {reason}");
            }
            Reply::Alert(alert) => {
                let json = serde_json::to_string(&AlertOut {
                    time: alert.time.as_micros(),
                    from: &alert.from,
                    to: &alert.to,
                    subject: &alert.subject,
                    body: &alert.body,
                })
                .map_err(|e| Error::Bad {
                    line: "A".to_string(),
                    why: format!("the alert as JSON: {e}"),
                })?;
                let _ = writeln!(out, "A {json}");
            }
            Reply::Access(record) => {
                let json = serde_json::to_string(&AccessWire {
                    time: record.time.as_micros(),
                    src_ip: record.src_ip,
                    host: record.host.clone(),
                    category: record.category.clone(),
                    bytes: record.bytes,
                })
                .map_err(|e| Error::Bad {
                    line: "S".to_string(),
                    why: format!("the access record as JSON: {e}"),
                })?;
                let _ = writeln!(out, "S {json}");
            }
            Reply::Done(done) => {
                let _ = match done.poll_at {
                    Some(at) => write!(out, "D {}", at.as_micros()),
                    None => write!(out, "D -"),
                };
                let _ = writeln!(out, " {} {} {}", done.lan, done.wan, done.events);
            }
        }
        check_written(out, start)
    }

    /// One line (newline included) as a reply.
    pub fn decode(line: &[u8]) -> Result<Reply, Error> {
        let text = line_text(line)?;
        let bad = |why: &str| Error::Bad {
            line: text.to_string(),
            why: why.to_string(),
        };
        let (verb, rest) = match text.split_once(' ') {
            Some((verb, rest)) => (verb, Some(rest)),
            None => (text, None),
        };
        match (verb, rest) {
            ("R", None) => Ok(Reply::Ready),
            ("O", Some(rest)) => {
                let mut fields = rest.splitn(3, ' ');
                let outcome = fields.next();
                let version = fields
                    .next()
                    .and_then(|w| w.parse::<u32>().ok())
                    .ok_or_else(|| bad("no policy version"))?;
                match (outcome, fields.next()) {
                    (Some("ok"), None) => Ok(Reply::Deployed(DeployOutcome::Success { version })),
                    (Some("failed"), reason) => Ok(Reply::Deployed(DeployOutcome::Failed {
                        kept_version: version,
                        reason: reason.unwrap_or_default().trim_end().to_string(),
                    })),
                    _ => Err(bad(
                        "a deploy is `ok <version>` or `failed <kept version> <reason>`",
                    )),
                }
            }
            ("A", Some(json)) => {
                let alert: AlertIn =
                    serde_json::from_str(json).map_err(|e| bad(&format!("the alert: {e}")))?;
                Ok(Reply::Alert(Alert {
                    time: Instant::from_micros(alert.time),
                    from: alert.from,
                    to: alert.to,
                    subject: alert.subject,
                    body: alert.body,
                }))
            }
            ("S", Some(json)) => {
                let record: AccessWire = serde_json::from_str(json)
                    .map_err(|e| bad(&format!("the access record: {e}")))?;
                Ok(Reply::Access(AccessRecord {
                    time: Instant::from_micros(record.time),
                    src_ip: record.src_ip,
                    host: record.host,
                    category: record.category,
                    bytes: record.bytes,
                }))
            }
            ("D", Some(rest)) => {
                let fields: Vec<&str> = rest.split(' ').collect();
                let [poll_at, lan, wan, events] = fields.as_slice() else {
                    return Err(bad("a step's end has four fields"));
                };
                let count = |w: &str, what: &str| {
                    w.parse::<u64>()
                        .map_err(|_| bad(&format!("the {what} is not a count")))
                };
                let poll_at = match *poll_at {
                    "-" => None,
                    t => Some(Instant::from_micros(
                        t.parse::<i64>()
                            .map_err(|_| bad("the next timer is not a time or `-`"))?,
                    )),
                };
                Ok(Reply::Done(Done {
                    poll_at,
                    lan: count(lan, "frames on LAN")?,
                    wan: count(wan, "frames on WAN")?,
                    events: count(events, "events recorded")?,
                }))
            }
            _ => Err(bad("unknown reply")),
        }
    }
}

/// The line just appended to `out` (from `start`) must fit the limit.
fn check_written(out: &mut String, start: usize) -> Result<(), Error> {
    if out.len() - start <= MAX_LINE {
        return Ok(());
    }
    let line = out.split_off(start);
    Err(Error::TooLong {
        start: prefix(&line).to_string(),
    })
}

/// The first characters of `text`, for error messages.
fn prefix(text: &str) -> &str {
    match text.char_indices().nth(60) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

/// A whole line's text, without its newline.
fn line_text(line: &[u8]) -> Result<&str, Error> {
    let lossy = || String::from_utf8_lossy(line).into_owned();
    if line.len() > MAX_LINE {
        return Err(Error::TooLong {
            start: prefix(&lossy()).to_string(),
        });
    }
    let Some(body) = line.strip_suffix(b"\n") else {
        return Err(Error::Truncated { line: lossy() });
    };
    std::str::from_utf8(body).map_err(|_| Error::Bad {
        line: lossy(),
        why: "not UTF-8 text".to_string(),
    })
}

/// Control lines from a stream, each at most [`MAX_LINE`] bytes.
#[derive(Debug)]
pub struct Reader<R> {
    inner: R,
    line: Vec<u8>,
}

impl<R: BufRead> Reader<R> {
    pub fn new(inner: R) -> Reader<R> {
        Reader {
            inner,
            line: Vec::new(),
        }
    }

    /// The next command, or `None` when the harness closed the stream
    /// between lines.
    pub fn read_command(&mut self) -> Result<Option<Command>, Error> {
        match self.read_line()? {
            Some(line) => Command::decode(line).map(Some),
            None => Ok(None),
        }
    }

    /// The next reply, or `None` when the firmware closed the stream between
    /// lines.
    pub fn read_reply(&mut self) -> Result<Option<Reply>, Error> {
        match self.read_line()? {
            Some(line) => Reply::decode(line).map(Some),
            None => Ok(None),
        }
    }

    /// The next line, newline included; never more than [`MAX_LINE`] bytes
    /// are read for it.
    fn read_line(&mut self) -> Result<Option<&[u8]>, Error> {
        self.line.clear();
        let limit = MAX_LINE as u64;
        let n = (&mut self.inner)
            .take(limit)
            .read_until(b'\n', &mut self.line)?;
        if n == 0 {
            return Ok(None);
        }
        if !self.line.ends_with(b"\n") {
            let text = String::from_utf8_lossy(&self.line);
            return Err(if self.line.len() >= MAX_LINE {
                Error::TooLong {
                    start: prefix(&text).to_string(),
                }
            } else {
                Error::Truncated {
                    line: text.into_owned(),
                }
            });
        }
        Ok(Some(&self.line))
    }
}

#[cfg(test)]
mod tests;
