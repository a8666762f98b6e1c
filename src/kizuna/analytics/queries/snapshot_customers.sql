-- Customers of one workspace (merged-away profiles left out: their rows moved to the survivor).
-- Parameters: $workspace_id. Columns of the analytic table `customers`.
CREATE OR REPLACE TABLE customers AS
SELECT
    c.id AS customer_id,
    c.external_id,
    c.email,
    NULLIF(c.country, '') AS country,
    NULLIF(c.locale, '') AS locale,
    NULLIF(c.timezone, '') AS timezone,
    CAST(c.first_seen_at AS TIMESTAMP) AS first_seen_at,
    (c.external_id IS NOT NULL OR c.email IS NOT NULL) AS is_known
FROM store.customers AS c
WHERE c.workspace_id = $workspace_id AND c.merged_into_id IS NULL;
