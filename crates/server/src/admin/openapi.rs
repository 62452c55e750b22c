//! The OpenAPI 3.1 document of the admin API, generated from the same [`Resource`]
//! implementations that register the routes (so it cannot list a route that does not exist), at
//! `GET /openapi.json`, and an HTML reference rendered from it at `GET /docs`.

use std::sync::LazyLock;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use utoipa::openapi::path::{OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ArrayBuilder, ComponentsBuilder, ContentBuilder, HttpMethod, InfoBuilder, ObjectBuilder,
    OpenApi, OpenApiBuilder, PathItem, PathsBuilder, Ref, RefOr, Required, ResponseBuilder, Schema,
    Type,
};

use super::ColumnOf;
use super::Resource;
use oauth_core::store::records::{Column, Kind};

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Id => "a UUID",
        Kind::Text => "text",
        Kind::Bool => "true or false",
        Kind::Time => "a time",
    }
}

/// The schema of a plain filter value (the rapiq forms are in the description).
fn kind_schema(kind: Kind) -> Schema {
    match kind {
        Kind::Id => ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::Uuid,
            )))
            .into(),
        Kind::Bool => ObjectBuilder::new().schema_type(Type::Boolean).into(),
        Kind::Text | Kind::Time => string(),
    }
}

/// One documented operation, for the HTML reference.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Operation {
    method: &'static str,
    path: String,
    summary: String,
    permission: String,
}

/// The document being built.
pub struct Document {
    paths: PathsBuilder,
    components: ComponentsBuilder,
    operations: Vec<Operation>,
}

fn reference(name: &str) -> RefOr<Schema> {
    RefOr::Ref(Ref::from_schema_name(name))
}

fn string() -> Schema {
    ObjectBuilder::new().schema_type(Type::String).into()
}

fn json(schema: impl Into<RefOr<Schema>>) -> utoipa::openapi::Content {
    ContentBuilder::new().schema(Some(schema)).build()
}

fn error(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content("application/json", json(reference("Error")))
        .build()
}

fn data(schema: impl Into<RefOr<Schema>>) -> Schema {
    ObjectBuilder::new()
        .property("data", schema)
        .required("data")
        .into()
}

fn ok(description: &str, schema: Schema) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content("application/json", json(schema))
        .build()
}

fn id_parameter() -> utoipa::openapi::path::Parameter {
    ParameterBuilder::new()
        .name("id")
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .description(Some("UUID, or the record's unique name (`@me` on users)"))
        .schema(Some(string()))
        .build()
}

fn query_parameter(
    name: String,
    description: String,
    schema: Schema,
) -> utoipa::openapi::path::Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Query)
        .required(Required::False)
        .description(Some(description))
        .schema(Some(schema))
        .build()
}

impl Document {
    fn new() -> Self {
        let error = ObjectBuilder::new()
            .property("error", string())
            .required("error")
            .property("error_description", string())
            .required("error_description")
            .property(
                "statusCode",
                ObjectBuilder::new().schema_type(Type::Integer),
            )
            .required("statusCode")
            .property("code", string())
            .required("code")
            .property("message", string())
            .required("message")
            .property("field", string())
            .description(Some(
                "RFC 6749 `error`/`error_description`, and Authup's `statusCode`, `code` (= `error`) \
                 and `message` (= `error_description`); `field` names the offending body field or \
                 query parameter of a 400",
            ));
        let meta = ObjectBuilder::new()
            .property("limit", ObjectBuilder::new().schema_type(Type::Integer))
            .property("offset", ObjectBuilder::new().schema_type(Type::Integer))
            .property("total", ObjectBuilder::new().schema_type(Type::Integer))
            .required("limit")
            .required("offset")
            .required("total");
        Self {
            paths: PathsBuilder::new(),
            components: ComponentsBuilder::new()
                .schema("Error", error)
                .schema("ListMeta", meta)
                .security_scheme(
                    "bearer",
                    SecurityScheme::Http(
                        HttpBuilder::new()
                            .scheme(HttpAuthScheme::Bearer)
                            .bearer_format("JWT")
                            .build(),
                    ),
                ),
            operations: Vec::new(),
        }
    }

