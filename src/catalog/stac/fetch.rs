//! Items from where the pipeline points: a static document (local or http(s)), walked through
//! its `child` and `item` links, or a STAC API search, paged through its `next` links.

use std::time::Duration;

use chrono::{DateTime, Utc};
use stac::{Assets, Links, SelfHref, Value};

use super::{Search, StacSource};
use crate::catalog::CatalogError;
use crate::plan::SourceItem;
use crate::secrets;

/// How deep a static catalog's `child` links are followed.
const MAX_DEPTH: usize = 8;
/// One request to a STAC API may take this long.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);

/// The items of `source`; `area` bounds a search that gives no `bbox`, and filters a static
/// catalogue's items (those whose bbox misses it are left out).
pub(super) fn items(
    source: &StacSource,
    area: Option<[f64; 4]>,
) -> Result<Vec<stac::Item>, CatalogError> {
    let mut items = match source {
        StacSource::Static(href) => {
            let mut items = Vec::new();
            walk(href, 0, &mut items)?;
            if let Some(area) = area {
                items.retain(|item| item.bbox.is_none_or(|b| meets(&bbox_of(&b), &area)));
            }
            if items.is_empty() {
                return Err(CatalogError::NoItems {
                    query: match area {
                        Some(a) => format!("{href}, within bbox {}", bbox_text(&a)),
                        None => href.clone(),
                    },
                });
            }
            items
        }
        StacSource::Search(search) => searched(search, area)?,
    };
    for item in &mut items {
        if let Some(base) = item.self_href().map(str::to_string) {
            item.make_assets_absolute(&base)
                .map_err(|e| stac_problem(&base, e))?;
        }
    }
    Ok(items)
}

/// Reads `href` and gathers its items: itself, the features of a collection, or what a
/// catalog's links lead to.
fn walk(href: &str, depth: usize, items: &mut Vec<stac::Item>) -> Result<(), CatalogError> {
    let value: Value = read(href)?;
    match value {
        Value::Item(item) => items.push(item),
        Value::ItemCollection(collection) => {
            for mut item in collection.items {
                if item.self_href().is_none() {
                    item.set_self_href(href);
                }
                items.push(item);
            }
        }
        Value::Catalog(_) | Value::Collection(_) if depth >= MAX_DEPTH => {
            return Err(CatalogError::Stac {
                href: href.to_string(),
                problem: format!("catalog links nest deeper than {MAX_DEPTH} levels"),
            });
        }
        Value::Catalog(_) | Value::Collection(_) => {
            let mut links: Vec<stac::Link> = value_links(&value);
            for link in &mut links {
                link.make_absolute(href)
                    .map_err(|e| stac_problem(href, e))?;
            }
            for link in links.iter().filter(|l| l.is_item() || l.is_child()) {
                walk(&link.href, depth + 1, items)?;
            }
        }
    }
    Ok(())
}

fn value_links(value: &Value) -> Vec<stac::Link> {
    match value {
        Value::Catalog(c) => c.links().to_vec(),
        Value::Collection(c) => c.links().to_vec(),
        _ => Vec::new(),
    }
}

/// One STAC document, local or over http(s).
fn read(href: &str) -> Result<Value, CatalogError> {
    stac_io::read::<Value>(href).map_err(|e| fetch_error(href, e, None))
}

/// What a failed request to `url` means: a server that did not answer (worth retrying), or
/// an answer that cannot be used, with what was `sent` if it helps.
fn fetch_error(url: &str, e: stac_io::Error, sent: Option<String>) -> CatalogError {
    match e {
        stac_io::Error::Reqwest(e) if transient(&e) => CatalogError::StacUnreachable {
            url: secrets::strip_userinfo(url),
            message: e.to_string(),
        },
        e => match sent {
            Some(sent) => stac_problem(url, format!("{e}; the search sent: {sent}")),
            None => stac_problem(url, e),
        },
    }
}

fn stac_problem(href: &str, e: impl std::fmt::Display) -> CatalogError {
    CatalogError::Stac {
        href: secrets::strip_userinfo(href),
        problem: e.to_string(),
    }
}

/// A failure that waiting may cure: no connection, a timeout, a 5xx or 429 answer.
fn transient(e: &reqwest::Error) -> bool {
    e.is_connect()
        || e.is_timeout()
        || e.status()
            .is_some_and(|s| s.is_server_error() || s.as_u16() == 429)
        || (e.is_request() && e.status().is_none())
}

