//! Policies: the gateway settings, the security profile, list edits and "deploy all".

use super::*;

/// What the policies page says about the last thing done on it.
#[derive(Default)]
pub(super) struct PolicyNotice {
    /// The gateway settings were saved.
    saved: bool,
    /// Why the gateway settings, or a deploy, were refused.
    error: Option<String>,
    /// A list edit that was made, or why it was refused.
    list_done: Option<String>,
    list_error: Option<String>,
    /// The gateway settings' text as submitted, when they were refused.
    policy_text: Option<String>,
    /// The security profile's text as submitted, when it was refused.
    profile_text: Option<String>,
    profile_saved: bool,
}

fn policies_page(console: &Console, authed: &Authed, notice: PolicyNotice) -> Response {
    let (policy, deploys, running_version, profile, profile_text) = {
        let source = lock(&console.inner.source);
        (
            notice.policy_text.clone().or_else(|| source.policy_text()),
            source.deploys().to_vec(),
            source.running_version(),
            source.profile(),
            notice
                .profile_text
                .clone()
                .or_else(|| source.profile_text()),
        )
    };
    // Newest first: the status of the last "deploy all" leads.
    let deploys: Vec<_> = deploys.into_iter().rev().collect();
    let failed = notice.error.is_some() || notice.list_error.is_some();
    let PolicyNotice {
        saved,
        error,
        list_done,
        list_error,
        profile_saved,
        ..
    } = notice;
    let mut r = console.render(
        "policies.html",
        Some(authed),
        "policies",
        "/policies",
        false,
        context! {
            policy,
            deploys => ser(&deploys),
            running_version,
            saved,
            error,
            profile => ser(&profile),
            list_done,
            list_error,
            profile_text,
            profile_saved,
        },
    );
    if failed && r.status() == StatusCode::OK {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    r
}

pub(super) async fn policies(State(console): State<Console>, authed: Authed) -> Response {
    policies_page(&console, &authed, PolicyNotice::default())
}

#[derive(Deserialize)]
pub(super) struct PolicyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    policy: String,
}

pub(super) async fn save_policy(
    State(console): State<Console>,
    authed: Authed,
    headers: HeaderMap,
    Form(form): Form<PolicyForm>,
) -> Response {
    if !post_ok(&headers, &authed, &form.csrf) {
        return refused();
    }
    let result = lock(&console.inner.source).save_policy(&form.policy);
    let notice = match result {
        Ok(()) => PolicyNotice {
            saved: true,
            ..PolicyNotice::default()
        },
        // The text as submitted stays on screen, to be fixed in place.
        Err(reason) => PolicyNotice {
            error: Some(reason),
            policy_text: Some(form.policy),
            ..PolicyNotice::default()
        },
    };
    policies_page(&console, &authed, notice)
}

#[derive(Deserialize)]
pub(super) struct ProfileForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    profile: String,
}

pub(super) async fn save_profile(
    State(console): State<Console>,
    authed: Authed,
    headers: HeaderMap,
    Form(form): Form<ProfileForm>,
) -> Response {
    if !post_ok(&headers, &authed, &form.csrf) {
        return refused();
    }
    // Read outside the lock: every page needs it, and a profile's YAML is
    // the user's (the size and nesting limits come first, in the parser).
    let parser = lock(&console.inner.source).profile_parser();
    let result = match parser {
        None => Err("policies are read-only here".to_string()),
        Some(parse) => {
            // On a blocking thread: the console may run on one async worker.
            let text = form.profile.clone();
            match tokio::task::spawn_blocking(move || parse(&text)).await {
                Ok(Ok(policy)) => lock(&console.inner.source).save_profile(&form.profile, policy),
                Ok(Err(reason)) => Err(reason),
                Err(_) => Err("the profile could not be read".to_string()),
            }
        }
    };
    let notice = match result {
        Ok(()) => PolicyNotice {
            profile_saved: true,
            ..PolicyNotice::default()
        },
        // The text as submitted stays on screen, to be fixed in place.
        Err(reason) => PolicyNotice {
            error: Some(reason),
            profile_text: Some(form.profile),
            ..PolicyNotice::default()
        },
    };
    policies_page(&console, &authed, notice)
}

#[derive(Deserialize)]
pub(super) struct ListForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    list: String,
    #[serde(default)]
    op: String,
    #[serde(default)]
    entry: String,
}

pub(super) async fn edit_list(
    State(console): State<Console>,
    authed: Authed,
    headers: HeaderMap,
    Form(form): Form<ListForm>,
) -> Response {
    if !post_ok(&headers, &authed, &form.csrf) {
        return refused();
    }
    let lang = authed.session.lang;
    let result = profile::ListKind::parse(&form.list).and_then(|list| {
        let op = profile::ListOp::parse(&form.op)?;
        lock(&console.inner.source).edit_list(list, op, &form.entry)?;
        Ok((list, op))
    });
    let notice = match result {
        Ok((list, op)) => PolicyNotice {
            list_done: Some(format!(
                "{}: {} ({})",
                lang.t(match list {
                    profile::ListKind::Allow => "allow_list",
                    profile::ListKind::Block => "block_list",
                }),
                form.entry.trim(),
                lang.t(match op {
                    profile::ListOp::Add => "list_added",
                    profile::ListOp::Remove => "list_removed",
                }),
            )),
            ..PolicyNotice::default()
        },
        Err(reason) => PolicyNotice {
            list_error: Some(reason),
            ..PolicyNotice::default()
        },
    };
    policies_page(&console, &authed, notice)
}

pub(super) async fn deploy_all(
    State(console): State<Console>,
    authed: Authed,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    if !post_ok(&headers, &authed, &form.csrf) {
        return refused();
    }
    let result = lock(&console.inner.source).deploy_all();
    match result {
        Ok(()) => Redirect::to("/policies").into_response(),
        Err(reason) => policies_page(
            &console,
            &authed,
            PolicyNotice {
                error: Some(reason),
                ..PolicyNotice::default()
            },
        ),
    }
}
