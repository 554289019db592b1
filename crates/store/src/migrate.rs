//! Schema migrations, run at start and by `jingzhi migrate`. One SQL file per version serves both
//! backends; the few type names that differ are placeholders, and an optional
//! `NNNN_name.sqlite.sql` / `NNNN_name.postgres.sql` holds what only one backend can say
//! (triggers). Applied versions are recorded in `schema_migrations`.

use crate::{Backend, Result, Store};
use sqlx::Executor;

struct Migration {
    version: i64,
    name: &'static str,
    common: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "register",
        common: include_str!("../migrations/0001_register.sql"),
        sqlite: include_str!("../migrations/0001_register.sqlite.sql"),
        postgres: include_str!("../migrations/0001_register.postgres.sql"),
    },
    Migration {
        version: 2,
        name: "districting",
        common: include_str!("../migrations/0002_districting.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 3,
        name: "events",
        common: include_str!("../migrations/0003_events.sql"),
        sqlite: include_str!("../migrations/0003_events.sqlite.sql"),
        postgres: include_str!("../migrations/0003_events.postgres.sql"),
    },
    Migration {
        version: 4,
        name: "node_counts",
        common: include_str!("../migrations/0004_node_counts.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 5,
        name: "open311",
        common: include_str!("../migrations/0005_open311.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 6,
        name: "event_media",
        common: include_str!("../migrations/0006_event_media.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 7,
        name: "hotline",
        common: include_str!("../migrations/0007_hotline.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 8,
        name: "rounds",
        common: include_str!("../migrations/0008_rounds.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 9,
        name: "event_metrics",
        common: include_str!("../migrations/0009_event_metrics.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 10,
        name: "notifications",
        common: include_str!("../migrations/0010_notifications.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 11,
        name: "visits_by_time",
        common: include_str!("../migrations/0011_visits_by_time.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 12,
        name: "departments",
        common: include_str!("../migrations/0012_departments.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 13,
        name: "accounts",
        common: include_str!("../migrations/0013_accounts.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 14,
        name: "event_supporters",
        common: include_str!("../migrations/0014_event_supporters.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 15,
        name: "whistle_blown_by_names",
        common: include_str!("../migrations/0015_whistle_blown_by_names.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 16,
        name: "workbench_indexes",
        common: include_str!("../migrations/0016_workbench_indexes.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 17,
        name: "register_version",
        common: include_str!("../migrations/0017_register_version.sql"),
        sqlite: include_str!("../migrations/0017_register_version.sqlite.sql"),
        postgres: include_str!("../migrations/0017_register_version.postgres.sql"),
    },
    Migration {
        version: 18,
        name: "votes",
        common: include_str!("../migrations/0018_votes.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 19,
        name: "proposals",
        common: include_str!("../migrations/0019_proposals.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 20,
        name: "meetings",
        common: include_str!("../migrations/0020_meetings.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 21,
        name: "councils",
        common: include_str!("../migrations/0021_councils.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 22,
        name: "notification_subjects",
        common: "",
        sqlite: include_str!("../migrations/0022_notification_subjects.sqlite.sql"),
        postgres: include_str!("../migrations/0022_notification_subjects.postgres.sql"),
    },
    Migration {
        version: 23,
        name: "proposal_thresholds",
        common: include_str!("../migrations/0023_proposal_thresholds.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 24,
        name: "transparency",
        common: include_str!("../migrations/0024_transparency.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 25,
        name: "funds",
        common: include_str!("../migrations/0025_funds.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 26,
        name: "integrity",
        common: include_str!("../migrations/0026_integrity.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 27,
        name: "parking",
        common: include_str!("../migrations/0027_parking.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 28,
        name: "notification_links",
        common: include_str!("../migrations/0028_notification_links.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 29,
        name: "emergency",
        common: include_str!("../migrations/0029_emergency.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 30,
        name: "care",
        common: include_str!("../migrations/0030_care.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 31,
        name: "volunteering",
        common: include_str!("../migrations/0031_volunteering.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 32,
        name: "activities",
        common: include_str!("../migrations/0032_activities.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 33,
        name: "doctors",
        common: include_str!("../migrations/0033_doctors.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 34,
        name: "forces",
        common: include_str!("../migrations/0034_forces.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 35,
        name: "legal",
        common: include_str!("../migrations/0035_legal.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 36,
        name: "jobs",
        common: include_str!("../migrations/0036_jobs.sql"),
        sqlite: "",
        postgres: "",
    },
];

/// Tables with an `id` identity column (their sequences are reset after bulk loads).
pub const ID_TABLES: &[&str] = &[
    "doctor_contracts",
    "doctor_teams",
    "care_records",
    "care_hardships",
    "care_colours",
    "care_cases",
    "care_referrals",
    "care_case_steps",
    "volunteer_hours",
    "activities",
    "activity_signups",
    "force_members",
    "legal_cases",
    "legal_case_steps",
    "job_seekers",
    "job_positions",
    "job_matches",
    "teams",
    "incidents",
    "incident_checks",
    "parking_spaces",
    "parking_windows",
    "parking_contracts",
    "parking_payments",
    "integrity_catalogues",
    "integrity_items",
    "integrity_subjects",
    "integrity_agreements",
    "integrity_projects",
    "integrity_adoptions",
    "integrity_records",
    "integrity_deliveries",
    "integrity_appeals",
    "integrity_rewards",
    "integrity_grants",
    "funds",
    "fund_entries",
    "fund_lines",
    "votes",
    "ballots",
    "proposals",
    "proposal_timeline",
    "meetings",
    "meeting_parties",
    "agenda_items",
    "deliberation_rounds",
    "minute_amendments",
    "decisions",
    "decision_tasks",
    "task_progress",
    "associations",
    "merchants",
    "councils",
    "council_members",
    "council_handovers",
    "council_matters",
    "nodes",
    "party_orgs",
    "barriers",
    "households",
    "household_moves",
    "residents",
    "users",
    "api_tokens",
    "audit_log",
    "districting_edge_overrides",
    "districting_plans",
    "districting_steps",
    "districting_comments",
    "districting_votes",
    "districting_node_moves",
    "districting_household_history",
    "events",
    "event_transitions",
    "event_assignments",
    "event_ratings",
    "whistles",
    "whistle_departments",
    "event_attachments",
    "hotline_tickets",
    "rounds_posts",
    "rounds_visits",
    "rounds_findings",
    "rounds_specialists",
    "rounds_services",
    "notifications",
    "notification_outbox",
    "open311_keys",
    "departments",
];

/// The common SQL with the backend's type names filled in.
pub fn render(sql: &str, backend: Backend) -> String {
    let subs: &[(&str, &str)] = match backend {
        Backend::Sqlite => &[
            ("{PK}", "INTEGER PRIMARY KEY AUTOINCREMENT"),
            ("{BLOB}", "BLOB"),
            ("{TEXT_C}", "TEXT"),
            ("{DOUBLE}", "DOUBLE PRECISION"),
            ("{BOOL_FALSE}", "0"),
            // sqlx's Any driver cannot decode SQLite's BOOLEAN type: store 0/1 integers.
            ("{BOOL}", "INTEGER"),
        ],
        Backend::Postgres => &[
            (
                "{PK}",
                "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
            ),
            ("{BLOB}", "BYTEA"),
            ("{TEXT_C}", "TEXT COLLATE \"C\""),
            ("{DOUBLE}", "DOUBLE PRECISION"),
            ("{BOOL_FALSE}", "FALSE"),
            ("{BOOL}", "BOOLEAN"),
        ],
    };
    let mut s = sql.to_string();
    for (k, v) in subs {
        s = s.replace(k, v);
    }
    s
}

/// Apply every migration not yet applied, each in its own transaction. Returns how many ran.
pub async fn run(store: &Store) -> Result<usize> {
    let mut conn = store.pool.acquire().await?;
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    )
    .await?;
    if store.backend == Backend::Postgres {
        // Several servers may start at once: one migrates, the others wait.
        conn.execute("SELECT pg_advisory_lock(7344001)").await?;
    }
    let mut ran = 0;
    let result: Result<()> = async {
        for m in MIGRATIONS {
            let done: Option<i64> =
                sqlx::query_scalar("SELECT version FROM schema_migrations WHERE version = $1")
                    .bind(m.version)
                    .fetch_optional(&mut *conn)
                    .await?;
            if done.is_some() {
                continue;
            }
            let mut tx = sqlx::Connection::begin(&mut *conn).await?;
            tx.execute(render(m.common, store.backend).as_str()).await?;
            let extra = match store.backend {
                Backend::Sqlite => m.sqlite,
                Backend::Postgres => m.postgres,
            };
            if !extra.trim().is_empty() {
                tx.execute(extra).await?;
            }
            sqlx::query(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            )
            .bind(m.version)
            .bind(m.name)
            .bind(jingzhi_domain::time_fmt::now_ms())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            tracing::info!(version = m.version, name = m.name, "migration applied");
            ran += 1;
            if m.version == 4 {
                // The new counts of places start at zero: fill them from the register.
                crate::registry::recompute_stats(&mut conn).await?;
            }
            if m.version == 9 {
                // The monthly event counts start empty: count the events already there.
                crate::metrics::rebuild_rollup(&mut conn).await?;
            }
        }
        Ok(())
    }
    .await;
    if store.backend == Backend::Postgres {
        conn.execute("SELECT pg_advisory_unlock(7344001)").await?;
    }
    result.map(|_| ran)
}
