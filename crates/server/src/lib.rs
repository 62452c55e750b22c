//! The Portcullis server: configuration, HTTP routes and the `portcullis` command line.
//!
//! Only this crate knows HTTP. It decodes requests, reads the clock once, runs `oauth_core` on the
//! blocking pool through [`blocking::run_blocking`], and renders the result.

pub mod admin;
pub mod audit;
pub mod bearer;
pub mod blocking;
pub mod cache;
pub mod cli;
pub mod commands;
pub mod config;
pub mod cors;
pub mod error;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod input;
pub mod keys;
pub mod maintenance;
pub mod metrics;
pub mod pages;
pub mod params;
pub mod ratelimit;
pub mod routes;
pub mod state;
pub mod telemetry;
pub mod transfer;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::{App, web};

/// The application: state, request-id middleware and every route.
pub fn app(
    state: state::AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(web::Data::new(state))
        .wrap(from_fn(input::refuse_control_characters))
        .wrap(from_fn(ratelimit::per_address))
        .wrap(from_fn(telemetry::request_span))
        .configure(routes::configure)
}
