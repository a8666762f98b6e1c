-- Current journey stage (0..5, see journey_stages.sql) of every known customer at $as_of.
-- Reads the temporary table `journey_milestones` (journey_milestones.sql). Parameters: $as_of (naive UTC).
SELECT customer_id,
       CASE WHEN advocated_at < $as_of THEN 5
            WHEN retained_at < $as_of THEN 4
            WHEN purchased_at < $as_of THEN 3
            WHEN considering_at < $as_of THEN 2
            WHEN aware_at < $as_of THEN 1
            ELSE 0 END AS stage
FROM journey_milestones
WHERE customer_id IS NOT NULL
ORDER BY customer_id;
