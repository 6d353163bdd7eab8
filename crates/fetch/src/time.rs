//! Calendar dates without a date crate: today's date for manifests and `Retry-After` dates.
//!
//! Only the proleptic Gregorian calendar in UTC is needed, which is a few lines of integer
//! arithmetic (Howard Hinnant's `days_from_civil` / `civil_from_days`).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Today's date in UTC, `YYYY-MM-DD`.
pub fn today_utc() -> String {
    date_of(SystemTime::now())
}

/// The UTC date of `t`, `YYYY-MM-DD` (times before 1970 count as 1970-01-01).
pub(crate) fn date_of(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(i64::MAX / 2);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = u32::try_from(doy - (153 * mp + 2) / 5 + 1).expect("day of month is 1..=31");
    let m = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).expect("month is 1..=12");
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the form RFC 9110 tells servers to
/// send in `Retry-After`. The two obsolete forms are not accepted (the caller then falls back
/// to its own backoff).
pub(crate) fn parse_http_date(s: &str) -> Option<SystemTime> {
    let rest = s.trim().split_once(", ")?.1;
    let parts: Vec<&str> = rest.split(' ').collect();
    let [day, month, year, time, "GMT"] = parts.as_slice() else { return None };
    const MONTHS: [&str; 12] =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let m = MONTHS.iter().position(|x| x == month)? + 1;
    let d: u32 = day.parse().ok().filter(|d| (1..=31).contains(d))?;
    let y: i64 = year.parse().ok().filter(|y| *y >= 1970)?;
    let hms: Vec<u64> = time.split(':').map(str::parse).collect::<Result<_, _>>().ok()?;
    let [h, mi, se] = hms.as_slice() else { return None };
    if *h > 23 || *mi > 59 || *se > 60 {
        return None;
    }
    let days = u64::try_from(days_from_civil(y, u32::try_from(m).ok()?, d)).ok()?;
    Some(UNIX_EPOCH + Duration::from_secs(days * 86_400 + h * 3600 + mi * 60 + se))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_through_day_counts() {
        assert_eq!(date_of(UNIX_EPOCH), "1970-01-01");
        // 2019-05-30, the day the recorded FindTreatment responses were captured.
        assert_eq!(date_of(UNIX_EPOCH + Duration::from_secs(1_559_174_400)), "2019-05-30");
        // A leap day and the day after it.
        assert_eq!(date_of(UNIX_EPOCH + Duration::from_secs(951_782_400)), "2000-02-29");
        assert_eq!(date_of(UNIX_EPOCH + Duration::from_secs(951_868_800)), "2000-03-01");
        for days in [-1000, 0, 59, 60, 10_957, 20_000, 50_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(today_utc().len(), 10);
    }

    #[test]
    fn imf_fixdate_is_read_and_other_forms_are_not() {
        // The example of RFC 9110 section 5.6.7.
        let t = parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").expect("IMF-fixdate");
        assert_eq!(t.duration_since(UNIX_EPOCH).expect("after 1970").as_secs(), 784_111_777);
        assert_eq!(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), None);
        assert_eq!(parse_http_date("Sun Nov  6 08:49:37 1994"), None);
        assert_eq!(parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT"), None);
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 25:49:37 GMT"), None);
        assert_eq!(parse_http_date("120"), None);
    }
}
