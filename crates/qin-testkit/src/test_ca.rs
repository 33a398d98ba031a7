//! A throwaway certificate authority and a server certificate it signed for `127.0.0.1` and
//! `localhost`, written as PEM files, for tests of TLS connections (e.g. `rediss://`).

use crate::TempDir;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use std::path::{Path, PathBuf};

/// A CA of this test's own, with a server certificate signed by it; the files are removed
/// when it is dropped.
#[derive(Debug)]
pub struct TestCa {
    dir: TempDir,
}

/// Where a server's TLS files are: what `redis-server --tls-*-file` takes.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// The server's certificate (PEM).
    pub cert: PathBuf,
    /// The server's private key (PEM).
    pub key: PathBuf,
    /// The CA that signed it (PEM), which clients must trust.
    pub ca: PathBuf,
}

impl TestCa {
    /// Makes a new CA named `name` and a server certificate for `127.0.0.1` and `localhost`
    /// signed by it. Panics (failing the test) if generating them fails.
    pub fn new(name: &str) -> Self {
        let dir = TempDir::new("ca");
        let ca_key = KeyPair::generate().expect("CA key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params
            .distinguished_name
            .push(DnType::CommonName, format!("{name} test CA"));
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_cert = ca_params.self_signed(&ca_key).expect("CA certificate");
        let issuer = Issuer::new(ca_params, ca_key);

        let server_key = KeyPair::generate().expect("server key");
        let names = vec!["127.0.0.1".to_owned(), "localhost".to_owned()];
        let mut server_params = CertificateParams::new(names).expect("server params");
        server_params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        let server_cert = server_params
            .signed_by(&server_key, &issuer)
            .expect("server certificate");

        dir.write("ca.pem", &ca_cert.pem());
        dir.write("server.pem", &server_cert.pem());
        dir.write("server.key", &server_key.serialize_pem());
        Self { dir }
    }

    /// The CA's certificate (PEM file), for clients to trust.
    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// The server's certificate, key and CA files.
    pub fn server_files(&self) -> TlsFiles {
        let at = |name: &str| -> PathBuf { Path::new(self.dir.path()).join(name) };
        TlsFiles {
            cert: at("server.pem"),
            key: at("server.key"),
            ca: at("ca.pem"),
        }
    }
}
