//! A real Azurite server (Microsoft's Azure Storage emulator, npm `azurite`) on 127.0.0.1, one
//! per test, with a container created through the Azure SDK; stopped when the handle drops.
//! Installed by `scripts/install-test-tools.sh` (`npm ci` in `tests/node`).

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::garage::free_port;
use super::repo;

pub const ACCOUNT: &str = "devstoreaccount1";
/// Azurite's documented, public development key.
pub const KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
pub const CONTAINER: &str = "tiles";

pub struct Azurite {
    child: Child,
    _dir: tempfile::TempDir,
    pub port: u16,
}

fn node_tools() -> PathBuf {
    let dir = repo().join("tests/node");
    assert!(
        dir.join("node_modules/.bin/azurite-blob").exists(),
        "Azurite is missing: run `make test-tools` (npm ci in tests/node)"
    );
    dir
}

impl Azurite {
    pub fn start() -> Azurite {
        let tools = node_tools();
        let dir = tempfile::tempdir().expect("tempdir");
        let port = free_port();
        let child = Command::new(tools.join("node_modules/.bin/azurite-blob"))
            .args(["--blobHost", "127.0.0.1", "--blobPort", &port.to_string()])
            .arg("--location")
            .arg(dir.path())
            .args([
                "--disableTelemetry",
                "--skipApiVersionCheck",
                "--loose",
                "--silent",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start azurite");
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "azurite did not start within 30 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let out = Command::new("node")
            .arg(tools.join("create-container.js"))
            .args([&port.to_string(), CONTAINER])
            .output()
            .expect("node");
        assert!(
            out.status.success(),
            "creating the container: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Azurite {
            child,
            _dir: dir,
            port,
        }
    }

    /// Store options reaching this server.
    pub fn options(&self) -> Vec<(String, String)> {
        vec![
            ("azure_storage_account_name".into(), ACCOUNT.into()),
            ("azure_storage_account_key".into(), KEY.into()),
            (
                "azure_storage_endpoint".into(),
                format!("http://127.0.0.1:{}/{ACCOUNT}", self.port),
            ),
            ("azure_allow_http".into(), "true".into()),
        ]
    }
}

impl Drop for Azurite {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
