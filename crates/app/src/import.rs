//! import (see the module docs once written).
