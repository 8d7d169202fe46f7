//! Static integrity analysis of a submitted `solution.py`.
//!
//! Grading tells an interviewer how well a submission performs; this module
//! gathers evidence about *how it came to be*, so a strong score can be read
//! in context. Two questions are answered, both from the source text alone
//! (pure functions, no I/O, no Python needed):
//!
//! * [`fingerprint`]: was this copied? MOSS-style winnowed fingerprints of a
//!   normalised token stream survive renaming, reformatting, comment removal
//!   and reordering of functions, so a submission can be compared with every
//!   earlier one (and with the challenge's starter file subtracted).
//! * [`embedded`]: does the file carry data it should not, such as a pasted
//!   copy of the (hidden) test labels, a table of precomputed predictions or
//!   an encoded blob (base64, hex, compressed bytes)?
//!
//! Neither is a verdict. Both produce numbers to threshold and line ranges
//! and sentences an interviewer can check by reading the code.

pub mod checks;
pub mod embedded;
pub mod fingerprint;
pub mod probes;
pub mod similar;
