//! Grant tests on the in-memory store: the whole conformance suite, plus core-only cases.

crate::store_conformance_tests!(|| Box::new(crate::memory::MemoryStore::new()));
