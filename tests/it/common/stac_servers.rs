//! A real STAC API and a real range-capable HTTP server on 127.0.0.1, one of each per test,
//! stopped when the handle drops:
//! - stac-fastapi-pgstac 7.2.0 (uvicorn) on Debian's PostgreSQL 15 + PostGIS, migrated and
//!   loaded with pypgstac, as `/work/shared/notes/stac-servers.md` and eoAPI run it;
//! - nginx serving a folder (the COG assets and static catalogues), which honours `Range`.
//!
//! `scripts/install-test-tools.sh` installs them (`make test-tools`).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::garage::{free_port, http_get};
use super::repo;

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn wait_for(port: u16, path: &str, what: &str, log: &Path) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if matches!(http_get(port, path, None), Some((200, _))) {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!(
        "{what} did not answer on 127.0.0.1:{port}{path}: {}",
        std::fs::read_to_string(log).unwrap_or_default()
    );
}

/// nginx serving `root` at `http://127.0.0.1:PORT/`.
pub struct Nginx {
    child: Child,
    pub port: u16,
    _dir: tempfile::TempDir,
}

impl Nginx {
    pub fn serve(root: &Path) -> Nginx {
        let dir = tempfile::tempdir().expect("tempdir");
        let port = free_port();
        let d = dir.path().display();
        // As root the workers would run as `nobody`, who cannot read a test's private
        // folder: they run as root too.
        let user = if running_as_root() { "user root;" } else { "" };
        let config = format!(
            "daemon off; worker_processes 1; {user} pid {d}/nginx.pid; error_log {d}/error.log;\n\
             events {{ worker_connections 64; }}\n\
             http {{ access_log {d}/access.log; client_body_temp_path {d}/body; \
             proxy_temp_path {d}/proxy; fastcgi_temp_path {d}/fastcgi; uwsgi_temp_path {d}/uwsgi; \
             scgi_temp_path {d}/scgi;\n\
             types {{ image/tiff tif tiff; application/json json; application/geo+json geojson; }}\n\
             server {{ listen 127.0.0.1:{port}; root {}; location / {{ }} }} }}\n",
            root.display()
        );
        let conf = dir.path().join("nginx.conf");
        std::fs::write(&conf, config).expect("nginx.conf");
        let child = Command::new("nginx")
            .arg("-p")
            .arg(dir.path())
            .arg("-e")
            .arg(dir.path().join("error.log"))
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nginx");
        let nginx = Nginx {
            child,
            port,
            _dir: dir,
        };
        wait_for_listening(port, &nginx._dir.path().join("error.log"));
        nginx
    }

    pub fn url(&self, path: &str) -> String {
        format!(
            "http://127.0.0.1:{}/{}",
            self.port,
            path.trim_start_matches('/')
        )
    }

    /// The requests nginx served so far (its access log).
    pub fn access_log(&self) -> String {
        std::fs::read_to_string(self._dir.path().join("access.log")).unwrap_or_default()
    }
}

fn wait_for_listening(port: u16, log: &Path) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!(
        "nothing listens on 127.0.0.1:{port}: {}",
        std::fs::read_to_string(log).unwrap_or_default()
    );
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn postgres_bin() -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| Some(e.ok()?.path().join("bin")))
        .filter(|bin| bin.join("initdb").exists())
        .collect();
    found.sort();
    found.pop()
}

/// Whether the servers are installed: nginx, PostgreSQL with PostGIS, and the STAC venv.
pub fn installed() -> bool {
    let postgis = std::fs::read_dir("/usr/share/postgresql").is_ok_and(|versions| {
        versions
            .filter_map(Result::ok)
            .any(|v| v.path().join("extension/postgis.control").exists())
    });
    postgres_bin().is_some()
        && postgis
        && Path::new("/usr/sbin/nginx").exists()
        && venv().join("bin/uvicorn").exists()
}

fn venv() -> PathBuf {
    repo().join("target/test-tools/stac-venv")
}

/// stac-fastapi-pgstac at `http://127.0.0.1:PORT`, on its own PostgreSQL cluster.
pub struct StacApi {
    uvicorn: Child,
    pub port: u16,
    bin: PathBuf,
    data: PathBuf,
    as_postgres: bool,
    dir: tempfile::TempDir,
}

