//! Hostile files and folders (issue #11, items 5, 6, 7 and the YAML parts of 9): symbolic-link
//! loops in every directory walk, devices and pipes as inputs, tailoring names that leave the
//! inventory's folder, YAML tags and integer spellings. Each runs the binary under an
//! address-space limit and a timeout (measured by the harness) and asserts the exit code and the
//! message.

mod common;

use common::{code, path_str, root, stderr, stdout, tuanthu_within};
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// Memory and time a hostile-input run may take (the loops of the issue took minutes and GBs).
const LIMIT_MIB: u64 = 1024;
const TIMEOUT: Duration = Duration::from_secs(60);

fn run(args: &[&str], cwd: &Path) -> Output {
    tuanthu_within(args, LIMIT_MIB, TIMEOUT, cwd)
}

/// Runs a bash `script` in which `$T` is the tuanthu binary, under the same limits (for stdin
/// redirections and process substitutions, which `tuanthu_within` cannot express).
fn bash_within(script: &str, cwd: &Path) -> Output {
    let child = Command::new("bash")
        .arg("-c")
        .arg(format!("ulimit -v {} && exec {script}", LIMIT_MIB * 1024))
        .env("T", env!("CARGO_BIN_EXE_tuanthu"))
        .env_remove("TUANTHU_LANG")
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run bash");
    let pid = child.id().to_string();
    // Collect the output on a thread (so a full pipe cannot stall the child) and wait for it
    // with the timeout; a child still running then is killed by its own id.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(child.wait_with_output()));
    match rx.recv_timeout(TIMEOUT) {
        Ok(out) => out.expect("output"),
        Err(_) => {
            let _ = Command::new("kill").args(["-KILL", &pid]).status();
            panic!("bash -c {script:?} did not finish within {TIMEOUT:?} (killed)");
        }
    }
}

/// Two links to `.` and a link to itself: the shapes that made the walks loop.
fn add_loops(dir: &Path) {
    symlink(".", dir.join("again")).unwrap();
    symlink(".", dir.join("and-again")).unwrap();
    symlink("self", dir.join("self")).unwrap();
}

/// A copy of the folder `from` (the repository's `rules`, `profiles`) at `to`, with loops added
/// in it and in each of its subfolders.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
    add_loops(to);
}

fn demo_inventory_dir(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    for f in ["inventory.yaml", "cong-dvc-overlay.yaml"] {
        std::fs::copy(common::demo().join(f), dir.join(f)).unwrap();
    }
    add_loops(dir);
}

const AS_OF: [&str; 2] = ["--as-of", "2026-11-25"];

#[test]
fn check_and_validate_walk_an_inventory_folder_with_links_to_dot_once() {
    let t = tempfile::tempdir().unwrap();
    let inv = t.path().join("inv");
    demo_inventory_dir(&inv);
    let o = run(&["check", "--inventory", &path_str(&inv), AS_OF[0], AS_OF[1], "--format", "json"], &root());
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(!stderr(&o).contains("duplicate"), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(report["agencies"][0]["systems"].as_array().unwrap().len(), 7, "each system once");

    let o = run(&["validate", &path_str(&inv)], &root());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o).trim(), "2 file(s) valid", "each file once");
}

#[test]
fn rules_and_profiles_folders_with_links_to_dot_load_once() {
    let t = tempfile::tempdir().unwrap();
    let (rules, profiles) = (t.path().join("rules"), t.path().join("profiles"));
    copy_tree(&root().join("rules"), &rules);
    copy_tree(&root().join("profiles"), &profiles);
    let (rules_s, profiles_s) = (path_str(&rules), path_str(&profiles));
    let mut args = vec!["check", "--inventory", "examples/demo/inventory.yaml", "--rules", &rules_s];
    args.extend(["--profiles", &profiles_s, "-q"]);
    args.extend(AS_OF);
    let o = run(&args, &root());
    assert_eq!(code(&o), 1, "a valid policy, each rule once (no duplicate rule id): {}", stderr(&o));
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));

    let o = run(&["validate", &path_str(&rules), &path_str(&profiles)], &root());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn aggregate_walks_a_report_folder_with_links_to_dot_once() {
    let t = tempfile::tempdir().unwrap();
    let reports = t.path().join("reports");
    std::fs::create_dir_all(reports.join("sub")).unwrap();
    std::fs::write(reports.join("sub/broken.json"), "{\"schema\": ").unwrap();
    add_loops(&reports);
    add_loops(&reports.join("sub"));
    let o = run(&["aggregate", &path_str(&reports), "--allow-unsigned"], &root());
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    // The table ends with the rejected inputs (and stderr does not repeat them).
    let all = format!("{}{}", stdout(&o), stderr(&o));
    assert_eq!(all.matches("broken.json").count(), 1, "listed once: {all}");
}

