//! Wall-clock times on screen. The screen shows them in the local time zone (jiff reads
//! `TZ`, else /etc/localtime), or in UTC with `--utc`; every file etcdtui writes (the
//! audit log, recordings, snapshot names, its own log) stays in UTC whatever the screen
//! shows, so files from machines in different zones compare.
//!
//! The zone is installed once at start-up. Until then (tests, library callers) it is
//! UTC, so what a view draws never depends on the machine it is drawn on.

use std::sync::OnceLock;
use std::time::SystemTime;

use jiff::Timestamp;
use jiff::tz::TimeZone;

static SCREEN_ZONE: OnceLock<TimeZone> = OnceLock::new();
static UTC: TimeZone = TimeZone::UTC;

/// `--utc`, or the local zone. A zone that cannot be read (no tzdb on a minimal
/// controller) falls back to UTC: jiff's `system()` never fails, it says UTC instead.
pub fn install(utc: bool) {
    let zone = if utc {
        TimeZone::UTC
    } else {
        TimeZone::system()
    };
    // Only the first call counts: the zone does not change under a running screen.
    let _ = SCREEN_ZONE.set(zone);
}

/// The zone the screen shows times in.
pub fn screen_zone() -> &'static TimeZone {
    SCREEN_ZONE.get().unwrap_or(&UTC)
}

fn timestamp(at: SystemTime) -> Timestamp {
    Timestamp::try_from(at).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// `HH:MM:SS` of `at` in `zone`.
pub fn hms_in(at: SystemTime, zone: &TimeZone) -> String {
    timestamp(at)
        .to_zoned_datetime(zone.clone())
        .strftime("%H:%M:%S")
        .to_string()
}

/// `HH:MM:SS` of `at` in the screen's zone.
pub fn hms(at: SystemTime) -> String {
    hms_in(at, screen_zone())
}

/// The zone's short name at `at` (`UTC`, `CET`, `CEST`, or an offset like `+0530`
/// where the zone has no abbreviation), for a column heading.
pub fn zone_label_in(at: SystemTime, zone: &TimeZone) -> String {
    let info = zone.to_offset_info(timestamp(at));
    let abbr = info.abbreviation();
    if abbr.is_empty() || abbr.starts_with(['+', '-']) {
        // POSIX zones without a name give offsets; write them the way `date +%z` does.
        timestamp(at)
            .to_zoned_datetime(zone.clone())
            .strftime("%z")
            .to_string()
    } else {
        abbr.to_string()
    }
}

/// The screen zone's short name at `at`.
pub fn zone_label(at: SystemTime) -> String {
    zone_label_in(at, screen_zone())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// 2026-01-01T01:02:03Z, winter in Europe.
    fn winter() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_225_600 + 3723)
    }

    /// 2026-07-01T12:00:00Z, summer in Europe.
    fn summer() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_782_907_200)
    }

    fn berlin() -> TimeZone {
        // A POSIX rule needs no tzdb on the machine running the test.
        TimeZone::posix("CET-1CEST,M3.5.0,M10.5.0/3").expect("valid POSIX TZ")
    }

    #[test]
    fn utc_is_the_default_and_shows_utc() {
        assert_eq!(hms_in(winter(), &TimeZone::UTC), "01:02:03");
        assert_eq!(zone_label_in(winter(), &TimeZone::UTC), "UTC");
    }

    #[test]
    fn a_local_zone_shifts_the_time_and_follows_daylight_saving() {
        assert_eq!(hms_in(winter(), &berlin()), "02:02:03");
        assert_eq!(zone_label_in(winter(), &berlin()), "CET");
        assert_eq!(hms_in(summer(), &berlin()), "14:00:00");
        assert_eq!(zone_label_in(summer(), &berlin()), "CEST");
    }

    #[test]
    fn a_zone_without_a_name_is_labelled_by_its_offset() {
        let india = TimeZone::posix("<+05>-5").expect("valid POSIX TZ");
        let half = TimeZone::posix("<+0530>-5:30").expect("valid POSIX TZ");
        assert_eq!(hms_in(winter(), &half), "06:32:03");
        assert_eq!(zone_label_in(winter(), &half), "+0530");
        assert_eq!(zone_label_in(winter(), &india), "+0500");
    }

    #[test]
    fn the_day_boundary_is_the_zones_not_utcs() {
        let new_york = TimeZone::posix("EST5EDT,M3.2.0,M11.1.0").expect("valid POSIX TZ");
        assert_eq!(hms_in(winter(), &new_york), "20:02:03");
        assert_eq!(zone_label_in(winter(), &new_york), "EST");
    }
}
