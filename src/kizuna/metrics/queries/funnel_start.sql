-- Seeds the temporary table `funnel_reached(who, ts, step)` with every step-1 occurrence
-- (from `funnel_events`, see funnel_events_load). No parameters.
CREATE OR REPLACE TEMP TABLE funnel_reached AS
SELECT who, ts, step FROM funnel_events WHERE step = 1;
