//! Integration tests against a real Docker engine and a real SQLite file.

mod api_errors;
mod bundles;
mod graded;
mod helpers;
mod hostile;
mod recovery;
mod scored;