impl StacApi {
    /// A server holding `collections` and `items` (STAC JSON documents).
    pub fn start(collections: &[serde_json::Value], items: &[serde_json::Value]) -> StacApi {
        let bin = postgres_bin().expect("PostgreSQL is installed");
        let dir = tempfile::tempdir().expect("tempdir");
        let as_postgres = running_as_root();
        let data = dir.path().join("pg");
        // initdb refuses to run as root: the cluster is the postgres user's.
        std::fs::create_dir(&data).expect("pg dir");
        if as_postgres {
            sh_ok("chmod", &["755", dir.path().to_str().expect("utf-8")]);
            sh_ok("chown", &["postgres", data.to_str().expect("utf-8")]);
        }
        let pg_port = free_port();
        let cluster = data.join("data");
        let pg = |program: &str, args: &[&str]| {
            let exe = bin.join(program);
            let mut cmd = if as_postgres {
                let mut c = Command::new("runuser");
                c.args(["-u", "postgres", "--"]).arg(exe);
                c
            } else {
                Command::new(exe)
            };
            let out = cmd.args(args).output().expect("postgres tool");
            assert!(
                out.status.success(),
                "{program} {args:?}: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        };
        let cluster_text = cluster.to_str().expect("utf-8").to_string();
        pg(
            "initdb",
            &[
                "-D",
                &cluster_text,
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ],
        );
        let options = format!(
            "-p {pg_port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            data.display()
        );
        let log = data.join("pg.log");
        pg(
            "pg_ctl",
            &[
                "-D",
                &cluster_text,
                "-l",
                log.to_str().expect("utf-8"),
                "-w",
                "-o",
                &options,
                "start",
            ],
        );
        let port = free_port();
        let env = [
            ("PGHOST", "127.0.0.1".to_string()),
            ("PGPORT", pg_port.to_string()),
            ("PGUSER", "postgres".to_string()),
            // Required by stac-fastapi-pgstac even with trust authentication.
            ("PGPASSWORD", "x".to_string()),
            ("PGDATABASE", "stac".to_string()),
        ];
        let tool = |program: &str, args: &[&str]| {
            let exe = if program == "psql" {
                bin.join("psql")
            } else {
                venv().join("bin").join(program)
            };
            let out = Command::new(&exe)
                .args(args)
                .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
                .current_dir(dir.path())
                .output()
                .expect("tool");
            assert!(
                out.status.success(),
                "{program} {args:?}: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        };
        tool(
            "psql",
            &["-q", "-d", "postgres", "-c", "create database stac"],
        );
        tool("pypgstac", &["migrate"]);
        let ndjson = |name: &str, docs: &[serde_json::Value]| {
            let path = dir.path().join(name);
            let text: Vec<String> = docs.iter().map(|d| d.to_string()).collect();
            std::fs::write(&path, text.join("\n") + "\n").expect("ndjson");
            path.to_str().expect("utf-8").to_string()
        };
        let c = ndjson("collections.ndjson", collections);
        tool(
            "pypgstac",
            &["load", "collections", &c, "--method", "insert_ignore"],
        );
        if !items.is_empty() {
            let i = ndjson("items.ndjson", items);
            tool(
                "pypgstac",
                &["load", "items", &i, "--method", "insert_ignore"],
            );
        }
        let server_log = dir.path().join("uvicorn.log");
        let uvicorn = Command::new(venv().join("bin/uvicorn"))
            .args([
                "stac_fastapi.pgstac.app:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
            ])
            .args(["--port", &port.to_string(), "--log-level", "warning"])
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&server_log).expect("log"))
            .spawn()
            .expect("start uvicorn");
        let api = StacApi {
            uvicorn,
            port,
            bin,
            data: cluster,
            as_postgres,
            dir,
        };
        wait_for(port, "/_mgmt/ping", "stac-fastapi-pgstac", &server_log);
        api
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn folder(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for StacApi {
    fn drop(&mut self) {
        let _ = self.uvicorn.kill();
        let _ = self.uvicorn.wait();
        let exe = self.bin.join("pg_ctl");
        let data = self.data.to_str().unwrap_or_default().to_string();
        let args = ["-D", data.as_str(), "-m", "immediate", "-w", "stop"];
        let _ = if self.as_postgres {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(exe)
                .args(args)
                .output()
        } else {
            Command::new(exe).args(args).output()
        };
    }
}

fn sh_ok(program: &str, args: &[&str]) {
    let status = Command::new(program).args(args).status().expect(program);
    assert!(status.success(), "{program} {args:?}");
}
