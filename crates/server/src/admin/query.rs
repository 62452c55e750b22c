//! The list query string of the admin API (Authup's, rapiq v2): `page[limit]` (default 50, at
//! most 1000), `page[offset]`, `filter[field]=value` on the columns a record type lets lists
//! filter by, and `sort=field,-other` (`-` descending). A filter value may be `!`-prefixed (not),
//! then `~`-prefixed (like: the value followed by anything, `%` and `_` as SQL wildcards, ASCII
//! case ignored), a comma-separated list (any of them) or `null`. Unknown parameters and fields
//! are `400`, never ignored.

use oauth_core::store::records::{
    Column, Condition, FieldValue, Filter, Kind, ListQuery, MAX_PAGE_LIMIT,
};
use oauth_core::text::{Strictness, has_control};
use uuid::Uuid;

use crate::error::ApiError;

/// Longest filter value accepted (each item of a list).
const MAX_VALUE_CHARS: usize = 256;

/// Most items of a list filter (`a,b,...`).
const MAX_LIST_ITEMS: usize = 100;

fn value(name: &str, kind: Kind, raw: &str) -> Result<FieldValue, ApiError> {
    match kind {
        Kind::Id => Uuid::parse_str(raw)
            .map(FieldValue::Id)
            .map_err(|_| ApiError::invalid(name, "must be a UUID")),
        Kind::Bool => match raw {
            "true" => Ok(FieldValue::Bool(true)),
            "false" => Ok(FieldValue::Bool(false)),
            _ => Err(ApiError::invalid(name, "must be true or false")),
        },
        Kind::Text => text(name, raw).map(FieldValue::Text),
        Kind::Time => Err(ApiError::invalid(name, "cannot be filtered")),
    }
}

fn text(name: &str, raw: &str) -> Result<String, ApiError> {
    if raw.chars().count() > MAX_VALUE_CHARS {
        return Err(ApiError::invalid(
            name,
            format!("must be at most {MAX_VALUE_CHARS} characters"),
        ));
    }
    if has_control(raw, Strictness::Token) {
        return Err(ApiError::invalid(
            name,
            "must not contain control characters",
        ));
    }
    Ok(raw.to_owned())
}

/// One `filter[field]=raw` as a [`Filter`] on `column`.
fn filter<C: Column>(name: &str, column: C, raw: &str) -> Result<Filter<C>, ApiError> {
    let (negated, raw) = match raw.strip_prefix('!') {
        Some(rest) => (true, rest),
        None => (false, raw),
    };
    let condition = if let Some(pattern) = raw.strip_prefix('~') {
        if column.kind() != Kind::Text {
            return Err(ApiError::invalid(name, "only text fields take ~ (like)"));
        }
        Condition::Like(format!("{}%", text(name, pattern)?))
    } else if raw == "null" {
        Condition::IsNull
    } else if raw.contains(',') {
        let items: Vec<&str> = raw.split(',').collect();
        if items.len() > MAX_LIST_ITEMS {
            return Err(ApiError::invalid(
                name,
                format!("lists take at most {MAX_LIST_ITEMS} values"),
            ));
        }
        Condition::In(
            items
                .into_iter()
                .map(|item| value(name, column.kind(), item))
                .collect::<Result<_, _>>()?,
        )
    } else {
        Condition::Eq(value(name, column.kind(), raw)?)
    };
    Ok(Filter {
        column,
        condition,
        negated,
    })
}

fn number(name: &str, raw: &str, max: u32) -> Result<u32, ApiError> {
    raw.parse::<u32>()
        .ok()
        .filter(|n| *n <= max)
        .ok_or_else(|| ApiError::invalid(name, format!("must be an integer from 0 to {max}")))
}

/// Parses a raw query string against the columns of `C`'s record type.
pub fn parse<C: Column>(query: &str) -> Result<ListQuery<C>, ApiError> {
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
                let column = find(name, C::sortable).ok_or_else(|| {
                    ApiError::invalid(
                        "sort",
                        format!(
                            "cannot sort by {name:?}; allowed: {}",
                            names::<C>(C::sortable)
                        ),
                    )
                })?;
                list.sort.push((column, desc));
            }
        } else if let Some(name) = key
            .strip_prefix("filter[")
            .and_then(|k| k.strip_suffix(']'))
        {
            let column = find(name, C::filterable).ok_or_else(|| {
                ApiError::invalid(
                    key.clone(),
                    format!(
                        "cannot filter by {name:?}; allowed: {}",
                        names::<C>(C::filterable)
                    ),
                )
            })?;
            list.filters.push(filter(&key, column, &raw)?);
        } else {
            return Err(ApiError::invalid(
                key,
                "unknown parameter; lists take page[limit], page[offset], filter[field] and sort",
            ));
        }
    }
    Ok(list)
}

