//! The device list and blocking a device at the gateway.

use super::*;

fn devices_page(
    console: &Console,
    authed: &Authed,
    done: Option<String>,
    error: Option<String>,
) -> Response {
    let (rows, can_block) = {
        let source = lock(&console.inner.source);
        (widgets::devices(&*source), source.can_block())
    };
    match rows {
        Ok(devices) => console.render(
            "devices.html",
            Some(authed),
            "devices",
            "/devices",
            done.is_none() && error.is_none(),
            context! { devices => ser(&devices), can_block, done, error },
        ),
        Err(e) => internal(e),
    }
}

pub(super) async fn devices(State(console): State<Console>, authed: Authed) -> Response {
    devices_page(&console, &authed, None, None)
}

#[derive(Deserialize)]
pub(super) struct BlockForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    by: String,
    #[serde(default)]
    ip: String,
    #[serde(default)]
    mac: String,
}

pub(super) async fn block_device(
    State(console): State<Console>,
    authed: Authed,
    headers: HeaderMap,
    Form(form): Form<BlockForm>,
) -> Response {
    if !post_ok(&headers, &authed, &form.csrf) {
        return refused();
    }
    let key = match form.by.as_str() {
        "ip" => match form.ip.trim().parse() {
            Ok(ip) => Ok(DeviceKey::Ip(ip)),
            Err(_) => Err(format!("`{}` is not an IPv4 address", form.ip)),
        },
        "mac" => Ok(DeviceKey::Mac(form.mac.trim().to_ascii_lowercase())),
        other => Err(format!("unknown way to block: `{other}`")),
    };
    let outcome = key.and_then(|key| {
        let mut source = lock(&console.inner.source);
        source.block_device(&key).map(|()| match key {
            DeviceKey::Ip(ip) => ip.to_string(),
            DeviceKey::Mac(mac) => mac,
        })
    });
    match outcome {
        Ok(what) => devices_page(
            &console,
            &authed,
            Some(format!("{} {what}", authed.session.lang.t("blocked"))),
            None,
        ),
        Err(reason) => {
            let mut r = devices_page(&console, &authed, None, Some(reason));
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            r
        }
    }
}
