-- Satisfaction per journey stage: 'Survey Responded' answers by the stage the person was in
-- just before answering (so a promoter answer does not move its own respondent to advocacy;
-- an answer before any other activity counts in awareness). Whole-number scores on the scale
-- (nps 0–10, csat 1–5, ces 1–7) are counted per value; others are counted as invalid.
-- Reads the temporary table `journey_milestones` (journey_milestones.sql). Parameters: $as_of (naive UTC).
-- One row per (stage, kind, score) with answers; score NULL for the invalid ones.
WITH answers AS (
    SELECT e.survey_kind AS kind, e.score,
           CASE WHEN m.advocated_at < e.ts THEN 5
                WHEN m.retained_at < e.ts THEN 4
                WHEN m.purchased_at < e.ts THEN 3
                WHEN m.considering_at < e.ts THEN 2
                ELSE 1 END AS stage
    FROM events AS e
    JOIN journey_milestones AS m ON m.who = e.who
    WHERE e.event = 'Survey Responded' AND e.ts < $as_of
      AND e.survey_kind IN ('nps', 'csat', 'ces')
)
SELECT stage, kind,
       CASE WHEN score = floor(score)
                 AND ((kind = 'nps' AND score BETWEEN 0 AND 10)
                      OR (kind = 'csat' AND score BETWEEN 1 AND 5)
                      OR (kind = 'ces' AND score BETWEEN 1 AND 7))
            THEN CAST(score AS INTEGER) END AS score,
       count(*) AS answers
FROM answers
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3;
