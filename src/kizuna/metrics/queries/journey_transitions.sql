-- Movement between journey stages: people by (stage before $t_from, stage before $t_to),
-- stages 0..5 as in journey_stages.sql. Stages never go down (every rule is "ever happened").
-- Reads the temporary table `journey_milestones` (journey_milestones.sql). Parameters: $t_from, $t_to (naive UTC).
SELECT from_stage, to_stage, count(*) AS people
FROM (
    SELECT CASE WHEN advocated_at < $t_from THEN 5
                WHEN retained_at < $t_from THEN 4
                WHEN purchased_at < $t_from THEN 3
                WHEN considering_at < $t_from THEN 2
                WHEN aware_at < $t_from THEN 1
                ELSE 0 END AS from_stage,
           CASE WHEN advocated_at < $t_to THEN 5
                WHEN retained_at < $t_to THEN 4
                WHEN purchased_at < $t_to THEN 3
                WHEN considering_at < $t_to THEN 2
                WHEN aware_at < $t_to THEN 1
                ELSE 0 END AS to_stage
    FROM journey_milestones
) AS moved
GROUP BY from_stage, to_stage
ORDER BY from_stage, to_stage;