    fn operation(
        &mut self,
        method: HttpMethod,
        path: &str,
        id: String,
        summary: String,
        permission: String,
        build: OperationBuilder,
    ) {
        let op = build
            .operation_id(Some(id))
            .summary(Some(summary.clone()))
            .description(Some(format!("Needs permission `{permission}`.")))
            .security(SecurityRequirement::new("bearer", Vec::<String>::new()))
            .response(
                "401",
                error("No valid bearer token (`WWW-Authenticate: Bearer`)"),
            )
            .response(
                "403",
                error("The caller lacks the permission in this realm"),
            );
        self.paths = std::mem::take(&mut self.paths).path(path, PathItem::new(method.clone(), op));
        let method = match method {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Delete => "DELETE",
            _ => "?",
        };
        self.operations.push(Operation {
            method,
            path: path.to_owned(),
            summary,
            permission,
        });
    }

    /// Documents every route of `R`.
    pub fn resource<R: Resource>(&mut self) {
        let view = <R::View as utoipa::ToSchema>::name().into_owned();
        let create = <R::Create as utoipa::ToSchema>::name().into_owned();
        let update = <R::Update as utoipa::ToSchema>::name().into_owned();
        self.components = std::mem::take(&mut self.components)
            .schema(view.clone(), <R::View as utoipa::PartialSchema>::schema());
        let (collection, item) = (format!("/{}", R::PATH), format!("/{}/{{id}}", R::PATH));
        let entity = R::ENTITY;
        let tag = R::PATH;

        let mut list = OperationBuilder::new().tag(tag);
        for (name, description, schema) in [
            (
                "page[limit]",
                "At most this many records (default 50, at most 1000)",
                ObjectBuilder::new().schema_type(Type::Integer).into(),
            ),
            (
                "page[offset]",
                "Skip this many records",
                ObjectBuilder::new().schema_type(Type::Integer).into(),
            ),
        ] {
            list = list.parameter(query_parameter(name.into(), description.into(), schema));
        }
        let columns = <ColumnOf<R> as Column>::ALL;
        let sorts: Vec<String> = columns
            .iter()
            .filter(|c| c.sortable())
            .flat_map(|c| [c.json().to_owned(), format!("-{}", c.json())])
            .collect();
        list = list.parameter(query_parameter(
            "sort".into(),
            "A field to sort by, `-` for descending; several may be joined with commas".into(),
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(sorts))
                .into(),
        ));
        for c in columns.iter().filter(|c| c.filterable()) {
            list = list.parameter(query_parameter(
                format!("filter[{}]", c.json()),
                format!(
                    "Only records whose {} matches: a value ({}), `a,b` (any of), `~abc` (starts \
                     with, `%` and `_` as wildcards; text only), `null`; `!` before any of them \
                     negates",
                    c.json(),
                    kind_name(c.kind())
                ),
                kind_schema(c.kind()),
            ));
        }
        let page: Schema = ObjectBuilder::new()
            .property("data", ArrayBuilder::new().items(reference(&view)))
            .required("data")
            .property("meta", reference("ListMeta"))
            .required("meta")
            .into();
        list = list
            .response("200", ok("One page of records", page))
            .response("400", error("A bad query parameter (named in `field`)"));
        self.operation(
            HttpMethod::Get,
            &collection,
            format!("list_{}", R::PATH),
            format!("List {}", R::PATH),
            format!("{entity}_read"),
            list,
        );

        let read = OperationBuilder::new()
            .tag(tag)
            .parameter(id_parameter())
            .response("200", ok("The record", data(reference(&view))))
            .response("404", error("No such record"));
        self.operation(
            HttpMethod::Get,
            &item,
            format!("read_{entity}"),
            format!("Read one {entity}"),
            format!("{entity}_read"),
            read,
        );

