-- The latest usable NPS answer of every customer before $as_of: 'Survey Responded' track
-- events whose survey_kind is 'nps' and whose score is a finite whole number on the NPS scale
-- $lo..$hi (exactly the answers feedback_answers.sql counts as usable for NPS; eNPS answers
-- are left out). Ties on the timestamp go to the later event id.
-- Parameters: $as_of (naive UTC), $lo, $hi (the scale, 0 and 10).
-- Columns: customer_id, score (INTEGER), answered_at (naive UTC), one row per customer.
SELECT customer_id, CAST(score AS INTEGER) AS score, ts AS answered_at
FROM (
    SELECT customer_id, score, ts,
           row_number() OVER (PARTITION BY customer_id ORDER BY ts DESC, event_id DESC) AS k
    FROM events
    WHERE type = 'track'
      AND event = 'Survey Responded'
      AND survey_kind = 'nps'
      AND customer_id IS NOT NULL
      AND ts < $as_of
      AND score IS NOT NULL AND isfinite(score) AND score = floor(score)
      AND score >= $lo AND score <= $hi
) AS answers
WHERE k = 1
ORDER BY customer_id;
