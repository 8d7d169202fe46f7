//! Which Docker engine a node drives, and how it reaches it.
//!
//! `DOCKER_HOST` names the engine the way the Docker CLI reads it, so one database can feed workers on
//! many Docker hosts: unset means the local socket, `unix:///path` another socket, `tcp://host:port`
//! plain HTTP, and TLS when `DOCKER_TLS_VERIFY` is set, `DOCKER_CERT_PATH` is set or the scheme is
//! `https://`. TLS authenticates both ends with the files the Docker CLI uses: `ca.pem` (whom to trust),
//! `cert.pem` and `key.pem` (who this worker is) in `DOCKER_CERT_PATH`, or `~/.docker` without it.

use std::path::{Path, PathBuf};

use bollard::{Docker, API_DEFAULT_VERSION};

/// The engine's socket when `DOCKER_HOST` is unset.
const LOCAL_SOCKET: &str = "unix:///var/run/docker.sock";
/// Seconds any one request to the engine may take. A run's wait is bounded by its own deadline first.
const REQUEST_TIMEOUT_SECONDS: u64 = 120;

/// Where the engine is and how to speak to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    Unix(String),
    Tcp(String),
    Tls { address: String, certs: PathBuf },
}

impl Endpoint {
    /// The endpoint named by the environment.
    pub fn from_env() -> Result<Endpoint, bollard::errors::Error> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        Endpoint::parse(
            var("DOCKER_HOST").as_deref(),
            var("DOCKER_TLS_VERIFY").is_some_and(|v| v != "0"),
            var("DOCKER_CERT_PATH").map(PathBuf::from),
        )
    }

    fn parse(host: Option<&str>, tls_verify: bool, cert_path: Option<PathBuf>) -> Result<Endpoint, bollard::errors::Error> {
        let host = host.unwrap_or(LOCAL_SOCKET);
        let tls = tls_verify || cert_path.is_some() || host.starts_with("https://");
        let certs = || cert_path.clone().or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".docker")));
        if host.starts_with("unix://") {
            return Ok(Endpoint::Unix(host.to_owned()));
        }
        let address = ["tcp://", "http://", "https://"]
            .iter()
            .find_map(|scheme| host.strip_prefix(scheme))
            .filter(|rest| !rest.is_empty())
            .ok_or_else(|| bollard::errors::Error::UnsupportedURISchemeError { uri: host.to_owned() })?;
        if !tls {
            return Ok(Endpoint::Tcp(format!("tcp://{address}")));
        }
        let certs = certs().ok_or(bollard::errors::Error::NoHomePathError)?;
        Ok(Endpoint::Tls { address: format!("tcp://{address}"), certs })
    }

    /// Whether the engine is reached over the network (and so may be shared by workers on other hosts).
    pub fn is_remote(&self) -> bool {
        !matches!(self, Endpoint::Unix(_))
    }
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Endpoint::Unix(socket) => write!(f, "{socket}"),
            Endpoint::Tcp(address) => write!(f, "{address}"),
            Endpoint::Tls { address, .. } => write!(f, "{address} (TLS)"),
        }
    }
}

/// A client for the engine `DOCKER_HOST` names. Nothing is sent yet; the caller negotiates the version.
pub fn connect() -> Result<Docker, bollard::errors::Error> {
    let endpoint = Endpoint::from_env()?;
    tracing::debug!(engine = %endpoint, "docker engine");
    connect_to(&endpoint)
}

pub fn connect_to(endpoint: &Endpoint) -> Result<Docker, bollard::errors::Error> {
    match endpoint {
        Endpoint::Unix(socket) => Docker::connect_with_unix(socket, REQUEST_TIMEOUT_SECONDS, API_DEFAULT_VERSION),
        Endpoint::Tcp(address) => Docker::connect_with_http(address, REQUEST_TIMEOUT_SECONDS, API_DEFAULT_VERSION),
        Endpoint::Tls { address, certs } => {
            let [ca, cert, key] = ["ca.pem", "cert.pem", "key.pem"].map(|name| certs.join(name));
            // The client key and certificate are read at the first handshake; a missing one must fail
            // here, naming the file, not as an opaque handshake error on the first job.
            for file in [&ca, &cert, &key] {
                if !file.is_file() {
                    return Err(bollard::errors::Error::CertPathError { path: file.clone() });
                }
            }
            Docker::connect_with_ssl(address, &key, &cert, &ca, REQUEST_TIMEOUT_SECONDS, API_DEFAULT_VERSION)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_host_is_the_local_socket() {
        assert_eq!(Endpoint::parse(None, false, None).unwrap(), Endpoint::Unix(LOCAL_SOCKET.into()));
        assert!(!Endpoint::parse(None, false, None).unwrap().is_remote());
    }

    #[test]
    fn tcp_is_plain_unless_tls_is_asked_for() {
        assert_eq!(Endpoint::parse(Some("tcp://10.0.0.5:2375"), false, None).unwrap(), Endpoint::Tcp("tcp://10.0.0.5:2375".into()));
        let certs = PathBuf::from("/etc/mlgrade/docker");
        let tls = Endpoint::Tls { address: "tcp://10.0.0.5:2376".into(), certs: certs.clone() };
        assert_eq!(Endpoint::parse(Some("tcp://10.0.0.5:2376"), true, Some(certs.clone())).unwrap(), tls);
        assert_eq!(Endpoint::parse(Some("tcp://10.0.0.5:2376"), false, Some(certs.clone())).unwrap(), tls);
        assert_eq!(Endpoint::parse(Some("https://10.0.0.5:2376"), false, Some(certs)).unwrap(), tls);
    }

    #[test]
    fn other_schemes_and_empty_addresses_are_refused() {
        for host in ["ssh://builder@10.0.0.5", "npipe:////./pipe/docker_engine", "tcp://", "10.0.0.5:2375"] {
            let err = Endpoint::parse(Some(host), false, None).unwrap_err();
            assert!(matches!(err, bollard::errors::Error::UnsupportedURISchemeError { .. }), "{host}: {err}");
        }
    }

    #[test]
    fn missing_certificates_are_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ca.pem"), "").unwrap();
        let endpoint = Endpoint::Tls { address: "tcp://127.0.0.1:2376".into(), certs: dir.path().to_owned() };
        match connect_to(&endpoint) {
            Err(bollard::errors::Error::CertPathError { path }) => assert_eq!(path, dir.path().join("cert.pem")),
            Err(other) => panic!("unexpected error: {other}"),
            Ok(_) => panic!("connected without a client certificate"),
        }
    }
}
