//! `officetwin`: run the seed incidents of a small office behind its UTM gateway.

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use cloud::store::{EventFilter, ExportOptions, LogStore};
use indicatif::{ProgressBar, ProgressStyle};
use officetwin::session::Session;
use officetwin::summary::Summary;
use std::fs;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use twin::catalog::Catalog;
use twin::world::WorldOptions;

#[derive(Parser)]
#[command(
    name = "officetwin",
    version,
    about = "A digital twin of a small office network behind a UTM gateway"
)]
struct Cli {
    /// Read scenarios from this directory instead of the set built into the binary.
    #[arg(long, global = true, env = "OFFICETWIN_SCENARIOS", value_name = "DIR")]
    scenarios: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the scenarios with their titles.
    List,
    /// Run a scenario on the in-memory network and virtual clock.
    Run {
        /// Scenario id, e.g. winxp-cnc-beacon (see `officetwin list`).
        scenario: String,
        /// Where to write the log export, alerts, capture and log store
        /// [default: out/SCENARIO].
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Do not record a pcapng capture (faster).
        #[arg(long)]
        no_capture: bool,
        /// Rows kept in the CSV log export (the console's cap).
        #[arg(long, default_value_t = cloud::store::DEFAULT_EXPORT_CAP)]
        export_cap: usize,
        /// `tun`: run the gateway as a firmware process on kernel interfaces.
        #[arg(long, value_enum, default_value = "memory")]
        net: officetwin::tun_cmd::Net,
        /// The firmware build for `--net tun` [default: the `appliance` beside this program].
        #[arg(long, value_name = "PATH")]
        firmware: Option<PathBuf>,
    },
    /// Run a scenario, then write its monthly report (report.html, report.md, report.json).
    Report {
        /// Scenario id, e.g. winxp-cnc-beacon (see `officetwin list`).
        scenario: String,
        /// The month to report [default: the month the scenario starts in].
        #[arg(long, value_name = "YYYY-MM")]
        month: Option<String>,
        /// Language of the HTML and Markdown: ja or en.
        #[arg(long, default_value = "ja")]
        lang: String,
        /// Where to write the three files [default: out/SCENARIO/report].
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Report from this saved log store (e.g. out/SCENARIO/gateway.sqlite)
        /// instead of running the scenario.
        #[arg(long, value_name = "FILE")]
        store: Option<PathBuf>,
    },
    /// Feed a pcap or pcapng capture through the gateway and print its events.
    Replay {
        /// The capture(s) (Ethernet link type; timestamps are taken from
        /// each). With several, each is replayed through a fresh gateway and
        /// a tally of captures with detections follows.
        #[arg(required = true, num_args = 1..)]
        capture: Vec<PathBuf>,
        /// Gateway configuration (YAML, the shape of a scenario's `gateway:`).
        #[arg(long, value_name = "FILE")]
        policy: Option<PathBuf>,
        /// Threat intel (YAML, the shape of a scenario's `intel:`).
        #[arg(long, value_name = "FILE")]
        intel: Option<PathBuf>,
        /// Recompute IP/TCP/UDP checksums first (captures made with checksum
        /// offload; Suricata's `-k none`).
        #[arg(long)]
        fix_checksums: bool,
        /// IPS rule files (Suricata subset) replacing the shipped rules.
        #[arg(long, value_name = "FILE")]
        rules: Vec<PathBuf>,
        /// A web policy file (the shape of `scenarios/policies/*.yaml`): a
        /// refused one is reported with file:line:col and nothing runs.
        #[arg(long, value_name = "FILE")]
        web_policy: Option<PathBuf>,
        /// Also list every web access the gateway inspected: HTTP hosts and
        /// URLs, TLS SNIs, with their category and verdict.
        #[arg(long, short)]
        verbose: bool,
    },
    /// Check IPS rule files (the Suricata subset the gateway reads): list
    /// their rules, or say `FILE:LINE:COL: reason` for the first mistake.
    Rules {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Run the scenarios against a gateway build on TUN interfaces, compared
    /// with the reference (needs root); a table, JUnit, a baseline diff.
    Conformance {
        /// The build under test [default: the `appliance` beside this program].
        #[arg(long, value_name = "PATH")]
        firmware: Option<PathBuf>,
        /// The previous build: print how its detections differ from the build's.
        #[arg(long, value_name = "PATH")]
        baseline: Option<PathBuf>,
        /// Write a JUnit XML report here.
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
        /// Only this scenario (repeatable) [default: all].
        #[arg(long = "scenario", value_name = "ID")]
        only: Vec<String>,
        /// Run only shard K of N (e.g. 1/4), split by a stable hash of the
        /// scenario id: N runners given 1/N .. N/N run every check exactly once.
        #[arg(long, value_name = "K/N", default_value = "1/1")]
        shard: officetwin::shard::Shard,
        /// Scenarios run at once [default: the number of cores].
        #[arg(long, short = 'j', value_name = "N")]
        jobs: Option<usize>,
        /// Where each run's files go.
        #[arg(long, value_name = "DIR", default_value = "out/conformance")]
        out: PathBuf,
    },
    /// Many offices through one month on every core: the fleet's detections
    /// beside seed 000's (1.9 C&C and 360 malicious-web per office-month).
    Fleet {
        /// How many offices.
        #[arg(long, default_value_t = 100)]
        offices: usize,
        /// The month, YYYY-MM.
        #[arg(long, default_value = "2017-09")]
        month: String,
        /// The scenario each office is made from.
        #[arg(long, default_value = "ordinary-month")]
        template: String,
        /// The fleet's seed (office i draws from its ChaCha stream i).
        #[arg(long, default_value_t = 20_170_901)]
        seed: u64,
        /// Offices run at once [default: the number of cores].
        #[arg(long, short = 'j', value_name = "N")]
        jobs: Option<usize>,
        /// Where to write totals.txt and offices.csv.
        #[arg(long, value_name = "DIR", default_value = "out/fleet")]
        out: PathBuf,
    },
    /// Merge JUnit reports (conformance or feature shards) into one; a test
    /// case held by two reports fails the merge (shards must not overlap).
    JunitMerge {
        /// The reports, e.g. the `--junit` files of `conformance --shard K/N`.
        #[arg(required = true, num_args = 1..)]
        reports: Vec<PathBuf>,
        /// Where to write the merged report.
        #[arg(long, short, value_name = "FILE")]
        out: PathBuf,
        /// The merged report's name.
        #[arg(long, default_value = "officetwin")]
        name: String,
        /// Keep test cases found in several reports (reruns) instead of failing.
        #[arg(long)]
        allow_duplicates: bool,
    },
    /// Run a real program as an office host (TUN mode, wall clock; needs root).
    Exec {
        /// The office host the program plays, e.g. PC-XP.
        host: String,
        /// The scenario whose office, gateway and internet to use.
        #[arg(long, default_value = "winxp-cnc-beacon")]
        scenario: String,
        /// Virtual time to run in memory before the program starts, e.g. "10h".
        #[arg(long, value_parser = parse_duration, default_value = "0s")]
        after: std::time::Duration,
        /// Where to write the log export, capture and log store [default: out/exec-HOST].
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// The program and its arguments.
        #[arg(last = true, required = true)]
        command: Vec<String>,
    },
    /// Serve the cloud console (管理コンソール) on 127.0.0.1.
    Console(officetwin::console::cli::ConsoleArgs),
    /// Tell a seed incident to an audience, with the console live beside it.
    Demo(officetwin::console::cli::DemoArgs),
    /// Check what the optional modes need (TUN mode, real programs, the
    /// headless browser, Suricata) and say how to install what is missing.
    Doctor,
}

fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    twin::duration::parse(text).map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let cli = parse_cli();
    match execute(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // Scenario errors are miette diagnostics: print them with their source snippet.
            match error.downcast::<twin::load::LoadError>() {
                Ok(load) => eprintln!("{:?}", miette::Report::new(load)),
                Err(other) => eprintln!("error: {other:#}"),
            }
            ExitCode::FAILURE
        }
    }
}

