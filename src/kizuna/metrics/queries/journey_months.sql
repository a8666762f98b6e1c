-- People per journey stage (0..5, see journey_stages.sql) at each cut-off instant: the stage
-- is the highest whose rule held strictly before the cut-off.
-- Reads the temporary table `journey_milestones` (journey_milestones.sql). Parameters: $cutoffs (a list of naive
-- UTC timestamps). One row per (cutoff, stage) with people > 0.
SELECT c.cutoff,
       CASE WHEN m.advocated_at < c.cutoff THEN 5
            WHEN m.retained_at < c.cutoff THEN 4
            WHEN m.purchased_at < c.cutoff THEN 3
            WHEN m.considering_at < c.cutoff THEN 2
            WHEN m.aware_at < c.cutoff THEN 1
            ELSE 0 END AS stage,
       count(*) AS people
FROM journey_milestones AS m
CROSS JOIN (SELECT unnest($cutoffs) AS cutoff) AS c
GROUP BY 1, 2
ORDER BY 1, 2;
