//! The `switchyard-server` binary as a user runs it: no configuration at all serves
//! `/health` on SQLite + memory; bad configuration ends with one line naming the setting and a
//! non-zero exit; SIGTERM drains and exits 0.
#![cfg(test)]

use std::io::Read;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[expect(dead_code, reason = "this binary uses part of the shared helpers")]
mod common;

const BIN: &str = env!("CARGO_BIN_EXE_switchyard-server");

/// Settings that must not leak in from the developer's shell.
const CLEARED: &[&str] = &[
    "CODEX_PORT",
    "CODEX_BIND",
    "ADMIN_SECRET",
    "DATABASE_DRIVER",
    "DATABASE_PATH",
    "DATABASE_URL",
    "DATABASE_HOST",
    "CACHE_DRIVER",
    "REDIS_URL",
    "REDIS_ADDR",
    "SWITCHYARD_SECRET_KEY",
    "CODEX_UPSTREAM_BASE_URL",
    "CODEX_OAUTH_TOKEN_URL",
];

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn server(dir: &Path, port: u16, env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir).arg("--port").arg(port.to_string());
    for name in CLEARED {
        cmd.env_remove(name);
    }
    cmd.env("RUST_LOG", "warn");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.stdout(Stdio::null()).stderr(Stdio::piped());
    cmd
}

fn wait_for_health(port: u16, child: &mut Child) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    let url = format!("http://127.0.0.1:{port}/health");
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut err)
                .unwrap();
            panic!("server exited early with {status}: {err}");
        }
        if let Ok(resp) = http_get::blocking_get(&url) {
            return resp;
        }
        assert!(Instant::now() < deadline, "no /health answer within 30 s");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Minimal blocking GET without pulling reqwest's blocking feature into the build.
mod http_get {
    use std::io::{Read, Write};
    use std::net::TcpStream;

    pub fn blocking_get(url: &str) -> Result<serde_json::Value, String> {
        let rest = url.strip_prefix("http://").ok_or("not http")?;
        let (host, path) = rest.split_once('/').ok_or("no path")?;
        let mut stream = TcpStream::connect(host).map_err(|e| e.to_string())?;
        write!(
            stream,
            "GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        )
        .map_err(|e| e.to_string())?;
        let mut raw = String::new();
        stream.read_to_string(&mut raw).map_err(|e| e.to_string())?;
        let (head, body) = raw.split_once("\r\n\r\n").ok_or("no body")?;
        if !head.starts_with("HTTP/1.1 200") {
            return Err(head.lines().next().unwrap_or_default().to_owned());
        }
        serde_json::from_str(body).map_err(|e| e.to_string())
    }
}

fn terminate(child: &mut Child) -> std::process::ExitStatus {
    let status = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "server did not stop within 20 s of SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn starts_with_no_configuration_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = server(dir.path(), port, &[]).spawn().unwrap();
    let health = wait_for_health(port, &mut child);
    assert_eq!(health["status"], "ok");
    assert_eq!(health["store"]["driver"], "sqlite");
    assert_eq!(health["store"]["healthy"], true);
    assert_eq!(health["cache"]["driver"], "memory");
    assert_eq!(health["accounts"]["total"], 0);
    assert!(dir.path().join("data/switchyard.db").exists());
    let key = dir.path().join("data/switchyard.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "key file mode");
    }
    let status = terminate(&mut child);
    assert!(status.success(), "exit status after SIGTERM: {status}");

    // The second start reuses the same key file and database.
    let before = std::fs::read(&key).unwrap();
    let mut child = server(dir.path(), port, &[]).spawn().unwrap();
    wait_for_health(port, &mut child);
    assert!(terminate(&mut child).success());
    assert_eq!(
        std::fs::read(&key).unwrap(),
        before,
        "key file must never be rewritten"
    );
}

/// Runs the server expecting a startup failure; returns its stderr.
fn failing_start(dir: &Path, port: u16, env: &[(&str, &str)]) -> String {
    let out = server(dir, port, env).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "expected a failure for {env:?}");
    assert!(!stderr.contains("panicked"), "panic for {env:?}: {stderr}");
    assert!(
        !stderr.contains("backtrace"),
        "backtrace for {env:?}: {stderr}"
    );
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "one line for {env:?}: {stderr}"
    );
    stderr
}