/// The arguments; `--version` also names the firmware build that `--net tun`
/// and `conformance` test by default (looked for only when asked).
fn parse_cli() -> Cli {
    use clap::{CommandFactory, FromArgMatches};
    if !std::env::args_os().any(|a| a == "--version" || a == "-V") {
        return Cli::parse();
    }
    let text = officetwin::doctor::version_text(&officetwin::doctor::SystemProbe);
    let matches = Cli::command()
        .version(&*Box::leak(text.into_boxed_str()))
        .get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

fn execute(cli: Cli) -> Result<()> {
    let catalog = match &cli.scenarios {
        Some(dir) => Catalog::from_dir(dir)?,
        None => Catalog::embedded(),
    };
    match cli.command {
        Command::List => {
            let list = catalog.list();
            let width = list.iter().map(|(id, _)| id.len()).max().unwrap_or(0);
            for (id, title) in list {
                println!("{id:<width$}  {title}");
            }
            Ok(())
        }
        Command::Run {
            scenario,
            out,
            no_capture,
            export_cap,
            net,
            firmware,
        } => {
            let out = out.unwrap_or_else(|| Path::new("out").join(&scenario));
            let firmware = match net {
                officetwin::tun_cmd::Net::Memory => None,
                officetwin::tun_cmd::Net::Tun => {
                    officetwin::tun_cmd::enter_tun_mode()?;
                    Some(firmware)
                }
            };
            run(&catalog, &scenario, &out, !no_capture, export_cap, firmware)
        }
        Command::Report {
            scenario,
            month,
            lang,
            out,
            store,
        } => {
            let lang = officetwin::report_cmd::parse_lang(&lang)?;
            let out = out.unwrap_or_else(|| Path::new("out").join(&scenario).join("report"));
            let args = officetwin::report_cmd::ReportArgs {
                scenario,
                month,
                lang,
                out,
                store,
            };
            let written = officetwin::report_cmd::run(&catalog, &args)?;
            let shown: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
            eprintln!("wrote {}", shown.join(", "));
            Ok(())
        }
        Command::Replay {
            capture,
            policy,
            intel,
            fix_checksums,
            rules,
            web_policy,
            verbose,
        } => replay_all(
            &capture,
            policy.as_deref(),
            intel.as_deref(),
            officetwin::replay::ReplayOptions { fix_checksums },
            &rules,
            &WebOptions {
                policy: web_policy.as_deref(),
                verbose,
            },
        ),
        Command::Rules { files } => {
            let rules = officetwin::netprot::load_rules(&files)?;
            print!("{}", officetwin::netprot::describe(&rules));
            eprintln!("{} rules, all valid", rules.len());
            Ok(())
        }
        Command::Conformance {
            firmware,
            baseline,
            junit,
            only,
            shard,
            jobs,
            out,
        } => {
            let options = officetwin::conformance::Options {
                firmware,
                baseline,
                junit: junit.clone(),
                scenarios: only,
                shard,
                jobs: jobs.unwrap_or_else(officetwin::pool::cores),
                out,
            };
            let selected = officetwin::conformance::selected(&catalog, &options);
            eprintln!(
                "conformance: {} scenarios (shard {shard}), {} at a time",
                selected.len(),
                options.jobs.clamp(1, selected.len().max(1))
            );
            let report = officetwin::conformance::run(&catalog, &options)?;
            print!("{}", officetwin::conformance::table(&report));
            if let Some(path) = junit {
                eprintln!("wrote {}", path.display());
            }
            if report.passed() {
                Ok(())
            } else {
                Err(anyhow::anyhow!(
                    "{} conformance checks failed",
                    report.failures()
                ))
            }
        }
        Command::Fleet {
            offices,
            month,
            template,
            seed,
            jobs,
            out,
        } => {
            let options = officetwin::fleet::Options {
                offices,
                month: cloud::report::Month::parse(&month).map_err(anyhow::Error::msg)?,
                template,
                seed,
                jobs: jobs.unwrap_or_else(officetwin::pool::cores),
                days: None,
            };
            fleet(&catalog, &options, &out)
        }
        Command::JunitMerge {
            reports,
            out,
            name,
            allow_duplicates,
        } => junit_merge(&reports, &out, &name, allow_duplicates),
        Command::Exec {
            host,
            scenario,
            after,
            out,
            command,
        } => {
            let out = out.unwrap_or_else(|| Path::new("out").join(format!("exec-{host}")));
            let outcome = officetwin::tun_cmd::exec(
                &catalog,
                &officetwin::tun_cmd::ExecRequest {
                    scenario: &scenario,
                    host: &host,
                    after,
                    out: &out,
                    command: &command,
                },
            )?;
            eprintln!(
                "{} frames from {host}, {} to it; gateway events while it ran: {}",
                outcome.frames_from_host,
                outcome.frames_to_host,
                outcome.events.len()
            );
            for event in &outcome.events {
                eprintln!("{}", officetwin::tun_cmd::event_line(event));
            }
            eprintln!("wrote {}", out.display());
            match outcome.status.code() {
                Some(0) => Ok(()),
                Some(code) => Err(anyhow::anyhow!("{} exited with status {code}", command[0])),
                None => Err(anyhow::anyhow!(
                    "{} was killed: {}",
                    command[0],
                    outcome.status
                )),
            }
        }
        Command::Console(args) => officetwin::console::cli::console(&catalog, args),
        Command::Demo(args) => officetwin::console::cli::demo(&catalog, args),
        Command::Doctor => {
            let probe = officetwin::doctor::SystemProbe;
            print!(
                "{}",
                officetwin::doctor::render(&officetwin::doctor::diagnose(&probe))
            );
            Ok(())
        }
    }
}

/// Replays each capture; with several, names each and ends with a tally.
/// `replay --web-policy` and `--verbose`.
struct WebOptions<'a> {
    policy: Option<&'a Path>,
    verbose: bool,
}