        if R::OPS.create {
            self.components = std::mem::take(&mut self.components).schema(
                create.clone(),
                <R::Create as utoipa::PartialSchema>::schema(),
            );
            let op = OperationBuilder::new()
                .tag(tag)
                .request_body(Some(
                    RequestBodyBuilder::new()
                        .required(Some(Required::True))
                        .content("application/json", json(reference(&create)))
                        .build(),
                ))
                .response("201", ok("Created", data(reference(&view))))
                .response("400", error("A field is invalid (named in `field`)"))
                .response("409", error("A record with that unique name exists"));
            self.operation(
                HttpMethod::Post,
                &collection,
                format!("create_{entity}"),
                format!("Create a {entity}"),
                format!("{entity}_create"),
                op,
            );
        }
        if R::OPS.update {
            self.components = std::mem::take(&mut self.components).schema(
                update.clone(),
                <R::Update as utoipa::PartialSchema>::schema(),
            );
            let op = OperationBuilder::new()
                .tag(tag)
                .parameter(id_parameter())
                .request_body(Some(
                    RequestBodyBuilder::new()
                        .required(Some(Required::True))
                        .content("application/json", json(reference(&update)))
                        .build(),
                ))
                .response("202", ok("Updated", data(reference(&view))))
                .response("400", error("A field is invalid (named in `field`)"))
                .response("404", error("No such record"))
                .response("409", error("A record with that unique name exists"));
            self.operation(
                HttpMethod::Post,
                &item,
                format!("update_{entity}"),
                format!("Update a {entity}"),
                format!("{entity}_update"),
                op,
            );
        }
        if R::OPS.delete {
            let op = OperationBuilder::new()
                .tag(tag)
                .parameter(id_parameter())
                .response(
                    "202",
                    ok("Deleted; the record as it was", data(reference(&view))),
                )
                .response(
                    "400",
                    error("The record cannot be deleted (built-in, or the last active key)"),
                )
                .response("404", error("No such record"));
            self.operation(
                HttpMethod::Delete,
                &item,
                format!("delete_{entity}"),
                format!("Delete a {entity}"),
                format!("{entity}_delete"),
                op,
            );
        }
    }

    /// Documents a `POST` action on one record of `R` answering `202` with the record.
    pub fn action<R: Resource>(&mut self, path: &str, summary: &str) {
        let view = <R::View as utoipa::ToSchema>::name().into_owned();
        let op = OperationBuilder::new()
            .tag(R::PATH)
            .parameter(id_parameter())
            .response("202", ok(summary, data(reference(&view))))
            .response("400", error("The record does not allow this"))
            .response("404", error("No such record"));
        let id = path
            .trim_start_matches('/')
            .replace(['/', '{', '}', '-'], "_");
        self.operation(
            HttpMethod::Post,
            path,
            id,
            summary.to_owned(),
            format!("{}_update", R::ENTITY),
            op,
        );
    }

    fn build(self) -> (OpenApi, Vec<Operation>) {
        let info = InfoBuilder::new()
            .title("Portcullis admin API")
            .version(env!("CARGO_PKG_VERSION"))
            .description(Some(
                "Authup's management API. Every path also exists under `/realms/{realm}` for \
                 realm-scoped resources. Lists take `page[limit]`, `page[offset]`, `filter[field]` \
                 and `sort`.",
            ))
            .build();
        let doc = OpenApiBuilder::new()
            .info(info)
            .paths(self.paths.build())
            .components(Some(self.components.build()))
            .build();
        (doc, self.operations)
    }
}

static DOCUMENT: LazyLock<(String, Vec<Operation>)> = LazyLock::new(|| {
    let mut doc = Document::new();
    super::resources::document_all(&mut doc);
    let (openapi, operations) = doc.build();
    let json = openapi.to_pretty_json().unwrap_or_else(|e| {
        tracing::error!(error = %e, "cannot serialize the OpenAPI document");
        "{}".to_owned()
    });
    (json, operations)
});

/// The OpenAPI document as JSON.
pub fn document() -> &'static str {
    &DOCUMENT.0
}

/// `GET /openapi.json`.
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(DOCUMENT.0.clone())
}

/// `GET /docs`: the reference page.
pub async fn docs() -> HttpResponse {
    crate::pages::render(
        crate::pages::page(StatusCode::OK),
        "docs.html",
        minijinja::context! { operations => DOCUMENT.1.clone() },
    )
}
