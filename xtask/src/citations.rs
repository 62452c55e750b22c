//! `cargo xtask citations` (also a step of `ci`): every test the documentation cites exists.
//!
//! Scans README.md, ARCHITECTURE.md, SECURITY.md, BENCHMARKS.md and `docs/**/*.md` for code spans
//! written in the citation syntax of SECURITY.md ("How tests are cited") and checks each against
//! the sources, by reading files only (nothing is compiled or run). A span is a citation when it
//! is a path (`a::b`, segments separated by `::`) whose first segment is a root:
//!
//! - a module of the server's integration binary (a file of `crates/server/tests/it/`, or a
//!   directory there with a `mod.rs`);
//! - `conformance`: a case of the store conformance suite, which must be a function in
//!   `crates/oauth-core/src/testing/` and listed in one of its conformance macros;
//! - a crate's library name (`oauth_core`, `portcullis_server`, `store_sqlite`, ...): the path from
//!   that crate's `src/lib.rs`, or from a file of its `tests/`;
//! - `…`: the path of the previous citation in the same document, with another last segment.
//!
//! Middle segments are modules (files, directories with a `mod.rs`, `#[path]` modules or inline
//! `mod`s), items such as a type or a macro-generated `mod`, `*` (any) or `{a,b}` (each). The last
//! names an item defined in the resolved file (`fn`, `mod`, `struct`, ...) or a module, `*` (every
//! test of the module), or `name_on_*` (a test written once per backend: `fn name_on_sqlite`,
//! `fn name_on_postgres`, ..., or a `fn name` a macro runs per backend); the tests that
//! `both_backends!(name, ...)` generates are items of the file that invokes it. A path with a
//! `tests` segment or an `_on_*` ending whose first segment is no root is refused: a test citation
//! must say where the test is.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Why a test citation without a root is refused.
const ROOTLESS: &str =
    "a test citation must start with an integration-test module, `conformance` or a crate name";

/// Runs the check over the repository at `root`; the error lists every broken citation.
pub(crate) fn citations(root: &Path) -> Result<(), String> {
    eprintln!("==> citations: every test the docs cite exists");
    let sources = Sources::load(root)?;
    let mut docs = vec![
        root.join("README.md"),
        root.join("ARCHITECTURE.md"),
        root.join("SECURITY.md"),
        root.join("BENCHMARKS.md"),
    ];
    markdown_under(&root.join("docs"), &mut docs)?;
    let mut problems = Vec::new();
    let mut checked = 0;
    for doc in &docs {
        let text = std::fs::read_to_string(doc).map_err(|e| format!("{}: {e}", doc.display()))?;
        let shown = doc.strip_prefix(root).unwrap_or(doc).display().to_string();
        let mut previous: Option<Vec<String>> = None;
        for (number, span, before) in code_spans(&text) {
            if before.trim_end().ends_with("conformance") && !span.contains("::") {
                problems.push(format!(
                    "{shown}:{number}: `{span}`: cite a conformance case as `conformance::{span}`"
                ));
                continue;
            }
            let Some(path) = parse_path(&span) else {
                if span.strip_suffix("_on_*").is_some_and(is_ident) {
                    problems.push(format!("{shown}:{number}: `{span}`: {ROOTLESS}"));
                }
                continue;
            };
            let path = if path[0] == "…" {
                match &previous {
                    Some(prev) => {
                        let mut full = prev[..prev.len() - 1].to_vec();
                        full.extend(path[1..].iter().cloned());
                        full
                    }
                    None => {
                        problems.push(format!(
                            "{shown}:{number}: `{span}`: `…` with no earlier citation to continue"
                        ));
                        continue;
                    }
                }
            } else {
                path
            };
            match sources.check(&path) {
                Check::NotACitation => {
                    if path.iter().any(|s| s == "tests")
                        || path.last().is_some_and(|s| s.ends_with("_on_*"))
                    {
                        problems.push(format!("{shown}:{number}: `{span}`: {ROOTLESS}"));
                    }
                }
                Check::Found => {
                    checked += 1;
                    previous = Some(path);
                }
                Check::Missing(why) => {
                    problems.push(format!("{shown}:{number}: `{span}`: {why}"));
                    previous = Some(path);
                }
            }
        }
    }
    if problems.is_empty() {
        eprintln!("    {checked} citations, all found");
        Ok(())
    } else {
        for problem in &problems {
            eprintln!("{problem}");
        }
        Err(format!(
            "citations: {} of the docs' citations name nothing in the sources",
            problems.len()
        ))
    }
}

