//! Structured logs to standard error. No record content and no secret is ever logged:
//! request lines carry the route pattern, never the path (which may hold a token).

use crate::config::LogLevel;

pub fn init(level: LogLevel) {
    let _ = tracing_subscriber::fmt()
        .with_max_level(level.as_tracing())
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}
