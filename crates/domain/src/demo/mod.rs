//! The deterministic synthetic demo city (filled in by the demo capability).
