//! Generic record access for the admin API: list with filters, sort and paging; get, insert,
//! update and delete by id.
//!
//! Every listed record type declares its columns once, as an enum ([`Record::Column`], written
//! with [`columns!`](crate::columns) in `model/columns.rs`): the stored name, the wire name, the
//! type, whether lists may filter or sort by it, and how to read it from a record. The memory
//! store reads values through [`Record::value`], the diesel stores map each variant to a table
//! column in an exhaustive `match` (a column one of them forgets does not compile), and the admin
//! API offers exactly the filterable and sortable columns.
//!
//! [`Records<T>`] is implemented once per record type by every store.

use std::fmt::Debug;

use uuid::Uuid;

use crate::model::UnixTime;
use crate::store::StoreResult;

/// Most records a list answers at once.
pub const MAX_PAGE_LIMIT: u32 = 1000;

/// The type of a column's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A UUID.
    Id,
    /// Text.
    Text,
    /// `true` or `false`.
    Bool,
    /// A point in time (sortable, not filterable).
    Time,
}

/// A value to compare a column with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValue {
    /// A UUID column.
    Id(Uuid),
    /// A text column.
    Text(String),
    /// A boolean column.
    Bool(bool),
    /// A time column.
    Time(UnixTime),
}

impl From<Uuid> for FieldValue {
    fn from(v: Uuid) -> Self {
        Self::Id(v)
    }
}

impl From<&str> for FieldValue {
    fn from(v: &str) -> Self {
        Self::Text(v.to_owned())
    }
}

impl From<String> for FieldValue {
    fn from(v: String) -> Self {
        Self::Text(v)
    }
}

impl From<bool> for FieldValue {
    fn from(v: bool) -> Self {
        Self::Bool(v)
    }
}

impl FieldValue {
    /// The kind of column this value belongs in.
    pub fn kind(&self) -> Kind {
        match self {
            Self::Id(_) => Kind::Id,
            Self::Text(_) => Kind::Text,
            Self::Bool(_) => Kind::Bool,
            Self::Time(_) => Kind::Time,
        }
    }
}

/// One column of a listed record type (an enum variant per column).
pub trait Column: Copy + Eq + Debug + Send + Sync + 'static {
    /// The record type the column belongs to.
    type Record: Record<Column = Self>;
    /// Every column, in declaration order.
    const ALL: &'static [Self];
    /// The stored (snake_case) name.
    fn name(self) -> &'static str;
    /// The name on the wire (camelCase).
    fn json(self) -> &'static str;
    /// The type of its values.
    fn kind(self) -> Kind;
    /// Whether lists may filter by it.
    fn filterable(self) -> bool;
    /// Whether lists may sort by it.
    fn sortable(self) -> bool;
}

/// A record type the admin API lists.
pub trait Record: Clone + Send + Sync + 'static {
    /// Its columns.
    type Column: Column<Record = Self>;
    /// Unique id.
    fn id(&self) -> Uuid;
    /// The value of `column`; `None` for NULL.
    fn value(&self, column: Self::Column) -> Option<FieldValue>;
    /// Columns that are unique together (besides the id), if any.
    fn unique_key(&self) -> Option<Vec<FieldValue>>;
}

/// What a filter asks of a column's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// Equal to the value.
    Eq(FieldValue),
    /// Equal to one of the values.
    In(Vec<FieldValue>),
    /// Matches an SQL `LIKE` pattern (`%` any run, `_` one character, `\` escapes the next),
    /// ignoring the case of ASCII letters; text columns only.
    Like(String),
    /// NULL.
    IsNull,
}

/// `column <condition>`, or its negation. A negated condition never matches NULL (as in SQL),
/// except `IsNull` negated, which matches every non-NULL value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter<C> {
    /// The column.
    pub column: C,
    /// What its value must satisfy.
    pub condition: Condition,
    /// Whether the condition must not hold instead.
    pub negated: bool,
}

impl<C: Column> Filter<C> {
    /// Whether `record` passes (the memory store's evaluation; the SQL stores agree).
    pub fn matches(&self, record: &C::Record) -> bool {
        let value = record.value(self.column);
        let holds = match (&self.condition, &value) {
            (Condition::IsNull, v) => v.is_none(),
            (_, None) => return false,
            (Condition::Eq(want), Some(v)) => v == want,
            (Condition::In(wants), Some(v)) => wants.contains(v),
            (Condition::Like(pattern), Some(FieldValue::Text(v))) => like(pattern, v),
            (Condition::Like(_), Some(_)) => false,
        };
        holds != self.negated
    }

    /// Whether a value of the condition is not of the column's type, or the column is a time
    /// (which takes no filter): a store answers `Backend` for such a filter; the admin API never
    /// builds one.
    pub fn mistyped(&self) -> bool {
        let kind = self.column.kind();
        match &self.condition {
            _ if kind == Kind::Time => true,
            Condition::Eq(v) => v.kind() != kind,
            Condition::In(vs) => vs.iter().any(|v| v.kind() != kind),
            Condition::Like(_) => kind != Kind::Text,
            Condition::IsNull => false,
        }
    }
}

