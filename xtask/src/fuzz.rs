//! `cargo xtask fuzz [--seconds N] [--target NAME]`: runs every fuzz target of `fuzz/` (or one)
//! with `cargo fuzz` for N seconds each (default 600), then minimises its corpus into
//! `fuzz/corpus/<target>` (which the test suite replays). An input that crashes a target is
//! moved to `fuzz/regressions/<target>/` (replayed by the suite too) and the run fails.
//!
//! `cargo-fuzz` is installed from crates.io when missing. It needs nightly compiler flags; the
//! stable toolchain builds the targets with `RUSTC_BOOTSTRAP=1`. The targets build without a
//! sanitizer: the code under test is safe Rust, and the C libraries it links are not instrumented
//! either way; libFuzzer still finds panics, aborts, hangs (`-timeout`) and runaway memory.

use std::path::Path;
use std::process::Command;

use crate::{root, run, run_with};

/// The targets, as named in `fuzz/Cargo.toml`.
pub const TARGETS: [&str; 6] = [
    "token_form",
    "basic_header",
    "scope",
    "redirect_uri",
    "bearer_jwt",
    "admin_json",
];

pub fn fuzz(args: &[String]) -> Result<(), String> {
    let mut seconds = 600u64;
    let mut only: Option<String> = None;
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        let value = rest.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--seconds" => seconds = value.parse().map_err(|_| "--seconds takes a number")?,
            "--target" if TARGETS.contains(&value.as_str()) => only = Some(value.clone()),
            "--target" => return Err(format!("no fuzz target {value}; targets: {TARGETS:?}")),
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    ensure_cargo_fuzz()?;
    let mut crashed = Vec::new();
    for target in TARGETS
        .iter()
        .filter(|t| only.as_deref().is_none_or(|o| o == **t))
    {
        let time = format!("-max_total_time={seconds}");
        let outcome = cargo_fuzz(
            &format!("fuzz {target}"),
            &[
                "run",
                target,
                "--",
                &time,
                "-max_len=4096",
                "-timeout=10",
                "-rss_limit_mb=4096",
            ],
        );
        if keep_crashes(target)? > 0 || outcome.is_err() {
            crashed.push(*target);
        }
        cargo_fuzz(&format!("minimise {target}"), &["cmin", target])?;
    }
    if crashed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "crashes in {crashed:?}: inputs kept in fuzz/regressions/"
        ))
    }
}

fn cargo_fuzz(step: &str, args: &[&str]) -> Result<(), String> {
    let mut full = vec!["fuzz"];
    full.extend_from_slice(&args[..2]);
    full.extend_from_slice(&["--sanitizer", "none"]);
    full.extend_from_slice(&args[2..]);
    run_with(step, "cargo", &full, &[("RUSTC_BOOTSTRAP", "1")])
}

/// Moves libFuzzer's crash, timeout and out-of-memory inputs of `target` into
/// `fuzz/regressions/<target>/`; answers how many there were.
fn keep_crashes(target: &str) -> Result<usize, String> {
    let artifacts = root().join("fuzz/artifacts").join(target);
    let kept = root().join("fuzz/regressions").join(target);
    let Ok(entries) = std::fs::read_dir(&artifacts) else {
        return Ok(0);
    };
    let mut count = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        std::fs::create_dir_all(&kept).map_err(|e| e.to_string())?;
        let name = path.file_name().unwrap_or_default();
        // Moved, so the next run reports only its own crashes.
        std::fs::rename(&path, kept.join(name)).map_err(|e| e.to_string())?;
        eprintln!("fuzz: {target} crashed on {}", Path::new(name).display());
        count += 1;
    }
    Ok(count)
}

fn ensure_cargo_fuzz() -> Result<(), String> {
    let present = Command::new("cargo")
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if present {
        return Ok(());
    }
    run(
        "install cargo-fuzz",
        "cargo",
        &["install", "cargo-fuzz", "--locked"],
    )
}
