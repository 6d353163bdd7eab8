//! Curated program sheets (see the hsds/schedules work).