fn replay_all(
    captures: &[PathBuf],
    policy: Option<&Path>,
    intel: Option<&Path>,
    options: officetwin::replay::ReplayOptions,
    rules: &[PathBuf],
    web: &WebOptions<'_>,
) -> Result<()> {
    let mut config: appliance::Config = match policy {
        Some(path) => {
            let text =
                fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
            twin::load::gateway_config_from_str(&path.display().to_string(), &text)?
        }
        None => appliance::Config::default(),
    };
    if !rules.is_empty() {
        config.ips.rules = officetwin::netprot::load_rules(rules)?;
    }
    if let Some(path) = web.policy {
        config.policy = twin::load::policy_file(path)?;
    }
    let intel = match intel {
        Some(path) => read_yaml(path)?,
        None => appliance::FrozenIntel::default(),
    };
    if let [one] = captures {
        if web.verbose {
            let replay = officetwin::replay::replay_file_with(one, config, intel, options)?;
            print!("{}", officetwin::replay::render(&replay, true));
            return Ok(());
        }
        // Events written as they come: memory does not grow with the capture.
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        let replay = officetwin::replay::replay_file_to(one, config, intel, options, &mut out)?;
        std::io::Write::write_all(
            &mut out,
            officetwin::replay::render_summary(&replay).as_bytes(),
        )?;
        std::io::Write::flush(&mut out)?;
        return Ok(());
    }
    let job = officetwin::replay::Job {
        config,
        intel,
        options,
        verbose: web.verbose,
    };
    // Every core, each capture through its own gateway; printed in input order.
    let workers = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let tally =
        officetwin::replay::replay_many(captures, &job, workers, &mut std::io::stdout().lock())?;
    if !tally.unreadable.is_empty() {
        let names: Vec<String> = tally
            .unreadable
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        anyhow::bail!(
            "{} of {} captures could not be replayed: {}",
            tally.unreadable.len(),
            captures.len(),
            names.join(", ")
        );
    }
    Ok(())
}

