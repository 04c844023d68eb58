use super::*;

/// Runs the three readings over `rows` (each string a row, one digit per pixel).
fn sieve(rows: &[&str], threshold: u32, connectivity: Connectivity) -> (Vec<String>, SieveCounts) {
    let rows: Vec<Vec<u8>> = rows
        .iter()
        .map(|r| r.bytes().map(|b| b - b'0').collect())
        .collect();
    let mut s = Sieve::new(rows[0].len(), threshold, connectivity);
    for r in &rows {
        s.measure(r).expect("measure");
    }
    for r in &rows {
        s.compare(r).expect("compare");
    }
    let counts = s.counts().expect("counts");
    let out = rows
        .iter()
        .map(|r| {
            let row = s.apply(r).expect("apply");
            row.iter().map(|v| char::from(b'0' + v)).collect()
        })
        .collect();
    (out, counts)
}

#[test]
fn a_small_patch_takes_its_only_neighbours_class() {
    let (out, counts) = sieve(&["1111", "1211", "1111"], 2, Connectivity::Four);
    assert_eq!(out, ["1111", "1111", "1111"]);
    assert_eq!((counts.patches, counts.small, counts.merged), (2, 1, 1));
}

#[test]
fn a_small_patch_takes_the_largest_neighbours_class_and_nodata_is_kept() {
    // The 3 touches 2 (5 px) and 1 (7 px): it becomes 1. The 0s are nodata and stay.
    let (out, _) = sieve(&["1122", "1132", "1022", "1100"], 2, Connectivity::Four);
    assert_eq!(out, ["1122", "1112", "1022", "1100"]);
}

#[test]
fn a_patch_surrounded_by_nodata_stays() {
    let (out, counts) = sieve(&["000", "050", "000"], 4, Connectivity::Four);
    assert_eq!(out, ["000", "050", "000"]);
    assert_eq!((counts.small, counts.merged), (1, 0));
}

#[test]
fn a_chain_of_small_patches_ends_at_the_first_large_one() {
    // 3 (1 px) touches only 2 (2 px); 2 touches 3 and 1 (6 px): both become 1 at threshold 3.
    let (out, counts) = sieve(&["3221", "0011", "0111"], 3, Connectivity::Four);
    assert_eq!(out, ["1111", "0011", "0111"]);
    assert_eq!((counts.small, counts.merged), (2, 2));
}

#[test]
fn small_patches_with_only_small_neighbours_stay() {
    let (out, counts) = sieve(&["12", "00"], 2, Connectivity::Four);
    assert_eq!(out, ["12", "00"]);
    assert_eq!((counts.small, counts.merged), (2, 0));
}

#[test]
fn on_a_tie_the_neighbour_met_first_in_row_order_wins() {
    // The 9 touches 1 above (met first) and 2 to its left, both 3 px.
    let (out, _) = sieve(&["0111", "2290", "2000"], 2, Connectivity::Four);
    assert_eq!(out, ["0111", "2210", "2000"]);
}

#[test]
fn corners_join_patches_only_when_eight_connected() {
    let rows = ["1000", "0100", "0010", "0001"];
    // Four one-pixel 1s touching at corners: one patch of 4 when 8-connected.
    let (_, four) = sieve(&rows, 2, Connectivity::Four);
    let (_, eight) = sieve(&rows, 2, Connectivity::Eight);
    assert_eq!((four.patches, four.small), (4, 4));
    assert_eq!((eight.patches, eight.small), (1, 0));
}

#[test]
fn labels_meeting_below_are_one_patch() {
    // A U of 1s (8 px): its arms get two labels that meet in the bottom row. The 3 touches
    // the 2s (3 px) and both arms: it becomes 1.
    let (out, counts) = sieve(&["1231", "1221", "1111"], 3, Connectivity::Four);
    assert_eq!(counts.patches, 3);
    assert_eq!(out, ["1211", "1221", "1111"]);
}

#[test]
fn rows_of_another_width_or_out_of_turn_are_errors() {
    let mut s = Sieve::new(3, 2, Connectivity::Four);
    assert!(matches!(
        s.measure(&[1, 2]),
        Err(SieveError::RowWidth { .. })
    ));
    assert!(matches!(s.apply(&[1, 2, 3]), Err(SieveError::OutOfTurn(_))));
    assert!(matches!(s.counts(), Err(SieveError::OutOfTurn(_))));
}
