//! The endpoint store and report from hand-filled stores.
