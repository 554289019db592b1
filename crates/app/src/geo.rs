//! Placing a map point into the register: which grid holds a longitude/latitude. The grids'
//! boundaries are cached in memory (a few thousand small polygons at full scale) and reloaded
//! after [`AreaCache::TTL_MS`] or when redistricting changes the tree.

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
#[derive(Debug, Default, Clone)]
pub struct AreaCache(Arc<Mutex<Option<(i64, Arc<Vec<Grid>>)>>>);

impl AreaCache {
    pub const TTL_MS: i64 = 60_000;

    /// Forget the loaded areas (the tree changed).
    pub fn invalidate(&self) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

impl App {
    async fn grid_areas(&self) -> AppResult<Arc<Vec<Grid>>> {
        let now = now_ms();
        if let Some((at, g)) = self
            .areas
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
        {
            if now - at < AreaCache::TTL_MS {
                return Ok(g.clone());
            }
        }
        let mut conn = self.store.acquire().await?;
        let rows = sr::grid_boundaries(&mut conn).await?;
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
        *self.areas.0.lock().unwrap_or_else(|e| e.into_inner()) = Some((now, g.clone()));
        Ok(g)
    }

    /// The grid (inside the caller's scope) that holds a point. `field` names the input for the
    /// error: a point outside every grid is "outside the city", one in a grid outside the
    /// caller's scope is "outside your area".
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
        let mut conn = self.store.acquire().await?;
        match sr::get_node(&mut conn, &scope, g.id).await {
            Ok(n) => Ok(n),
            // Removed since the areas were loaded: reload once.
            Err(jingzhi_store::Error::NotFound) => {
                self.areas.invalidate();
                Err(AppError::invalid(field, "网格已调整，请重试"))
            }
            Err(e) => Err(e.into()),
        }
    }
}
