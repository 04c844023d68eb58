//! Object-storage backends by URL: `s3://bucket/prefix` (AWS and any S3-compatible endpoint),
//! `gs://bucket/prefix`, `az://container/prefix`. Configuration comes from the standard
//! environment variables of each cloud (`AWS_*`, `GOOGLE_*`, `AZURE_*`) and is overridden by
//! options (`--store-opt key=value`, `[output.options]`) named as object_store names them
//! (`aws_endpoint`, `aws_region`, `aws_allow_http`, `azure_storage_account_name`, …).
//! Credentials stay inside the builders: nothing here formats an option's value.

use std::sync::Arc;
use std::time::Duration;

use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::azure::{AzureConfigKey, MicrosoftAzureBuilder};
use object_store::gcp::{GoogleCloudStorageBuilder, GoogleConfigKey};
use object_store::{BackoffConfig, ObjectStore, RetryConfig};

use super::StoreError;

/// A cloud store, the key prefix inside it, and the HTTP(S) base URL clients read it from.
pub(super) struct Cloud {
    pub store: Arc<dyn ObjectStore>,
    pub prefix: String,
    pub public_base: String,
}

/// Transient failures (5xx, timeouts, throttling, refused connections) are retried with
/// exponential backoff: 0.1 s doubling up to 5 s, at most 6 times and 60 s per request.
fn retry() -> RetryConfig {
    RetryConfig {
        backoff: BackoffConfig {
            init_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
            base: 2.0,
        },
        max_retries: 6,
        retry_timeout: Duration::from_secs(60),
    }
}

/// Why an endpoint or an output prefix cannot be used.
#[derive(Debug, thiserror::Error)]
enum UrlProblem {
    #[error("{key} `{shown}` {why}; write e.g. http://127.0.0.1:3900 or https://s3.example.org")]
    Endpoint {
        key: String,
        shown: String,
        why: String,
    },
    #[error("the prefix segment `{0}` is not UTF-8 once decoded")]
    NotUtf8(String),
    #[error(
        "the prefix segment `{segment}` holds `{c}`, which object stores escape or URLs give a \
         meaning; use letters, digits, spaces and - _ ."
    )]
    Refused { segment: String, c: char },
}

/// Checks an endpoint URL before object_store sees it (it panics on some malformed ones):
/// `http(s)://host[:port][/path]`. Messages never quote the URL's user name or password.
fn check_endpoint(endpoint: &str, key: &str) -> Result<(), UrlProblem> {
    let shown = crate::secrets::strip_userinfo(endpoint);
    let refuse = |why: &str| {
        Err(UrlProblem::Endpoint {
            key: key.into(),
            shown: shown.clone(),
            why: why.into(),
        })
    };
    if endpoint.trim().is_empty() {
        return refuse("is empty");
    }
    match url::Url::parse(endpoint) {
        Err(e) => refuse(&format!("is not a URL ({e})")),
        Ok(u) if !matches!(u.scheme(), "http" | "https") => refuse("is not an http(s) URL"),
        Ok(u) if u.host_str().is_none_or(str::is_empty) => refuse("has no host"),
        Ok(_) => Ok(()),
    }
}

/// Characters object_store would escape in a key (so the key would not be the prefix as
/// written) or that URLs give a meaning: refused in prefixes.
const PREFIX_REFUSED: &[char] = &[
    '%', '\\', '{', '}', '^', '`', '[', ']', '"', '<', '>', '~', '|', '#', '?',
];

/// The output URL's path as key segments: percent-decoded once (`my%20event` and `my event`
/// are one prefix), empty segments dropped (`dbl//b` is `dbl/b`, in keys and URLs alike; the
/// URL parser has already resolved `a/../x` to `x`); characters object stores escape are
/// refused.
fn prefix_segments(url: &url::Url) -> Result<Vec<String>, UrlProblem> {
    let mut segments = Vec::new();
    for raw in url.path().split('/').filter(|s| !s.is_empty()) {
        let segment = percent_encoding::percent_decode_str(raw)
            .decode_utf8()
            .map_err(|_| UrlProblem::NotUtf8(raw.into()))?
            .into_owned();
        if let Some(c) = segment
            .chars()
            .find(|c| PREFIX_REFUSED.contains(c) || c.is_control())
        {
            return Err(UrlProblem::Refused { segment, c });
        }
        segments.push(segment);
    }
    Ok(segments)
}

/// What a URL path segment must escape (RFC 3986 `pchar`, as the url crate does).
const PATH_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'`')
    .add(b'?')
    .add(b'{')
    .add(b'}')
    .add(b'/')
    .add(b'%');

