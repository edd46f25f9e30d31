//! The cloud console (Cloud Edge 管理コンソール) on the twin: server-rendered
//! pages over axum and minijinja, in Japanese by default with an English
//! switch.
//!
//! - [`auth`]: account, argon2 hash, sessions, CSRF tokens, lockout.
//! - [`source`]: what the console reads (a log store, or a running twin whose
//!   gateway it can deploy policies to).
//! - [`widgets`]: the dashboard's widgets and the lists, from the log store.
//! - [`web`]: routes and handlers; no route but the login answers without a
//!   session.
//! - [`access`], [`archive`], [`profile`]: internet access statistics, the
//!   monthly report archive, the security profile and its list edits.
//! - [`endpoints`]: the endpoint option's agents and the cross-view of one
//!   PC (gateway log rows beside its agent's detections).
//! - [`app_security`]: Cloud App Security's page (the month's overview, the
//!   newest detections of the office's cloud mail and storage).
//!
//! Every word comes from [`crate::labels`], the table the reports use too.
//!
//! The server binds to 127.0.0.1 only.

pub mod access;
pub mod app_security;
pub mod archive;
pub mod auth;
pub mod endpoints;
pub mod guard;
pub mod profile;
pub mod render;
pub mod source;
pub mod web;
pub mod widgets;

use anyhow::{Context, Result};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use tokio::net::TcpListener;

pub use crate::labels::Lang;
pub use source::{ProfileParser, Source, StoredLogs};
pub use web::Console;

/// The console's login: the account name and its password.
#[derive(Clone)]
pub struct Login {
    pub account: String,
    pub password: String,
}

impl Login {
    /// `OFFICETWIN_CONSOLE_PASSWORD` if set, else a fresh random password
    /// (printed once at start, as the service mails a new account's link).
    pub fn from_env(account: &str) -> Result<Login> {
        let password = match std::env::var("OFFICETWIN_CONSOLE_PASSWORD") {
            Ok(p) if !p.is_empty() => p,
            _ => auth::random_token()
                .map_err(|e| anyhow::anyhow!("no randomness from the OS: {e}"))?
                .chars()
                .take(16)
                .collect(),
        };
        Ok(Login {
            account: account.to_string(),
            password,
        })
    }
}

impl Login {
    /// The password as the start-up message may show it: a generated one
    /// (the user has no other way to learn it), never one the user set in
    /// the environment (`env_value`: what `OFFICETWIN_CONSOLE_PASSWORD`
    /// holds), which may be seen over a shoulder or in a terminal log.
    pub fn shown_password(&self, env_value: Option<&str>) -> Option<&str> {
        match env_value {
            Some(set) if !set.is_empty() && set == self.password => None,
            _ => Some(&self.password),
        }
    }
}

/// A console listening on 127.0.0.1.
pub struct Server {
    pub addr: SocketAddr,
    listener: TcpListener,
    console: Console,
}

impl Server {
    /// Binds 127.0.0.1:`port` (0: any free port).
    pub async fn bind(
        source: Arc<Mutex<dyn Source>>,
        login: &Login,
        lang: Lang,
        port: u16,
    ) -> Result<Server> {
        let console = Console::new(source, &login.account, &login.password, lang)?;
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))
            .await
            .with_context(|| format!("binding 127.0.0.1:{port}"))?;
        let addr = listener.local_addr()?;
        Ok(Server {
            addr,
            listener,
            console,
        })
    }

    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Serves until the process ends (or the task is dropped).
    pub async fn run(self) -> Result<()> {
        axum::serve(self.listener, self.console.router())
            .await
            .context("serving the console")
    }
}

impl std::fmt::Debug for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Login")
            .field("account", &self.account)
            .field("password", &"(hidden)")
            .finish()
    }
}

/// A console served from its own thread and runtime, stopped when dropped:
/// for the features and for tools that are not async themselves.
pub struct Running {
    pub url: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    pub fn start(source: Arc<Mutex<dyn Source>>, login: &Login, lang: Lang) -> Result<Running> {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<String>>();
        let (shutdown, stop) = tokio::sync::oneshot::channel::<()>();
        let login = login.clone();
        let thread = std::thread::Builder::new()
            .name("console".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e.into()));
                        return;
                    }
                };
                rt.block_on(async move {
                    let server = match Server::bind(source, &login, lang, 0).await {
                        Ok(s) => s,
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return;
                        }
                    };
                    let _ = ready_tx.send(Ok(server.url()));
                    let _ = axum::serve(server.listener, server.console.router())
                        .with_graceful_shutdown(async {
                            let _ = stop.await;
                        })
                        .await;
                });
            })
            .context("starting the console thread")?;
        let url = ready_rx
            .recv()
            .context("the console thread ended before it listened")??;
        Ok(Running {
            url,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Login;

    /// Class: a secret the user chose (here through the environment) echoed
    /// to the terminal at start-up.
    #[test]
    fn password_from_the_environment_is_not_echoed() {
        let login = Login {
            account: "admin".into(),
            password: "s3cret-from-env".into(),
        };
        assert_eq!(login.shown_password(Some("s3cret-from-env")), None);
        assert!(!format!("{login:?}").contains("s3cret"));
        // A generated one is the only way to learn it: shown.
        assert_eq!(login.shown_password(None), Some("s3cret-from-env"));
        assert_eq!(login.shown_password(Some("")), Some("s3cret-from-env"));
    }
}
