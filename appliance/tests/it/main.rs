//! Integration tests of the gateway through its public seam only: frames and
//! time in, frames, events and alerts out.

mod app_control;
mod bad_mail;
mod beacon_day;
mod block;
mod cnc_everywhere;
mod download_stream;
mod evasion;
mod flow_close;
mod mail_links;
mod mail_proxy;
mod network;
mod pcap_replay;
mod scenario_mails;
mod server_first;
mod short_frames;
mod smoltcp_hosts;
mod support;
mod web;
