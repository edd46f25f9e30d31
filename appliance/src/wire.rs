//! Frames, flows and TCP reassembly, through checked views over bytes.
