-- Journey map: the touchpoints people used in each stage. An event belongs to the stage the
-- person was in once it had happened (the event that moves someone into a stage counts there).
-- Touchpoint: the event name; page and screen views as 'page view' / 'screen view'.
-- Reads the temporary table `journey_milestones` (journey_milestones.sql).
-- Parameters: $as_of (naive UTC), $top (touchpoints kept per stage).
-- Rows per (stage, touchpoint) with uses and people, most used first, plus one row per stage
-- with touchpoint NULL holding the stage's totals.
WITH staged AS (
    SELECT e.who,
           CASE WHEN e.type = 'page' THEN 'page view'
                WHEN e.type = 'screen' THEN 'screen view'
                ELSE COALESCE(e.event, e.type) END AS touchpoint,
           CASE WHEN m.advocated_at <= e.ts THEN 5
                WHEN m.retained_at <= e.ts THEN 4
                WHEN m.purchased_at <= e.ts THEN 3
                WHEN m.considering_at <= e.ts THEN 2
                WHEN m.aware_at <= e.ts THEN 1
                ELSE 0 END AS stage
    FROM events AS e
    JOIN journey_milestones AS m ON m.who = e.who
    WHERE e.ts < $as_of
), per_person AS (
    SELECT who, stage, touchpoint, count(*) AS uses
    FROM staged
    WHERE stage > 0
    GROUP BY who, stage, touchpoint
), per_touchpoint AS (
    SELECT stage, touchpoint, sum(uses) AS uses, count(*) AS people,
           row_number() OVER (PARTITION BY stage ORDER BY sum(uses) DESC, touchpoint) AS rnk
    FROM per_person
    GROUP BY stage, touchpoint
), per_stage AS (
    SELECT stage, sum(uses) AS uses, count(DISTINCT who) AS people
    FROM per_person
    GROUP BY stage
)
SELECT stage, CAST(NULL AS VARCHAR) AS touchpoint, uses, people, 0 AS rnk FROM per_stage
UNION ALL
SELECT stage, touchpoint, uses, people, rnk FROM per_touchpoint WHERE rnk <= $top
ORDER BY stage, rnk;
