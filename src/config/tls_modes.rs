//! The settings each `tls.mode` needs, checked when the configuration loads (before any
//! file is made), so a wrong combination stops the start with a sentence naming the key.

use super::{Config, ConfigError, Rule, TlsMode};

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
                None => return Err(ConfigError::FilesNeed(key)),
                Some(p) if p.as_os_str().is_empty() => return Err(ConfigError::EmptyPath(key)),
                Some(_) => {}
            }
        }
    } else if tls.cert_file.is_some() || tls.key_file.is_some() {
        return Err(Rule::FilesWithoutMode.into());
    }
    if tls.mode == TlsMode::Proxy {
        if !config.listen.ip().is_loopback() {
            return Err(ConfigError::ProxyListen(config.listen));
        }
        if config.http_listen.is_some() {
            return Err(Rule::ProxyHttpListen.into());
        }
        if config.hostname.is_none() {
            return Err(Rule::ProxyHostname.into());
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
