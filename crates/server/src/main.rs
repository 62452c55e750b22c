//! The `portcullis` binary: parse the command line, load the configuration, run the command.

use std::process::ExitCode;

use clap::Parser;
use portcullis_server::cli::{
    Cli, ClientCommand, Command, KeysCommand, RealmCommand, ServeArgs, UserCommand,
};
use portcullis_server::config::Config;
use portcullis_server::{commands, telemetry, transfer};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let (config, warnings) = match Config::load(cli.config.as_deref(), &cli.overrides()) {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("portcullis: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&config.log);
    for warning in warnings {
        tracing::warn!("{warning}");
    }
    let outcome = match cli.command.unwrap_or(Command::Serve(ServeArgs::default())) {
        Command::Serve(_) => commands::serve(&config),
        Command::Migrate => commands::migrate(&config),
        Command::Bootstrap => commands::bootstrap(&config),
        Command::Realm(RealmCommand::Create(args)) => commands::realm_create(&config, args),
        Command::Client(ClientCommand::Create(args)) => commands::client_create(&config, args),
        Command::User(UserCommand::Create(args)) => commands::user_create(&config, args),
        Command::Keys(KeysCommand::Rotate(args)) => commands::keys_rotate(&config, args),
        Command::Healthcheck(args) => commands::healthcheck(&config, args),
        Command::Export(args) => transfer::run_export(&config, args),
        Command::Import(args) => transfer::run_import(&config, args),
        Command::Openapi => {
            println!("{}", portcullis_server::admin::openapi::document());
            Ok(())
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("portcullis: {e}");
            ExitCode::FAILURE
        }
    }
}
