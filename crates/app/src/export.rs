//! export (see the module docs once written).