fn markdown_under(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    let mut paths: Vec<PathBuf> = entries
        .map(|e| e.map(|e| e.path()).map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;
    paths.sort();
    for path in paths {
        if path.is_dir() {
            markdown_under(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path);
        }
    }
    Ok(())
}

/// Every inline code span outside fenced blocks: (line number, content, text before it on the
/// line).
fn code_spans(text: &str) -> Vec<(usize, String, String)> {
    let mut spans = Vec::new();
    let mut fenced = false;
    for (index, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        let mut parts = line.split('`');
        let mut before = parts.next().unwrap_or_default().to_owned();
        while let (Some(inside), Some(after)) = (parts.next(), parts.next()) {
            spans.push((index + 1, inside.to_owned(), before.clone()));
            before = after.to_owned();
        }
    }
    spans
}

fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The segments of a span that reads as a path, else `None`.
fn parse_path(span: &str) -> Option<Vec<String>> {
    let segments: Vec<String> = span.split("::").map(|s| s.trim().to_owned()).collect();
    if segments.len() < 2 {
        return None;
    }
    let valid = segments.iter().enumerate().all(|(i, s)| {
        (i == 0 && s == "…")
            || is_ident(s)
            || s == "*"
            || s.strip_suffix('*').is_some_and(is_ident)
            || s.strip_prefix('{')
                .and_then(|s| s.strip_suffix('}'))
                .is_some_and(|inner| inner.split(',').all(|p| is_ident(p.trim())))
    });
    valid.then_some(segments)
}

enum Check {
    NotACitation,
    Found,
    Missing(String),
}

impl Check {
    /// Shows the files a reason names relative to the repository.
    fn relative_to(self, root: &Path) -> Self {
        match self {
            Check::Missing(why) => {
                let prefix = format!("{}/", root.display());
                Check::Missing(why.replace(&prefix, ""))
            }
            other => other,
        }
    }
}

struct Sources {
    root: PathBuf,
    /// The files of `crates/server/tests/it/`, by module name.
    integration: BTreeSet<String>,
    /// Library name to crate directory.
    crates: BTreeMap<String, PathBuf>,
    /// The functions of the conformance files.
    conformance_fns: BTreeSet<String>,
    /// The cases listed in the conformance macros.
    conformance_cases: BTreeSet<String>,
}

impl Sources {
    fn load(root: &Path) -> Result<Self, String> {
        let it = root.join("crates/server/tests/it");
        let mut integration = BTreeSet::new();
        for entry in std::fs::read_dir(&it).map_err(|e| format!("{}: {e}", it.display()))? {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.extension().is_some_and(|e| e == "rs")
                && let Some(stem) = path.file_stem()
            {
                integration.insert(stem.to_string_lossy().into_owned());
            } else if path.join("mod.rs").is_file()
                && let Some(name) = path.file_name()
            {
                integration.insert(name.to_string_lossy().into_owned());
            }
        }
        integration.remove("main");
        let mut crates = BTreeMap::new();
        let dir = root.join("crates");
        for entry in std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))? {
            let path = entry.map_err(|e| e.to_string())?.path();
            let Ok(manifest) = std::fs::read_to_string(path.join("Cargo.toml")) else {
                continue;
            };
            if let Some(name) = library_name(&manifest) {
                crates.insert(name, path);
            }
        }
        let mut conformance_fns = BTreeSet::new();
        let mut conformance_cases = BTreeSet::new();
        let mut files = Vec::new();
        rust_files(&root.join("crates/oauth-core/src"), &mut files)?;
        for file in files {
            let text = read(&file)?;
            if file.to_string_lossy().contains("/src/testing/") {
                conformance_fns.extend(
                    items(&text)
                        .into_iter()
                        .filter_map(|(kind, name)| (kind == "fn").then_some(name)),
                );
            }
            conformance_cases.extend(conformance_macro_cases(&text));
        }
        Ok(Self {
            root: root.to_path_buf(),
            integration,
            crates,
            conformance_fns,
            conformance_cases,
        })
    }

    fn check(&self, path: &[String]) -> Check {
        let first = path[0].as_str();
        if first == "conformance" {
            return self.check_conformance(path);
        }
        if self.integration.contains(first) {
            let dir = self.root.join("crates/server/tests/it");
            let Some((child_dir, file)) = child_module(&dir, &dir.join("main.rs"), "", first)
            else {
                return Check::Missing(format!("no module {first} in {}", dir.display()));
            };
            return check_in(&child_dir, &file, &path[1..]).relative_to(&self.root);
        }
        if let Some(dir) = self.crates.get(first) {
            let Some(next) = path.get(1) else {
                return Check::Missing("names no module".to_owned());
            };
            // A test target (`tests/<name>.rs`) or a module of the library.
            let test_file = dir.join("tests").join(format!("{next}.rs"));
            if test_file.is_file() && path.len() > 2 {
                return check_in(&dir.join("tests"), &test_file, &path[2..])
                    .relative_to(&self.root);
            }
            let src = dir.join("src");
            return check_in(&src, &src.join("lib.rs"), &path[1..]).relative_to(&self.root);
        }
        Check::NotACitation
    }

    fn check_conformance(&self, path: &[String]) -> Check {
        if path.len() != 2 {
            return Check::Missing("a conformance case is cited as `conformance::case`".to_owned());
        }
        let mut missing = Vec::new();
        for case in alternatives(&path[1]) {
            if !self.conformance_fns.contains(&case) {
                missing.push(format!(
                    "no `fn {case}` in the conformance suite (crates/oauth-core/src)"
                ));
            } else if !self.conformance_cases.contains(&case) {
                missing.push(format!(
                    "`{case}` is not listed in `store_conformance_tests!`, so no backend runs it"
                ));
            }
        }
        if missing.is_empty() {
            Check::Found
        } else {
            Check::Missing(missing.join("; "))
        }
    }
}