/// A YAML file into a validated type; errors name `file:line:column`.
fn read_yaml<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let text = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    appliance::yaml_guard::check(&text, appliance::yaml_guard::YamlLimits::DEFAULT)
        .map_err(|e| anyhow::anyhow!("{}:{e}", path.display()))?;
    serde_yaml::from_str(&text).map_err(|e| match e.location() {
        Some(at) => anyhow::anyhow!("{}:{}:{}: {e}", path.display(), at.line(), at.column()),
        None => anyhow::anyhow!("{}: {e}", path.display()),
    })
}

fn run(
    catalog: &Catalog,
    id: &str,
    out: &Path,
    capture: bool,
    export_cap: usize,
    firmware: Option<Option<PathBuf>>,
) -> Result<()> {
    let scenario = catalog.scenario(id)?;
    fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    eprintln!("{}: {}", scenario.id, scenario.title);
    eprintln!("reproduces: {}", scenario.reproduces);

    let mut session = Session::with_store_file(
        scenario,
        WorldOptions { capture },
        &out.join("gateway.sqlite"),
    )?;
    if let Some(program) = &firmware {
        officetwin::tun_cmd::attach_firmware(
            &mut session,
            catalog,
            program.as_deref(),
            &out.join("firmware"),
        )?;
    }
    let start = session.now();
    let end = session.world.end();
    let total = end.saturating_since(start).as_secs().max(1);
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {percent:>3}% virtual time")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let wall = std::time::Instant::now();
    session.run_until_with(end, &mut |now| {
        bar.set_position(now.saturating_since(start).as_secs());
        bar.set_message(now.jst_string());
    })?;
    bar.finish_and_clear();
    if let Some(failure) = session.world.gateway_failure() {
        anyhow::bail!("the gateway under test failed: {failure}");
    }
    let elapsed = wall.elapsed();
    eprintln!(
        "simulated {} to {} JST in {:.2?} of wall time",
        start.jst_string(),
        end.jst_string(),
        elapsed
    );

    let summary = Summary::of(&session)?;
    println!("{}", summary.render());
    write_outputs(&session, out, export_cap)?;
    Ok(())
}