#[test]
fn devices_are_refused_as_inputs() {
    let o = run(&["check", "--inventory", "/dev/zero"], &root());
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("/dev/zero: is a device, not a file"), "{}", stderr(&o));

    let mut args = vec!["check", "--inventory", "examples/demo/inventory.yaml", "--nmap", "/dev/zero", "-q"];
    args.extend(AS_OF);
    let o = run(&args, &root());
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("/dev/zero: read error: is a device, not a file"), "{}", stderr(&o));

    let o = run(&["validate", "/dev/urandom"], &root());
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("is a device, not a file"), "{}", stderr(&o));

    // Key files too: a signing key named by mistake as a device is refused, not read forever.
    let mut args = vec!["check", "--inventory", "examples/demo/inventory.yaml", "--nmap", "examples/demo/scan.xml"];
    args.extend(["--format", "json", "--sign", "/dev/zero", "-q"]);
    args.extend(AS_OF);
    let o = run(&args, &root());
    // A key that cannot be read is bad input, found before anything is evaluated.
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert_eq!(stderr(&o), "error: --sign: /dev/zero: is a device, not a file\n");
}

#[test]
fn a_named_pipe_without_writer_ends_with_a_clear_error() {
    let t = tempfile::tempdir().unwrap();
    let fifo = t.path().join("scan.xml");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let mut args = vec!["check", "--inventory", "examples/demo/inventory.yaml", "-q"];
    let fifo = path_str(&fifo);
    args.extend(["--nmap", &fifo]);
    args.extend(AS_OF);
    let o = run(&args, &root());
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("named pipe with no writer"), "{}", stderr(&o));
}

#[test]
fn nmap_from_standard_input_and_from_a_process_substitution() {
    let common = "check --inventory examples/demo/inventory.yaml --as-of 2026-11-25 --format json";
    let from_file = bash_within(&format!("\"$T\" {common} --nmap examples/demo/scan.xml"), &root());
    let stdin = bash_within(&format!("\"$T\" {common} --nmap - < examples/demo/scan.xml"), &root());
    let substituted = bash_within(&format!("\"$T\" {common} --nmap <(cat examples/demo/scan.xml)"), &root());
    // What each system's controls came to (findings name the file, which differs).
    let systems = |o: &Output| {
        assert_eq!(code(o), 1, "{}", stderr(o));
        let v: serde_json::Value = serde_json::from_str(&stdout(o)).unwrap();
        let all = v["agencies"][0]["systems"].as_array().unwrap().clone();
        all.iter().map(|s| (s["id"].to_string(), s["counts"].to_string())).collect::<Vec<_>>()
    };
    assert_eq!(systems(&stdin), systems(&from_file), "the same evidence through standard input");
    assert_eq!(systems(&substituted), systems(&from_file), "the same evidence through /dev/fd/N");

    let twice = bash_within(&format!("\"$T\" {common} --nmap - - < examples/demo/scan.xml"), &root());
    assert_eq!(code(&twice), 2, "{}", stderr(&twice));
    assert!(stderr(&twice).contains("standard input (`-`) can be read only once per run"), "{}", stderr(&twice));
}

/// An inventory in `inv/` whose system names `tailoring`, and beside `inv/` a YAML file with a
/// key that must never appear in an error.
fn traversal(tailoring: &str) -> (tempfile::TempDir, String) {
    let t = tempfile::tempdir().unwrap();
    std::fs::create_dir(t.path().join("inv")).unwrap();
    std::fs::write(t.path().join("secret.yaml"), "db_password_of_the_host: hunter2\n").unwrap();
    std::fs::write(
        t.path().join("valid.yaml"),
        "schema: tuanthu/tailoring/v1\ndrop:\n  - {control: DES.17, reason: \"Không có mạng không dây\"}\n",
    )
    .unwrap();
    let tailoring = tailoring.replace("ROOT", &path_str(t.path()));
    let inv = common::inventory(2, &format!("    tailoring: [\"{tailoring}\"]\n"));
    let path = t.path().join("inv/inventory.yaml");
    std::fs::write(&path, inv).unwrap();
    (t, path_str(&path))
}

