//! The settings each `tls.mode` needs, checked when the configuration loads (before any
//! file is made), so a wrong combination stops the start with a sentence naming the key.

use super::{Config, ConfigError, TlsMode};

fn invalid(text: impl Into<String>) -> ConfigError {
    ConfigError::Invalid(text.into())
}

/// Refuses settings that do not fit `tls.mode`: files without both paths, paths without
/// files mode, and a proxy mode that would be reachable from other computers.
pub fn validate(config: &Config) -> Result<(), ConfigError> {
    let tls = &config.tls;
    if tls.mode == TlsMode::Files {
        for (key, value) in [
            ("tls.cert_file", &tls.cert_file),
            ("tls.key_file", &tls.key_file),
        ] {
            match value {
                None => {
                    return Err(invalid(format!(
                        "`tls.mode = \"files\"` needs `{key}`: the path of the PEM file"
                    )))
                }
                Some(p) if p.as_os_str().is_empty() => {
                    return Err(invalid(format!(
                        "`{key}` is empty; give the path of the PEM file"
                    )))
                }
                Some(_) => {}
            }
        }
    } else if tls.cert_file.is_some() || tls.key_file.is_some() {
        return Err(invalid(
            "`tls.cert_file` and `tls.key_file` are used only with `tls.mode = \"files\"`; set that mode or remove them",
        ));
    }
    if tls.mode == TlsMode::Proxy {
        if !config.listen.ip().is_loopback() {
            return Err(invalid(format!(
                "`listen` = {} is refused with `tls.mode = \"proxy\"`: without TLS the server must listen on a loopback address (127.0.0.1 or ::1) that only the reverse proxy on this computer reaches",
                config.listen
            )));
        }
        if config.http_listen.is_some() {
            return Err(invalid(
                "`http_listen` (--http-listen) cannot be used with `tls.mode = \"proxy\"`: the reverse proxy answers plain HTTP and redirects it; remove the setting",
            ));
        }
        if config.hostname.is_none() {
            return Err(invalid(
                "`tls.mode = \"proxy\"` needs `hostname`: the name browsers use to reach the reverse proxy (links point at https://hostname/)",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(mode: TlsMode) -> Config {
        let mut c = Config::default();
        c.tls.mode = mode;
        c
    }

    #[test]
    fn files_mode_needs_both_paths_and_other_modes_take_none() {
        let mut c = config(TlsMode::Files);
        let err = validate(&c).unwrap_err().to_string();
        assert!(err.contains("tls.cert_file"), "{err}");
        c.tls.cert_file = Some("/etc/alcove/cert.pem".into());
        let err = validate(&c).unwrap_err().to_string();
        assert!(err.contains("tls.key_file"), "{err}");
        c.tls.key_file = Some("/etc/alcove/key.pem".into());
        validate(&c).unwrap();
        c.tls.mode = TlsMode::SelfSigned;
        let err = validate(&c).unwrap_err().to_string();
        assert!(err.contains("only with `tls.mode = \"files\"`"), "{err}");
    }

    #[test]
    fn proxy_mode_listens_on_loopback_only_without_a_redirect_and_with_a_hostname() {
        let mut c = config(TlsMode::Proxy);
        c.hostname = Some("portal.example.org".into());
        c.listen = "127.0.0.1:8080".parse().unwrap();
        validate(&c).unwrap();
        c.listen = "[::1]:8080".parse().unwrap();
        validate(&c).unwrap();
        for addr in ["0.0.0.0:8080", "[::]:8080", "192.0.2.10:8080"] {
            c.listen = addr.parse().unwrap();
            let err = validate(&c).unwrap_err().to_string();
            assert!(
                err.contains("`listen`") && err.contains("loopback"),
                "{err}"
            );
        }
        c.listen = "127.0.0.1:8080".parse().unwrap();
        c.http_listen = Some("127.0.0.1:8081".parse().unwrap());
        let err = validate(&c).unwrap_err().to_string();
        assert!(err.contains("http_listen"), "{err}");
        c.http_listen = None;
        c.hostname = None;
        let err = validate(&c).unwrap_err().to_string();
        assert!(err.contains("`hostname`"), "{err}");
    }
}