fn write_outputs(session: &Session, out: &Path, export_cap: usize) -> Result<()> {
    let csv_path = out.join("logs.csv");
    let file =
        fs::File::create(&csv_path).with_context(|| format!("creating {}", csv_path.display()))?;
    let mut writer = BufWriter::new(file);
    let export = session.cloud.store.export_csv(
        &EventFilter::default(),
        &ExportOptions {
            cap: export_cap,
            ..ExportOptions::default()
        },
        &mut writer,
    )?;
    drop(writer);
    if export.capped {
        eprintln!(
            "log export capped at {} of {} rows (use --export-cap to change)",
            export.rows_written, export.rows_matching
        );
    }

    let alerts_dir = out.join("alerts");
    if alerts_dir.exists() {
        fs::remove_dir_all(&alerts_dir)
            .with_context(|| format!("clearing {}", alerts_dir.display()))?;
    }
    fs::create_dir_all(&alerts_dir)?;
    let desk = &session.scenario.gateway.alerts.to;
    for (n, mail) in session.world.mailbox(desk).iter().enumerate() {
        let path = alerts_dir.join(format!("{:03}.eml", n + 1));
        fs::write(&path, mail.raw.as_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
    }

    let mut written = vec![
        csv_path.display().to_string(),
        format!("{}/", alerts_dir.display()),
    ];
    let devices = out.join("devices.csv");
    if let Some(list) = session.world.gateway_driver().devices() {
        fs::write(&devices, officetwin::netprot::devices_csv(list))
            .with_context(|| format!("writing {}", devices.display()))?;
        written.push(devices.display().to_string());
    } else {
        // The device list is the firmware's own, which its driver cannot
        // show; an empty file would look like a quiet office.
        if devices.exists() {
            fs::remove_file(&devices)
                .with_context(|| format!("removing the stale {}", devices.display()))?;
        }
        eprintln!("devices.csv not written: the device list is the firmware build's own");
    }
    let mut wireshark = None;
    if let Some(pcap) = session.world.pcapng() {
        let path = out.join("capture.pcapng");
        fs::write(&path, pcap).with_context(|| format!("writing {}", path.display()))?;
        written.push(path.display().to_string());
        // A frame the gateway forwards is on both links: unfiltered,
        // Wireshark takes the second copy for a retransmission.
        wireshark = Some(format!(
            "{} holds both links: in Wireshark filter frame.interface_name == \"lan\" (or \"wan\")",
            path.display()
        ));
    }
    written.push(out.join("gateway.sqlite").display().to_string());
    if session.cloud.store.count(&EventFilter::default())? == 0
        && !session.scenario.actors.is_empty()
    {
        // An empty log is a result too, but say it plainly: a quiet day is not proof of safety.
        eprintln!("note: the gateway logged no detections in this run");
    }
    eprintln!("wrote {}", written.join(", "));
    if let Some(line) = wireshark {
        eprintln!("{line}");
    }
    Ok(())
}

fn junit_merge(reports: &[PathBuf], out: &Path, name: &str, allow_duplicates: bool) -> Result<()> {
    let texts = reports
        .iter()
        .map(|p| {
            fs::read_to_string(p)
                .with_context(|| format!("reading {}", p.display()))
                .map(|text| (p.display().to_string(), text))
        })
        .collect::<Result<Vec<_>>>()?;
    let inputs: Vec<officetwin::junit::Input<'_>> = texts
        .iter()
        .map(|(name, xml)| officetwin::junit::Input { name, xml })
        .collect();
    let merged = officetwin::junit::merge(&inputs, name)?;
    fs::write(out, &merged.xml).with_context(|| format!("writing {}", out.display()))?;
    eprintln!(
        "wrote {}: {} from {} reports",
        out.display(),
        merged.counts,
        reports.len()
    );
    for (id, holders) in &merged.duplicates {
        eprintln!("  in more than one report: {id} ({})", holders.join(", "));
    }
    if !merged.duplicates.is_empty() && !allow_duplicates {
        anyhow::bail!(
            "{} test cases are in more than one report (overlapping shards?); --allow-duplicates keeps them",
            merged.duplicates.len()
        );
    }
    Ok(())
}

fn fleet(catalog: &Catalog, options: &officetwin::fleet::Options, out: &Path) -> Result<()> {
    anyhow::ensure!(options.offices > 0, "--offices must be at least 1");
    eprintln!(
        "fleet: {} offices from {}, {} at a time",
        options.offices,
        options.template,
        options.jobs.clamp(1, options.offices)
    );
    let bar = ProgressBar::new(options.offices as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{pos}/{len} offices [{bar:40}] {elapsed} elapsed, {eta} left",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    // Without a terminal (a CI log) the bar is hidden: a line every tenth.
    let tenth = (options.offices / 10).max(1);
    let started = std::time::Instant::now();
    let fleet = officetwin::fleet::run(catalog, options, &|done, total| {
        bar.set_position(done as u64);
        if bar.is_hidden() && (done % tenth == 0 || done == total) {
            eprintln!(
                "fleet: {done}/{total} offices, {:.0} s",
                started.elapsed().as_secs_f64()
            );
        }
    })?;
    bar.finish_and_clear();
    let mut table = fleet.table(options);
    if let Some(kib) = officetwin::fleet::peak_rss_kib() {
        table.push_str(&format!("peak memory {:.1} MiB\n", kib as f64 / 1024.0));
    }
    print!("{table}");
    fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    fs::write(out.join("totals.txt"), &table)
        .with_context(|| format!("writing {}", out.join("totals.txt").display()))?;
    fs::write(out.join("offices.csv"), fleet.csv())
        .with_context(|| format!("writing {}", out.join("offices.csv").display()))?;
    eprintln!("wrote {}/totals.txt and offices.csv", out.display());
    Ok(())
}
