//! rapiq's `fields=` and `include=` on lists and single reads (HTTP-layer only: applied to the
//! views the store's records become). `include=realm,role` embeds the records that `realmId`,
//! `roleId` name (`resources/include.rs`); `fields=id,name` keeps only those fields (and the
//! included relations), `+x` asks for `x` (every field is already answered), `-x` drops `x`.
//! Names are camelCase or snake_case; a field or relation the record does not have is `400`.

use serde_json::{Map, Value};
use uuid::Uuid;

use super::Ctx;
use super::wire::camel;
use crate::error::ApiError;

/// `fields` and `include` of a query string; the other parameters are left for `query::parse`.
#[derive(Debug, Default, Clone)]
pub struct Shape {
    fields: Option<Vec<String>>,
    include: Vec<String>,
}

/// Splits `fields` and `include` off a raw query string; answers them and the rest.
pub fn split(raw: &str) -> Result<(Shape, String), ApiError> {
    let mut shape = Shape::default();
    let mut rest = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in url::form_urlencoded::parse(raw.as_bytes()) {
        let list = || -> Vec<String> {
            value
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        };
        match key.as_ref() {
            "fields" if shape.fields.is_none() => shape.fields = Some(list()),
            "include" if shape.include.is_empty() => shape.include = list(),
            "fields" | "include" => {
                return Err(ApiError::invalid(key, "is given more than once"));
            }
            _ => {
                rest.append_pair(&key, &value);
            }
        }
    }
    Ok((shape, rest.finish()))
}

impl Shape {
    /// Applies the shape to one view (camelCase, before `wire::render`).
    pub fn apply(&self, ctx: &Ctx<'_>, view: Value) -> Result<Value, ApiError> {
        if self.fields.is_none() && self.include.is_empty() {
            return Ok(view);
        }
        let Value::Object(mut map) = view else {
            return Ok(view);
        };
        let mut included = Vec::new();
        for relation in &self.include {
            let relation = camel(relation);
            let key = format!("{relation}Id");
            let id = match map.get(&key) {
                Some(Value::String(id)) => Uuid::parse_str(id).ok(),
                Some(Value::Null) => None,
                _ => {
                    return Err(ApiError::invalid(
                        "include",
                        format!("cannot include {relation:?} on this resource"),
                    ));
                }
            };
            let record = match id {
                Some(id) => super::resources::include::related(ctx, &relation, id)?,
                None => Value::Null,
            };
            map.insert(relation.clone(), record);
            included.push(relation);
        }
        if let Some(fields) = &self.fields {
            map = project(map, fields, &included)?;
        }
        Ok(Value::Object(map))
    }
}

fn project(
    mut map: Map<String, Value>,
    fields: &[String],
    included: &[String],
) -> Result<Map<String, Value>, ApiError> {
    let known = |name: &str, map: &Map<String, Value>| {
        if map.contains_key(name) {
            Ok(())
        } else {
            Err(ApiError::invalid(
                "fields",
                format!("{name:?} is not a field of this resource"),
            ))
        }
    };
    let mut keep: Vec<String> = Vec::new();
    let mut drop: Vec<String> = Vec::new();
    for raw in fields {
        if let Some(name) = raw.strip_prefix('-') {
            let name = camel(name);
            known(&name, &map)?;
            drop.push(name);
        } else if let Some(name) = raw.strip_prefix('+') {
            known(&camel(name), &map)?;
        } else {
            let name = camel(raw);
            known(&name, &map)?;
            keep.push(name);
        }
    }
    if !keep.is_empty() {
        keep.extend(included.iter().cloned());
        map.retain(|key, _| keep.contains(key));
    }
    map.retain(|key, _| !drop.contains(key));
    Ok(map)
}
