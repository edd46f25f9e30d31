//! The in-memory wire: links with a fixed latency, the office LAN switch and
//! the queue device through which each smoltcp interface sends and receives.
//!
//! Frames are plain `Vec<u8>` Ethernet frames. A link never loses, reorders
//! or corrupts anything (a fault injector would wrap it); it only delays.

use smoltcp::phy::{self, DeviceCapabilities, Medium};
use smoltcp::time::Instant as SmolInstant;
use std::collections::{HashMap, VecDeque};
use std::time::Duration;

/// The named links of the topology, in capture interface order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LinkId {
    /// LAN switch uplink <-> gateway LAN port.
    Lan,
    /// Gateway WAN port <-> the internet (the ISP router).
    Wan,
}

impl LinkId {
    pub const ALL: [LinkId; 2] = [LinkId::Lan, LinkId::Wan];

    pub fn name(self) -> &'static str {
        match self {
            LinkId::Lan => "lan",
            LinkId::Wan => "wan",
        }
    }

    pub fn index(self) -> usize {
        match self {
            LinkId::Lan => 0,
            LinkId::Wan => 1,
        }
    }
}

/// Propagation plus serialisation delay of a link, fixed so that time moves
/// forward with every hop and runs stay reproducible.
pub const LAN_LATENCY: Duration = Duration::from_micros(100);
pub const WAN_LATENCY: Duration = Duration::from_millis(5);

/// The Ethernet MTU every simulated NIC uses.
pub const MTU: usize = 1514;

/// Where the switch sends a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SwitchPort {
    /// An office host, by index.
    Host(usize),
    /// The uplink to the gateway's LAN port.
    Uplink,
}

/// A learning Ethernet switch: unknown and broadcast destinations are flooded.
#[derive(Debug, Default)]
pub struct Switch {
    table: HashMap<[u8; 6], SwitchPort>,
}

impl Switch {
    pub fn new() -> Self {
        Self::default()
    }

    /// Learns the frame's source and returns where it must go. `None` means
    /// flood to every port except `from`. A frame addressed back to its own
    /// port is filtered (an empty slice).
    pub fn forward(&mut self, from: SwitchPort, frame: &[u8]) -> Forward {
        if frame.len() < 14 {
            return Forward::Drop;
        }
        let mut dst = [0u8; 6];
        dst.copy_from_slice(&frame[0..6]);
        let mut src = [0u8; 6];
        src.copy_from_slice(&frame[6..12]);
        // Only unicast sources are learnt; a multicast source is bogus.
        if src[0] & 1 == 0 {
            self.table.insert(src, from);
        }
        if dst[0] & 1 == 1 {
            return Forward::Flood;
        }
        match self.table.get(&dst) {
            Some(&port) if port == from => Forward::Drop,
            Some(&port) => Forward::To(port),
            None => Forward::Flood,
        }
    }
}

/// The switch's decision for one frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Forward {
    To(SwitchPort),
    Flood,
    Drop,
}

/// A smoltcp device backed by two queues: frames delivered by the wire wait
/// in `rx`, frames the stack sends pile up in `tx` until the world moves them.
#[derive(Debug, Default)]
pub struct QueueDevice {
    pub rx: VecDeque<Vec<u8>>,
    pub tx: Vec<Vec<u8>>,
}

impl phy::Device for QueueDevice {
    type RxToken<'a>
        = RxToken
    where
        Self: 'a;
    type TxToken<'a>
        = TxToken<'a>
    where
        Self: 'a;

    fn receive(&mut self, _timestamp: SmolInstant) -> Option<(RxToken, TxToken<'_>)> {
        let frame = self.rx.pop_front()?;
        Some((RxToken(frame), TxToken(&mut self.tx)))
    }

    fn transmit(&mut self, _timestamp: SmolInstant) -> Option<TxToken<'_>> {
        Some(TxToken(&mut self.tx))
    }

    fn capabilities(&self) -> DeviceCapabilities {
        let mut caps = DeviceCapabilities::default();
        caps.medium = Medium::Ethernet;
        caps.max_transmission_unit = MTU;
        caps.max_burst_size = None;
        caps
    }
}

pub struct RxToken(Vec<u8>);

impl phy::RxToken for RxToken {
    fn consume<R, F>(self, f: F) -> R
    where
        F: FnOnce(&[u8]) -> R,
    {
        f(&self.0)
    }
}

pub struct TxToken<'a>(&'a mut Vec<Vec<u8>>);

impl phy::TxToken for TxToken<'_> {
    fn consume<R, F>(self, len: usize, f: F) -> R
    where
        F: FnOnce(&mut [u8]) -> R,
    {
        let mut frame = vec![0u8; len];
        let r = f(&mut frame);
        self.0.push(frame);
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(dst: [u8; 6], src: [u8; 6]) -> Vec<u8> {
        let mut f = Vec::with_capacity(60);
        f.extend_from_slice(&dst);
        f.extend_from_slice(&src);
        f.extend_from_slice(&[0x08, 0x00]);
        f.resize(60, 0);
        f
    }

    #[test]
    fn switch_learns_and_floods() {
        let a = [2, 0, 0, 0, 0, 1];
        let b = [2, 0, 0, 0, 0, 2];
        let mut sw = Switch::new();
        assert_eq!(
            sw.forward(SwitchPort::Host(0), &frame([0xff; 6], a)),
            Forward::Flood
        );
        assert_eq!(
            sw.forward(SwitchPort::Uplink, &frame(a, b)),
            Forward::To(SwitchPort::Host(0))
        );
        assert_eq!(
            sw.forward(SwitchPort::Host(0), &frame(b, a)),
            Forward::To(SwitchPort::Uplink)
        );
        assert_eq!(sw.forward(SwitchPort::Uplink, &frame(b, b)), Forward::Drop);
        assert_eq!(sw.forward(SwitchPort::Uplink, &[0u8; 5]), Forward::Drop);
    }
}
