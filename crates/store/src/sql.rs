//! Small helpers for building queries that run on both backends: a value type for dynamic binds
//! and a multi-row INSERT that stays within both backends' parameter limits.

use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::Any;

/// A value to bind, when the list of binds is built at run time.
#[derive(Debug, Clone)]
pub enum V {
    I(i64),
    OI(Option<i64>),
    F(f64),
    OF(Option<f64>),
    T(String),
    OT(Option<String>),
    B(Vec<u8>),
    OB(Option<Vec<u8>>),
    Bool(bool),
}

pub fn bind<'q>(
    mut q: Query<'q, Any, AnyArguments<'q>>,
    vals: &'q [V],
) -> Query<'q, Any, AnyArguments<'q>> {
    for v in vals {
        q = match v {
            V::I(x) => q.bind(*x),
            V::OI(x) => q.bind(*x),
            V::F(x) => q.bind(*x),
            V::OF(x) => bind_opt_f64(q, *x),
            V::T(x) => q.bind(x.as_str()),
            V::OT(x) => q.bind(x.as_deref()),
            V::B(x) => q.bind(x.as_slice()),
            V::OB(x) => q.bind(x.as_deref()),
            V::Bool(x) => q.bind(*x),
        };
    }
    q
}

/// Bind an optional `f64`. sqlx 0.8's `Any` driver maps a NULL `f64` to PostgreSQL's `real`
/// (and a NULL `f32` to `double precision`); PostgreSQL then caches the statement with a `real`
/// parameter and refuses the next non-NULL `f64` ("incorrect binary data format"). A NULL `f32`
/// arrives as `double precision`, which is what the columns are.
pub fn bind_opt_f64<'q>(
    q: Query<'q, Any, AnyArguments<'q>>,
    v: Option<f64>,
) -> Query<'q, Any, AnyArguments<'q>> {
    match v {
        Some(v) => q.bind(v),
        None => q.bind(None::<f32>),
    }
}

/// Numbered placeholders as they are added: `let p = ps.push(V::I(1));` gives `$1`.
#[derive(Default, Debug)]
pub struct Params {
    pub vals: Vec<V>,
}

impl Params {
    pub fn push(&mut self, v: V) -> String {
        self.vals.push(v);
        format!("${}", self.vals.len())
    }

    /// `col >= $a AND col < $b` for a scope path range.
    pub fn range(&mut self, col: &str, path: &str) -> String {
        let (lo, hi) = jingzhi_domain::scope::path_range(path);
        let a = self.push(V::T(lo));
        let b = self.push(V::T(hi));
        format!("{col} >= {a} AND {col} < {b}")
    }
}

/// Most parameters one statement may carry on either backend (SQLite allows 32,766, PostgreSQL
/// 65,535).
pub const MAX_PARAMS: usize = 30_000;

/// Parameters per multi-row statement that run fastest on this connection's backend: sqlx's
/// SQLite driver slows down sharply as a statement's parameter count grows (measured: a
/// 50,000-row import took 108 s with 30,000-parameter statements, 13 s with 999), while
/// PostgreSQL gains from fewer, larger statements.
pub fn params_per_statement(conn: &crate::Conn) -> usize {
    if conn.backend_name() == "SQLite" {
        999
    } else {
        MAX_PARAMS
    }
}

/// Insert many rows with multi-row `INSERT` statements (as many rows per statement as the
/// parameter limit allows), on the given connection or transaction.
pub async fn insert_many(
    conn: &mut crate::Conn,
    table: &str,
    columns: &[&str],
    rows: &[Vec<V>],
) -> crate::Result<u64> {
    if rows.is_empty() {
        return Ok(0);
    }
    let ncol = columns.len();
    let per = (params_per_statement(conn) / ncol).max(1);
    // SQLite gets anonymous `?` placeholders: it resolves numbered ones by a linear search per
    // parameter (see `demo::insert_flat`).
    let sqlite = conn.backend_name() == "SQLite";
    let mut done = 0;
    for chunk in rows.chunks(per) {
        let mut sql = String::with_capacity(64 + chunk.len() * ncol * 6);
        sql.push_str("INSERT INTO ");
        sql.push_str(table);
        sql.push_str(" (");
        sql.push_str(&columns.join(", "));
        sql.push_str(") VALUES ");
        let mut n = 0;
        for (i, row) in chunk.iter().enumerate() {
            debug_assert_eq!(row.len(), ncol);
            if i > 0 {
                sql.push(',');
            }
            sql.push('(');
            for j in 0..ncol {
                if j > 0 {
                    sql.push(',');
                }
                n += 1;
                if sqlite {
                    sql.push('?');
                } else {
                    sql.push('$');
                    sql.push_str(&n.to_string());
                }
            }
            sql.push(')');
        }
        let flat: Vec<V> = chunk.iter().flatten().cloned().collect();
        let q = bind(sqlx::query(&sql), &flat);
        done += q.execute(&mut *conn).await?.rows_affected();
    }
    Ok(done)
}

/// Read a boolean that may come back as a boolean (PostgreSQL, or a SQLite BOOLEAN column) or
/// as an integer (a SQLite expression).
pub fn get_bool(row: &AnyRow, col: &str) -> bool {
    use sqlx::Row;
    row.try_get::<bool, _>(col)
        .or_else(|_| row.try_get::<i64, _>(col).map(|v| v != 0))
        .unwrap_or(false)
}
