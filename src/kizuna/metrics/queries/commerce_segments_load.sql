-- Loads a caller-given segment per customer into the temporary table `segment_of`
-- (replacing any earlier one), for the segment breakdowns and funnels.
-- Parameters: $customer_ids (list of BIGINT), $segments (list of VARCHAR, same length).
CREATE OR REPLACE TEMP TABLE segment_of AS
SELECT CAST(customer_id AS BIGINT) AS customer_id, CAST(segment AS VARCHAR) AS segment
FROM (SELECT unnest($customer_ids) AS customer_id, unnest($segments) AS segment) AS t;
