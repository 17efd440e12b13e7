//! The Debian package and the systemd unit: `packaging/build-deb.sh` turns the test build of
//! `alcove` into a .deb that lintian passes, with the layout, modes, conffile and
//! maintainer scripts an install relies on; the unit it ships scores at most 2.0 in
//! `systemd-analyze security`; the shipped configuration loads as it is and names only real
//! keys. Installing the package (`dpkg -i`) changes the machine, so no test does it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::kit::{require_tool, Server, BIN};

const VERSION: &str = env!("CARGO_PKG_VERSION");

fn packaging(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("packaging")
        .join(file)
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Builds the package from the test binary into `out` and returns its path.
pub(crate) fn build_deb(out: &Path) -> PathBuf {
    let built = run(Command::new(packaging("build-deb.sh"))
        .arg(BIN)
        .arg(out)
        .env("DEB_COMPRESSION", "gzip"));
    let deb = PathBuf::from(text(&built).trim());
    assert_eq!(
        deb.file_name().unwrap().to_string_lossy(),
        format!("alcove_{VERSION}-1_amd64.deb")
    );
    deb
}

/// `dpkg-deb -c`: (mode string, owner/group, path) per entry.
fn listing(deb: &Path) -> Vec<(String, String, String)> {
    text(&run(Command::new("dpkg-deb").arg("-c").arg(deb)))
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (
                f[0].into(),
                f[1].into(),
                f[5].trim_start_matches('.').into(),
            )
        })
        .collect()
}

#[test]
fn the_deb_passes_lintian_and_installs_binary_unit_conffile_and_scripts() {
    if !require_tool("lintian") || !require_tool("dpkg-deb") || !require_tool("dpkg-shlibdeps") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let deb = build_deb(dir.path());

    let lint = Command::new("lintian").arg(&deb).output().unwrap();
    let report = format!("{}{}", text(&lint), String::from_utf8_lossy(&lint.stderr));
    let errors: Vec<&str> = report.lines().filter(|l| l.starts_with("E:")).collect();
    assert!(errors.is_empty(), "lintian errors:\n{report}");
    assert!(lint.status.success(), "lintian failed:\n{report}");

    // Every entry is root's; the modes are the ones dpkg and the scripts rely on. The data
    // directory is not in the package (postinst makes it, owned by alcove).
    let entries = listing(&deb);
    let mode_of = |path: &str| {
        entries
            .iter()
            .find(|(_, _, p)| p == path)
            .map(|(m, _, _)| m.as_str())
            .unwrap_or_else(|| panic!("{path} is not in the package: {entries:#?}"))
    };
    assert!(
        entries.iter().all(|(_, o, _)| o == "root/root"),
        "{entries:#?}"
    );
    for (path, mode) in [
        ("/usr/bin/alcove", "-rwxr-xr-x"),
        ("/lib/systemd/system/alcove.service", "-rw-r--r--"),
        ("/etc/alcove/alcove.toml", "-rw-r--r--"),
        ("/usr/share/doc/alcove/copyright", "-rw-r--r--"),
        ("/usr/share/doc/alcove/changelog.Debian.gz", "-rw-r--r--"),
        ("/usr/share/man/man1/alcove.1.gz", "-rw-r--r--"),
    ] {
        assert_eq!(mode_of(path), mode, "{path}");
    }
    assert!(
        !entries.iter().any(|(_, _, p)| p.starts_with("/var/")),
        "{entries:#?}"
    );

    // Control: metadata, the one conffile, the maintainer scripts.
    let control = dir.path().join("control");
    run(Command::new("dpkg-deb").arg("-e").arg(&deb).arg(&control));
    let fields = std::fs::read_to_string(control.join("control")).unwrap();
    for field in [
        "Package: alcove\n".to_owned(),
        format!("Version: {VERSION}-1\n"),
        "Architecture: amd64\n".to_owned(),
    ] {
        assert!(fields.contains(&field), "{field:?} in\n{fields}");
    }
    assert!(fields.contains("Depends: adduser"), "{fields}");
    assert_eq!(
        std::fs::read_to_string(control.join("conffiles")).unwrap(),
        "/etc/alcove/alcove.toml\n"
    );
    for script in ["postinst", "prerm", "postrm"] {
        let path = control.join(script);
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(&path).unwrap().permissions(),
        );
        assert_eq!(mode & 0o777, 0o755, "{script}");
        run(Command::new("sh").arg("-n").arg(&path));
    }
    let postinst = std::fs::read_to_string(control.join("postinst")).unwrap();
    for needed in [
        "adduser --system",
        "getent passwd alcove",
        "chmod 0700 /var/lib/alcove",
        "dpkg-statoverride --update --add root alcove 0640 /etc/alcove/alcove.toml",
    ] {
        assert!(postinst.contains(needed), "postinst lacks {needed:?}");
    }
    let postrm = std::fs::read_to_string(control.join("postrm")).unwrap();
    assert!(
        !postrm.contains("rm -r /var/lib/alcove\n") && !postrm.contains("rm -rf"),
        "a purge must never delete the practice's data:\n{postrm}"
    );

    // Contents: the binary runs, and the unit starts it with the package's own paths.
    let root = dir.path().join("root");
    run(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&root));
    let version = text(&run(
        Command::new(root.join("usr/bin/alcove")).arg("--version")
    ));
    assert!(
        version.starts_with(&format!("alcove {VERSION} ")),
        "{version}"
    );
    let unit = std::fs::read_to_string(root.join("lib/systemd/system/alcove.service")).unwrap();
    assert_eq!(
        unit,
        std::fs::read_to_string(packaging("alcove.service")).unwrap()
    );
    assert!(
        unit.lines().any(|l| l
            == "ExecStart=/usr/bin/alcove --data-dir /var/lib/alcove --config /etc/alcove/alcove.toml serve"),
        "{unit}"
    );
    assert!(unit.contains("\nUser=alcove\n") && unit.contains("\nStateDirectoryMode=0700\n"));
}

