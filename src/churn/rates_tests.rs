//! Synthetic event streams against a hand-driven clock.

use super::*;

fn batch(groups: &[(&str, u64, u64, u64)]) -> Batch {
    let mut b = Batch::default();
    for &(g, puts, deletes, bytes) in groups {
        b.groups.insert(
            g.to_string(),
            Counts {
                puts,
                deletes,
                bytes,
            },
        );
    }
    b
}

/// `per_sec` events of `group` every second for `secs` seconds from `from`.
fn steady(r: &mut Rates, from: u64, secs: u64, group: &str, per_sec: u64) {
    for s in from..from + secs {
        r.add(s, &batch(&[(group, per_sec, 0, per_sec * 100)]));
    }
    r.tick(from + secs);
}

#[test]
fn rates_per_window_and_ranking_by_the_last_ten_seconds() {
    let mut r = Rates::default();
    r.start(0);
    // 600 s of /slow/ at 5/s, and a /fast/ burst of 50/s in the last 10 s.
    for s in 0..600 {
        let mut groups = vec![("/slow/", 5, 0, 500)];
        if s >= 590 {
            groups.push(("/fast/", 40, 10, 4000));
        }
        r.add(s, &batch(&groups));
    }
    r.tick(600);
    let rows = r.ranked();
    assert_eq!(rows[0].group, "/fast/");
    assert_eq!(rows[0].events, [50.0, 500.0 / 60.0, 500.0 / 600.0]);
    assert_eq!(rows[0].bytes[0], 4000.0);
    assert_eq!(rows[0].minute.puts, 400);
    assert_eq!(rows[0].minute.deletes, 100);
    assert_eq!(rows[1].events, [5.0, 5.0, 5.0]);
    assert_eq!(rows[1].spark.len(), 60);
    assert!(rows[1].spark.iter().all(|&e| e == 5));
}

#[test]
fn the_second_in_progress_and_the_time_before_watching_do_not_dilute_rates() {
    let mut r = Rates::default();
    r.start(100);
    steady(&mut r, 100, 5, "/a/", 10);
    // Half of second 105 is counted but not yet part of any rate.
    r.add(105, &batch(&[("/a/", 3, 0, 0)]));
    let row = &r.ranked()[0];
    assert_eq!(row.events, [10.0, 10.0, 10.0]);
}

#[test]
fn a_storm_is_ten_times_the_norm_and_above_the_floor() {
    let mut r = Rates::default();
    r.start(0);
    steady(&mut r, 0, 300, "/busy/", 10);
    steady(&mut r, 0, 300, "/quiet/", 0);
    // The quiet group goes from nothing to 1/s: ten times its norm, but below the floor.
    for s in 300..310 {
        r.add(
            s,
            &batch(&[
                ("/busy/", 150, 0, 0),
                ("/quiet/", 1, 0, 0),
                ("/new/", 30, 0, 0),
            ]),
        );
    }
    r.tick(310);
    let rows = r.ranked();
    let get = |g: &str| rows.iter().find(|row| row.group == g).unwrap();
    assert_eq!(
        get("/busy/").storm,
        Some(10.0),
        "150/s against a norm of 10/s"
    );
    assert_eq!(get("/quiet/").storm, None, "1/s is below the floor");
    assert_eq!(
        get("/new/").storm,
        Some(0.0),
        "a new group at 30/s is a storm"
    );
}

#[test]
fn no_storm_without_enough_history_or_at_nine_times() {
    let mut r = Rates::default();
    r.start(0);
    for s in 0..30 {
        r.add(s, &batch(&[("/a/", 100, 0, 0)]));
    }
    r.tick(30);
    assert_eq!(r.ranked()[0].storm, None, "30 s is too short a norm");

    let mut r = Rates::default();
    r.start(0);
    steady(&mut r, 0, 200, "/a/", 10);
    steady(&mut r, 200, 10, "/a/", 90);
    assert_eq!(r.ranked()[0].storm, None, "9x is not a storm");
}

#[test]
fn the_top_writer_needs_most_of_the_minute_and_a_real_rate() {
    let mut r = Rates::default();
    r.start(0);
    for s in 0..60 {
        r.add(s, &batch(&[("/flood/", 60, 0, 0), ("/calm/", 20, 0, 0)]));
    }
    r.tick(60);
    let top = r.top_writer().unwrap();
    assert_eq!(top.group, "/flood/");
    assert_eq!(top.share, 0.75);
    assert_eq!(top.rate, 60.0);

    let mut r = Rates::default();
    r.start(0);
    for s in 0..60 {
        r.add(s, &batch(&[("/a/", 30, 0, 0), ("/b/", 30, 0, 0)]));
    }
    r.tick(60);
    assert_eq!(r.top_writer(), None, "half is not most");

    let mut r = Rates::default();
    r.start(0);
    for s in 0..60 {
        r.add(s, &batch(&[("/a/", 5, 0, 0)]));
    }
    r.tick(60);
    assert_eq!(r.top_writer(), None, "5/s is too little to name");
}

#[test]
fn groups_are_capped_and_silent_ones_give_their_slot_back() {
    let mut r = Rates {
        cap: 2,
        ..Default::default()
    };
    r.start(0);
    r.add(0, &batch(&[("/a/", 1, 0, 0)]));
    r.add(1, &batch(&[("/b/", 1, 0, 0)]));
    r.add(2, &batch(&[("/c/", 1, 0, 0), ("/d/", 2, 0, 0)]));
    r.tick(3);
    assert_eq!(r.groups(), 3);
    let other = r
        .ranked()
        .into_iter()
        .find(|row| row.group == OTHER)
        .unwrap();
    assert_eq!(other.minute.puts, 3);
    assert_eq!(r.total_events, 5);
    // Ten minutes later nothing of that is left.
    r.tick(3 + HISTORY as u64);
    assert_eq!(r.groups(), 0);
}
