//! The Debian package: `packaging/deb/build` makes a .deb of the binary under test, dpkg installs
//! it into a throw-away root (never onto this machine: `--root` and no log outside it), and the
//! installed binary evaluates the installed demo with nothing but the installed files.
//!
//! The package is built from the test profile's binary, not a release build: what is tested is
//! the packaging (files, paths, control fields, dpkg's view), and a release build would add
//! minutes to the suite. `packaging/deb/build` without `--binary` makes the release build.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn run(cmd: &mut Command) -> Output {
    let o = cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        o.status.success(),
        "{cmd:?} exited {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn has(tool: &str) -> bool {
    Command::new("sh").arg("-c").arg(format!("command -v {tool}")).output().is_ok_and(|o| o.status.success())
}

/// The tools the build script and the installation need; without them the test cannot run.
fn tools_present() -> bool {
    let missing: Vec<&str> =
        ["dpkg", "dpkg-deb", "strip", "objdump", "gzip", "md5sum"].into_iter().filter(|t| !has(t)).collect();
    if missing.is_empty() {
        return true;
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{} missing under CI=true: .ci/run must install dpkg-dev", missing.join(", "));
    }
    common::skipped(&format!("{} missing (apt-get install dpkg-dev)", missing.join(", ")));
    false
}

/// An empty dpkg database under `root`, as `dpkg --root` expects one.
fn empty_root(root: &Path) {
    let admin = root.join("var/lib/dpkg");
    for d in ["info", "updates", "triggers"] {
        std::fs::create_dir_all(admin.join(d)).unwrap();
    }
    std::fs::write(admin.join("status"), "").unwrap();
    std::fs::write(admin.join("available"), "").unwrap();
}

/// dpkg acting on `root` only. `--force-not-root`: a user's `cargo test` need not run as root to
/// install into a folder of its own.
fn dpkg(root: &Path) -> Command {
    let mut c = Command::new("dpkg");
    c.arg(format!("--root={}", root.display())).args(["--log=/dev/null", "--force-not-root"]);
    c
}

/// Each `name (>= version)` of a Depends field is installed on this machine at such a version:
/// the field names what the binary really needs to start, and here it starts.
fn assert_satisfied_here(depends: &str) {
    for dep in depends.split(',').map(str::trim) {
        let (name, min) = match dep.split_once(" (>= ") {
            Some((n, v)) => (n, Some(v.trim_end_matches(')'))),
            None => (dep, None),
        };
        let o = run(Command::new("dpkg-query").args(["-W", "-f", "${Version}\n", name]));
        let installed = text(&o.stdout).lines().next().unwrap_or_default().to_string();
        if let Some(min) = min {
            let ok = Command::new("dpkg").args(["--compare-versions", &installed, "ge", min]).status().unwrap();
            assert!(ok.success(), "{name} {installed} does not satisfy >= {min}");
        }
    }
}