/// The packaged configuration, every line a comment, starts the server as it is.
#[test]
fn the_shipped_configuration_loads_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let config = packaging("alcove.toml");
    let server = Server::start(
        &dir.path().join("var-lib-alcove"),
        &["--config", config.to_str().unwrap()],
    );
    let health = server.get("/healthz");
    assert_eq!((health.status, health.body.as_str()), (200, "ok"));
}

/// Every `# key = value` line and `# [table]` header of the shipped configuration, with
/// the "# " taken away, is a key Alcove knows (the combination need not make sense: acme
/// and files settings side by side are refused, but not as unknown keys).
#[test]
fn every_example_key_in_the_shipped_configuration_is_a_real_key() {
    let shipped = std::fs::read_to_string(packaging("alcove.toml")).unwrap();
    let mut uncommented = String::new();
    let mut keys = 0;
    for line in shipped.lines() {
        let rest = line.strip_prefix("# ").unwrap_or("");
        let is_key = rest.split_once(" = ").is_some_and(|(k, _)| {
            !k.is_empty() && k.chars().all(|c| c.is_ascii_lowercase() || c == '_')
        });
        if is_key || rest.starts_with('[') {
            keys += usize::from(is_key);
            uncommented.push_str(rest);
        } else {
            uncommented.push_str(line);
        }
        uncommented.push('\n');
    }
    assert!(keys > 30, "only {keys} example keys found");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("alcove.toml");
    std::fs::write(&file, &uncommented).unwrap();
    let loaded = alcove::config::Config::load(
        dir.path(),
        Some(&file),
        &alcove::config::FlagOverrides::default(),
    );
    if let Err(e) = loaded {
        let e = e.to_string();
        assert!(
            !e.contains("unknown") && !e.contains("invalid type"),
            "{e}\n{uncommented}"
        );
    }
}

#[test]
fn the_systemd_unit_scores_at_most_2_0_in_systemd_analyze_security() {
    if !require_tool("systemd-analyze") {
        return;
    }
    let out = run(Command::new("systemd-analyze")
        .args(["security", "--offline=true", "--no-pager"])
        .arg(packaging("alcove.service")));
    let report = text(&out);
    let score: f64 = report
        .lines()
        .find_map(|l| {
            l.split("Overall exposure level for alcove.service: ")
                .nth(1)
        })
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no overall exposure level in:\n{report}"));
    assert!(score <= 2.0, "exposure {score} > 2.0:\n{report}");
    // The service may bind 443 and 80 and nothing else privileged.
    for line in [
        "AmbientCapabilities=CAP_NET_BIND_SERVICE",
        "CapabilityBoundingSet=CAP_NET_BIND_SERVICE",
        "ProtectSystem=strict",
        "NoNewPrivileges=yes",
    ] {
        let unit = std::fs::read_to_string(packaging("alcove.service")).unwrap();
        assert!(unit.lines().any(|l| l == line), "{line}");
    }
}

/// The Containerfile is `FROM scratch` (no shell: so no `RUN`, and exec-form commands), runs
/// as a non-root user, keeps the data in a volume and says which ports it serves. Where a
/// container engine answers and the static binary is built, the image is built and run.
#[test]
fn the_containerfile_is_from_scratch_non_root_with_a_data_volume() {
    let file = std::fs::read_to_string(packaging("Containerfile")).unwrap();
    let instructions: Vec<&str> = file
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    assert_eq!(instructions.first(), Some(&"FROM scratch"), "{file}");
    assert!(
        !instructions.iter().any(|l| l.starts_with("RUN ")),
        "{file}"
    );
    let user = instructions
        .iter()
        .rev()
        .find_map(|l| l.strip_prefix("USER "))
        .expect("a USER line");
    assert!(
        !user.starts_with("0") && !user.starts_with("root"),
        "USER {user}"
    );
    assert!(instructions.contains(&"VOLUME [\"/data\"]"), "{file}");
    assert!(
        instructions.iter().any(|l| l.starts_with("EXPOSE 8443")),
        "{file}"
    );
    assert!(
        instructions.contains(&"ENTRYPOINT [\"/usr/bin/alcove\"]"),
        "{file}"
    );
    assert!(file.contains("ALCOVE_DATA_DIR=/data"), "{file}");

    // Building needs a container engine with a running daemon and the release build of
    // packaging/build-static.sh (too slow to make here).
    let static_bin = Path::new(BIN)
        .ancestors()
        .nth(2)
        .unwrap()
        .join("x86_64-unknown-linux-gnu/release/alcove");
    let engine = ["docker", "podman"].into_iter().find(|e| {
        Command::new(e)
            .arg("info")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    let Some(engine) = engine.filter(|_| static_bin.exists()) else {
        eprintln!(
            "\n!!!!! NOT BUILT: the container image needs a docker or podman daemon and {} !!!!!\n",
            static_bin.display()
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let built = run(Command::new(packaging("build-container.sh"))
        .arg(&static_bin)
        .arg(dir.path().join("context")));
    let image = text(&built).trim().to_owned();
    assert_eq!(image, format!("alcove:{VERSION}"));
    let version = text(&run(Command::new(engine).args([
        "run",
        "--rm",
        "--network=none",
        &image,
        "--version",
    ])));
    assert!(
        version.starts_with(&format!("alcove {VERSION} ")),
        "{version}"
    );
}
