//! A real Garage server (an S3-compatible object store written in Rust) on 127.0.0.1, one per
//! test: single node, a bucket and a key from the environment, the S3 API and the anonymous
//! website endpoint on free ports; stopped when the handle drops. The binary comes from
//! `scripts/install-test-tools.sh` (`make test-tools`).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::repo;

pub const BUCKET: &str = "tiles";
pub const ACCESS_KEY: &str = "GK0123456789abcdef01234567";
pub const SECRET_KEY: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
pub const REGION: &str = "us-east-1";

pub struct Garage {
    child: Child,
    config: PathBuf,
    _dir: tempfile::TempDir,
    pub s3_port: u16,
    pub web_port: u16,
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

pub fn binary() -> PathBuf {
    let path = repo().join("target/test-tools/bin/garage");
    assert!(
        path.exists(),
        "{} is missing: run `make test-tools` (scripts/install-test-tools.sh builds Garage once)",
        path.display()
    );
    path
}

impl Garage {
    pub fn start() -> Garage {
        let dir = tempfile::tempdir().expect("tempdir");
        let (s3_port, web_port, rpc_port) = (free_port(), free_port(), free_port());
        let config = dir.path().join("garage.toml");
        std::fs::write(
            &config,
            format!(
                r#"metadata_dir = "{0}/meta"
data_dir = "{0}/data"
db_engine = "sqlite"
replication_factor = 1
rpc_bind_addr = "127.0.0.1:{rpc_port}"
rpc_public_addr = "127.0.0.1:{rpc_port}"
rpc_secret = "{SECRET_KEY}"

[s3_api]
s3_region = "{REGION}"
api_bind_addr = "127.0.0.1:{s3_port}"
root_domain = ".s3.garage.localhost"

[s3_web]
bind_addr = "127.0.0.1:{web_port}"
root_domain = ".web.garage.localhost"
"#,
                dir.path().display()
            ),
        )
        .expect("config");
        let child = Command::new(binary())
            .args([
                "-c",
                config.to_str().expect("utf-8"),
                "server",
                "--single-node",
                "--default-bucket",
            ])
            .env("GARAGE_DEFAULT_ACCESS_KEY", ACCESS_KEY)
            .env("GARAGE_DEFAULT_SECRET_KEY", SECRET_KEY)
            .env("GARAGE_DEFAULT_BUCKET", BUCKET)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start garage");
        let garage = Garage {
            child,
            config,
            _dir: dir,
            s3_port,
            web_port,
        };
        garage.wait_ready();
        garage.cli(&["bucket", "website", "--allow", BUCKET]);
        garage
    }

    /// Runs `garage -c CONFIG ARGS…`, which must succeed.
    pub fn cli(&self, args: &[&str]) -> String {
        let out = Command::new(binary())
            .arg("-c")
            .arg(&self.config)
            .args(args)
            .output()
            .expect("garage cli");
        assert!(
            out.status.success(),
            "garage {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let answered = http_get(self.s3_port, &format!("/{BUCKET}"), None)
                .is_some_and(|(status, _)| status == 403);
            let bucket = Command::new(binary())
                .arg("-c")
                .arg(&self.config)
                .args(["bucket", "info", BUCKET])
                .output()
                .is_ok_and(|o| o.status.success());
            if answered && bucket {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "garage did not start within 30 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.s3_port)
    }

    /// The store configuration reaching this server (for the library's `OutputStore`).
    pub fn store_config(&self, cache_control: Option<&str>) -> aftermath::store::StoreConfig {
        aftermath::store::StoreConfig {
            options: vec![
                ("aws_endpoint".into(), self.endpoint()),
                ("aws_allow_http".into(), "true".into()),
                ("aws_region".into(), REGION.into()),
                ("aws_access_key_id".into(), ACCESS_KEY.into()),
                ("aws_secret_access_key".into(), SECRET_KEY.into()),
            ],
            cache_control: cache_control.map(str::to_string),
        }
    }

    /// `--store-opt` arguments reaching this server (credentials as options, as a test
    /// harness may; users put them in the environment).
    pub fn store_args(&self) -> Vec<String> {
        [
            format!("aws_endpoint={}", self.endpoint()),
            "aws_allow_http=true".into(),
            format!("aws_region={REGION}"),
            format!("aws_access_key_id={ACCESS_KEY}"),
            format!("aws_secret_access_key={SECRET_KEY}"),
        ]
        .into_iter()
        .flat_map(|o| ["--store-opt".to_string(), o])
        .collect()
    }

    /// An object read anonymously over plain HTTP from the website endpoint, as a web map
    /// would: (status, body).
    pub fn web_get(&self, key: &str) -> (u16, Vec<u8>) {
        let host = format!("{BUCKET}.web.garage.localhost");
        http_get(self.web_port, &format!("/{key}"), Some(&host)).expect("web endpoint answers")
    }
}

impl Drop for Garage {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal HTTP/1.1 GET to 127.0.0.1:`port` (no TLS, no redirects): (status, body).
pub fn http_get(port: u16, path: &str, host: Option<&str>) -> Option<(u16, Vec<u8>)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let host = host.map_or_else(|| format!("127.0.0.1:{port}"), str::to_string);
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).ok()?;
    let split = response.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&response[..split]).into_owned();
    let status: u16 = head.split_whitespace().nth(1)?.parse().ok()?;
    let mut body = response[split + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body)?;
    }
    Some((status, body))
}

fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n")?;
        let size_text = String::from_utf8_lossy(&data[..line_end]).into_owned();
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(data.get(..size)?);
        data = data.get(size + 2..)?;
    }
}
