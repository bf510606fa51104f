use std::collections::HashMap;

use super::*;

fn cfg(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Config::from_env(|k| map.get(k).cloned())
}

#[test]
fn defaults_are_sqlite_memory_on_loopback_8080() {
    let c = cfg(&[]).unwrap();
    assert_eq!(c.port, 8080);
    assert_eq!(c.bind.to_string(), "127.0.0.1");
    assert_eq!(
        c.database,
        DatabaseConfig::Sqlite {
            path: "./data/switchyard.db".into()
        }
    );
    assert_eq!(c.cache, CacheConfig::Memory);
    assert_eq!(
        c.secret_key_file.unwrap(),
        PathBuf::from("./data/switchyard.key")
    );
    assert_eq!(c.upstream_base_url, DEFAULT_UPSTREAM_BASE_URL);
    assert_eq!(c.max_body_bytes, 48 * 1024 * 1024);
}

#[test]
fn split_postgres_variables_build_a_url() {
    let c = cfg(&[
        ("DATABASE_DRIVER", "postgres"),
        ("DATABASE_HOST", "db"),
        ("DATABASE_PORT", "5433"),
        ("DATABASE_USER", "sy"),
        ("DATABASE_PASSWORD", "p@ss"),
        ("DATABASE_NAME", "pool"),
        ("DATABASE_SSLMODE", "disable"),
    ])
    .unwrap();
    assert_eq!(
        c.database,
        DatabaseConfig::Postgres {
            url: "postgres://sy:p%40ss@db:5433/pool?sslmode=disable".into()
        }
    );
    assert!(!format!("{:?}", c.database).contains("p%40ss"));
}

#[test]
fn database_url_wins_over_split_variables() {
    let c = cfg(&[
        ("DATABASE_DRIVER", "sqlite"),
        ("DATABASE_URL", "postgres://u@h/db"),
    ])
    .unwrap();
    assert_eq!(c.database.driver(), "postgres");
    let c = cfg(&[
        ("DATABASE_DRIVER", "postgres"),
        ("DATABASE_URL", "sqlite://x/y.db"),
    ])
    .unwrap();
    assert_eq!(
        c.database,
        DatabaseConfig::Sqlite {
            path: "x/y.db".into()
        }
    );
}

#[test]
fn redis_url_wins_and_split_variables_compose() {
    let c = cfg(&[
        ("CACHE_DRIVER", "memory"),
        ("REDIS_URL", "redis://127.0.0.1:6379/2"),
    ])
    .unwrap();
    assert_eq!(
        c.cache,
        CacheConfig::Redis {
            url: "redis://127.0.0.1:6379/2".into()
        }
    );
    let c = cfg(&[
        ("CACHE_DRIVER", "redis"),
        ("REDIS_ADDR", "cache:6380"),
        ("REDIS_PASSWORD", "pw"),
        ("REDIS_DB", "3"),
        ("REDIS_TLS", "true"),
    ])
    .unwrap();
    assert_eq!(
        c.cache,
        CacheConfig::Redis {
            url: "rediss://:pw@cache:6380/3".into()
        }
    );
    assert!(!format!("{:?}", c.cache).contains("pw@"));
}

#[test]
fn bad_values_name_the_setting() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("DATABASE_DRIVER", "mysql")], "DATABASE_DRIVER"),
        (&[("CACHE_DRIVER", "memcached")], "CACHE_DRIVER"),
        (&[("CODEX_PORT", "eighty")], "CODEX_PORT"),
        (&[("CODEX_PORT", "70000")], "CODEX_PORT"),
        (&[("CODEX_BIND", "localhost:1")], "CODEX_BIND"),
        (&[("DATABASE_URL", "mysql://x/y")], "DATABASE_URL"),
        (&[("DATABASE_URL", "::not a url")], "DATABASE_URL"),
        (&[("REDIS_URL", "http://x")], "REDIS_URL"),
        (
            &[("CODEX_UPSTREAM_BASE_URL", "ftp://x")],
            "CODEX_UPSTREAM_BASE_URL",
        ),
        (
            &[("CODEX_ALLOW_ANONYMOUS", "maybe")],
            "CODEX_ALLOW_ANONYMOUS",
        ),
    ];
    for (pairs, setting) in cases {
        let err = cfg(pairs).unwrap_err();
        assert_eq!(err.setting, *setting, "{pairs:?}");
        assert!(
            err.to_string().starts_with(&format!("invalid {setting}: ")),
            "{err}"
        );
    }
}

#[test]
fn upstream_urls_lose_their_trailing_slash() {
    let c = cfg(&[(
        "CODEX_UPSTREAM_BASE_URL",
        "http://127.0.0.1:9/backend-api/codex/",
    )])
    .unwrap();
    assert_eq!(c.upstream_base_url, "http://127.0.0.1:9/backend-api/codex");
}
