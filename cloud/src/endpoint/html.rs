//! The endpoint report as one self-contained HTML page, trends as inline SVG.
