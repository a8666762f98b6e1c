-- People who reached each funnel step (from `funnel_reached`), all together.
-- No parameters.
SELECT step, count(DISTINCT who) AS people
FROM funnel_reached
GROUP BY step
ORDER BY step;