/// SQL `LIKE` on ASCII-case-folded text: `%` matches any run, `_` one character, `\` makes the
/// next character literal.
pub fn like(pattern: &str, text: &str) -> bool {
    fn go(p: &[char], t: &[char]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some(('%', rest)) => (0..=t.len()).any(|i| go(rest, &t[i..])),
            Some(('_', rest)) => !t.is_empty() && go(rest, &t[1..]),
            Some(('\\', rest)) if !rest.is_empty() => {
                !t.is_empty() && t[0].eq_ignore_ascii_case(&rest[0]) && go(&rest[1..], &t[1..])
            }
            Some((c, rest)) => !t.is_empty() && t[0].eq_ignore_ascii_case(c) && go(rest, &t[1..]),
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    go(&p, &t)
}

/// Which records a list answers, in which order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery<C> {
    /// All must hold.
    pub filters: Vec<Filter<C>>,
    /// Sort keys, first most significant: column and whether descending. The id breaks ties.
    pub sort: Vec<(C, bool)>,
    /// At most this many records (capped at [`MAX_PAGE_LIMIT`]).
    pub limit: u32,
    /// Skip this many.
    pub offset: u32,
}

impl<C> Default for ListQuery<C> {
    fn default() -> Self {
        Self {
            filters: Vec::new(),
            sort: Vec::new(),
            limit: 50,
            offset: 0,
        }
    }
}

impl<C: Column> ListQuery<C> {
    /// Every record with `column = value` (up to the page limit).
    pub fn by(column: C, value: impl Into<FieldValue>) -> Self {
        Self::default().and(column, value)
    }

    /// Adds the filter `column = value`.
    pub fn and(self, column: C, value: impl Into<FieldValue>) -> Self {
        self.filter(Filter {
            column,
            condition: Condition::Eq(value.into()),
            negated: false,
        })
    }

    /// Adds a filter.
    pub fn filter(mut self, filter: Filter<C>) -> Self {
        self.filters.push(filter);
        self
    }

    /// The effective limit.
    pub fn capped_limit(&self) -> u32 {
        self.limit.min(MAX_PAGE_LIMIT)
    }
}

/// One page of a list, and how many records match in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The records of this page.
    pub items: Vec<T>,
    /// How many match the filters.
    pub total: u64,
}

/// Generic access to the records of type `T`.
pub trait Records<T: Record> {
    /// The records matching `query`.
    fn list_records(&self, query: &ListQuery<T::Column>) -> StoreResult<Page<T>>;
    /// The record with `id`.
    fn get_record(&self, id: Uuid) -> StoreResult<Option<T>>;
    /// Inserts; `Conflict` on a duplicate unique key, `NotFound` when a referenced record is gone.
    fn insert_record(&self, record: &T) -> StoreResult<()>;
    /// Replaces the stored record with the same id; answers whether there was one.
    fn update_record(&self, record: &T) -> StoreResult<bool>;
    /// Deletes (with everything that depends on it); answers whether there was one.
    fn delete_record(&self, id: Uuid) -> StoreResult<bool>;
}

/// Every record matching `query`'s filters and sort, page by page however many there are (a
/// decision over "all of them" must never stop at the first [`MAX_PAGE_LIMIT`]).
pub fn list_all<C: Column, S: Records<C::Record> + ?Sized>(
    store: &S,
    query: &ListQuery<C>,
) -> StoreResult<Vec<C::Record>> {
    let mut page_query = query.clone();
    page_query.limit = MAX_PAGE_LIMIT;
    page_query.offset = 0;
    let mut all = Vec::new();
    loop {
        let page = store.list_records(&page_query)?;
        let short = page.items.len() < MAX_PAGE_LIMIT as usize;
        all.extend(page.items);
        if short {
            return Ok(all);
        }
        page_query.offset += MAX_PAGE_LIMIT;
    }
}

/// The records of one page of `query` (`Records::list_records` with the record type taken from
/// the query's column type).
pub fn list_page<C: Column, S: Records<C::Record> + ?Sized>(
    store: &S,
    query: &ListQuery<C>,
) -> StoreResult<Page<C::Record>> {
    store.list_records(query)
}

#[cfg(test)]
mod tests {
    use super::like;

    #[test]
    fn like_matches_as_sql_does_ignoring_ascii_case() {
        assert!(like("ad%", "Admin"));
        assert!(like("%MIN", "admin"));
        assert!(like("a_m%", "adm"));
        assert!(!like("a_m%", "am"));
        assert!(like("%", ""));
        assert!(!like("ad", "admin"));
        assert!(like("50\\%%", "50% off"));
        assert!(!like("50\\%%", "500 off"));
        assert!(like("a\\_b", "a_b"));
        assert!(!like("a\\_b", "axb"));
        assert!(!like("é%", "É")); // only ASCII letters fold, as SQLite's LIKE
    }
}
