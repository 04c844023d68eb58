//! `scenes.NAME.stac`: a static catalogue or a STAC API search, checked without fetching
//! anything (the catalog reads it once the pipeline is valid).

use std::collections::{BTreeMap, BTreeSet};

use super::Compiler;
use crate::catalog::stac::{Search, StacDraft, StacSource, MAX_ITEMS, PAGE_SIZE};
use crate::secrets;
use crate::spec::raw::{BandSpec, SceneSpec, StacSpec};

impl Compiler<'_> {
    /// The scene's catalogue, with the asset keys its bands name.
    pub(super) fn stac(&mut self, scene_key: &str, spec: &SceneSpec) -> Option<StacDraft> {
        let given = spec.stac.as_ref()?;
        let key = format!("{scene_key}.stac");
        for (given, what) in [
            (spec.file.is_some(), "`file`"),
            (spec.files.is_some(), "`files`"),
            (spec.dir.is_some(), "`dir`"),
            (spec.mtl.is_some(), "`mtl`"),
        ] {
            if given {
                self.problem(
                    &key,
                    format!("give `stac` (the scene's items) or {what}, not both"),
                );
            }
        }
        let source = match given {
            StacSpec::Href(href) if href.trim().is_empty() => {
                self.problem(&key, "an empty location; give an Item, ItemCollection or catalog file, or its http(s) URL");
                None
            }
            StacSpec::Href(href) if secrets::has_userinfo(href) => {
                self.problem(&key, "the URL carries a user name or password (user:pass@), which would be printed and published; serve the catalogue without them");
                None
            }
            StacSpec::Href(href) if href.starts_with("http://") || href.starts_with("https://") => {
                Some(StacSource::Static(href.clone()))
            }
            StacSpec::Href(href) => Some(StacSource::Static(self.location(href))),
            StacSpec::Search(search) => self.search(&key, search).map(StacSource::Search),
        };
        let mut assets = BTreeMap::new();
        for (band, spec) in &spec.bands {
            match spec {
                BandSpec::File(asset) if !asset.trim().is_empty() => {
                    assets.insert(band.clone(), asset.clone());
                }
                _ => self.problem(
                    &format!("{scene_key}.bands.{band}"),
                    "in a scene from `stac`, a band names the item's asset it is read from, e.g. `nir = \"B08\"`",
                ),
            }
        }
        let sensor = match spec.sensor.as_deref() {
            None => None,
            Some(name) => Some(self.sensor(&format!("{scene_key}.sensor"), name)?),
        };
        Some(StacDraft {
            key,
            source: source?,
            sensor,
            options: super::scenes::preset_options(spec),
            assets,
            needed: BTreeSet::new(),
            nodata: spec.nodata,
        })
    }

    fn search(&mut self, key: &str, spec: &crate::spec::raw::StacSearchSpec) -> Option<Search> {
        let api = spec.api.trim();
        let mut ok = true;
        if !(api.starts_with("http://") || api.starts_with("https://")) {
            self.problem(
                &format!("{key}.api"),
                format!("`{api}` is not an http(s) URL; give the STAC API's landing page, e.g. \"https://earth-search.aws.element84.com/v1\""),
            );
            ok = false;
        } else if secrets::has_userinfo(api) {
            self.problem(&format!("{key}.api"), "the URL carries a user name or password (user:pass@), which would be printed and published; leave them out");
            ok = false;
        }
        if let Some(Err(e)) = spec.datetime.as_deref().map(super::datetime::check) {
            self.problem(&format!("{key}.datetime"), e);
            ok = false;
        }
        let bbox = match spec.bbox.as_deref() {
            None => None,
            Some(&[w, s, e, n])
                if [w, s, e, n].iter().all(|v| v.is_finite())
                    && (-180.0..=180.0).contains(&w)
                    && (-180.0..=180.0).contains(&e)
                    && (-90.0..=90.0).contains(&s)
                    && (-90.0..=90.0).contains(&n)
                    && w < e
                    && s < n =>
            {
                Some([w, s, e, n])
            }
            Some(_) => {
                self.problem(
                    &format!("{key}.bbox"),
                    "give [west, south, east, north] in degrees, west < east and south < north",
                );
                ok = false;
                None
            }
        };
        for (value, name) in [
            (spec.max_items.map(|m| m as u64), "max_items"),
            (spec.limit, "limit"),
        ] {
            if value == Some(0) {
                self.problem(&format!("{key}.{name}"), "must be at least 1");
                ok = false;
            }
        }
        ok.then(|| Search {
            api: api.trim_end_matches('/').to_string(),
            collections: spec.collections.clone(),
            datetime: spec.datetime.clone(),
            query: spec.query.clone(),
            bbox,
            max_items: spec.max_items.unwrap_or(MAX_ITEMS),
            page_size: spec.limit.unwrap_or(PAGE_SIZE),
        })
    }
}
