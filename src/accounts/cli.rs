//! `mlgrade users …`: staff accounts from the command line, for the first admin and for scripts.

use std::io::{BufRead, IsTerminal};
use std::path::Path;

use anyhow::{bail, Context};
use clap::Subcommand;

use super::store::AccountStore;
use super::{password, Role, ADMIN_TOKEN_USER};
use crate::storage::Store;

#[derive(Debug, Subcommand)]
pub enum UsersAction {
    /// Create a staff account. The password comes from --password or, without it, from standard input.
    Add {
        name: String,
        #[arg(long)]
        role: Role,
        /// The password (prefer standard input: a flag shows in the process list).
        #[arg(long, env = "MLGRADE_USER_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        /// Database URL; a SQLite file in the data folder by default.
        #[arg(long, env = "MLGRADE_DATABASE_URL")]
        database_url: Option<String>,
        /// Create the database when there is none yet (for the first admin, before the first start).
        #[arg(long)]
        init: bool,
    },
    /// List staff accounts.
    List {
        #[arg(long, env = "MLGRADE_DATABASE_URL")]
        database_url: Option<String>,
    },
}

async fn open(data_dir: &Path, database_url: &Option<String>, init: bool) -> anyhow::Result<AccountStore> {
    // Run from the wrong folder, the default path names a database that does not exist; creating it
    // would put the account where the service never looks.
    let default_db = data_dir.join("mlgrade.db");
    if database_url.is_none() && !init && !default_db.exists() {
        bail!(
            "there is no database at {}: run this where the service runs, or pass --data-dir or --database-url \
             (add --init to create a new database there)",
            default_db.display()
        );
    }
    tokio::fs::create_dir_all(data_dir).await.with_context(|| format!("creating the data folder {}", data_dir.display()))?;
    let url = database_url.clone().unwrap_or_else(|| format!("sqlite://{}", data_dir.join("mlgrade.db").display()));
    let store = Store::open(&url, data_dir).await?;
    Ok(AccountStore::new(store.db().clone()))
}

pub async fn run(data_dir: &Path, action: UsersAction) -> anyhow::Result<()> {
    match action {
        UsersAction::Add { name, role, password, database_url, init } => {
            let name = super::validate_user_name(&name).map_err(anyhow::Error::msg)?;
            let password = match password {
                Some(p) => p,
                None => read_password()?,
            };
            password::check_strength(&password).map_err(anyhow::Error::msg)?;
            let accounts = open(data_dir, &database_url, init).await?;
            let hash = password::hash(&password).await?;
            // Accounts made here are attributed to the built-in admin in the audit log.
            match accounts.create_user(ADMIN_TOKEN_USER, &name, role, &hash).await? {
                Some(id) => println!("created {role} '{name}' (id {id})"),
                None => bail!("a user named '{name}' already exists"),
            }
        }
        UsersAction::List { database_url } => {
            let accounts = open(data_dir, &database_url, false).await?;
            for u in accounts.users().await? {
                let state = if u.disabled { "disabled" } else if u.has_password { "active" } else { "token only" };
                println!("{}\t{}\t{}\t{state}", u.id, u.name, u.role);
            }
        }
    }
    Ok(())
}

/// One line from standard input, without its line ending.
fn read_password() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("password (shown as you type; pipe it in to hide it): ");
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line).context("reading the password from standard input")?;
    let line = line.trim_end_matches(['\r', '\n']).to_owned();
    if line.is_empty() {
        bail!("no password given: pass --password or write it to standard input");
    }
    Ok(line)
}
