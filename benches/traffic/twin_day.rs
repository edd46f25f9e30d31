//! The twin's small-packet office day: the frames the gateway received
//! during the 24 hours of `winxp-cnc-beacon` (25 hosts browsing, the XP PC
//! beaconing), plus an internet port scan, a worm sweep and exploit requests
//! from `external-port-scan`, `worm-445-sweep` and `ips-exploit-attempt`,
//! moved onto the same day. Used by `benches/pipeline.rs` and by the
//! `office` capture of `benches/captures.rs`.

use appliance::wire::frame::{self, Parsed};
use appliance::{Config, FrozenIntel, Instant, Port};
use officetwin::session::Session;
use pcap_file::pcapng::{Block, PcapNgReader};
use std::path::Path;
use twin::catalog::Catalog;
use twin::world::WorldOptions;

/// One frame as the gateway received it.
pub struct Input {
    pub at: Instant,
    pub port: Port,
    pub frame: Vec<u8>,
}

/// Whether a captured frame is one the gateway received (rather than one it
/// sent): on the LAN link, frames from office addresses (and ARP); on the WAN
/// link, frames from internet addresses.
fn gateway_input(link: u32, frame: &[u8]) -> Option<Port> {
    let private = match frame::parse(frame) {
        Ok(Parsed::Ipv4(p)) => p.src.is_private(),
        Ok(Parsed::Other) => true,
        Err(_) => return None,
    };
    match (link, private) {
        (0, true) => Some(Port::Lan),
        (1, false) => Some(Port::Wan),
        _ => None,
    }
}

fn scenario_inputs(catalog: &Catalog, id: &str) -> (Vec<Input>, Config, FrozenIntel) {
    let scenario = catalog.scenario(id).unwrap_or_else(|e| panic!("{id}: {e}"));
    let (config, intel) = (scenario.gateway.clone(), scenario.intel.clone());
    let mut session =
        Session::new(scenario, WorldOptions { capture: true }).unwrap_or_else(|e| panic!("{e:#}"));
    session.run_to_end().unwrap_or_else(|e| panic!("{e:#}"));
    let bytes = session.world.pcapng().unwrap_or_default();
    let mut reader = PcapNgReader::new(&bytes[..]).unwrap_or_else(|e| panic!("{e}"));
    let mut inputs = Vec::new();
    while let Some(block) = reader.next_block() {
        if let Ok(Block::EnhancedPacket(epb)) = block
            && let Some(port) = gateway_input(epb.interface_id, &epb.data)
        {
            inputs.push(Input {
                at: Instant::from_micros(twin::capture::epb_micros(&epb)),
                port,
                frame: epb.data.to_vec(),
            });
        }
    }
    (inputs, config, intel)
}

/// The office day: the spine's 24 h, with the scan and the worm moved onto
/// the same day (their frames keep their time of day).
pub fn office_day() -> (Vec<Input>, Config, FrozenIntel) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let catalog = Catalog::from_dir(&dir).unwrap_or_else(|e| panic!("{e}"));
    let (mut day, config, intel) = scenario_inputs(&catalog, "winxp-cnc-beacon");
    let day_start = day.first().map_or(0, |i| i.at.as_micros());
    let midnight = day_start - day_start.rem_euclid(86_400_000_000) - 9 * 3_600_000_000;
    for extra in [
        "external-port-scan",
        "worm-445-sweep",
        "ips-exploit-attempt",
    ] {
        let (inputs, _, _) = scenario_inputs(&catalog, extra);
        for mut i in inputs {
            let t = i.at.as_micros();
            let jst_tod = (t + 9 * 3_600_000_000).rem_euclid(86_400_000_000);
            i.at = Instant::from_micros(midnight + jst_tod);
            day.push(i);
        }
    }
    // A stable sort keeps each scenario's own order for equal times.
    day.sort_by_key(|i| i.at);
    (day, config, intel)
}
