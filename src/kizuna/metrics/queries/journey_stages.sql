-- Current journey stage of every person at $as_of (0 = none, 1 awareness, 2 consideration,
-- 3 purchase, 4 retention, 5 advocacy): the highest stage whose rule held by then.
-- Reads the temporary table `journey_milestones` (journey_milestones.sql). Parameters: $as_of (naive UTC).
-- One row per stage: people currently at it, and the known customers among them.
SELECT stage, count(*) AS people, count(customer_id) AS customers
FROM (
    SELECT customer_id,
           CASE WHEN advocated_at < $as_of THEN 5
                WHEN retained_at < $as_of THEN 4
                WHEN purchased_at < $as_of THEN 3
                WHEN considering_at < $as_of THEN 2
                WHEN aware_at < $as_of THEN 1
                ELSE 0 END AS stage
    FROM journey_milestones
) AS staged
GROUP BY stage
ORDER BY stage;
