-- Drops the funnel's temporary tables. No parameters.
DROP TABLE IF EXISTS funnel_events;
DROP TABLE IF EXISTS funnel_reached;
