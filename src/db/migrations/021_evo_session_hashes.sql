-- Evo cookie sessions are stored by the SHA-256 of their id (issue 15, item 7): a copy of the database no
-- longer holds live cookies. Existing sessions keep working: their ids are hashed in place, and a cookie
-- is looked up by the hash of what the client sends.
UPDATE evo_auth_sessions SET id = encode(sha256(convert_to(id, 'UTF8')), 'hex');
