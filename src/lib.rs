//! mlgrade: sandboxed grading of machine-learning coding challenges.

pub mod accounts;
pub mod api;
pub mod bundle;
pub mod catalogue;
pub mod bench;
pub mod calibrate;
pub mod challenge;
pub mod cli;
pub mod config;
pub mod domain;
pub mod generate;
pub mod grading;
pub mod health;
pub mod integrations;
pub mod integrity;
pub mod metrics;
pub mod pipeline;
pub mod runtime;
pub mod sandbox;
pub mod startup;
pub mod store;
pub mod web;
pub mod webhooks;
pub mod worker;
