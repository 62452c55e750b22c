//! Replays what fuzzing kept (`fuzz/corpus/<target>/`: the minimised corpus; `fuzz/regressions/
//! <target>/`: every input that once crashed a target, kept after the fix) through the targets'
//! own bodies in `portcullis_server::fuzzing`, so a fixed crash cannot come back unnoticed.

use std::path::Path;

use portcullis_server::fuzzing;

type Target = (&'static str, fn(&[u8]));

const TARGETS: [Target; 6] = [
    ("token_form", fuzzing::token_form),
    ("basic_header", fuzzing::basic_header),
    ("scope", fuzzing::scope),
    ("redirect_uri", fuzzing::redirect_uri),
    ("bearer_jwt", fuzzing::bearer_jwt),
    ("admin_json", fuzzing::admin_json),
];

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut found = Vec::new();
    for kind in ["corpus", "regressions"] {
        let Ok(dir) = std::fs::read_dir(root.join(kind).join(target)) else {
            continue;
        };
        for entry in dir {
            let path = entry.unwrap().path();
            found.push((path.display().to_string(), std::fs::read(&path).unwrap()));
        }
    }
    found.sort();
    found
}

#[test]
fn the_kept_fuzz_inputs_replay_without_a_failure() {
    for (target, run) in TARGETS {
        let inputs = inputs(target);
        assert!(
            inputs.len() >= 5,
            "{target}: only {} kept inputs",
            inputs.len()
        );
        for (path, data) in &inputs {
            let outcome = std::panic::catch_unwind(|| run(data));
            assert!(outcome.is_ok(), "{target} fails on {path}");
        }
    }
}
