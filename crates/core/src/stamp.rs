//! Storing clock stamps and values as SQLite text.

use std::str::FromStr;

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ValueRef};
use rusqlite::{Connection, Params, Row, RowIndex};
use townhall_domain::{DeviceId, Hlc, Stamp};

/// A stamp as one sortable text: 16 hex digits of milliseconds, 8 of counter, then the device
/// id. Comparing two keys as strings compares the stamps, so SQL can order by it.
pub(crate) fn stamp_key(stamp: &Stamp) -> String {
    format!(
        "{:016x}{:08x}{}",
        stamp.hlc.millis, stamp.hlc.counter, stamp.device
    )
}

/// Reads a stamp key back.
pub(crate) fn parse_stamp_key(key: &str) -> Option<Stamp> {
    let millis = u64::from_str_radix(key.get(..16)?, 16).ok()?;
    let counter = u32::from_str_radix(key.get(16..24)?, 16).ok()?;
    let device = DeviceId::from_str(key.get(24..)?).ok()?;
    Some(Stamp {
        hlc: Hlc::new(millis, counter),
        device,
    })
}

/// Runs a statement through the connection's statement cache: the replica's hot paths run the
/// same few statements thousands of times, and preparing each anew costs more than running it.
pub(crate) fn exec(conn: &Connection, sql: &str, params: impl Params) -> rusqlite::Result<usize> {
    conn.prepare_cached(sql)?.execute(params)
}

/// Reads one row through the statement cache.
pub(crate) fn query_row<T>(
    conn: &Connection,
    sql: &str,
    params: impl Params,
    f: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    conn.prepare_cached(sql)?.query_row(params, f)
}

/// A column holding text that parses with `FromStr` (ids, enums, dates).
pub(crate) struct Parsed<T>(pub(crate) T);

impl<T: FromStr> FromSql for Parsed<T>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let text = value.as_str()?;
        text.parse()
            .map(Parsed)
            .map_err(|e| FromSqlError::Other(Box::new(e)))
    }
}

/// Reads a parsed column, by name (`"status"`) or by position.
pub(crate) fn get<T: FromStr>(row: &Row<'_>, idx: impl RowIndex) -> rusqlite::Result<T>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    row.get::<_, Parsed<T>>(idx).map(|p| p.0)
}

/// Reads an optional parsed column, by name or by position.
pub(crate) fn get_opt<T: FromStr>(row: &Row<'_>, idx: impl RowIndex) -> rusqlite::Result<Option<T>>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    row.get::<_, Option<Parsed<T>>>(idx).map(|p| p.map(|p| p.0))
}

/// Reads a stamp-key column.
pub(crate) fn get_stamp(row: &Row<'_>, idx: usize) -> rusqlite::Result<Stamp> {
    let key: String = row.get(idx)?;
    parse_stamp_key(&key).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            idx,
            rusqlite::types::Type::Text,
            format!("`{key}` is not a stamp").into(),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_sort_like_stamps() {
        let d1 = DeviceId::generate(1, [1; 10]);
        let d2 = DeviceId::generate(1, [2; 10]);
        let stamps = [
            Stamp {
                hlc: Hlc::new(5, 0),
                device: d2,
            },
            Stamp {
                hlc: Hlc::new(5, 0),
                device: d1,
            },
            Stamp {
                hlc: Hlc::new(4, u32::MAX),
                device: d2,
            },
            Stamp {
                hlc: Hlc::new(1 << 40, 1),
                device: d1,
            },
        ];
        for a in &stamps {
            assert_eq!(parse_stamp_key(&stamp_key(a)), Some(*a));
            for b in &stamps {
                assert_eq!(stamp_key(a).cmp(&stamp_key(b)), a.cmp(b), "{a:?} vs {b:?}");
            }
        }
        assert_eq!(parse_stamp_key("zz"), None);
    }
}
