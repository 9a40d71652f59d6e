//! A private Dovecot for the mail-source tests and the benchmark: started with
//! its own configuration on 127.0.0.1 and free ports, a test CA and server
//! certificate, one passwd-file user, and an OAuth2 passdb whose token
//! introspection endpoint is served by this process.
//!
//! Without Dovecot installed the tests are skipped with the reason printed,
//! except under CI (`CI` set), where that is a failure.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, SanType};

pub const USER: &str = "reports";
pub const PASSWORD: &str = "s3cret pass";
/// The OAuth2 access token the introspection endpoint accepts for [`USER`].
pub const TOKEN: &str = "ya29.test-token";

const DOVECOT: &str = "/usr/sbin/dovecot";

/// How the server is set up.
#[derive(Debug, Clone, Copy)]
pub struct Setup {
    /// STARTTLS offered on the plain port (and TLS at all).
    pub tls: bool,
}

impl Default for Setup {
    fn default() -> Setup {
        Setup { tls: true }
    }
}

/// A running Dovecot; stopped when dropped.
pub struct Dovecot {
    pub dir: tempfile::TempDir,
    pub imap_port: u16,
    pub imaps_port: u16,
    /// The test CA the server certificate is issued by.
    pub ca_file: PathBuf,
    /// A CA that did not issue it.
    pub other_ca_file: PathBuf,
    conf: PathBuf,
    child: Option<Child>,
}

/// The Dovecot binary, or `None` after printing why `test` is skipped; fails
/// under CI.
pub fn available(test: &str) -> bool {
    if Path::new(DOVECOT).exists() {
        return true;
    }
    let reason = format!(
        "{test}: Dovecot is not installed ({DOVECOT} missing; apt-get install dovecot-imapd)"
    );
    if std::env::var_os("CI").is_some() {
        panic!("{reason}");
    }
    eprintln!("skipping {reason}");
    false
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

impl Dovecot {
    pub fn start(setup: Setup) -> Dovecot {
        let dir = tempfile::Builder::new()
            .prefix("tlsrpt-dovecot")
            .tempdir()
            .expect("temp dir");
        // The mail processes run as nobody: every folder above the home must be
        // open to it.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let (ca_file, other_ca_file) = write_pki(dir.path());
        let introspection = serve_introspection();
        let home = dir.path().join("home");
        std::fs::create_dir_all(&home).unwrap();
        Command::new("chown")
            .args(["-R", "65534:65534"])
            .arg(&home)
            .status()
            .expect("chown");
        std::fs::write(
            dir.path().join("passwd"),
            format!(
                "{USER}:{{PLAIN}}{PASSWORD}:65534:65534::{}::\n",
                home.display()
            ),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("oauth2.conf"),
            format!(
                "introspection_mode = post\nintrospection_url = http://127.0.0.1:{introspection}/introspect\n\
                 username_attribute = username\nactive_attribute = active\nactive_value = true\n"
            ),
        )
        .unwrap();
        let imap_port = free_port();
        let imaps_port = free_port();
        let conf = dir.path().join("dovecot.conf");
        std::fs::write(&conf, config(dir.path(), imap_port, imaps_port, setup)).unwrap();
        let mut dovecot = Dovecot {
            dir,
            imap_port,
            imaps_port,
            ca_file,
            other_ca_file,
            conf,
            child: None,
        };
        dovecot.run();
        dovecot
    }

    /// Starts the server (again, after [`Dovecot::stop`]), and waits until it
    /// accepts connections.
    pub fn run(&mut self) {
        let child = Command::new(DOVECOT)
            .arg("-F")
            .arg("-c")
            .arg(&self.conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start dovecot");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", self.imap_port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "dovecot did not start: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops the server: its processes end and every connection with them.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // The mail processes outlive their master otherwise, serving the
            // connections they have: end them first, by their ids.
            for pid in children_of(child.id()) {
                let _ = Command::new("kill")
                    .arg("-KILL")
                    .arg(pid.to_string())
                    .status();
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        // The master's children end with it; wait until the port is closed.
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.imap_port)).is_ok() && Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("dovecot.log")).unwrap_or_default()
    }

    /// `imaps://reports@127.0.0.1:PORT/FOLDER`.
    pub fn imaps_url(&self, folder: &str) -> String {
        format!("imaps://{USER}@127.0.0.1:{}/{folder}", self.imaps_port)
    }

    /// `imap://reports@127.0.0.1:PORT/FOLDER` (STARTTLS).
    pub fn imap_url(&self, folder: &str) -> String {
        format!("imap://{USER}@127.0.0.1:{}/{folder}", self.imap_port)
    }

    /// A session over the plain port, for filling and checking the mailbox
    /// (the test's own, not the code under test).
    pub fn admin(&self) -> imap::Session<TcpStream> {
        let tcp = TcpStream::connect(("127.0.0.1", self.imap_port)).expect("connect");
        let mut client = imap::Client::new(tcp);
        client.read_greeting().expect("greeting");
        client
            .login(USER, PASSWORD)
            .map_err(|(e, _)| e)
            .expect("admin login")
    }

    /// Appends `messages` to `folder` (created when absent).
    pub fn append(&self, folder: &str, messages: &[Vec<u8>]) {
        let mut session = self.admin();
        let _ = session.create(folder);
        for message in messages {
            session.append(folder, message).finish().expect("APPEND");
        }
        let _ = session.logout();
    }

    /// The flags of every message of `folder`, by UID.
    pub fn flags(&self, folder: &str) -> Vec<(u32, Vec<String>)> {
        let mut session = self.admin();
        let mailbox = session.examine(folder).expect("EXAMINE");
        if mailbox.exists == 0 {
            return Vec::new();
        }
        let fetches = session.fetch("1:*", "(UID FLAGS)").expect("FETCH");
        let mut flags: Vec<(u32, Vec<String>)> = fetches
            .iter()
            .map(|f| {
                let names = f.flags().iter().map(|flag| format!("{flag:?}")).collect();
                (f.uid.unwrap_or(0), names)
            })
            .collect();
        flags.sort();
        flags
    }

    /// How many messages `folder` holds.
    pub fn count(&self, folder: &str) -> u32 {
        let mut session = self.admin();
        session.examine(folder).expect("EXAMINE").exists
    }

    /// Deletes and recreates `folder` with the same messages: a new UIDVALIDITY.
    pub fn recreate(&self, folder: &str) {
        let mut session = self.admin();
        let mailbox = session.examine(folder).expect("EXAMINE");
        let messages: Vec<Vec<u8>> = if mailbox.exists == 0 {
            Vec::new()
        } else {
            let fetches = session.fetch("1:*", "BODY.PEEK[]").expect("FETCH");
            fetches
                .iter()
                .filter_map(|f| f.body().map(<[u8]>::to_vec))
                .collect()
        };
        session.close().ok();
        session.delete(folder).expect("DELETE");
        let _ = session.logout();
        // A new folder's UIDVALIDITY is the time in seconds, or the last one
        // plus one: never the old one.
        self.append(folder, &messages);
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The processes whose parent is `parent`, from /proc.
fn children_of(parent: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            // pid (comm) state ppid ...: the command may hold spaces, not ')'.
            let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
            after.split_whitespace().nth(1) == Some(&parent.to_string())
        })
        .collect()
}

