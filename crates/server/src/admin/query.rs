//! The list query string of the admin API (Authup's): `page[limit]` (default 50, at most 1000),
//! `page[offset]`, `filter[field]=value` on the fields a resource allows, and
//! `sort=field,-other` (`-` descending). Field names are camelCase or (Authup beta.26) snake_case.
//! Unknown parameters and fields are `400`, never ignored.

use oauth_core::store::records::{FieldValue, ListQuery, MAX_PAGE_LIMIT};
use oauth_core::text::{Strictness, has_control};
use uuid::Uuid;

use crate::error::ApiError;

/// The type of a filterable column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A UUID.
    Id,
    /// Text.
    Text,
    /// `true` or `false`.
    Bool,
}

/// A field a list can be filtered or sorted by: its JSON name, stored column and type.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// camelCase name on the wire.
    pub json: &'static str,
    /// snake_case stored column.
    pub column: &'static str,
    /// Type of the value.
    pub kind: Kind,
}

/// Shorthand for a [`Field`].
pub const fn field(json: &'static str, column: &'static str, kind: Kind) -> Field {
    Field { json, column, kind }
}

/// Longest filter value accepted.
const MAX_VALUE_CHARS: usize = 256;

fn value(field: &Field, raw: &str) -> Result<FieldValue, ApiError> {
    let name = format!("filter[{}]", field.json);
    match field.kind {
        Kind::Id => Uuid::parse_str(raw)
            .map(FieldValue::Id)
            .map_err(|_| ApiError::invalid(name, "must be a UUID")),
        Kind::Bool => match raw {
            "true" => Ok(FieldValue::Bool(true)),
            "false" => Ok(FieldValue::Bool(false)),
            _ => Err(ApiError::invalid(name, "must be true or false")),
        },
        Kind::Text if raw.chars().count() > MAX_VALUE_CHARS => Err(ApiError::invalid(
            name,
            format!("must be at most {MAX_VALUE_CHARS} characters"),
        )),
        Kind::Text if has_control(raw, Strictness::Token) => Err(ApiError::invalid(
            name,
            "must not contain control characters",
        )),
        Kind::Text => Ok(FieldValue::Text(raw.to_owned())),
    }
}

fn number(name: &str, raw: &str, max: u32) -> Result<u32, ApiError> {
    raw.parse::<u32>()
        .ok()
        .filter(|n| *n <= max)
        .ok_or_else(|| ApiError::invalid(name, format!("must be an integer from 0 to {max}")))
}

/// Parses a raw query string against the fields a resource allows.
pub fn parse(query: &str, filters: &[Field], sorts: &[Field]) -> Result<ListQuery, ApiError> {
    let mut list = ListQuery::default();
    let mut seen = Vec::new();
    for (key, raw) in url::form_urlencoded::parse(query.as_bytes()) {
        if seen.contains(&key) {
            return Err(ApiError::invalid(key, "is given more than once"));
        }
        seen.push(key.clone());
        if key == "page[limit]" {
            list.limit = number(&key, &raw, MAX_PAGE_LIMIT)?;
        } else if key == "page[offset]" {
            list.offset = number(&key, &raw, i32::MAX as u32)?;
        } else if key == "sort" {
            for item in raw.split(',').filter(|s| !s.is_empty()) {
                let (name, desc) = match item.strip_prefix('-') {
                    Some(name) => (name, true),
                    None => (item, false),
                };
                let field = find(sorts, name).ok_or_else(|| {
                    ApiError::invalid(
                        "sort",
                        format!("cannot sort by {name:?}; allowed: {}", names(sorts)),
                    )
                })?;
                list.sort.push((field.column, desc));
            }
        } else if let Some(name) = key
            .strip_prefix("filter[")
            .and_then(|k| k.strip_suffix(']'))
        {
            let field = find(filters, name).ok_or_else(|| {
                ApiError::invalid(
                    key.clone(),
                    format!("cannot filter by {name:?}; allowed: {}", names(filters)),
                )
            })?;
            list.filters.push(oauth_core::store::records::Filter {
                column: field.column,
                value: value(field, &raw)?,
            });
        } else {
            return Err(ApiError::invalid(
                key,
                "unknown parameter; lists take page[limit], page[offset], filter[field] and sort",
            ));
        }
    }
    Ok(list)
}

/// The field a wire name means, camelCase or (Authup beta.26) snake_case.
fn find<'a>(fields: &'a [Field], name: &str) -> Option<&'a Field> {
    let camel = super::wire::camel(name);
    fields.iter().find(|f| f.json == camel)
}

fn names(fields: &[Field]) -> String {
    fields.iter().map(|f| f.json).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILTERS: [Field; 3] = [
        field("realmId", "realm_id", Kind::Id),
        field("name", "name", Kind::Text),
        field("active", "active", Kind::Bool),
    ];
    const SORTS: [Field; 2] = [
        field("name", "name", Kind::Text),
        field("createdAt", "created_at", Kind::Text),
    ];

    #[test]
    fn snake_case_field_names_mean_the_camel_case_fields() {
        let id = Uuid::from_u128(5);
        let q = parse(
            &format!("filter[realm_id]={id}&sort=-created_at"),
            &FILTERS,
            &SORTS,
        )
        .unwrap();
        assert_eq!(q.sort, [("created_at", true)]);
        assert_eq!(q.filters[0].column, "realm_id");
    }

    #[test]
    fn a_full_query_parses() {
        let id = Uuid::from_u128(5);
        let q = parse(
            &format!("page%5Blimit%5D=10&page[offset]=20&filter[realmId]={id}&filter[name]=a%20b&filter[active]=false&sort=-createdAt,name"),
            &FILTERS,
            &SORTS,
        )
        .unwrap();
        assert_eq!((q.limit, q.offset), (10, 20));
        assert_eq!(q.sort, [("created_at", true), ("name", false)]);
        assert_eq!(q.filters.len(), 3);
        assert_eq!(q.filters[0].value, FieldValue::Id(id));
        assert_eq!(q.filters[1].value, FieldValue::Text("a b".into()));
        assert_eq!(q.filters[2].value, FieldValue::Bool(false));
        let empty = parse("", &FILTERS, &SORTS).unwrap();
        assert_eq!((empty.limit, empty.offset), (50, 0));
    }

    #[test]
    fn bad_queries_name_the_parameter() {
        let cases = [
            ("page[limit]=1001", "page[limit]"),
            ("page[limit]=-1", "page[limit]"),
            ("page[offset]=x", "page[offset]"),
            ("filter[password]=x", "filter[password]"),
            ("filter[realmId]=nope", "filter[realmId]"),
            ("filter[active]=yes", "filter[active]"),
            ("sort=secret", "sort"),
            ("limit=5", "limit"),
            ("sort=name&sort=name", "sort"),
            ("filter[name]=a%00b", "filter[name]"),
            ("filter[name]=%01", "filter[name]"),
        ];
        for (query, field) in cases {
            match parse(query, &FILTERS, &SORTS) {
                Err(ApiError::Invalid { field: f, .. }) => assert_eq!(f, field, "{query}"),
                other => panic!("{query}: {other:?}"),
            }
        }
    }
}
