//! Integration tests against a real Docker engine and a real SQLite file.

mod access;
mod api_errors;
mod boards;
mod bundles;
mod checks;
mod edge;
mod browser;
mod browser_day;
mod graded;
mod helpers;
mod mail;
mod metrics;
mod nodes;
mod hostile;
mod integrity;
mod pages;
mod panel;
mod practice;
mod protections;
mod recovery;
mod refusals;
mod report;
mod review;
mod scored;
mod trust;
mod timed;
