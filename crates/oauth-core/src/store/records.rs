//! Generic record access for the admin API: list with filters, sort and paging; get, insert,
//! update and delete by id.
//!
//! [`Records<T>`] is implemented once per record type by every store. Filters and sort keys name
//! stored columns (snake_case); each store accepts only the columns it was told are filterable
//! for that type and answers `Backend` for any other (the admin layer never passes one).

use uuid::Uuid;

use crate::store::StoreResult;

/// Most records a list answers at once.
pub const MAX_PAGE_LIMIT: u32 = 1000;

/// A value to compare a column with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValue {
    /// A UUID column.
    Id(Uuid),
    /// A text column.
    Text(String),
    /// A boolean column.
    Bool(bool),
}

/// `column = value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// Stored column name.
    pub column: &'static str,
    /// Value it must equal.
    pub value: FieldValue,
}

/// Which records a list answers, in which order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    /// All must hold.
    pub filters: Vec<Filter>,
    /// Sort keys, first most significant: column and whether descending. The id breaks ties.
    pub sort: Vec<(&'static str, bool)>,
    /// At most this many records (capped at [`MAX_PAGE_LIMIT`]).
    pub limit: u32,
    /// Skip this many.
    pub offset: u32,
}

impl Default for ListQuery {
    fn default() -> Self {
        Self {
            filters: Vec::new(),
            sort: Vec::new(),
            limit: 50,
            offset: 0,
        }
    }
}

impl ListQuery {
    /// Every record with `column = value` (up to the page limit).
    pub fn by(column: &'static str, value: FieldValue) -> Self {
        Self::default().and(column, value)
    }

    /// Adds a filter.
    pub fn and(mut self, column: &'static str, value: FieldValue) -> Self {
        self.filters.push(Filter { column, value });
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
pub trait Records<T> {
    /// The records matching `query`.
    fn list_records(&self, query: &ListQuery) -> StoreResult<Page<T>>;
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
pub fn list_all<T, S: Records<T> + ?Sized>(store: &S, query: &ListQuery) -> StoreResult<Vec<T>> {
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

/// A record type's id and its column values, for stores that filter and sort in process (the
/// memory store) and for unique-key checks.
pub trait Columns {
    /// Unique id.
    fn id(&self) -> Uuid;
    /// The value of a filterable or sortable column; `None` for NULL or an unknown column.
    fn column(&self, name: &str) -> Option<FieldValue>;
    /// Columns that are unique together (besides the id), if any.
    fn unique_key(&self) -> Option<Vec<FieldValue>>;
}
