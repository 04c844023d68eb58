//! The integration tests: one binary (it links once), one module per area. Shared helpers —
//! the pipeline writer, the JSON reader, the object lister, the servers — are in [`common`].
//! Tests that need a server, a browser or a tool skip with a printed reason when it is
//! missing; `make test` (AFTERMATH_REQUIRE_TEST_TOOLS=1) turns a skip into a failure.

#[macro_use]
mod common;

mod aoi;
mod architecture;
mod bad_input;
mod browser;
mod composite;
mod deploy;
mod dockerfile;
mod gdal_virtual_paths;
mod hardening;
mod index_values;
mod landsat_mtl;
mod mosaic;
mod outputs;
mod pmtiles;
mod products;
mod reduce;
mod resume;
mod scheduler;
mod sensor_presets;
mod shards;
mod sieve;
mod stac;
mod storage;
mod tiles_match_gdal2tiles;
mod webp;
mod wmts;
