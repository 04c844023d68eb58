//! What the caller can do about an error. Every room's error says which kind it is
//! (`kind()`), and the exit code follows from the kind — so a scheduler that retries on exit
//! 1 retries a network blip, and never a pipeline that cannot work. A leaf module: every
//! room's error names it, it names none of them.

/// What the caller can do about an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// Bad usage, pipeline or input: fix what the message names, then run again (exit 2).
    Input,
    /// The output refused the run: credentials, permissions or quota. Fix them; retrying
    /// as is will not help (exit 2).
    OutputRefused,
    /// The network or a server failed (a timeout, a refused connection, a 5xx answer):
    /// retrying may help, and `--resume` keeps what was written (exit 1).
    Transient,
    /// A failure of this machine or a bug (a scratch file that cannot be written, a panic):
    /// report it (exit 1).
    Internal,
    /// A signal stopped the run: run again with `--resume` (exit 128 + the signal's number;
    /// 130 for SIGINT).
    Interrupted,
}

impl ErrorKind {
    /// The exit code of an error of this kind (signals have their own, 128 + N).
    pub fn exit_code(self) -> u8 {
        match self {
            ErrorKind::Input | ErrorKind::OutputRefused => 2,
            ErrorKind::Transient | ErrorKind::Internal => 1,
            ErrorKind::Interrupted => 130,
        }
    }
}

/// Whether a message from GDAL or an HTTP client reads as a network or server failure:
/// a timeout, a connection that failed (GDAL: response code 0), or an HTTP 5xx/429 answer. Used where the error
/// arrives as text (GDAL's CPLError) or behind an opaque source (object_store's retry error).
pub fn reads_as_transient(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    const SIGNS: [&str; 9] = [
        "timed out",
        "timeout",
        "connection refused",
        "connection reset",
        "could not resolve",
        "couldn't connect",
        "failed to connect",
        "error sending request",
        "temporarily unavailable",
    ];
    if SIGNS.iter().any(|s| m.contains(s)) {
        return true;
    }
    // `HTTP response code: 503`, `HTTP response code on URL: 503` (GDAL) or `status code:
    // 503 Service Unavailable` (object_store): the first `: NNN` after the words.
    ["response code", "status code"].iter().any(|tag| {
        m.match_indices(tag).any(|(at, _)| {
            let rest = &m[at + tag.len()..];
            rest.match_indices(": ")
                .find_map(|(i, _)| {
                    let digits: String = rest[i + 2..]
                        .chars()
                        .take_while(char::is_ascii_digit)
                        .collect();
                    (digits.len() == 3 || digits == "0").then_some(digits)
                })
                // 0: no answer at all (curl could not connect).
                .is_some_and(|code| code.starts_with('5') || code == "429" || code == "0")
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_and_server_failures_read_as_transient_and_the_rest_do_not() {
        for m in [
            "HTTP response code: 503",
            "HTTP response code on http://127.0.0.1:46527/scene.tif: 503",
            "HTTP response code on http://127.0.0.1:46527/scene.tif: 0",
            "Server returned non-2xx status code: 503 Service Unavailable: ",
            "Server returned non-2xx status code: 429 Too Many Requests: slow down",
            "Operation timed out after 30000 milliseconds",
            "Couldn't connect to server",
            "error sending request for url (http://127.0.0.1:1/x): Connection refused",
        ] {
            assert!(reads_as_transient(m), "{m}");
        }
        for m in [
            "HTTP response code: 404",
            "HTTP response code on http://127.0.0.1:50300/scene.tif: 404",
            "HTTP response code: 403",
            "`x.tif' not recognized as being in a supported file format",
            "No such file or directory",
        ] {
            assert!(!reads_as_transient(m), "{m}");
        }
    }
}
