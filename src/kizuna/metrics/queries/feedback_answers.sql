-- Survey answers ('Survey Responded' track events) of a period and of the period before it,
-- counted per survey kind, period, local month and answer, with the reason an answer cannot
-- be scored. An answer is usable when its score is a finite whole number on its kind's scale.
-- Events whose survey_kind is none of $kinds come back with reason 'unknown_kind'.
-- Parameters:
--   $kinds, $scale_low, $scale_high  parallel lists: each kind with its lowest/highest answer;
--   $lo, $hi                         the period, naive UTC [lo, hi);
--   $previous_lo, $previous_hi       the previous period, naive UTC [previous_lo, previous_hi).
-- Columns: survey_kind, current (true: the period, false: the previous one), month (first
-- local day of the month), reason ('missing' | 'not_whole' | 'out_of_scale' | 'unknown_kind'
-- | NULL when usable), answer (INTEGER, NULL unless usable), n.
WITH scales AS (
    SELECT
        unnest(CAST($kinds AS VARCHAR[])) AS survey_kind,
        unnest(CAST($scale_low AS INTEGER[])) AS lo,
        unnest(CAST($scale_high AS INTEGER[])) AS hi
),
answers AS (
    SELECT
        e.survey_kind,
        e.ts >= $lo AS current,
        CAST(date_trunc('month', e.ts_local) AS DATE) AS month,
        CASE
            WHEN s.survey_kind IS NULL THEN 'unknown_kind'
            WHEN e.score IS NULL OR NOT isfinite(e.score) THEN 'missing'
            WHEN e.score <> floor(e.score) THEN 'not_whole'
            WHEN e.score < s.lo OR e.score > s.hi THEN 'out_of_scale'
        END AS reason,
        e.score
    FROM events AS e
    LEFT JOIN scales AS s ON s.survey_kind = e.survey_kind
    WHERE e.type = 'track'
      AND e.event = 'Survey Responded'
      AND ((e.ts >= $lo AND e.ts < $hi) OR (e.ts >= $previous_lo AND e.ts < $previous_hi))
)
SELECT
    survey_kind,
    current,
    month,
    reason,
    CASE WHEN reason IS NULL THEN CAST(score AS INTEGER) END AS answer,
    count(*) AS n
FROM answers
GROUP BY survey_kind, current, month, reason, answer
ORDER BY survey_kind, current, month, answer;
