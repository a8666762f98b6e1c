-- Products of one workspace. Parameters: $workspace_id.
CREATE OR REPLACE TABLE products AS
SELECT p.id AS product_id, p.external_id, p.name,
       COALESCE(NULLIF(p.category, ''), 'uncategorised') AS category
FROM store.products AS p
WHERE p.workspace_id = $workspace_id;
