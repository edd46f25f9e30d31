//! The gateway's two network ports, LAN and WAN: which side a frame is on.

/// The gateway's two network ports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Port {
    Lan,
    Wan,
}

impl Port {
    pub fn other(self) -> Port {
        match self {
            Port::Lan => Port::Wan,
            Port::Wan => Port::Lan,
        }
    }
}
