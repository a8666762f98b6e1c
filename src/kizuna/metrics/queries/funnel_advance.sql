-- One funnel step: adds to `funnel_reached` every occurrence of step $step that follows
-- (at the same time or later, within $window_seconds) an occurrence of step $step - 1 that
-- was itself reached. For each candidate the latest reached previous-step occurrence at or
-- before it is found with a running max over the person's timeline.
-- Parameters: $step (2..number of steps), $window_seconds.
INSERT INTO funnel_reached
SELECT who, ts, $step AS step
FROM (
    SELECT who, ts, is_next,
           max(CASE WHEN is_next = 0 THEN ts END) OVER (
               PARTITION BY who ORDER BY ts, is_next
               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
           ) AS last_prev
    FROM (
        SELECT who, ts, 0 AS is_next FROM funnel_reached WHERE step = $step - 1
        UNION ALL
        SELECT who, ts, 1 AS is_next FROM funnel_events WHERE step = $step
    ) AS u
) AS x
WHERE is_next = 1 AND last_prev IS NOT NULL
  AND extract(epoch FROM ts) - extract(epoch FROM last_prev) <= $window_seconds;
