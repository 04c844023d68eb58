//! What counts as a credential, and how it is kept out of every message and document:
//! option names that carry secrets, userinfo in URLs (`s3://KEY:SECRET@bucket`), the values
//! of known credential headers and query parameters that a server may echo in an error body,
//! and the values of credentials this process was given (environment, `--store-opt`).

use std::sync::{OnceLock, RwLock};

/// What a redacted value is replaced with.
pub const REDACTED: &str = "[redacted]";

/// Parts of option names that mark a credential (object_store's names and their aliases:
/// `aws_secret_access_key`, `aws_session_token`, `azure_storage_account_key`,
/// `azure_storage_sas_key`, `azure_client_secret`, `google_service_account_key`, …).
const CREDENTIAL_NAME_PARTS: [&str; 9] = [
    "secret",
    "token",
    "password",
    "access_key",
    "account_key",
    "sas",
    "credential",
    "signature",
    "service_account_key",
];

/// Whether an option (`[output.options]`, `--store-opt`) carries a credential.
pub fn is_credential_option(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    CREDENTIAL_NAME_PARTS.iter().any(|part| name.contains(part))
}

/// Environment variables whose values are credentials for the stores aftermath writes to
/// and GDAL reads from.
const CREDENTIAL_VARIABLES: [&str; 12] = [
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_ACCESS_KEY_ID",
    "AWS_WEB_IDENTITY_TOKEN",
    "AZURE_STORAGE_ACCOUNT_KEY",
    "AZURE_STORAGE_ACCESS_KEY",
    "AZURE_STORAGE_SAS_KEY",
    "AZURE_STORAGE_SAS_TOKEN",
    "AZURE_CLIENT_SECRET",
    "AZURE_STORAGE_TOKEN",
    "GOOGLE_SERVICE_ACCOUNT_KEY",
    "GS_SECRET_ACCESS_KEY",
];

/// Header and query-parameter names whose values are credentials, as servers and clients
/// spell them (compared case-insensitively).
const CREDENTIAL_FIELDS: [&str; 12] = [
    "authorization",
    "proxy-authorization",
    "x-amz-security-token",
    "x-amz-signature",
    "x-amz-credential",
    "x-goog-signature",
    "x-goog-credential",
    "x-ms-copy-source-authorization",
    "cookie",
    "sig",
    "aws_secret_access_key",
    "aws_session_token",
];

fn given() -> &'static RwLock<Vec<String>> {
    static GIVEN: OnceLock<RwLock<Vec<String>>> = OnceLock::new();
    GIVEN.get_or_init(|| RwLock::new(Vec::new()))
}

/// Remembers a credential this process was given (a store option's value), so that
/// [`redact`] removes it wherever it would appear.
pub fn remember(value: &str) {
    if value.len() < 4 {
        return; // too short to replace without mangling ordinary text
    }
    if let Ok(mut given) = given().write() {
        if !given.iter().any(|v| v == value) {
            given.push(value.to_string());
        }
    }
}

/// `text` without credentials: userinfo of URLs, values of credential fields, and the
/// credentials given to this process (remembered or in the environment) replaced by
/// [`REDACTED`].
pub fn redact(text: &str) -> String {
    let mut out = strip_userinfo(text);
    out = redact_fields(&out);
    let mut values: Vec<String> = CREDENTIAL_VARIABLES
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .filter(|v| v.len() >= 4)
        .collect();
    if let Ok(given) = given().read() {
        values.extend(given.iter().cloned());
    }
    // Longest first, so a value containing another is replaced whole.
    values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    for value in values {
        if out.contains(&value) {
            out = out.replace(&value, REDACTED);
        }
    }
    out
}

/// Whether a URL (or any text) carries userinfo: `scheme://user[:password]@host`.
pub fn has_userinfo(text: &str) -> bool {
    strip_userinfo(text) != text
}

