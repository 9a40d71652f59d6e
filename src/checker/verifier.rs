//! The certificate verifier of every TLS connection of the checker. It records
//! the chain and everything wrong with it, then lets the handshake finish, so
//! that one probe reports every problem (untrusted *and* expired *and* for the
//! wrong name) along with the TLS version. Nothing is sent over these
//! connections but `QUIT`, so accepting a bad certificate leaks nothing.

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};

use super::cert::{CertCheck, CertInfo, CertProblem};

/// Records the chain and its problems, and accepts it (see the module doc).
#[derive(Debug)]
pub(crate) struct Recorder {
    webpki: Arc<WebPkiServerVerifier>,
    now: SystemTime,
    seen: Mutex<Option<CertCheck>>,
}

impl Recorder {
    pub(crate) fn new(webpki: Arc<WebPkiServerVerifier>, now: SystemTime) -> Recorder {
        Recorder {
            webpki,
            now,
            seen: Mutex::new(None),
        }
    }

    /// The chain and its problems, once the server has sent it.
    pub(crate) fn take(&self) -> Option<CertCheck> {
        self.seen
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take()
    }

    fn verify(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        name: &ServerName<'_>,
        at: SystemTime,
    ) -> Result<(), rustls::Error> {
        let seconds = at.duration_since(UNIX_EPOCH).unwrap_or_default();
        let now = UnixTime::since_unix_epoch(seconds);
        self.webpki
            .verify_server_cert(end_entity, intermediates, name, &[], now)
            .map(|_| ())
    }

    fn evaluate(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        name: &ServerName<'_>,
    ) -> CertCheck {
        let chain: Vec<CertInfo> = std::iter::once(end_entity)
            .chain(intermediates)
            .filter_map(|der| CertInfo::parse(der))
            .collect();
        let problems = match self.verify(end_entity, intermediates, name, self.now) {
            Ok(()) => Vec::new(),
            Err(error) => self.problems(&chain, end_entity, intermediates, name, &error),
        };
        let der = std::iter::once(end_entity)
            .chain(intermediates)
            .map(|der| der.clone().into_owned())
            .collect();
        CertCheck {
            chain,
            problems,
            der,
        }
    }

    /// Tells the aspects apart: dates from the leaf, trust by verifying again at
    /// an instant inside the leaf's validity, the name from the DNS-IDs.
    fn problems(
        &self,
        chain: &[CertInfo],
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        name: &ServerName<'_>,
        error: &rustls::Error,
    ) -> Vec<CertProblem> {
        let Some(leaf) = chain.first() else {
            return vec![CertProblem::Other(format!(
                "unreadable certificate: {error}"
            ))];
        };
        let mut problems = Vec::new();
        let host = name.to_str();
        problems.extend(date_problem(leaf, self.now));
        match self.verify(end_entity, intermediates, name, leaf.midpoint()) {
            Ok(()) => {}
            Err(e) if is_name_error(&e) => {}
            Err(e) => problems.push(classify(&e)),
        }
        if !leaf.matches_name(&host) {
            let names = match leaf.dns_names.is_empty() {
                true => "none (a common name alone does not count)".to_string(),
                false => leaf.dns_names.join(", "),
            };
            problems.push(CertProblem::NameMismatch(format!(
                "the certificate is not valid for {host}: its DNS names are {names}"
            )));
        }
        if problems.is_empty() {
            problems.push(classify(error));
        }
        problems
    }
}

fn date_problem(leaf: &CertInfo, now: SystemTime) -> Option<CertProblem> {
    let now = super::cert::to_datetime(now);
    if now > leaf.not_after {
        return Some(CertProblem::Expired(format!(
            "the certificate expired on {}",
            leaf.not_after.format("%Y-%m-%d %H:%M UTC")
        )));
    }
    (now < leaf.not_before).then(|| {
        CertProblem::NotYetValid(format!(
            "the certificate is not valid before {}",
            leaf.not_before.format("%Y-%m-%d %H:%M UTC")
        ))
    })
}

fn is_name_error(error: &rustls::Error) -> bool {
    matches!(
        error,
        rustls::Error::InvalidCertificate(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. }
        )
    )
}

pub(crate) fn classify(error: &rustls::Error) -> CertProblem {
    let text = error.to_string();
    match error {
        rustls::Error::InvalidCertificate(cert) => match cert {
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                CertProblem::Expired(format!("a certificate of the chain is expired: {text}"))
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                CertProblem::NotYetValid(format!(
                    "a certificate of the chain is not yet valid: {text}"
                ))
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                CertProblem::NameMismatch(text)
            }
            CertificateError::UnknownIssuer | CertificateError::BadSignature => {
                CertProblem::Untrusted(format!(
                    "the chain does not lead to a trusted root (is an intermediate missing?): {text}"
                ))
            }
            _ => CertProblem::Untrusted(text),
        },
        _ => CertProblem::Other(text),
    }
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let check = self.evaluate(end_entity, intermediates, server_name);
        *self
            .seen
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(check);
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
}
