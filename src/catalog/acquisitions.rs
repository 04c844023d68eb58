//! The acquisitions of a composite: a scene's rasters grouped by day, in time order — or,
//! when they carry no time, each raster one acquisition in the order given. Files go by the
//! UTC day of their `datetime`; STAC items by their local solar day (odc-stac's
//! `groupby="solar_day"`: the time shifted by the footprint centre's longitude, 240 s per
//! degree), so a pass that crosses midnight UTC — over the Pacific — stays one acquisition.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::compute::reduce::Reducer;
use crate::plan::datetime::instants;
use crate::plan::{Acquisition, Reduction};

/// The composite by `reducer` of the scene's rasters, whose times (as written) are `times`
/// and whose footprints are centred on `longitudes` (degrees; none, or `None`: UTC days).
pub(super) fn reduction(
    times: &[Option<String>],
    longitudes: &[Option<f64>],
    reducer: Reducer,
) -> Reduction {
    let mut days: BTreeMap<NaiveDate, Vec<(usize, chrono::DateTime<chrono::Utc>)>> =
        BTreeMap::new();
    let mut undated = Vec::new();
    for (i, time) in times.iter().enumerate() {
        match time.as_deref().and_then(|t| instants(t).first().copied()) {
            Some(t) => {
                let shift = longitudes.get(i).copied().flatten().unwrap_or(0.0) * 240.0;
                let solar = t + chrono::Duration::seconds(shift.round() as i64);
                days.entry(solar.date_naive()).or_default().push((i, t))
            }
            None => undated.push(Acquisition {
                datetime: None,
                rasters: vec![i],
            }),
        }
    }
    let mut acquisitions: Vec<(chrono::DateTime<chrono::Utc>, Acquisition)> = days
        .into_values()
        .filter_map(|day| {
            let (first, earliest) = day.iter().min_by_key(|(_, t)| *t).copied()?;
            Some((
                earliest,
                Acquisition {
                    datetime: times[first].clone(),
                    rasters: day.iter().map(|(i, _)| *i).collect(),
                },
            ))
        })
        .collect();
    acquisitions.sort_by_key(|(t, _)| *t);
    Reduction {
        reducer,
        acquisitions: (acquisitions.into_iter().map(|(_, a)| a))
            .chain(undated)
            .collect(),
    }
}

/// The span of the rasters' times as a `datetime` (`a/b`, or `a` when all are one
/// instant); `None` when none has one.
pub(super) fn span(times: &[Option<String>]) -> Option<String> {
    let dated: Vec<(chrono::DateTime<chrono::Utc>, &str)> = times
        .iter()
        .filter_map(|t| {
            let text = t.as_deref()?;
            Some((*instants(text).first()?, text))
        })
        .collect();
    let (_, first) = dated.iter().min_by_key(|(t, _)| *t)?;
    let (_, last) = dated.iter().max_by_key(|(t, _)| *t)?;
    Some(if first == last {
        first.to_string()
    } else {
        format!("{first}/{last}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(_name: &str, datetime: Option<&str>) -> Option<String> {
        datetime.map(str::to_string)
    }

    #[test]
    fn files_of_one_utc_day_are_one_acquisition_and_days_go_in_time_order() {
        let files = [
            file("c", Some("2025-01-11T10:00:00Z")),
            file("a1", Some("2025-01-01T10:00:05Z")),
            file("b", Some("2025-01-06")),
            file("a2", Some("2025-01-01T11:00:00+01:00")), // 10:00 UTC, the same day
        ];
        let r = reduction(&files, &[], Reducer::Median);
        let rasters: Vec<Vec<usize>> = r.acquisitions.iter().map(|a| a.rasters.clone()).collect();
        // a1 before a2 as given, though a2 is earlier: within a day the order given mosaics.
        assert_eq!(rasters, vec![vec![1, 3], vec![2], vec![0]]);
        assert_eq!(
            r.acquisitions[0].datetime.as_deref(),
            Some("2025-01-01T11:00:00+01:00")
        );
        assert_eq!(
            span(&files).as_deref(),
            Some("2025-01-01T11:00:00+01:00/2025-01-11T10:00:00Z")
        );
    }

    #[test]
    fn undated_files_are_each_an_acquisition_in_the_order_given() {
        let files = [file("x", None), file("y", None)];
        let r = reduction(&files, &[], Reducer::First);
        let rasters: Vec<Vec<usize>> = r.acquisitions.iter().map(|a| a.rasters.clone()).collect();
        assert_eq!(rasters, vec![vec![0], vec![1]]);
        assert_eq!(span(&files), None);
    }

    #[test]
    fn items_of_one_pass_across_midnight_utc_are_one_solar_day() {
        // Two granules of one pass at 170° E, at 23:59 and 00:01 UTC: local noon the next day.
        let times = [
            file("a", Some("2025-01-01T23:59:00Z")),
            file("b", Some("2025-01-02T00:01:00Z")),
            file("c", Some("2025-01-11T23:59:00Z")),
        ];
        let east = [Some(170.0), Some(170.5), Some(170.0)];
        let r = reduction(&times, &east, Reducer::Median);
        let rasters: Vec<Vec<usize>> = r.acquisitions.iter().map(|a| a.rasters.clone()).collect();
        assert_eq!(rasters, vec![vec![0, 1], vec![2]]);
        // By UTC day (files), the pass splits.
        let r = reduction(&times, &[], Reducer::Median);
        assert_eq!(r.acquisitions.len(), 3);
    }
}
