//! The `comments` report: the profile's comments, one per line.
//!
//! As `go tool pprof -comments`: every comment, including those starting
//! with `#` (which the other reports' headers hide), and those added with
//! `--add_comment`. No header.

use std::io::{self, Write};

use crate::model::Profile;

/// The `comments` report as data.
#[derive(Debug, Clone)]
pub struct CommentsReport {
    /// The comments in profile order.
    pub comments: Vec<String>,
}

impl CommentsReport {
    /// Reads the comments of `p`.
    pub fn build(p: &Profile) -> Self {
        CommentsReport {
            comments: p.comments.iter().map(|&c| p.str(c).to_string()).collect(),
        }
    }

    /// Writes the report in `go tool pprof -comments`' layout.
    pub fn write_text(&self, w: &mut dyn Write) -> io::Result<()> {
        for c in &self.comments {
            writeln!(w, "{c}")?;
        }
        Ok(())
    }

    /// The report as JSON (`schema_version` 1).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "schema_version": 1,
            "report": "comments",
            "comments": self.comments,
        })
    }
}
