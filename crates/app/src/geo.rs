//! Placing a map point into the register: which grid holds a longitude/latitude. The grids'
//! boundaries are cached in memory (a few thousand small polygons at full scale) and reloaded
//! after [`AreaCache::TTL_MS`] (by one request, while the others go on with the old ones), or
//! at once when a grid they name is gone.

use crate::{Actor, App, AppError, AppResult};
use jingzhi_domain::geo::{parse_area, valid_point, Area, Point};
use jingzhi_domain::time_fmt::now_ms;
use jingzhi_store::registry::{self as sr, Node};
use std::sync::{Arc, Mutex};

#[derive(Debug)]
struct Grid {
    id: i64,
    path: String,
    area: Area,
}

/// Loaded grid areas and when they were loaded.
/// The loaded grid areas, with when they were loaded. Cheap to clone (shared).
#[derive(Debug, Default, Clone)]
pub struct AreaCache(Arc<AreaState>);

#[derive(Debug, Default)]
struct AreaState {
    loaded: Mutex<Option<(i64, Arc<Vec<Grid>>)>>,
    /// Held by the one request loading the areas (a few hundred milliseconds at full scale):
    /// the others wait for its result, or keep using the old areas while it reloads them.
    loading: tokio::sync::Mutex<()>,
}

impl AreaCache {
    pub const TTL_MS: i64 = 60_000;

    /// Forget the loaded areas (the tree changed).
    pub fn invalidate(&self) {
        *self.0.loaded.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    fn get(&self) -> Option<(i64, Arc<Vec<Grid>>)> {
        self.0
            .loaded
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// Geo: placing a map point into the register. Reached as `app.geo()`.
#[derive(Clone, Copy)]
pub struct Geo<'a> {
    app: &'a App,
}

impl App {
    /// See [`Geo`].
    pub fn geo(&self) -> Geo<'_> {
        Geo { app: self }
    }
}

impl Geo<'_> {
    async fn grid_areas(&self) -> AppResult<Arc<Vec<Grid>>> {
        let cache = &self.app.areas;
        let _loading = match cache.get() {
            Some((at, g)) if now_ms() - at < AreaCache::TTL_MS => return Ok(g),
            // Old: one request reloads them, the others go on with these meanwhile.
            Some((_, g)) => match cache.0.loading.try_lock() {
                Ok(guard) => guard,
                Err(_) => return Ok(g),
            },
            // None yet (or the tree changed): one request loads them, the others wait for it.
            None => {
                let guard = cache.0.loading.lock().await;
                if let Some((at, g)) = cache.get() {
                    if now_ms() - at < AreaCache::TTL_MS {
                        return Ok(g);
                    }
                }
                guard
            }
        };
        let now = now_ms();
        let mut conn = self.app.store.acquire().await?;
        let rows = sr::grid_boundaries(&mut conn).await?;
        drop(conn);
        let grids: Vec<Grid> = rows
            .into_iter()
            .filter_map(|(id, path, b)| {
                let area = parse_area(&b);
                if area.is_none() {
                    tracing::warn!(grid = id, "grid boundary is not a GeoJSON polygon");
                }
                Some(Grid {
                    id,
                    path,
                    area: area?,
                })
            })
            .collect();
        let g = Arc::new(grids);
        *cache.0.loaded.lock().unwrap_or_else(|e| e.into_inner()) = Some((now, g.clone()));
        Ok(g)
    }

    pub async fn locate_point(
        &self,
        actor: &Actor,
        p: Point,
        field: &'static str,
    ) -> AppResult<Node> {
        if !valid_point(p) {
            return Err(AppError::invalid(field, "坐标无效（应为经度、纬度）"));
        }
        let grids = self.grid_areas().await?;
        let g = grids
            .iter()
            .find(|g| g.area.contains(p))
            .ok_or_else(|| AppError::invalid(field, "该位置不在本市任何网格内"))?;
        let scope = actor.scope();
        if !scope.contains(&g.path) {
            return Err(AppError::invalid(field, "该位置不在您的管辖范围内"));
        }
        let mut conn = self.app.store.acquire().await?;
        match sr::get_node(&mut conn, &scope, g.id).await {
            Ok(n) => Ok(n),
            // Removed since the areas were loaded: reload once.
            Err(jingzhi_store::Error::NotFound) => {
                self.app.areas.invalidate();
                Err(AppError::invalid(field, "网格已调整，请重试"))
            }
            Err(e) => Err(e.into()),
        }
    }
}
