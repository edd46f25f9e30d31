//! The inspection engines, each a small module with one job.
