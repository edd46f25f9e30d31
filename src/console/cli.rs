//! The `console` and `demo` subcommands (the CLI's `main.rs` only dispatches
//! here).

use super::launch::{announce, live_twin, start, stored_logs};
use crate::demo::{Narrator, Pace, parse_speed};
use crate::live::LiveTwin;
use anyhow::{Context, Result, bail};
use cloud::Lang;
use cloud::console::Login;
use cloud::console::source::{Source, Told};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use twin::catalog::Catalog;

fn parse_lang(text: &str) -> Result<Lang, String> {
    Lang::parse(text).ok_or_else(|| format!("`{text}` is not a language: ja or en"))
}

#[derive(Debug, clap::Args)]
pub struct ConsoleArgs {
    /// Serve this log store (e.g. out/winxp-cnc-beacon/gateway.sqlite) instead
    /// of running a scenario.
    #[arg(long, value_name = "FILE")]
    pub store: Option<PathBuf>,
    /// The scenario to run and serve (or, with --store, whose office names
    /// the devices).
    #[arg(long, value_name = "ID")]
    pub scenario: Option<String>,
    /// Port on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Language of the pages.
    #[arg(long, default_value = "ja", value_parser = parse_lang)]
    pub lang: Lang,
    /// The login account (password: OFFICETWIN_CONSOLE_PASSWORD, or a random one printed at start).
    #[arg(long, default_value = "admin")]
    pub account: String,
    /// Save screenshots of the console's pages into DIR and exit.
    #[arg(long, value_name = "DIR")]
    pub screenshot: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Scenario id with a demo script (scenarios/demos/ID.yaml).
    pub scenario: String,
    /// Virtual time per wall second, e.g. 60x or 600x.
    #[arg(long, default_value = "60x")]
    pub speed: String,
    /// Language of the narration and the console.
    #[arg(long, default_value = "ja", value_parser = parse_lang)]
    pub lang: Lang,
    /// One moment per key press (Enter) instead of paced.
    #[arg(long)]
    pub step: bool,
    /// Port on 127.0.0.1 for the console (0: any free port).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// The login account (password: OFFICETWIN_CONSOLE_PASSWORD, or a random one printed at start).
    #[arg(long, default_value = "admin")]
    pub account: String,
    /// Where the demo's log store goes [default: out/SCENARIO-demo].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Exit when the story is told instead of keeping the console open.
    #[arg(long)]
    pub exit: bool,
    /// Save screenshots of the console into DIR when the story is told.
    #[arg(long, value_name = "DIR")]
    pub screenshot: Option<PathBuf>,
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the console's runtime")
}

pub fn console(catalog: &Catalog, args: ConsoleArgs) -> Result<()> {
    let source: Arc<Mutex<dyn Source>> = match &args.store {
        Some(path) => Arc::new(Mutex::new(stored_logs(
            catalog,
            path,
            args.scenario.as_deref(),
        )?)),
        None => {
            let id = args.scenario.as_deref().unwrap_or("winxp-cnc-beacon");
            let mut twin = live_twin(catalog, id, None)?;
            eprintln!("running {id} to its end...");
            twin.session.run_to_end()?;
            Arc::new(Mutex::new(twin))
        }
    };
    let login = Login::from_env(&args.account)?;
    runtime()?.block_on(async move {
        let server = start(source, &login, args.lang, args.port).await?;
        let url = server.url();
        announce(&server, &login, args.lang);
        let serving = tokio::spawn(server.run());
        if let Some(dir) = &args.screenshot {
            let files =
                super::browser::screenshots(&url, &login.account, &login.password, dir).await?;
            for f in files {
                println!("{}", f.display());
            }
            serving.abort();
            return Ok(());
        }
        tokio::select! {
            r = serving => r.context("console task")?,
            _ = tokio::signal::ctrl_c() => Ok(()),
        }
    })
}

fn print_moment(lang: Lang, told: &Told) {
    let text = if lang == Lang::En { &told.en } else { &told.ja };
    let page = told
        .show
        .as_deref()
        .map(|p| format!("   [{p}]"))
        .unwrap_or_default();
    println!("\n▶ {}  {text}{page}", told.at);
}

pub fn demo(catalog: &Catalog, args: DemoArgs) -> Result<()> {
    let Some((script, scenario)) = catalog.demo(&args.scenario)? else {
        bail!(
            "scenario `{}` has no demo script (scenarios/demos/{}.yaml); demos: {}",
            args.scenario,
            args.scenario,
            catalog.demo_ids().join(", ")
        );
    };
    let pace = if args.step {
        Pace::Step
    } else {
        Pace::Speed(parse_speed(&args.speed)?)
    };
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("out").join(format!("{}-demo", scenario.id)));
    let store = out.join("gateway.sqlite");
    let twin = live_twin(catalog, &scenario.id, Some(&store))?;
    let live: Arc<Mutex<LiveTwin>> = Arc::new(Mutex::new(twin));
    let source: Arc<Mutex<dyn Source>> = live.clone();
    let login = Login::from_env(&args.account)?;
    let lang = args.lang;
    let rt = runtime()?;
    let server = rt.block_on(start(source, &login, lang, args.port))?;
    let url = server.url();
    println!("{}", script.title.get(lang.code()));
    announce(&server, &login, lang);
    let serving = rt.spawn(server.run());

    let mut narrator = Narrator::new(script);
    let wall = std::time::Instant::now();
    let mut tell = |t: &Told| print_moment(lang, t);
    let mut wait = || {
        eprint!("{}", lang.t("cli_next"));
        let mut line = String::new();
        let _ = std::io::stdin().lock().read_line(&mut line);
    };
    crate::demo::run(&live, &mut narrator, pace, &mut tell, &mut wait)?;
    let counts = {
        let twin = live.lock().unwrap_or_else(|p| p.into_inner());
        crate::summary::Summary::of(&twin.session)?
    };
    println!("\n{}", counts.render());
    eprintln!(
        "{} {:.1?}; {}",
        lang.t("cli_told_in"),
        wall.elapsed(),
        store.display()
    );
    if let Some(dir) = &args.screenshot {
        let files = rt.block_on(super::browser::screenshots(
            &url,
            &login.account,
            &login.password,
            dir,
        ))?;
        for f in files {
            println!("{}", f.display());
        }
    }
    if !args.exit {
        eprintln!("{} {url} (Ctrl-C)", lang.t("cli_story_told"));
        rt.block_on(async {
            let _ = tokio::signal::ctrl_c().await;
        });
    }
    serving.abort();
    Ok(())
}
