-- mluvii's `GET /api/v1/Users/{id}` (UserModel: firstName, lastName, username) and
-- `GET /api/v1/Users/{userId}/operatorStates` find an operator by their integer mluvii userId and show the
-- name parts separately; `analytics_operators` kept only the joined display name, keyed by the string id.
ALTER TABLE analytics_operators
  ADD COLUMN first_name text,
  ADD COLUMN last_name text,
  ADD COLUMN user_name text;
CREATE INDEX analytics_operators_user ON analytics_operators (tenant_id, user_id);

-- Each part from the newest place that carries it: operator.state events (by `at`) and the operators and
-- routing items of sessions (by the session's creation). A one-time read of both, as migration 028 did.
WITH refs AS (
  SELECT e.tenant_id, e.operator_id, e.at, e.body -> 'operator' AS o FROM operator_events e
  UNION ALL
  SELECT s.tenant_id, o ->> 'id', s.created, o
    FROM sessions s, jsonb_array_elements(COALESCE(s.doc -> 'operators', '[]'::jsonb)) AS o
   WHERE cardinality(s.operator_ids) > 0
  UNION ALL
  SELECT s.tenant_id, r -> 'operator' ->> 'id', s.created, r -> 'operator'
    FROM sessions s, jsonb_array_elements(COALESCE(s.doc -> 'routing', '[]'::jsonb)) AS r
   WHERE jsonb_typeof(r -> 'operator') = 'object'
),
named AS (
  SELECT tenant_id, operator_id,
         (array_agg(o ->> 'firstName' ORDER BY at DESC) FILTER (WHERE o ->> 'firstName' <> ''))[1] AS first_name,
         (array_agg(o ->> 'lastName' ORDER BY at DESC) FILTER (WHERE o ->> 'lastName' <> ''))[1] AS last_name,
         (array_agg(o ->> 'userName' ORDER BY at DESC) FILTER (WHERE o ->> 'userName' <> ''))[1] AS user_name
    FROM refs
   WHERE operator_id IS NOT NULL
   GROUP BY tenant_id, operator_id
)
UPDATE analytics_operators a
   SET first_name = n.first_name, last_name = n.last_name, user_name = n.user_name
  FROM named n
 WHERE a.tenant_id = n.tenant_id AND a.operator_id = n.operator_id
   AND (n.first_name IS NOT NULL OR n.last_name IS NOT NULL OR n.user_name IS NOT NULL);
