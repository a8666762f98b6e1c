-- Sessions: a run of page or screen views by one person with no gap over 30 minutes, or a
-- change of the session id the SDK sent (analytics.js sends none; then the gap decides).
-- Adds `session_id` ("<who>#<n>", n counting that person's sessions) to every page/screen
-- view and builds `sessions` (one row per session). No parameters.
CREATE OR REPLACE TABLE page_views AS
WITH ordered AS (
    SELECT event_id, who, customer_id, ts, ts_local, session_hint,
           lag(ts) OVER w AS prev_ts, lag(session_hint) OVER w AS prev_hint
    FROM events
    WHERE type IN ('page', 'screen')
    WINDOW w AS (PARTITION BY who ORDER BY ts, event_id)
), marked AS (
    SELECT *,
           CASE WHEN prev_ts IS NULL OR ts - prev_ts > INTERVAL 30 MINUTE
                     OR session_hint IS DISTINCT FROM prev_hint THEN 1 ELSE 0 END AS starts
    FROM ordered
)
SELECT event_id, who, customer_id, ts, ts_local,
       who || '#' || sum(starts) OVER (PARTITION BY who ORDER BY ts, event_id
                                       ROWS UNBOUNDED PRECEDING) AS session_id
FROM marked;

CREATE OR REPLACE TABLE sessions AS
SELECT session_id, any_value(who) AS who, any_value(customer_id) AS customer_id,
       min(ts) AS started_at, min(ts_local) AS started_local, max(ts) AS ended_at,
       count(*) AS pages
FROM page_views
GROUP BY session_id;
