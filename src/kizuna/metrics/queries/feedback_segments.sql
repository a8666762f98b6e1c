-- Usable survey answers of a period per survey kind, customer segment and answer: the
-- breakdown of satisfaction by a caller-given customer -> segment mapping. Respondents not
-- in the mapping (and anonymous ones) come back with segment NULL.
-- An answer is usable when its score is a finite whole number on its kind's scale.
-- Parameters:
--   $kinds, $scale_low, $scale_high  parallel lists: each kind with its lowest/highest answer;
--   $customer_ids, $segments         parallel lists: the mapping customer_id -> segment;
--   $lo, $hi                         the period, naive UTC [lo, hi).
-- Columns: survey_kind, segment, answer (INTEGER), n.
WITH scales AS (
    SELECT
        unnest(CAST($kinds AS VARCHAR[])) AS survey_kind,
        unnest(CAST($scale_low AS INTEGER[])) AS lo,
        unnest(CAST($scale_high AS INTEGER[])) AS hi
),
members AS (
    SELECT
        unnest(CAST($customer_ids AS BIGINT[])) AS customer_id,
        unnest(CAST($segments AS VARCHAR[])) AS segment
)
SELECT
    e.survey_kind,
    m.segment,
    CAST(e.score AS INTEGER) AS answer,
    count(*) AS n
FROM events AS e
JOIN scales AS s ON s.survey_kind = e.survey_kind
LEFT JOIN members AS m ON m.customer_id = e.customer_id
WHERE e.type = 'track'
  AND e.event = 'Survey Responded'
  AND e.ts >= $lo AND e.ts < $hi
  AND isfinite(e.score)
  AND e.score = floor(e.score)
  AND e.score BETWEEN s.lo AND s.hi
GROUP BY e.survey_kind, m.segment, answer
ORDER BY e.survey_kind, m.segment, answer;
