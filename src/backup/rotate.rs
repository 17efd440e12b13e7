//! Rotation: which backups to keep in a target (newest per day for the last N days with a
//! backup, per ISO week for N weeks, per month for N months; the newest always).

use std::collections::BTreeSet;

use time::OffsetDateTime;

pub use crate::config::backup::Keep;

/// Which day, week or month a time falls in.
type Bucket = fn(OffsetDateTime) -> (i32, u32);

/// The times (of backups in one target) that rotation removes.
pub fn to_remove(times: &[OffsetDateTime], keep: Keep) -> Vec<OffsetDateTime> {
    let mut newest_first: Vec<OffsetDateTime> = times.to_vec();
    newest_first.sort_by(|a, b| b.cmp(a));
    newest_first.dedup();
    let mut kept: BTreeSet<OffsetDateTime> = newest_first.first().copied().into_iter().collect();
    let buckets: [(usize, Bucket); 3] = [
        (keep.daily, |t| (t.year(), u32::from(t.ordinal()))),
        (keep.weekly, |t| {
            let (y, w, _) = t.to_iso_week_date();
            (y, u32::from(w))
        }),
        (keep.monthly, |t| (t.year(), u32::from(u8::from(t.month())))),
    ];
    for (count, bucket) in buckets {
        let mut seen = BTreeSet::new();
        for t in &newest_first {
            if seen.len() >= count {
                break;
            }
            if seen.insert(bucket(*t)) {
                kept.insert(*t);
            }
        }
    }
    newest_first
        .into_iter()
        .filter(|t| !kept.contains(t))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;

    #[test]
    fn a_year_of_daily_backups_keeps_7_daily_4_weekly_12_monthly() {
        let start = time::macros::datetime!(2025-01-01 02:30 UTC);
        let times: Vec<_> = (0..365).map(|d| start + Duration::days(d)).collect();
        let removed = to_remove(&times, Keep::default());
        let kept: Vec<_> = times.iter().filter(|t| !removed.contains(t)).collect();
        // 7 days, plus up to 4 weeks and 12 months (some overlap).
        assert!(kept.len() >= 12 && kept.len() <= 23, "{}", kept.len());
        let newest = *times.last().unwrap();
        assert!(!removed.contains(&newest));
        for d in 0..7 {
            assert!(!removed.contains(&(newest - Duration::days(d))));
        }
        assert!(removed.contains(&(newest - Duration::days(8))) || kept.len() > 7);
        // The oldest month's newest backup (January) is gone: 12 months are kept, not 13.
        assert!(removed.contains(&time::macros::datetime!(2025-01-15 02:30 UTC)));
    }

    #[test]
    fn several_backups_a_day_keep_only_the_newest_of_older_days() {
        let day = time::macros::datetime!(2026-03-01 00:00 UTC);
        let times: Vec<_> = (0..4).map(|h| day + Duration::hours(h * 6)).collect();
        let removed = to_remove(&times, Keep::default());
        assert_eq!(removed.len(), 3);
        assert!(!removed.contains(&times[3]));
    }
}