/// `{a, b}` as `[a, b]`; any other segment as itself.
fn alternatives(segment: &str) -> Vec<String> {
    match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
        Some(inner) => inner.split(',').map(|s| s.trim().to_owned()).collect(),
        None => vec![segment.to_owned()],
    }
}

/// Resolves `rest` from the module in `file` (whose child modules live in `dir`).
fn check_in(dir: &Path, file: &Path, rest: &[String]) -> Check {
    let Ok(text) = std::fs::read_to_string(file) else {
        return Check::Missing(format!("no file {}", file.display()));
    };
    let names = items(&text);
    let Some((segment, tail)) = rest.split_first() else {
        return Check::Found;
    };
    if segment == "*" && tail.is_empty() {
        return Check::Found;
    }
    if !tail.is_empty() && (segment == "*" || segment.starts_with('{')) {
        // Any (or each) inline module, typically generated per backend by a macro.
        let all_named = alternatives(segment)
            .iter()
            .all(|m| m == "*" || names.iter().any(|(k, n)| k == "mod" && n == m));
        if !all_named {
            return Check::Missing(format!("no `mod` {segment} in {}", file.display()));
        }
        return check_in(dir, file, tail);
    }
    if let Some((child_dir, child_file)) = child_module(dir, file, &text, segment) {
        return check_in(&child_dir, &child_file, tail);
    }
    if tail.is_empty() {
        let found = alternatives(segment).iter().all(|name| {
            if let Some(stem) = name.strip_suffix("_on_*") {
                let per_backend = format!("{stem}_on_");
                names
                    .iter()
                    .any(|(k, n)| k == "fn" && (n.starts_with(&per_backend) || n == stem))
            } else {
                names.iter().any(|(_, n)| n == name)
            }
        });
        return if found {
            Check::Found
        } else {
            Check::Missing(format!("no `{segment}` in {}", file.display()))
        };
    }
    // An inline module or a type: the rest is looked up in the same file.
    if names.iter().any(|(_, n)| n == segment) {
        return check_in(dir, file, tail);
    }
    Check::Missing(format!(
        "no module or item `{segment}` in {}",
        file.display()
    ))
}

/// The file of module `name` declared in `file` (`#[path]`, `name.rs` or `name/mod.rs`), with the
/// directory of its own children.
fn child_module(dir: &Path, file: &Path, text: &str, name: &str) -> Option<(PathBuf, PathBuf)> {
    let declaration = [format!("mod {name};"), format!("mod {name} ;")];
    let mut previous = "";
    for line in text.lines() {
        let line = line.trim();
        if declaration.iter().any(|d| line.ends_with(d.as_str())) {
            if let Some(path) = previous
                .strip_prefix("#[path = \"")
                .and_then(|p| p.strip_suffix("\"]"))
            {
                let base = file.parent().unwrap_or(dir);
                let child = base.join(path);
                let child_dir = child.with_extension("");
                return child.is_file().then_some((child_dir, child));
            }
            break;
        }
        if !line.is_empty() {
            previous = line;
        }
    }
    let flat = dir.join(format!("{name}.rs"));
    if flat.is_file() {
        return Some((dir.join(name), flat));
    }
    let nested = dir.join(name).join("mod.rs");
    nested.is_file().then(|| (dir.join(name), nested))
}

