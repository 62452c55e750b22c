//! Helper macros of the shared queries (`src/queries/records.rs`): `Records<T>` for one table, and
//! the row type of an assignment table. Expanded where `schema`, `conv`, the row types and the
//! store trait imports are in scope.
//!
//! A table's columns are the record's column enum (`oauth_core::model::*Column`), each mapped to a
//! diesel column in an exhaustive `match`: a column the enum gains and a store forgets is a
//! compile error, never a run-time one.

diesel::define_sql_function! {
    /// SQL `lower()` (folds ASCII letters on SQLite, every letter on PostgreSQL).
    fn lower<ST: diesel::sql_types::SingleValue>(x: ST) -> ST;
}

/// Expands to `Records<$model> for $store` over table `$table` with row type `$row` (which has
/// `from_model`, `into_model` and derives `AsChangeset`); `columns` maps every variant of the
/// record's column enum `$column` to a column of the table and its kind (`Id`, `Text`, `Bool`,
/// `Time`).
#[doc(hidden)]
#[macro_export]
macro_rules! __records {
    ($store:ty, $backend:ty, $model:ty, $column:ident, $row:ident, $table:ident,
     columns { $($variant:ident => $col:ident : $kind:ident),* $(,)? }) => {
        const _: () = {
            type Boxed = schema::$table::BoxedQuery<'static, $backend>;

            fn filtered(q: &ListQuery<$column>) -> StoreResult<Boxed> {
                let mut query = schema::$table::table.into_boxed();
                for f in &q.filters {
                    query = match f.column {
                        $($column::$variant => {
                            $crate::__filter!($kind, query, schema::$table::$col, f)
                        })*
                    };
                }
                Ok(query)
            }

            fn sorted(query: Boxed, column: $column, desc: bool) -> Boxed {
                match (column, desc) {
                    $(
                        ($column::$variant, false) => query.then_order_by(schema::$table::$col.asc()),
                        ($column::$variant, true) => query.then_order_by(schema::$table::$col.desc()),
                    )*
                }
            }

            impl Records<$model> for $store {
                fn list_records(&self, q: &ListQuery<$column>) -> StoreResult<Page<$model>> {
                    let conn = &mut *self.conn()?;
                    let total: i64 = filtered(q)?.count().get_result(conn).map_err(map_error)?;
                    let mut query = filtered(q)?;
                    for (column, desc) in &q.sort {
                        query = sorted(query, *column, *desc);
                    }
                    let rows: Vec<$row> = query
                        .then_order_by(schema::$table::id.asc())
                        .limit(i64::from(q.capped_limit()))
                        .offset(i64::from(q.offset))
                        .select($row::as_select())
                        .load(conn)
                        .map_err(map_error)?;
                    Ok(Page {
                        items: rows.into_iter().map($row::into_model).collect::<StoreResult<_>>()?,
                        total: u64::try_from(total).unwrap_or_default(),
                    })
                }

                fn get_record(&self, id: Uuid) -> StoreResult<Option<$model>> {
                    let row: Option<$row> = schema::$table::table
                        .find(conv::id(id))
                        .select($row::as_select())
                        .first(&mut *self.conn()?)
                        .optional()
                        .map_err(map_error)?;
                    row.map($row::into_model).transpose()
                }

                fn insert_record(&self, record: &$model) -> StoreResult<()> {
                    diesel::insert_into(schema::$table::table)
                        .values(&$row::from_model(record)?)
                        .execute(&mut *self.conn()?)
                        .map_err(map_error)?;
                    Ok(())
                }

                fn update_record(&self, record: &$model) -> StoreResult<bool> {
                    let row = $row::from_model(record)?;
                    let count = diesel::update(schema::$table::table.find(conv::id(record.id)))
                        .set(&row)
                        .execute(&mut *self.conn()?)
                        .map_err(map_error)?;
                    Ok(count > 0)
                }

                fn delete_record(&self, id: Uuid) -> StoreResult<bool> {
                    let count = diesel::delete(schema::$table::table.find(conv::id(id)))
                        .execute(&mut *self.conn()?)
                        .map_err(map_error)?;
                    Ok(count > 0)
                }
            }
        };
    };
}

