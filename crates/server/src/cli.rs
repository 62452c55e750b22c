//! The `portcullis` command line (clap). `portcullis` alone means `portcullis serve`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::Overrides;

/// Portcullis: an OAuth 2.0 and OpenID Connect authorization server.
#[derive(Debug, Parser)]
#[command(name = "portcullis", version, about, propagate_version = true)]
pub struct Cli {
    /// Configuration file (TOML). Default: ./portcullis.toml if it exists.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Database: a SQLite path (or sqlite://path) or a postgres:// URL. Overrides database.url.
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
    /// The command; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

impl Cli {
    /// The flags that override configuration.
    pub fn overrides(&self) -> Overrides {
        let mut overrides = Overrides {
            database_url: self.database_url.clone(),
            ..Overrides::default()
        };
        if let Some(Command::Serve(serve)) = &self.command {
            overrides.address = serve.address.clone();
            overrides.public_url = serve.public_url.clone();
        }
        overrides
    }
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (migrates and bootstraps first).
    Serve(ServeArgs),
    /// Apply pending database migrations, then exit.
    Migrate,
    /// Create what an empty database needs (realm master, scopes, role and user admin, keys).
    Bootstrap,
    /// Manage realms.
    #[command(subcommand)]
    Realm(RealmCommand),
    /// Manage OAuth clients.
    #[command(subcommand)]
    Client(ClientCommand),
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage signing keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Exit 0 if the server at http.address answers GET /health/ready with 200 (for containers).
    Healthcheck(HealthcheckArgs),
    /// Print the OpenAPI 3.1 document of the admin API (the one served at /openapi.json).
    Openapi,
    /// Write realms (users with their password hashes, clients with their secret hashes, roles,
    /// permissions, scopes, assignments, signing keys) as one JSON file. The file is a secret:
    /// it is written with mode 0600 and never to a terminal (docs/import-export.md).
    Export(ExportArgs),
    /// Read an export file into this database: new records are inserted, identical ones left
    /// alone, one transaction per realm; a file that cannot be read whole, or that conflicts with
    /// the database, is refused before anything is written (docs/import-export.md).
    Import(ImportArgs),
}

/// `export` flags.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Only this realm (default: every realm, with the bootstrap record).
    #[arg(long)]
    pub realm: Option<String>,
    /// Write to this file (mode 0600) instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `import` flags.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The export file (`-`: standard input).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// A record whose id the database holds with other content: `fail` refuses the import
    /// (nothing is written), `skip` keeps the database's record and imports the rest.
    #[arg(long, value_name = "POLICY", default_value = "fail", value_parser = ["fail", "skip"])]
    pub on_conflict: String,
    /// Check the file and plan the import; print what it would do, write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// `serve` flags.
#[derive(Debug, Args, Default)]
pub struct ServeArgs {
    /// Listen address host:port. Overrides http.address.
    #[arg(long, value_name = "HOST:PORT")]
    pub address: Option<String>,
    /// Public base URL (issuer prefix). Overrides public_url.
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
}

/// `realm` subcommands.
#[derive(Debug, Subcommand)]
pub enum RealmCommand {
    /// Create a realm with its built-in scopes and ES256 and RS256 keys; prints its id.
    Create(RealmCreateArgs),
}

/// `realm create` flags.
#[derive(Debug, Args)]
pub struct RealmCreateArgs {
    /// Realm name (letters, digits, '-', '_', '.'); its issuer is {public_url}/realms/{name}.
    #[arg(long)]
    pub name: String,
    /// Algorithm of the realm's access tokens.
    #[arg(long, default_value = "ES256", value_parser = ["ES256", "RS256"])]
    pub access_token_algorithm: String,
}

/// `client` subcommands.
#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Register a client; prints its id and, for a confidential client, its secret (once).
    Create(ClientCreateArgs),
}

/// `client create` flags.
#[derive(Debug, Args)]
pub struct ClientCreateArgs {
    /// Client name, unique in the realm.
    #[arg(long)]
    pub name: String,
    /// Realm name.
    #[arg(long, default_value = "master")]
    pub realm: String,
    /// Allowed grant types, space- or comma-separated (default: all).
    #[arg(long, value_name = "TYPES")]
    pub grant_types: Option<String>,
    /// Allowed scopes, space-separated (default: every scope of the realm).
    #[arg(long)]
    pub scope: Option<String>,
    /// Redirect URI; repeat for several.
    #[arg(long = "redirect-uri", value_name = "URI")]
    pub redirect_uris: Vec<String>,
    /// Where the browser may be sent after logout; repeat for several.
    #[arg(long = "post-logout-redirect-uri", value_name = "URI")]
    pub post_logout_redirect_uris: Vec<String>,
    /// A public client (no secret; for apps that cannot keep one).
    #[arg(long)]
    pub public: bool,
    /// A first-party client (skips the consent page; may receive the admin scope `global`).
    #[arg(long)]
    pub first_party: bool,
    /// Algorithm of the client's ID tokens.
    #[arg(long, value_name = "ALG", value_parser = ["RS256", "ES256"])]
    pub id_token_alg: Option<String>,
}

/// `keys` subcommands.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Start a rotation: add a successor key (published now, signing after
    /// keys.prepublish_seconds, done by the running servers); prints the changes as JSON.
    Rotate(KeysRotateArgs),
}

/// `keys rotate` flags.
#[derive(Debug, Args)]
pub struct KeysRotateArgs {
    /// Only this realm (default: every realm).
    #[arg(long)]
    pub realm: Option<String>,
    /// Only this algorithm (default: both).
    #[arg(long, value_name = "ALG", value_parser = ["ES256", "RS256"])]
    pub alg: Option<String>,
}

/// `user` subcommands.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user; prints its id.
    Create(UserCreateArgs),
}

/// `user create` flags.
#[derive(Debug, Args)]
pub struct UserCreateArgs {
    /// Login name, unique in the realm.
    #[arg(long)]
    pub name: String,
    /// Realm name.
    #[arg(long, default_value = "master")]
    pub realm: String,
    /// E-mail address.
    #[arg(long)]
    pub email: Option<String>,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    pub password_stdin: bool,
}

/// `healthcheck` flags.
#[derive(Debug, Args)]
pub struct HealthcheckArgs {
    /// Address to probe (default: http.address; 0.0.0.0 is probed on 127.0.0.1).
    #[arg(long, value_name = "HOST:PORT")]
    pub address: Option<String>,
}