#[test]
fn the_deb_installs_into_a_throwaway_root_and_runs_the_demo() {
    if !tools_present() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let version = env!("CARGO_PKG_VERSION");
    let arch = text(&run(Command::new("dpkg").arg("--print-architecture")).stdout).trim().to_string();

    let built = run(Command::new(common::root().join("packaging/deb/build"))
        .args(["--binary", env!("CARGO_BIN_EXE_tuanthu"), "--compress", "none", "--out"])
        .arg(&out));
    let deb = out.join(format!("tuanthu_{version}_{arch}.deb"));
    assert_eq!(text(&built.stdout), format!("{}\n", deb.display()));

    // The control file: what apt shows and resolves.
    let field =
        |name: &str| text(&run(Command::new("dpkg-deb").arg("-f").arg(&deb).arg(name)).stdout).trim().to_string();
    assert_eq!(field("Package"), "tuanthu");
    assert_eq!(field("Version"), version);
    assert_eq!(field("Architecture"), arch);
    assert_eq!((field("Section").as_str(), field("Priority").as_str()), ("admin", "optional"));
    assert!(field("Maintainer").ends_with('>'), "{}", field("Maintainer"));
    let depends = field("Depends");
    assert!(depends.starts_with("libc6 (>= 2."), "{depends}");
    assert_satisfied_here(&depends);

    // Installed into a throw-away root: dpkg's database there says installed, and every file
    // matches the package's md5sums.
    let root = tmp.path().join("root");
    empty_root(&root);
    // The root has no libc6 package (the binary runs on this machine's): only that may be missing.
    let installed = run(dpkg(&root).args(["--force-depends", "-i"]).arg(&deb));
    assert!(text(&installed.stdout).contains(&format!("Setting up tuanthu ({version}) ...")));
    let status = text(&run(dpkg(&root).args(["-s", "tuanthu"])).stdout);
    assert!(status.contains("\nStatus: install ok installed\n"), "{status}");
    let verify = run(dpkg(&root).args(["-V", "tuanthu"]));
    assert_eq!(text(&verify.stdout), "", "files differ from the package's md5sums");

    let file = |p: &str| -> PathBuf {
        let f = root.join(p);
        assert!(f.is_file(), "{p} is not installed");
        f
    };
    let bin = file("usr/bin/tuanthu");
    let unzip = |p: &str| text(&run(Command::new("gzip").arg("-dc").arg(file(p))).stdout);
    assert!(unzip("usr/share/man/man1/tuanthu.1.gz").contains("\n.TH tuanthu 1 "));
    for page in ["check", "init", "explain", "controls-diff", "keys-generate"] {
        let man = unzip(&format!("usr/share/man/man1/tuanthu-{page}.1.gz"));
        assert!(man.contains(&format!("\n.TH tuanthu-{page} 1 ")), "{page}: {man}");
    }
    let read = |p: &str| std::fs::read_to_string(file(p)).unwrap();
    assert!(read("usr/share/bash-completion/completions/tuanthu").contains("_tuanthu()"));
    assert!(read("usr/share/zsh/vendor-completions/_tuanthu").starts_with("#compdef tuanthu"));
    assert!(read("usr/share/fish/vendor_completions.d/tuanthu.fish").contains("complete -c tuanthu "));
    for doc in ["README.md", "docs/README.md", "docs/inventory.md", "docs/catalogues.md", "changelog.Debian.gz"] {
        file(&format!("usr/share/doc/tuanthu/{doc}"));
    }
    assert!(read("usr/share/doc/tuanthu/copyright").contains("\nLicense: Apache-2.0\n"));
    for schema in [
        "inventory-v1",
        "tailoring-v1",
        "rule-v1",
        "rule-cases-v1",
        "rule-pack-v1",
        "profile-v1",
        "catalogue-v1",
        "report-v1",
    ] {
        let text = read(&format!("usr/share/tuanthu/schemas/{schema}.schema.json"));
        assert!(text.contains("\"$schema\": \"https://json-schema.org/draft/2020-12/schema\""), "{schema}");
    }
    // The installed pack tests itself (its case files ship in the binary).
    let cases = run(Command::new(&bin).args(["rules", "test", "-q"]));
    assert_eq!(text(&cases.stdout), "");

    // The installed binary runs the installed demo, from elsewhere, as the README's main command.
    let demo = root.join("usr/share/tuanthu/demo");
    let arg = |f: &str| demo.join(f).display().to_string();
    let check = |format: &str| {
        Command::new(&bin)
            .args(["check", "--inventory", &arg("inventory.yaml"), "--nmap", &arg("scan.xml")])
            .args(["--evidence", &arg("evidence.json"), "--as-of", "2026-11-25", "--format", format])
            .current_dir(tmp.path())
            .env_remove("TUANTHU_LANG")
            .env_remove("TUANTHU_AS_OF")
            .output()
            .unwrap()
    };
    let table = check("table");
    assert_eq!((table.status.code(), text(&table.stderr).as_str()), (Some(1), ""), "some required controls fail");
    let shown = text(&table.stdout);
    for system in
        ["tin-noi-bo", "qlvb-email", "cong-dvc", "csdl-cong-dan", "ttdl-tinh", "phan-anh-kien-nghi", "cong-ttdt"]
    {
        assert!(shown.contains(&format!("│ {system} ")), "{system} missing:\n{shown}");
    }
    let json = check("json");
    assert_eq!(json.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let agency = &report["agencies"][0];
    assert_eq!(agency["id"], "skhcn-binh-an");
    let figures: Vec<&serde_json::Value> =
        ["systems_total", "systems_approved", "systems_compliant"].iter().map(|k| &agency[*k]).collect();
    assert_eq!(figures, [&serde_json::json!(7), &serde_json::json!(4), &serde_json::json!(2)]);
    let version_line = text(&run(Command::new(&bin).arg("--version")).stdout);
    assert_eq!(version_line, format!("tuanthu {version}\n"));
}

#[test]
fn the_build_script_refuses_what_it_cannot_package() {
    if !tools_present() {
        return;
    }
    let script = common::root().join("packaging/deb/build");
    let o = Command::new(&script).args(["--binary", "/nonexistent/tuanthu"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(text(&o.stderr), "packaging/deb/build: error: /nonexistent/tuanthu is not an executable file\n");
    // A binary of another version (a stale build) is not packaged as this one.
    let tmp = tempfile::tempdir().unwrap();
    let stale = tmp.path().join("tuanthu");
    std::fs::write(&stale, "#!/bin/sh\necho 'tuanthu 0.0.9'\n").unwrap();
    std::fs::set_permissions(&stale, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let o = Command::new(&script).arg("--binary").arg(&stale).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(
        text(&o.stderr),
        format!(
            "packaging/deb/build: error: {} says `tuanthu 0.0.9`, the source tree is version {version}\n",
            stale.display()
        )
    );
    let o = Command::new(&script).arg("--frobnicate").output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).ends_with("packaging/deb/build: error: unknown argument `--frobnicate`\n"));
}
