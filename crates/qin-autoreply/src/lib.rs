//! Qin's auto-reply / away service (being written).
