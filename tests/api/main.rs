//! Integration tests against a real Docker engine and a real SQLite file.

mod access;
mod api_errors;
mod boards;
mod bundles;
mod checks;
mod edge;
mod browser;
mod graded;
mod helpers;
mod hostile;
mod pages;
mod protections;
mod recovery;
mod scored;