#[test]
fn bad_configuration_ends_with_one_line_naming_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("DATABASE_DRIVER", "mysql")], "DATABASE_DRIVER"),
        (&[("CACHE_DRIVER", "memcached")], "CACHE_DRIVER"),
        (&[("DATABASE_URL", "::not a url")], "DATABASE_URL"),
        (&[("REDIS_URL", "redis://127.0.0.1:1/0")], "REDIS_URL"),
        (
            &[("DATABASE_URL", "postgres://postgres@127.0.0.1:1/none")],
            "DATABASE_URL",
        ),
        (
            &[("SWITCHYARD_SECRET_KEY", "c2hvcnQ=")],
            "SWITCHYARD_SECRET_KEY",
        ),
        (
            &[("CODEX_UPSTREAM_BASE_URL", "not a url")],
            "CODEX_UPSTREAM_BASE_URL",
        ),
    ];
    for (env, setting) in cases {
        let stderr = failing_start(dir.path(), port, env);
        assert!(stderr.starts_with("switchyard-server: "), "{stderr}");
        assert!(
            stderr.contains(setting),
            "{env:?} should name {setting}: {stderr}"
        );
    }
}

#[test]
fn a_taken_port_is_reported_plainly() {
    let dir = tempfile::tempdir().unwrap();
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let stderr = failing_start(dir.path(), port, &[]);
    assert!(stderr.contains("CODEX_PORT"), "{stderr}");
    assert!(stderr.contains(&port.to_string()), "{stderr}");
}

#[test]
fn an_unreadable_key_file_is_reported_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    // A directory where the key file should be cannot be read as a key.
    std::fs::create_dir_all(dir.path().join("data/switchyard.key")).unwrap();
    let stderr = failing_start(dir.path(), free_port(), &[]);
    assert!(stderr.contains("switchyard.key"), "{stderr}");
    assert!(
        dir.path().join("data/switchyard.key").is_dir(),
        "must not be replaced"
    );
}

#[test]
fn postgres_without_a_secret_key_refuses_to_start() {
    let Ok(url) = std::env::var("TEST_DATABASE_URL") else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true needs TEST_DATABASE_URL"
        );
        eprintln!("SKIPPED: TEST_DATABASE_URL not set; postgres startup check not run");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let stderr = failing_start(dir.path(), free_port(), &[("DATABASE_URL", &url)]);
    assert!(stderr.contains("SWITCHYARD_SECRET_KEY"), "{stderr}");
}

#[test]
fn postgres_and_redis_mode_reports_both_healthy() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let db = runtime.block_on(common::fresh_postgres("server_pg_redis"));
    let (Some(db), Some(redis)) = (db, common::redis_url("server_pg_redis")) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    // A 32-byte key, base64: the server refuses PostgreSQL without one.
    let key = "c3dpdGNoeWFyZC10ZXN0LWtleS0zMi1ieXRlcy0hISE=";
    let mut child = server(
        dir.path(),
        port,
        &[
            ("DATABASE_URL", db.as_str()),
            ("REDIS_URL", redis.as_str()),
            ("SWITCHYARD_SECRET_KEY", key),
        ],
    )
    .spawn()
    .unwrap();
    let health = wait_for_health(port, &mut child);
    assert_eq!(
        health["store"],
        serde_json::json!({"driver": "postgres", "healthy": true})
    );
    assert_eq!(
        health["cache"],
        serde_json::json!({"driver": "redis", "healthy": true})
    );
    assert_eq!(health["status"], "ok");
    assert!(terminate(&mut child).success());
    // The same database with another key is refused at start, naming the setting.
    let other = "b3RoZXItc3dpdGNoeWFyZC10ZXN0LWtleS0zMmJ5dGU=";
    let stderr = failing_start(
        dir.path(),
        free_port(),
        &[
            ("DATABASE_URL", db.as_str()),
            ("REDIS_URL", redis.as_str()),
            ("SWITCHYARD_SECRET_KEY", other),
        ],
    );
    assert!(stderr.contains("SWITCHYARD_SECRET_KEY"), "{stderr}");
}