/// Removes `user[:password]@` after every `scheme://` in `text`.
pub fn strip_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (head, tail) = rest.split_at(at + 3);
        out.push_str(head);
        // The authority ends at the first '/', '?', '#', whitespace or quote.
        let end = tail
            .find(|c: char| {
                matches!(c, '/' | '?' | '#' | '"' | '\'' | '<' | '>') || c.is_whitespace()
            })
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        match authority.rfind('@') {
            Some(userinfo_end) => out.push_str(&authority[userinfo_end + 1..]),
            None => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// Replaces the value after every credential field name (`name: value`, `name=value`,
/// `"name": "value"`, `<name>value<`) with [`REDACTED`].
fn redact_fields(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut cuts: Vec<(usize, usize)> = Vec::new();
    for name in CREDENTIAL_FIELDS {
        let mut from = 0;
        while let Some(found) = lower[from..].find(name) {
            let start = from + found;
            let end = start + name.len();
            from = end;
            // A whole name: not part of a longer word.
            let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'-';
            let before = start.checked_sub(1).map(|i| lower.as_bytes()[i]);
            let after = lower.as_bytes().get(end).copied();
            if before.is_some_and(word) || after.is_some_and(word) {
                continue;
            }
            // Skip the separator: quotes, ':', '=', '>', spaces.
            let bytes = text.as_bytes();
            let mut value_start = end;
            while value_start < bytes.len()
                && matches!(
                    bytes[value_start],
                    b'"' | b'\'' | b':' | b'=' | b'>' | b' ' | b'\t'
                )
            {
                value_start += 1;
            }
            if value_start == end {
                continue; // a name alone, no value after it
            }
            // An Authorization header's value has spaces ("AWS4-HMAC-SHA256 Credential=…"):
            // it runs to the end of the line; others end at a delimiter.
            let to_line_end = name.ends_with("authorization");
            let value_end = text[value_start..]
                .find(|c: char| {
                    matches!(c, '\r' | '\n' | '"' | '\'' | '<' | '&')
                        || (!to_line_end && (c.is_whitespace() || c == ',' || c == ';'))
                })
                .map_or(text.len(), |i| value_start + i);
            if value_end > value_start {
                cuts.push((value_start, value_end));
            }
        }
    }
    if cuts.is_empty() {
        return text.to_string();
    }
    cuts.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end) in cuts {
        if start < at {
            continue;
        }
        out.push_str(&text[at..start]);
        out.push_str(REDACTED);
        at = end;
    }
    out.push_str(&text[at..]);
    out
}

/// A pipeline file's text as it may be published (`run.json`): URL userinfo stripped and
/// the value of every credential-looking `key = value` line redacted.
pub fn redact_pipeline_text(text: &str) -> String {
    let lines: Vec<String> = text
        .lines()
        .map(|line| {
            let Some((key, _)) = line.split_once('=') else {
                return line.to_string();
            };
            let key = key.trim().trim_matches('"');
            if is_credential_option(key) {
                format!(
                    "{} = \"{REDACTED}\"",
                    line.split_once('=').map_or("", |(k, _)| k).trim_end()
                )
            } else {
                line.to_string()
            }
        })
        .collect();
    redact(&lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_is_stripped_from_urls_and_only_there() {
        assert_eq!(strip_userinfo("s3://KEY:SECRET@bucket/x"), "s3://bucket/x");
        assert_eq!(
            strip_userinfo("endpoint http://user:pass@127.0.0.1:9000/b failed"),
            "endpoint http://127.0.0.1:9000/b failed"
        );
        assert_eq!(
            strip_userinfo("mail a@b.org, see https://h/p@q"),
            "mail a@b.org, see https://h/p@q"
        );
        assert!(has_userinfo("az://acc:key@container"));
        assert!(!has_userinfo("s3://bucket/prefix"));
    }

    #[test]
    fn credential_fields_echoed_by_a_server_are_redacted() {
        let body = "<Error><x-amz-security-token>FQoGZXIvYXdzEJr</x-amz-security-token>\n\
                    Authorization: AWS4-HMAC-SHA256 Credential=AKIA/2026, Signature=abc\n\
                    url?X-Amz-Signature=deadbeef&sig=s3cr3t&x=1";
        let out = redact_fields(body);
        for secret in [
            "FQoGZXIvYXdzEJr",
            "AKIA/2026",
            "deadbeef",
            "s3cr3t",
            "Signature=abc",
        ] {
            assert!(!out.contains(secret), "{secret} in {out}");
        }
        assert!(out.contains("x=1") && out.contains("<Error>"), "{out}");
        // A field name inside a longer word is not a field.
        assert_eq!(
            redact_fields("signature_version: 4"),
            "signature_version: 4"
        );
    }

    #[test]
    fn credential_options_are_recognised_by_name() {
        for name in [
            "aws_secret_access_key",
            "AWS_SESSION_TOKEN",
            "aws_access_key_id",
            "azure_storage_account_key",
            "azure_storage_sas_key",
            "azure_client_secret",
            "google_service_account_key",
        ] {
            assert!(is_credential_option(name), "{name}");
        }
        for name in [
            "aws_endpoint",
            "aws_region",
            "aws_allow_http",
            "azure_storage_account_name",
        ] {
            assert!(!is_credential_option(name), "{name}");
        }
    }

    #[test]
    fn pipeline_text_loses_credential_values() {
        let text = "[output]\nurl = \"s3://K:S@b/x\"\n[output.options]\naws_secret_access_key = \"abcd1234\"\naws_region = \"eu\"";
        let out = redact_pipeline_text(text);
        assert!(!out.contains("abcd1234") && !out.contains("K:S@"), "{out}");
        assert!(out.contains("aws_region = \"eu\""), "{out}");
    }
}
