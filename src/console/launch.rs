//! Starting the console from the command line: `officetwin console` (a
//! scenario's finished run, or a log store file) and the console half of
//! `officetwin demo`.

use crate::live::LiveTwin;
use crate::session::{Session, office_view};
use anyhow::{Context, Result};
use cloud::Lang;
use cloud::console::{Login, Server, Source, StoredLogs};
use cloud::labels::tf;
use cloud::store::SqliteStore;
use std::path::Path;
use std::sync::{Arc, Mutex};
use twin::catalog::Catalog;
use twin::world::WorldOptions;

/// The `gateway:` section of a scenario's YAML as the console's editable
/// policy text.
pub fn policy_text(catalog: &Catalog, id: &str) -> Result<String> {
    let source = catalog.scenario_source(id)?;
    let doc: serde_yaml::Value = serde_yaml::from_str(&source)?;
    match doc.get("gateway") {
        Some(gateway) if !gateway.is_null() => Ok(serde_yaml::to_string(gateway)?),
        _ => Ok("{}\n".to_string()),
    }
}

/// The `policy:` section of a scenario's YAML (its security profile) as the
/// console's editable text.
pub fn profile_text(catalog: &Catalog, id: &str) -> Result<String> {
    let source = catalog.scenario_source(id)?;
    let doc: serde_yaml::Value = serde_yaml::from_str(&source)?;
    match doc.get("policy") {
        Some(policy) if !policy.is_null() => Ok(serde_yaml::to_string(policy)?),
        _ => Ok("{}\n".to_string()),
    }
}

/// A scenario's twin, ready to run (and to serve): its session with the log
/// store in memory or at `store`.
pub fn live_twin(catalog: &Catalog, id: &str, store: Option<&Path>) -> Result<LiveTwin> {
    let scenario = catalog.scenario(id)?;
    let options = WorldOptions { capture: false };
    let session = match store {
        Some(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("creating {}", dir.display()))?;
            }
            Session::with_store_file(scenario, options, path)?
        }
        None => Session::new(scenario, options)?,
    };
    let mut twin = LiveTwin::new(session, policy_text(catalog, id)?);
    twin.profile_text = profile_text(catalog, id)?;
    Ok(twin)
}

/// The log store at `path` (written by `officetwin run` or a running demo),
/// with the office of `scenario` for device names.
pub fn stored_logs(catalog: &Catalog, path: &Path, scenario: Option<&str>) -> Result<StoredLogs> {
    if !path.is_file() {
        anyhow::bail!(
            "{}: no such log store (run `officetwin run SCENARIO` first; it writes out/SCENARIO/gateway.sqlite)",
            path.display()
        );
    }
    let store = SqliteStore::open(path).with_context(|| format!("opening {}", path.display()))?;
    let office = match scenario {
        Some(id) => Some(catalog.scenario(id)?.office),
        None => None,
    };
    let name = office
        .as_ref()
        .map(|o| o.gateway_name.clone())
        .unwrap_or_else(|| "CloudEdge".to_string());
    Ok(StoredLogs {
        store,
        office: office.as_ref().map(office_view),
        name,
        endpoint: StoredLogs::endpoint_tables(path),
        app_security: StoredLogs::app_security_tables(path),
    })
}

/// Prints where the console is and how to log in.
pub fn announce(server: &Server, login: &Login, lang: Lang) {
    eprintln!("{}", tf("cli_console_url", lang, &[("url", server.url())]));
    eprintln!(
        "{}",
        tf(
            "cli_login",
            lang,
            &[
                ("account", login.account.clone()),
                (
                    "password",
                    login
                        .shown_password(
                            std::env::var("OFFICETWIN_CONSOLE_PASSWORD").ok().as_deref(),
                        )
                        .map_or_else(
                            || lang.t("cli_password_from_env").to_string(),
                            str::to_string
                        ),
                ),
            ],
        )
    );
}

/// Binds the console for `source` on 127.0.0.1:`port`.
pub async fn start(
    source: Arc<Mutex<dyn Source>>,
    login: &Login,
    lang: Lang,
    port: u16,
) -> Result<Server> {
    Server::bind(source, login, lang, port).await
}