/// The items a file defines: (keyword, name) for `fn`, `mod`, `struct`, `enum`, `trait`, `type`,
/// `const`, `static` and `macro_rules!`, and the names it re-exports (`pub use`).
fn items(text: &str) -> Vec<(String, String)> {
    const KEYWORDS: [&str; 8] = [
        "fn", "mod", "struct", "enum", "trait", "type", "const", "static",
    ];
    let mut found = Vec::new();
    let words: Vec<&str> = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '!'))
        .filter(|w| !w.is_empty())
        .collect();
    for pair in words.windows(2) {
        let keyword = pair[0];
        if KEYWORDS.contains(&keyword) || keyword == "macro_rules!" {
            let name = pair[1].trim_end_matches('!');
            if is_ident(name) {
                found.push((keyword.trim_end_matches('!').to_owned(), name.to_owned()));
            }
        }
    }
    // `both_backends!(name, ...)` (crates/server/tests/it/support/mod.rs) defines
    // `name_on_sqlite` and `name_on_postgres`.
    for (start, _) in text.match_indices("both_backends!(") {
        let inside = text[start + "both_backends!(".len()..]
            .split(')')
            .next()
            .unwrap_or_default();
        let names = inside.rsplit(':').next().unwrap_or_default();
        for name in names.split(',').map(str::trim).filter(|n| is_ident(n)) {
            for backend in ["sqlite", "postgres"] {
                found.push(("fn".to_owned(), format!("{name}_on_{backend}")));
            }
        }
    }
    // Re-exports: `pub use a::{b, c};` makes `b` and `c` items of this module too.
    for (start, _) in text.match_indices("pub use ") {
        let statement = text[start..].split(';').next().unwrap_or_default();
        for name in statement
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|w| is_ident(w) && *w != "pub" && *w != "use")
        {
            found.push(("use".to_owned(), name.to_owned()));
        }
    }
    found
}

/// The identifiers listed, one per line, in the bodies of `macro_rules!` macros whose name
/// contains `conformance`.
fn conformance_macro_cases(text: &str) -> BTreeSet<String> {
    let mut cases = BTreeSet::new();
    let mut inside = false;
    let mut depth = 0i32;
    for line in text.lines() {
        let trimmed = line.trim();
        if !inside {
            if trimmed.starts_with("macro_rules!") && trimmed.contains("conformance") {
                inside = true;
                depth = 0;
            } else {
                continue;
            }
        }
        depth += line.matches('{').count() as i32 - line.matches('}').count() as i32;
        let name = trimmed.trim_end_matches(',');
        if is_ident(name) {
            cases.insert(name.to_owned());
        }
        if depth <= 0 && trimmed.ends_with('}') {
            inside = false;
        }
    }
    cases
}

fn library_name(manifest: &str) -> Option<String> {
    let mut section = "";
    let mut package = None;
    let mut library = None;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            section = line;
            continue;
        }
        let Some(value) = line
            .strip_prefix("name")
            .map(str::trim_start)
            .and_then(|l| l.strip_prefix('='))
            .map(|v| v.trim().trim_matches('"').to_owned())
        else {
            continue;
        };
        match section {
            "[package]" => package = Some(value),
            "[lib]" => library = Some(value),
            _ => {}
        }
    }
    library.or_else(|| package.map(|p| p.replace('-', "_")))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_dir() {
            rust_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_read_from_code_spans() {
        let cases: [(&str, Option<&[&str]>); 7] = [
            ("token::a_test", Some(&["token", "a_test"])),
            ("attacks::*::x_on_*", Some(&["attacks", "*", "x_on_*"])),
            (
                "attacks::{sqlite,postgres}::x",
                Some(&["attacks", "{sqlite,postgres}", "x"]),
            ),
            ("…::x", Some(&["…", "x"])),
            ("x", None),
            ("lib.rs::app", None),
            ("a::b c", None),
        ];
        for (span, expected) in cases {
            let expected = expected.map(|e| e.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
            assert_eq!(parse_path(span), expected, "{span}");
        }
    }

    #[test]
    fn both_backends_defines_a_test_per_backend() {
        let text = "both_backends!(audited: one,\n two,\n);\nasync fn one(fx: Fixture) {}\n";
        let tests: Vec<String> = items(text)
            .into_iter()
            .filter_map(|(kind, name)| (kind == "fn").then_some(name))
            .collect();
        assert_eq!(
            tests,
            [
                "one",
                "one_on_sqlite",
                "one_on_postgres",
                "two_on_sqlite",
                "two_on_postgres"
            ]
        );
    }

    #[test]
    fn spans_skip_fenced_blocks() {
        let text = "a `one::two` b\n```\n`not::this`\n```\nc `x` d `y::z`\n";
        let spans: Vec<String> = code_spans(text).into_iter().map(|s| s.1).collect();
        assert_eq!(spans, ["one::two", "x", "y::z"]);
    }

    #[test]
    fn conformance_cases_are_the_macro_list() {
        let text = "macro_rules! store_conformance_tests {\n ($m:expr) => {\n  x!(@cases $m;\n   a_case,\n   b_case\n  );\n };\n}\nfn other() {}\n";
        let cases: Vec<String> = conformance_macro_cases(text).into_iter().collect();
        assert_eq!(cases, ["a_case", "b_case"]);
    }
}