fn config(dir: &Path, imap_port: u16, imaps_port: u16, setup: Setup) -> String {
    let d = dir.display();
    let ssl = if setup.tls { "yes" } else { "no" };
    let imaps = if setup.tls {
        format!(
            "inet_listener imaps {{\n    address = 127.0.0.1\n    port = {imaps_port}\n    ssl = yes\n  }}"
        )
    } else {
        String::new()
    };
    format!(
        r#"base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
info_log_path = {d}/dovecot.log
listen = 127.0.0.1
protocols = imap
ssl = {ssl}
ssl_cert = <{d}/server.pem
ssl_key = <{d}/server.key
disable_plaintext_auth = no
mail_location = maildir:~/Maildir
first_valid_uid = 1
first_valid_gid = 1
auth_mechanisms = plain login xoauth2 oauthbearer
auth_verbose = yes
passdb {{
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN username_format=%u {d}/passwd
}}
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {d}/oauth2.conf
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {d}/passwd
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
protocol imap {{
  mail_max_userip_connections = 50
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  {imaps}
}}
service pop3-login {{
  inet_listener pop3 {{
    port = 0
  }}
  inet_listener pop3s {{
    port = 0
  }}
}}
"#
    )
}

/// Writes the CA, the server's certificate and key (for 127.0.0.1), and a
/// second CA; returns the two CA files.
fn write_pki(dir: &Path) -> (PathBuf, PathBuf) {
    let ca = |name: &str| {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        let key = KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        (cert, Issuer::new(params, key))
    };
    let (ca_cert, issuer) = ca("tlsrpt test CA");
    let (other_cert, _) = ca("some other CA");
    let mut leaf = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    leaf.subject_alt_names
        .push(SanType::IpAddress("127.0.0.1".parse().unwrap()));
    let leaf_key = KeyPair::generate().unwrap();
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer).unwrap();
    std::fs::write(dir.join("server.pem"), leaf_cert.pem()).unwrap();
    std::fs::write(dir.join("server.key"), leaf_key.serialize_pem()).unwrap();
    let ca_file = dir.join("ca.pem");
    let other = dir.join("other-ca.pem");
    std::fs::write(&ca_file, ca_cert.pem()).unwrap();
    std::fs::write(&other, other_cert.pem()).unwrap();
    // Dovecot reads the key as root, but keep it private all the same.
    std::fs::set_permissions(
        dir.join("server.key"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    (ca_file, other)
}

/// Serves OAuth2 token introspection (RFC 7662) on a free port: [`TOKEN`] is
/// active for [`USER`], any other token is not. Returns the port.
fn serve_introspection() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || answer_introspection(stream));
        }
    });
    port
}

fn answer_introspection(stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(stream);
    let mut length = 0usize;
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = value.trim().parse().unwrap_or(0);
        }
        head.push_str(&line);
        if line == "\r\n" || line == "\n" {
            break;
        }
    }
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    let body = String::from_utf8_lossy(&body);
    let auth = head.to_ascii_lowercase();
    let active = body.contains(&format!("token={}", TOKEN.replace('.', "%2E")))
        || body.contains(&format!("token={TOKEN}"))
        || auth.contains(&format!("bearer {}", TOKEN.to_ascii_lowercase()));
    let json = if active {
        format!(r#"{{"active":true,"username":"{USER}"}}"#)
    } else {
        r#"{"active":false}"#.to_string()
    };
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{json}",
        json.len()
    );
    let mut stream = reader.into_inner();
    let _ = stream.write_all(response.as_bytes());
}