/// `$query` narrowed by filter `$f` on diesel column `$col` of kind `Id`, `Text`, `Bool` or
/// `Time`; a condition the kind does not take (a mistyped value, `Like` on a non-text column, any
/// filter on a time) returns `Backend` from the enclosing function.
#[doc(hidden)]
#[macro_export]
macro_rules! __filter {
    (Time, $query:ident, $col:expr, $f:expr) => {
        return Err($crate::__mistyped($f))
    };
    ($kind:ident, $query:ident, $col:expr, $f:expr) => {{
        use $crate::__oauth_core::store::records::Condition;
        let f = $f;
        match (&f.condition, f.negated) {
            (Condition::IsNull, false) => $query.filter($col.is_null()),
            (Condition::IsNull, true) => $query.filter($col.is_not_null()),
            (Condition::Eq(v), false) => $query.filter($col.eq($crate::__value!($kind, v, f))),
            (Condition::Eq(v), true) => $query.filter($col.ne($crate::__value!($kind, v, f))),
            (Condition::In(vs), negated) => {
                let vs = vs
                    .iter()
                    .map(|v| Ok($crate::__value!($kind, v, f)))
                    .collect::<StoreResult<Vec<_>>>()?;
                if negated {
                    $query.filter($col.ne_all(vs))
                } else {
                    $query.filter($col.eq_any(vs))
                }
            }
            (Condition::Like(pattern), negated) => {
                $crate::__like!($kind, $query, $col, pattern, negated, f)
            }
        }
    }};
}

/// `LIKE` on a text column, ignoring the case of ASCII letters on both backends; an error on
/// any other kind.
#[doc(hidden)]
#[macro_export]
macro_rules! __like {
    (Text, $query:ident, $col:expr, $pattern:ident, $negated:ident, $f:ident) => {{
        use $crate::__lower as lower;
        let pattern = lower($pattern.clone());
        if $negated {
            $query.filter(lower($col).not_like(pattern).escape('\\'))
        } else {
            $query.filter(lower($col).like(pattern).escape('\\'))
        }
    }};
    ($kind:ident, $query:ident, $col:expr, $pattern:ident, $negated:ident, $f:ident) => {
        return Err($crate::__mistyped($f))
    };
}

/// A filter value as the column's Rust type, or `Backend` from the enclosing function.
#[doc(hidden)]
#[macro_export]
macro_rules! __value {
    (Id, $v:ident, $f:ident) => {
        match $v {
            FieldValue::Id(v) => conv::id(*v),
            _ => return Err($crate::__mistyped($f)),
        }
    };
    (Text, $v:ident, $f:ident) => {
        match $v {
            FieldValue::Text(v) => v.clone(),
            _ => return Err($crate::__mistyped($f)),
        }
    };
    (Bool, $v:ident, $f:ident) => {
        match $v {
            FieldValue::Bool(v) => *v,
            _ => return Err($crate::__mistyped($f)),
        }
    };
}

#[doc(hidden)]
pub use lower as __lower;

/// The error for a filter its column cannot take.
#[doc(hidden)]
pub fn __mistyped(f: &impl std::fmt::Debug) -> oauth_core::StoreError {
    oauth_core::StoreError::backend(format!("a column cannot take the filter {f:?}"))
}

/// The row type of an assignment table and its `Records` implementation.
#[doc(hidden)]
#[macro_export]
macro_rules! __assignment {
    ($store:ty, $backend:ty, $model:ident, $column:ident, $row:ident, $table:ident,
     $left:ident: $left_variant:ident, $right:ident: $right_variant:ident) => {
        #[derive(Queryable, Selectable, Insertable, AsChangeset)]
        #[diesel(table_name = schema::$table)]
        pub(super) struct $row {
            id: conv::Id,
            realm_id: conv::Id,
            $left: conv::Id,
            $right: conv::Id,
        }

        impl $row {
            pub(super) fn from_model(a: &$model) -> StoreResult<Self> {
                Ok(Self {
                    id: conv::id(a.id),
                    realm_id: conv::id(a.realm_id),
                    $left: conv::id(a.$left),
                    $right: conv::id(a.$right),
                })
            }
            pub(super) fn into_model(self) -> StoreResult<$model> {
                Ok($model {
                    id: conv::uuid(self.id)?,
                    realm_id: conv::uuid(self.realm_id)?,
                    $left: conv::uuid(self.$left)?,
                    $right: conv::uuid(self.$right)?,
                })
            }
        }

        $crate::__records!(
            $store,
            $backend,
            $model,
            $column,
            $row,
            $table,
            columns {
                Id => id: Id,
                RealmId => realm_id: Id,
                $left_variant => $left: Id,
                $right_variant => $right: Id,
            }
        );
    };
}