/// The items a search finds, at most `max_items` (more is an error: narrow the search).
fn searched(search: &Search, area: Option<[f64; 4]>) -> Result<Vec<stac::Item>, CatalogError> {
    let Some(bbox) = search.bbox.or(area) else {
        return Err(CatalogError::Stac {
            href: search.api.clone(),
            problem: "the search has no area: give the product an `aoi`, the search a `bbox`, \
                      or another scene from files"
                .into(),
        });
    };
    let request = request(search, bbox).map_err(|e| stac_problem(&search.api, e))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CatalogError::StacUnreachable {
            url: search.api.clone(),
            message: e.to_string(),
        })?;
    let client = stac_io::api::ClientBuilder::new()
        .timeout(REQUEST_TIMEOUT)
        .connect_timeout(CONNECT_TIMEOUT);
    let found = runtime.block_on(stac_io::api::search_with_client_builder(
        &search.api,
        request,
        Some(search.max_items + 1),
        client,
    ));
    let found =
        found.map_err(|e| fetch_error(&search.api, e, Some(search_text(search, Some(bbox)))))?;
    if found.items.len() > search.max_items {
        return Err(CatalogError::Stac {
            href: search.api.clone(),
            problem: format!(
                "the search finds more than {} items ({}); narrow its datetime, query or bbox, \
                 or raise `max_items`",
                search.max_items,
                search_text(search, Some(bbox)),
            ),
        });
    }
    if found.items.is_empty() {
        return Err(CatalogError::NoItems {
            query: format!("{} at {}", search_text(search, Some(bbox)), search.api),
        });
    }
    let mut items = Vec::with_capacity(found.items.len());
    for fields in found.items {
        let mut item: stac::Item = serde_json::from_value(serde_json::Value::Object(fields))
            .map_err(|e| stac_problem(&search.api, format!("an item of the search: {e}")))?;
        // The server's own link to the item, which `derived_from` and run.json name.
        if let Some(link) = item.link("self").map(|l| l.href.clone()) {
            item.set_self_href(link.as_str());
        }
        items.push(item);
    }
    Ok(items)
}

/// The search as sent: dates of `datetime` become instants (a start date its first moment,
/// an end date its last), which every API accepts.
fn request(search: &Search, bbox: [f64; 4]) -> Result<stac::api::Search, stac::Error> {
    let mut request = stac::api::Search::new()
        .bbox(stac::Bbox::TwoDimensional(bbox))
        .limit(search.page_size);
    if !search.collections.is_empty() {
        request = request.collections(search.collections.clone());
    }
    if let Some(datetime) = &search.datetime {
        request = request.datetime(datetime);
    }
    if let Some(query) = &search.query {
        request.items.query = Some(query.clone());
    }
    request.normalize_datetimes()
}

/// The search as the JSON body it is sent as, for messages and `aftermath search`.
pub fn search_text(search: &Search, bbox: Option<[f64; 4]>) -> String {
    let mut body = serde_json::Map::new();
    if !search.collections.is_empty() {
        body.insert("collections".into(), search.collections.clone().into());
    }
    if let Some(b) = search.bbox.or(bbox) {
        body.insert("bbox".into(), b.to_vec().into());
    }
    if let Some(d) = &search.datetime {
        body.insert("datetime".into(), d.clone().into());
    }
    if let Some(q) = &search.query {
        body.insert("query".into(), serde_json::Value::Object(q.clone()));
    }
    serde_json::Value::Object(body).to_string()
}

/// When the item was acquired: its `datetime`, else its `start_datetime`.
pub(super) fn time_of(item: &stac::Item) -> Option<DateTime<Utc>> {
    item.properties.datetime.or(item.properties.start_datetime)
}

/// What the plan and the run record keep of an item.
pub(super) fn source_item(item: &stac::Item) -> SourceItem {
    SourceItem {
        id: item.id.clone(),
        collection: item.collection.clone(),
        datetime: time_of(item).map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
        href: item.self_href().map(secrets::redact),
        cloud_cover: (item.properties.additional_fields.get("eo:cloud_cover"))
            .and_then(serde_json::Value::as_f64),
        bbox: item.bbox.map(|b| bbox_of(&b)),
        geometry: (item.geometry.as_ref()).and_then(|g| serde_json::to_string(g).ok()),
    }
}

fn bbox_of(b: &stac::Bbox) -> [f64; 4] {
    match *b {
        stac::Bbox::TwoDimensional(b) => b,
        stac::Bbox::ThreeDimensional([w, s, _, e, n, _]) => [w, s, e, n],
    }
}

fn meets(a: &[f64; 4], b: &[f64; 4]) -> bool {
    a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3]
}

fn bbox_text(b: &[f64; 4]) -> String {
    format!("[{}, {}, {}, {}]", b[0], b[1], b[2], b[3])
}