#[test]
fn tailoring_names_stay_inside_the_inventory_folder() {
    for name in ["../secret", "ROOT/secret", "sub/../../secret"] {
        let (_t, inv) = traversal(name);
        let o = run(&["validate", &inv], &root());
        assert_eq!(code(&o), 2, "{name}: {}", stderr(&o));
        assert!(stderr(&o).contains("is not a name inside the inventory's folder"), "{name}: {}", stderr(&o));
        assert!(stderr(&o).contains("--allow-outside-inventory"), "{name}: {}", stderr(&o));
        assert!(!stderr(&o).contains("db_password"), "{name}: the foreign file is quoted: {}", stderr(&o));
    }
    // A link inside the folder that leads out of it is refused the same way, unread.
    let (t, inv) = traversal("linked");
    symlink(t.path().join("secret.yaml"), t.path().join("inv/linked.yaml")).unwrap();
    let o = run(&["validate", &inv], &root());
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("resolves (through a symbolic link) to a file outside"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("db_password"), "{}", stderr(&o));
}

#[test]
fn tailoring_outside_the_folder_is_applied_with_the_flag() {
    for name in ["../valid", "ROOT/valid"] {
        let (_t, inv) = traversal(name);
        let o = run(&["validate", &inv], &root());
        assert_eq!(code(&o), 2, "{name}: refused without the flag: {}", stderr(&o));
        let o = run(&["validate", "--allow-outside-inventory", &inv], &root());
        assert_eq!(code(&o), 0, "{name}: {}", stderr(&o));
        let o = run(
            &["check", "--inventory", &inv, "--allow-outside-inventory", AS_OF[0], AS_OF[1], "--format", "json"],
            &root(),
        );
        assert!(code(&o) <= 1, "{name}: {}", stderr(&o));
        assert!(stdout(&o).contains("Không có mạng không dây"), "{name}: the tailoring is applied");
    }
}

#[test]
fn tailoring_option_must_name_a_directory() {
    let t = tempfile::tempdir().unwrap();
    let file = t.path().join("file.yaml");
    std::fs::write(&file, "schema: tuanthu/tailoring/v1\n").unwrap();
    for (dir, what) in [(path_str(&file), "is a file"), ("/dev/zero".to_string(), "is a device")] {
        let mut args = vec!["check", "--inventory", "examples/demo/inventory.yaml", "--tailoring", &dir];
        args.extend(AS_OF);
        let o = run(&args, &root());
        assert_eq!(code(&o), 2, "{dir}: {}", stderr(&o));
        let want = format!("{dir}: --tailoring {what}, not a directory");
        assert!(stderr(&o).contains(&want), "{dir}: {}", stderr(&o));
        let o = run(&["validate", "--tailoring", &dir, "examples/demo/inventory.yaml"], &root());
        assert_eq!(code(&o), 2, "{dir}: {}", stderr(&o));
        assert!(stderr(&o).contains(&want), "{dir}: {}", stderr(&o));
    }
}

#[test]
fn yaml_tags_are_refused_with_their_position() {
    let t = tempfile::tempdir().unwrap();
    for (i, (value, tag)) in [
        ("!!binary Q8O0bmcgdHkgQQ==", "!!binary"),
        ("!!python/object:os.system echo", "!!python/object:os.system"),
        ("!!str Cơ quan", "!!str"),
        ("!custom A", "!custom"),
        ("!<tag:example.com,2026:x> A", "!<tag:example.com,2026:x>"),
    ]
    .into_iter()
    .enumerate()
    {
        let inv = common::inventory(2, "").replace("name: Cơ quan thử nghiệm", &format!("name: {value}"));
        let path = t.path().join(format!("tag{i}.yaml"));
        std::fs::write(&path, inv).unwrap();
        let o = run(&["validate", &path_str(&path)], &root());
        assert_eq!(code(&o), 2, "{tag}: {}", stderr(&o));
        let want = format!("tag{i}.yaml:4:9: YAML tag `{tag}` is not accepted");
        assert!(stderr(&o).contains(&want), "{tag}: want {want:?} in {}", stderr(&o));
    }
}

#[test]
fn levels_are_plain_decimal_integers() {
    let t = tempfile::tempdir().unwrap();
    for (i, spelling) in ["\"3\"", "'3'", "0x3", "0o3", "+3", "03", "3.0", "three"].into_iter().enumerate() {
        let inv = common::inventory(3, "").replace("level: 3", &format!("level: {spelling}"));
        let path = t.path().join(format!("level{i}.yaml"));
        std::fs::write(&path, inv).unwrap();
        let o = run(&["validate", &path_str(&path)], &root());
        assert_eq!(code(&o), 2, "{spelling}: {}", stderr(&o));
        let want = format!(
            "level{i}.yaml:9:12: `level` is the security level: write 1, 2, 3, 4 or 5 as a plain number (e.g. `level: 3`), found `{spelling}`"
        );
        assert!(stderr(&o).contains(&want), "{spelling}: want {want:?} in {}", stderr(&o));
    }
    let path = t.path().join("plain.yaml");
    std::fs::write(&path, common::inventory(3, "")).unwrap();
    let o = run(&["validate", &path_str(&path)], &root());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}
