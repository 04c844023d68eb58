//! OGC WMTS 1.0.0 capabilities (OGC 07-057r7) for the tiles as they lie in the store: one
//! layer, a RESTful `ResourceURL` template, and the Web Mercator tile matrix set — named
//! `GoogleMapsCompatible` with its well-known scale set (OGC 07-057r7 annex E.4) for 256-px
//! tiles — so QGIS, ArcGIS and GDAL's WMTS driver add the layer from the document's URL alone.

use std::fmt::Write;

use crate::job::Job;
use crate::store::OutputStore;
use crate::tiling::ORIGIN_SHIFT;

use crate::layout;

use super::escape_markup;

/// Metres per pixel at the OGC standardized rendering pixel size (0.28 mm).
const PIXEL_SIZE_M: f64 = 0.00028;

pub fn wmts_capabilities(job: &Job, store: &OutputStore) -> String {
    let plan = &job.plan;
    let tile_size = job.pyramid.tile_size;
    let base = super::tilejson::tile_base(job, store);
    let [w, s, e, n] = job.footprint.web_bounds();
    let (set, well_known) = if tile_size == 256 {
        (
            "GoogleMapsCompatible".to_string(),
            "\n      <WellKnownScaleSet>urn:ogc:def:wkss:OGC:1.0:GoogleMapsCompatible</WellKnownScaleSet>",
        )
    } else {
        (format!("WebMercatorQuad{tile_size}"), "")
    };
    let mut limits = String::new();
    for r in &job.pyramid.ranges {
        // Across the antimeridian the columns wrap: every column may hold tiles.
        let columns = if r.wraps() {
            (0, (1u64 << r.z) - 1)
        } else {
            (u64::from(r.min_x), u64::from(r.max_x))
        };
        let _ = write!(
            limits,
            "\n          <TileMatrixLimits><TileMatrix>{}</TileMatrix><MinTileRow>{}</MinTileRow><MaxTileRow>{}</MaxTileRow><MinTileCol>{}</MinTileCol><MaxTileCol>{}</MaxTileCol></TileMatrixLimits>",
            r.z, r.min_y, r.max_y, columns.0, columns.1
        );
    }
    let mut matrices = String::new();
    // Every level from 0 to the deepest, as clients expect of a quad tree; the limits say
    // which levels and tiles exist.
    for z in 0..=job.zooms.max {
        let matrix = 1u64 << z;
        let resolution = 2.0 * ORIGIN_SHIFT / (f64::from(tile_size) * matrix as f64);
        let _ = write!(
            matrices,
            "\n      <TileMatrix>\n        <ows:Identifier>{z}</ows:Identifier>\n        <ScaleDenominator>{:.10}</ScaleDenominator>\n        <TopLeftCorner>{:.10} {:.10}</TopLeftCorner>\n        <TileWidth>{tile_size}</TileWidth>\n        <TileHeight>{tile_size}</TileHeight>\n        <MatrixWidth>{matrix}</MatrixWidth>\n        <MatrixHeight>{matrix}</MatrixHeight>\n      </TileMatrix>",
            resolution / PIXEL_SIZE_M,
            -ORIGIN_SHIFT,
            ORIGIN_SHIFT
        );
    }
    let title = escape_markup(plan.display_title());
    let abstract_ = plan
        .description
        .as_deref()
        .map(|d| format!("\n      <ows:Abstract>{}</ows:Abstract>", escape_markup(d)))
        .unwrap_or_default();
    let encoding = plan.output.encoding;
    let template = escape_markup(&layout::wmts_tile_template(&base, encoding.extension()));
    let media = encoding.media_type();
    let identifier = escape_markup(&plan.name);
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Capabilities xmlns="http://www.opengis.net/wmts/1.0" xmlns:ows="http://www.opengis.net/ows/1.1" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.opengis.net/wmts/1.0 http://schemas.opengis.net/wmts/1.0/wmtsGetCapabilities_response.xsd" version="1.0.0">
  <ows:ServiceIdentification>
    <ows:Title>{title}</ows:Title>
    <ows:ServiceType>OGC WMTS</ows:ServiceType>
    <ows:ServiceTypeVersion>1.0.0</ows:ServiceTypeVersion>
  </ows:ServiceIdentification>
  <Contents>
    <Layer>
      <ows:Title>{title}</ows:Title>{abstract_}
      <ows:WGS84BoundingBox>
        <ows:LowerCorner>{w:.8} {s:.8}</ows:LowerCorner>
        <ows:UpperCorner>{e:.8} {n:.8}</ows:UpperCorner>
      </ows:WGS84BoundingBox>
      <ows:Identifier>{identifier}</ows:Identifier>
      <Style isDefault="true">
        <ows:Identifier>default</ows:Identifier>
      </Style>
      <Format>{media}</Format>
      <TileMatrixSetLink>
        <TileMatrixSet>{set}</TileMatrixSet>
        <TileMatrixSetLimits>{limits}
        </TileMatrixSetLimits>
      </TileMatrixSetLink>
      <ResourceURL format="{media}" resourceType="tile" template="{template}"/>
    </Layer>
    <TileMatrixSet>
      <ows:Identifier>{set}</ows:Identifier>
      <ows:SupportedCRS>urn:ogc:def:crs:EPSG::3857</ows:SupportedCRS>{well_known}{matrices}
    </TileMatrixSet>
  </Contents>
</Capabilities>
"#
    )
}