/// Builds the store for `url` (scheme `s3`, `gs` or `az`); `None` for other schemes.
pub(super) fn open(
    url: &url::Url,
    text: &str,
    options: &[(String, String)],
) -> Option<Result<Cloud, StoreError>> {
    let bad = |message: String| StoreError::Url {
        url: text.to_string(),
        message,
    };
    // Credentials given as options (`--store-opt`) are redacted wherever they would show.
    for (key, value) in options {
        if crate::secrets::is_credential_option(key) {
            crate::secrets::remember(value);
        }
    }
    let bucket = url.host_str().unwrap_or_default().to_string();
    let segments = match prefix_segments(url) {
        Ok(s) => s,
        Err(problem) => return Some(Err(bad(problem.to_string()))),
    };
    // The one spelling of the prefix: keys hold it as written (decoded), URLs percent-encoded.
    let prefix = segments.join("/");
    let url_prefix = (segments.iter())
        .map(|s| percent_encoding::utf8_percent_encode(s, PATH_SEGMENT).to_string())
        .collect::<Vec<_>>()
        .join("/");
    // Clients read the output from here: never with the endpoint's user name or password.
    let join = |base: String| {
        let base = crate::secrets::strip_userinfo(base.trim_end_matches('/'));
        if url_prefix.is_empty() {
            base
        } else {
            format!("{base}/{url_prefix}")
        }
    };
    let unknown = |key: &str, cloud: &str| {
        bad(format!(
            "unknown {cloud} option `{key}`; use object_store's names, e.g. {}",
            match cloud {
                "S3" =>
                    "aws_endpoint, aws_region, aws_allow_http, aws_virtual_hosted_style_request",
                "GCS" => "google_service_account, google_bucket",
                _ =>
                    "azure_storage_account_name, azure_storage_use_emulator, azure_storage_endpoint",
            }
        ))
    };
    let cloud = |store: object_store::Result<Arc<dyn ObjectStore>>, public_base: String| {
        Ok(Cloud {
            store: store.map_err(|e| bad(e.to_string()))?,
            prefix: prefix.clone(),
            public_base,
        })
    };
    let built = match url.scheme() {
        "s3" | "s3a" => (|| {
            let mut builder = AmazonS3Builder::from_env().with_url(text);
            for (key, value) in options {
                let key: AmazonS3ConfigKey = key.parse().map_err(|_| unknown(key, "S3"))?;
                builder = builder.with_config(key, value);
            }
            let endpoint = builder.get_config_value(&AmazonS3ConfigKey::Endpoint);
            if let Some(e) = &endpoint {
                check_endpoint(e, "aws_endpoint (or AWS_ENDPOINT_URL)")
                    .map_err(|p| bad(p.to_string()))?;
            }
            let virtual_hosted = builder
                .get_config_value(&AmazonS3ConfigKey::VirtualHostedStyleRequest)
                .is_some_and(|v| v == "true");
            let region = builder
                .get_config_value(&AmazonS3ConfigKey::Region)
                .unwrap_or_else(|| "us-east-1".into());
            let public_base = match endpoint {
                Some(e) if !virtual_hosted => join(format!("{}/{bucket}", e.trim_end_matches('/'))),
                Some(e) => join(e),
                None => join(format!("https://{bucket}.s3.{region}.amazonaws.com")),
            };
            let store = builder.with_retry(retry()).build();
            cloud(store.map(|s| Arc::new(s) as _), public_base)
        })(),
        "gs" => (|| {
            let mut builder = GoogleCloudStorageBuilder::from_env().with_url(text);
            for (key, value) in options {
                let key: GoogleConfigKey = key.parse().map_err(|_| unknown(key, "GCS"))?;
                builder = builder.with_config(key, value);
            }
            let store = builder.with_retry(retry()).build();
            let public_base = join(format!("https://storage.googleapis.com/{bucket}"));
            cloud(store.map(|s| Arc::new(s) as _), public_base)
        })(),
        "az" | "azure" => (|| {
            let mut builder = MicrosoftAzureBuilder::from_env().with_url(text);
            for (key, value) in options {
                let key: AzureConfigKey = key.parse().map_err(|_| unknown(key, "Azure"))?;
                builder = builder.with_config(key, value);
            }
            let account = builder
                .get_config_value(&AzureConfigKey::AccountName)
                .unwrap_or_default();
            let emulator = builder
                .get_config_value(&AzureConfigKey::UseEmulator)
                .is_some_and(|v| v == "true");
            let endpoint = builder.get_config_value(&AzureConfigKey::Endpoint);
            if let Some(e) = &endpoint {
                check_endpoint(e, "azure_storage_endpoint (or AZURE_STORAGE_ENDPOINT)")
                    .map_err(|p| bad(p.to_string()))?;
            }
            let public_base = match (endpoint, emulator) {
                (Some(e), _) => join(format!("{}/{bucket}", e.trim_end_matches('/'))),
                (None, true) => join(format!("http://127.0.0.1:10000/{account}/{bucket}")),
                (None, false) => join(format!("https://{account}.blob.core.windows.net/{bucket}")),
            };
            let store = builder.with_retry(retry()).build();
            cloud(store.map(|s| Arc::new(s) as _), public_base)
        })(),
        _ => return None,
    };
    Some(built)
}
