//! pcapng capture of the twin's links: one named interface per link, Ethernet
//! frames, timestamps from the virtual clock.
//!
//! The file must be byte-identical on every run and machine, so the section
//! header carries no hardware, OS or application options and the byte order
//! is fixed (little endian) rather than the host's.
//!
//! Timestamps are stored in microseconds, pcapng's default resolution (no
//! `if_tsresol` option). pcap-file 2.0 writes and reads an EPB timestamp's raw
//! count through `Duration::as_nanos`/`from_nanos` whatever the resolution, so
//! we hand it a `Duration` of *n nanoseconds* to store *n microseconds*; a
//! reader using pcap-file gets the microseconds back with [`epb_micros`].

use crate::link::LinkId;
use appliance::Instant;
use pcap_file::DataLink;
use pcap_file::Endianness;
use pcap_file::pcapng::PcapNgWriter;
use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
use pcap_file::pcapng::blocks::interface_description::{
    InterfaceDescriptionBlock, InterfaceDescriptionOption,
};
use pcap_file::pcapng::blocks::section_header::SectionHeaderBlock;
use std::borrow::Cow;
use std::time::Duration;

/// The largest frame a capture keeps whole.
const SNAPLEN: u32 = 65_535;

/// An in-memory pcapng file being written.
pub struct Capture {
    writer: PcapNgWriter<Vec<u8>>,
    frames: u64,
}

impl std::fmt::Debug for Capture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Capture")
            .field("bytes", &self.writer.get_ref().len())
            .field("frames", &self.frames)
            .finish()
    }
}

/// Capture could not be written (only possible if memory runs out).
#[derive(Debug, thiserror::Error)]
#[error("pcapng capture: {0}")]
pub struct CaptureError(String);

impl Capture {
    /// Starts a capture with one interface per link, in [`LinkId::ALL`] order.
    pub fn new() -> Result<Capture, CaptureError> {
        let section = SectionHeaderBlock {
            endianness: Endianness::Little,
            major_version: 1,
            minor_version: 0,
            section_length: -1,
            options: Vec::new(),
        };
        let mut writer = PcapNgWriter::with_section_header(Vec::new(), section)
            .map_err(|e| CaptureError(e.to_string()))?;
        for link in LinkId::ALL {
            let idb = InterfaceDescriptionBlock {
                linktype: DataLink::ETHERNET,
                snaplen: SNAPLEN,
                options: vec![InterfaceDescriptionOption::IfName(Cow::Borrowed(
                    link.name(),
                ))],
            };
            writer
                .write_pcapng_block(idb)
                .map_err(|e| CaptureError(e.to_string()))?;
        }
        Ok(Capture { writer, frames: 0 })
    }

    /// Appends one frame seen on `link` at `at`.
    pub fn record(&mut self, link: LinkId, at: Instant, frame: &[u8]) {
        let micros = u64::try_from(at.as_micros()).unwrap_or(0);
        let len = u32::try_from(frame.len()).unwrap_or(u32::MAX);
        let data = &frame[..frame.len().min(SNAPLEN as usize)];
        let epb = EnhancedPacketBlock {
            interface_id: link.index() as u32,
            timestamp: Duration::from_nanos(micros),
            original_len: len,
            data: Cow::Borrowed(data),
            options: Vec::new(),
        };
        // Writing into a Vec cannot fail and the interface id is always
        // declared, so an error here would be a bug in this module.
        if self.writer.write_pcapng_block(epb).is_ok() {
            self.frames += 1;
        }
    }

    /// The capture so far.
    pub fn bytes(&self) -> &[u8] {
        self.writer.get_ref()
    }

    pub fn frames(&self) -> u64 {
        self.frames
    }
}

/// The timestamp of a packet read back with pcap-file, in microseconds since
/// the epoch (see the module docs for why it is not `timestamp.as_micros()`).
pub fn epb_micros(block: &EnhancedPacketBlock<'_>) -> i64 {
    i64::try_from(block.timestamp.as_nanos()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pcap_file::pcapng::{Block, PcapNgReader};

    #[test]
    fn round_trips_with_two_named_interfaces() {
        let mut cap = Capture::new().expect("capture");
        let t = Instant::from_micros(1_506_388_185_123_456);
        cap.record(LinkId::Lan, t, &[1u8; 60]);
        cap.record(LinkId::Wan, t, &[2u8; 61]);
        let bytes = cap.bytes().to_vec();
        let mut reader = PcapNgReader::new(&bytes[..]).expect("reader");
        let mut packets = Vec::new();
        while let Some(block) = reader.next_block() {
            if let Block::EnhancedPacket(epb) = block.expect("block") {
                packets.push((epb.interface_id, epb_micros(&epb), epb.data.len()));
            }
        }
        assert_eq!(reader.interfaces().len(), 2);
        assert_eq!(packets, [(0, t.as_micros(), 60), (1, t.as_micros(), 61)]);
        // Fixed header: the same bytes on every machine.
        assert_eq!(&bytes[0..4], &[0x0a, 0x0d, 0x0d, 0x0a]);
        assert_eq!(&bytes[8..12], &[0x4d, 0x3c, 0x2b, 0x1a]);
    }
}
