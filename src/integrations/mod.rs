//! Integrations with hiring tools: the Greenhouse Assessment Partner API, and what a candidate's
//! invitation came to (which both Greenhouse and the `invitation.completed` webhook report).

pub mod greenhouse;
pub mod outcome;
