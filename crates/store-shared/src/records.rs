//! Helper macros of the shared queries (`src/queries/records.rs`): `Records<T>` for one table, and
//! the row type of an assignment table. Expanded where `schema`, `conv`, the row types and the
//! store trait imports are in scope.

/// Expands to `Records<$model> for $store` over table `$table` with row type `$row` (which has
/// `from_model`, `into_model` and derives `AsChangeset`). Only the listed columns can be filtered
/// (with the `FieldValue` variant named) and sorted; anything else is a `Backend` error.
#[doc(hidden)]
#[macro_export]
macro_rules! __records {
    ($store:ty, $backend:ty, $model:ty, $row:ident, $table:ident,
     filter { $($fcol:ident : $fkind:ident),* $(,)? },
     sort { $($scol:ident),* $(,)? }) => {
        const _: () = {
            fn filtered(
                q: &ListQuery,
            ) -> StoreResult<schema::$table::BoxedQuery<'static, $backend>> {
                let mut query = schema::$table::table.into_boxed();
                for f in &q.filters {
                    query = match (f.column, &f.value) {
                        $(
                            (stringify!($fcol), FieldValue::$fkind(v)) => query
                                .filter(schema::$table::$fcol.eq($crate::__value!($fkind, v))),
                        )*
                        (column, value) => {
                            return Err(StoreError::backend(format!(
                                "{} cannot be filtered by {column} = {value:?}",
                                stringify!($table)
                            )))
                        }
                    };
                }
                Ok(query)
            }

            impl Records<$model> for $store {
                fn list_records(&self, q: &ListQuery) -> StoreResult<Page<$model>> {
                    let conn = &mut *self.conn()?;
                    let total: i64 = filtered(q)?
                        .count()
                        .get_result(conn)
                        .map_err(map_error)?;
                    let mut query = filtered(q)?;
                    for (column, desc) in &q.sort {
                        query = match (*column, *desc) {
                            $(
                                (stringify!($scol), false) => {
                                    query.then_order_by(schema::$table::$scol.asc())
                                }
                                (stringify!($scol), true) => {
                                    query.then_order_by(schema::$table::$scol.desc())
                                }
                            )*
                            (column, _) => {
                                return Err(StoreError::backend(format!(
                                    "{} cannot be sorted by {column}",
                                    stringify!($table)
                                )))
                            }
                        };
                    }
                    let rows: Vec<$row> = query
                        .then_order_by(schema::$table::id.asc())
                        .limit(i64::from(q.capped_limit()))
                        .offset(i64::from(q.offset))
                        .select($row::as_select())
                        .load(conn)
                        .map_err(map_error)?;
                    Ok(Page {
                        items: rows
                            .into_iter()
                            .map($row::into_model)
                            .collect::<StoreResult<_>>()?,
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

/// A filter value as the column's Rust type.
#[doc(hidden)]
#[macro_export]
macro_rules! __value {
    (Id, $v:ident) => {
        conv::id(*$v)
    };
    (Text, $v:ident) => {
        $v.clone()
    };
    (Bool, $v:ident) => {
        *$v
    };
}

/// The row type of an assignment table and its `Records` implementation.
#[doc(hidden)]
#[macro_export]
macro_rules! __assignment {
    ($store:ty, $backend:ty, $model:ident, $row:ident, $table:ident, $left:ident, $right:ident) => {
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
            $row,
            $table,
            filter {
                id: Id,
                realm_id: Id,
                $left: Id,
                $right: Id
            },
            sort { $left, $right }
        );
    };
}