fn find<C: Column>(json: &str, allowed: fn(C) -> bool) -> Option<C> {
    C::ALL
        .iter()
        .copied()
        .find(|c| allowed(*c) && c.json() == json)
}

/// The wire names of the columns `allowed` admits, comma-separated.
pub fn names<C: Column>(allowed: fn(C) -> bool) -> String {
    C::ALL
        .iter()
        .filter(|c| allowed(**c))
        .map(|c| c.json())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use oauth_core::model::UserColumn;

    use super::*;

    fn eq(column: UserColumn, value: FieldValue) -> Filter<UserColumn> {
        Filter {
            column,
            condition: Condition::Eq(value),
            negated: false,
        }
    }

    #[test]
    fn a_full_query_parses() {
        let id = Uuid::from_u128(5);
        let q = parse::<UserColumn>(
            &format!("page%5Blimit%5D=10&page[offset]=20&filter[realmId]={id}&filter[name]=a%20b&filter[active]=false&sort=-createdAt,name"),
        )
        .unwrap();
        assert_eq!((q.limit, q.offset), (10, 20));
        assert_eq!(
            q.sort,
            [(UserColumn::CreatedAt, true), (UserColumn::Name, false)]
        );
        assert_eq!(
            q.filters,
            [
                eq(UserColumn::RealmId, FieldValue::Id(id)),
                eq(UserColumn::Name, FieldValue::Text("a b".into())),
                eq(UserColumn::Active, FieldValue::Bool(false)),
            ]
        );
        let empty = parse::<UserColumn>("").unwrap();
        assert_eq!((empty.limit, empty.offset), (50, 0));
    }

    #[test]
    fn rapiq_operators_parse() {
        let a = Uuid::from_u128(1);
        let b = Uuid::from_u128(2);
        let q = parse::<UserColumn>(&format!(
            "filter[name]=~ad&filter[email]=!null&filter[id]=!{a},{b}&filter[active]=!true"
        ))
        .unwrap();
        assert_eq!(
            q.filters,
            [
                Filter {
                    column: UserColumn::Name,
                    condition: Condition::Like("ad%".into()),
                    negated: false,
                },
                Filter {
                    column: UserColumn::Email,
                    condition: Condition::IsNull,
                    negated: true,
                },
                Filter {
                    column: UserColumn::Id,
                    condition: Condition::In(vec![FieldValue::Id(a), FieldValue::Id(b)]),
                    negated: true,
                },
                Filter {
                    column: UserColumn::Active,
                    condition: Condition::Eq(FieldValue::Bool(true)),
                    negated: true,
                },
            ]
        );
    }

    #[test]
    fn bad_queries_name_the_parameter() {
        let many = format!("filter[name]={}", vec!["x"; MAX_LIST_ITEMS + 1].join(","));
        let cases = [
            ("page[limit]=1001", "page[limit]"),
            ("page[limit]=-1", "page[limit]"),
            ("page[offset]=x", "page[offset]"),
            ("filter[password]=x", "filter[password]"),
            ("filter[realmId]=nope", "filter[realmId]"),
            ("filter[realmId]=~a", "filter[realmId]"),
            ("filter[active]=yes", "filter[active]"),
            ("filter[createdAt]=1", "filter[createdAt]"),
            ("sort=secret", "sort"),
            ("sort=email", "sort"),
            ("limit=5", "limit"),
            ("sort=name&sort=name", "sort"),
            ("filter[name]=a%00b", "filter[name]"),
            ("filter[name]=~%01", "filter[name]"),
            ("filter[name]=a,%01", "filter[name]"),
            (many.as_str(), "filter[name]"),
        ];
        for (query, field) in cases {
            match parse::<UserColumn>(query) {
                Err(ApiError::Invalid { field: f, .. }) => assert_eq!(f, field, "{query}"),
                other => panic!("{query}: {other:?}"),
            }
        }
    }
}
