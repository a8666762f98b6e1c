-- People who reached each funnel step per caller-given segment (temporary table
-- `segment_of`); people it does not list, anonymous visitors included -> 'unassigned'.
-- No parameters.
SELECT COALESCE(s.segment, 'unassigned') AS segment, r.step, count(DISTINCT r.who) AS people
FROM funnel_reached AS r
LEFT JOIN segment_of AS s ON CAST(s.customer_id AS VARCHAR) = r.who
GROUP BY 1, 2
ORDER BY 1, 2;
