//! The console's HTML: minijinja templates built into the binary, rendered
//! with auto-escaping (every value from the logs is untrusted text).

use minijinja::Environment;

/// Every template, by name.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("templates/base.html")),
    ("login.html", include_str!("templates/login.html")),
    ("dashboard.html", include_str!("templates/dashboard.html")),
    ("logs.html", include_str!("templates/logs.html")),
    (
        "internet_access.html",
        include_str!("templates/internet_access.html"),
    ),
    ("devices.html", include_str!("templates/devices.html")),
    ("policies.html", include_str!("templates/policies.html")),
    ("reports.html", include_str!("templates/reports.html")),
    ("demo.html", include_str!("templates/demo.html")),
    ("endpoints.html", include_str!("templates/endpoints.html")),
    ("endpoint.html", include_str!("templates/endpoint.html")),
    (
        "app_security.html",
        include_str!("templates/app_security.html"),
    ),
];

pub fn environment() -> Result<Environment<'static>, minijinja::Error> {
    let mut env = Environment::new();
    for (name, source) in TEMPLATES {
        env.add_template(name, source)?;
    }
    Ok(env)
}

#[cfg(test)]
mod tests {
    #[test]
    fn templates_compile() {
        super::environment().unwrap();
    }

    #[test]
    fn templates_use_only_known_labels() {
        for (name, source) in super::TEMPLATES {
            let mut rest = *source;
            while let Some(at) = rest.find("t.") {
                let before = rest[..at].chars().last();
                rest = &rest[at + 2..];
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    continue;
                }
                let key: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                assert!(
                    crate::labels::has(&key),
                    "{name} uses unknown label t.{key}"
                );
            }
        }
    }
}
