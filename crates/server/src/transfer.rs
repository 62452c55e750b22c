//! `portcullis export` and `portcullis import`: the file and its secrets. What is in the file and
//! what an import decides is `oauth_core::transfer`; this module reads and writes the file, seals
//! and opens its private keys with the configured key-encryption key, and reports. The format
//! and the rules are docs/import-export.md.
//!
//! The export file holds password hashes, client-secret hashes and private keys: it is written
//! with mode 0600 (to `--output`, or to the file standard output was redirected to), and never to
//! a terminal. An import reads the file whole and checks it before it opens the database, so a
//! file it refuses changes nothing, not even the schema.

use std::io::{IsTerminal, Read, Write};
use std::path::Path;

use oauth_core::keys::sealing::{KeyEncryption, SEALED_PREFIX};
use oauth_core::secret::PrivateKeyDer;
use oauth_core::transfer::format::FileSecret;
use oauth_core::transfer::{ExportFile, OnConflict, check, export, import};

use crate::cli::{ExportArgs, ImportArgs};
use crate::commands::{CommandResult, open};
use crate::config::Config;
use crate::state::now;

/// The configured key-encryption key, to seal keys into a file or open them out of one.
fn key_encryption(config: &Config) -> Result<Option<KeyEncryption>, String> {
    let kek = config.keys.encryption_key().map_err(|e| e.0)?;
    Ok(kek.map(KeyEncryption::with_kek))
}

/// `portcullis export`: prints (or writes to `--output`) the realms as one JSON document.
pub fn run_export(config: &Config, args: ExportArgs) -> CommandResult {
    if args.output.is_none() && std::io::stdout().is_terminal() {
        return Err(
            "the export holds password hashes and private keys: redirect it to a file \
                    (portcullis export > realm.json) or use --output FILE"
                .into(),
        );
    }
    let sealing = key_encryption(config)?;
    let sealed = sealing.is_some();
    let store = open(config)?;
    let contents = export::export(store.as_ref(), args.realm.as_deref())
        .map_err(|e| format!("export: {e}"))?;
    let mut file = ExportFile::new(&contents, now());
    if let Some(sealing) = &sealing {
        for key in file.realms.iter_mut().flat_map(|r| r.keys.iter_mut()) {
            let plain = PrivateKeyDer::new(key.private_key.secret());
            let stored = sealing
                .seal(key.id, &plain)
                .map_err(|e| format!("export: cannot seal key {}: {e}", key.id))?;
            key.private_key = FileSecret::new(stored);
        }
    }
    let mut json = serde_json::to_vec_pretty(&file).map_err(|e| format!("export: {e}"))?;
    json.push(b'\n');
    match &args.output {
        Some(path) => write_secret_file(path, &json)?,
        None => write_stdout(&json)?,
    }
    tracing::info!(
        realms = file.realms.len(),
        keys_sealed = sealed,
        "exported; the file holds password hashes{} private keys: keep it secret",
        if sealed { " and sealed" } else { " and" }
    );
    Ok(())
}

/// Writes `bytes` to `path`, readable by its owner only.
fn write_secret_file(path: &Path, bytes: &[u8]) -> CommandResult {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let fail = |e: std::io::Error| format!("--output {}: {e}", path.display());
    let mut out = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(fail)?;
    // An existing file keeps its mode through `open`: narrow it before writing the secrets.
    out.set_permissions(std::fs::Permissions::from_mode(0o600))
        .map_err(fail)?;
    out.write_all(bytes).map_err(fail)?;
    out.sync_all().map_err(fail)
}

/// Writes `bytes` to standard output; when that is a regular file (`> realm.json`), first
/// narrows it to mode 0600 (the shell created it with the umask's mode).
fn write_stdout(bytes: &[u8]) -> CommandResult {
    use std::os::fd::AsFd;
    use std::os::unix::fs::PermissionsExt;
    let stdout = std::io::stdout();
    let fd = stdout
        .as_fd()
        .try_clone_to_owned()
        .map_err(|e| format!("standard output: {e}"))?;
    let file = std::fs::File::from(fd);
    if file.metadata().is_ok_and(|m| m.is_file()) {
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| format!("standard output: cannot make the file private: {e}"))?;
    }
    let mut lock = stdout.lock();
    lock.write_all(bytes)
        .and_then(|()| lock.flush())
        .map_err(|e| format!("standard output: {e}"))
}

/// `portcullis import FILE`: reads the file whole, checks it, plans against the database and
/// writes each realm in one transaction; prints what it did as JSON.
pub fn run_import(config: &Config, args: ImportArgs) -> CommandResult {
    let policy = match args.on_conflict.as_str() {
        "skip" => OnConflict::Skip,
        _ => OnConflict::Fail,
    };
    let name = args.file.display().to_string();
    let bytes = read_input(&args.file).map_err(|e| format!("{name}: {e}"))?;
    let refused = |e: oauth_core::transfer::Refusal| format!("{name}: {e}; nothing was imported");
    let mut file = check::parse(&bytes).map_err(refused)?;
    let sealing = key_encryption(config)?;
    let kek = sealing.is_some();
    let sealing = sealing.unwrap_or_else(KeyEncryption::none);
    for realm in &mut file.realms {
        for key in &mut realm.keys {
            if key.private_key.secret().starts_with(SEALED_PREFIX) {
                let opened = sealing
                    .open(key.id, key.private_key.secret().to_owned())
                    .map_err(|e| {
                        format!(
                            "{name}: realm {:?}, key {:?}: {}; nothing was imported",
                            realm.name,
                            key.id.to_string(),
                            if kek {
                                e.to_string()
                            } else {
                                "the key is sealed and no keys.encryption_key is configured \
                                 (configure the key it was exported with)"
                                    .to_owned()
                            }
                        )
                    })?;
                key.private_key = FileSecret::new(opened.secret());
            }
        }
    }
    let contents = file.contents();
    check::check(&contents).map_err(refused)?;
    let store = open(config)?;
    let plan = import::plan(store.as_ref(), &contents, policy).map_err(refused)?;
    let outcomes = if args.dry_run {
        plan.realms
            .iter()
            .map(|r| import::RealmOutcome {
                name: r.name.clone(),
                tally: r.tally,
            })
            .collect()
    } else {
        import::apply(store.as_ref(), &plan).map_err(|(realm, e)| {
            format!(
                "{name}: realm {realm:?}: {e}; this realm was not written (the realms before it \
                 were): the database changed during the import, run it again"
            )
        })?
    };
    let realms: Vec<serde_json::Value> = outcomes
        .iter()
        .map(|o| {
            serde_json::json!({
                "name": o.name,
                "created": o.tally.created,
                "unchanged": o.tally.unchanged,
                "skipped": o.tally.skipped,
            })
        })
        .collect();
    println!(
        "{}",
        serde_json::json!({ "dryRun": args.dry_run, "realms": realms })
    );
    Ok(())
}

/// The whole file (`-`: standard input).
fn read_input(path: &Path) -> std::io::Result<Vec<u8>> {
    if path.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::stdin().lock().read_to_end(&mut bytes)?;
        Ok(bytes)
    } else {
        std::fs::read(path)
    }
}
