-- Events of one workspace, with the properties the metrics read pulled out of the JSON once.
-- `who` identifies the person (the customer, or the anonymous id before any profile);
-- `category` is the product category of product events (properties.category).
-- Parameters: $workspace_id, $tz.
CREATE OR REPLACE TABLE events AS
SELECT
    e.id AS event_id,
    e.customer_id,
    COALESCE(CAST(e.customer_id AS VARCHAR), 'anon:' || e.anonymous_id, 'user:' || e.user_id) AS who,
    e.type,
    CASE WHEN e.type IN ('page', 'screen') THEN e.type ELSE e.event END AS event,
    CAST(e.timestamp AS TIMESTAMP) AS ts,
    timezone($tz, CAST(e.timestamp AS TIMESTAMPTZ)) AS ts_local,
    COALESCE(json_extract_string(e.properties, '$.session_id'),
             json_extract_string(e.context, '$.session_id'),
             json_extract_string(e.context, '$.sessionId')) AS session_hint,
    json_extract_string(e.properties, '$.category') AS category,
    json_extract_string(e.properties, '$.product_id') AS product_ref,
    json_extract_string(e.properties, '$.order_id') AS order_ref,
    json_extract_string(e.properties, '$.campaign_id') AS campaign_id,
    TRY_CAST(json_extract_string(e.properties, '$.reach') AS DOUBLE) AS reach,
    TRY_CAST(json_extract_string(e.properties, '$.score') AS DOUBLE) AS score,
    lower(COALESCE(json_extract_string(e.properties, '$.survey_type'),
                   json_extract_string(e.properties, '$.kind'))) AS survey_kind,
    json_extract_string(e.context, '$.campaign.medium') AS medium
FROM store.events AS e
WHERE e.workspace_id = $workspace_id;
