-- What an API token may do: "full" acts as its owner; "calls" may only announce incoming calls
-- (the token a telephone exchange holds should not read cards).
ALTER TABLE api_tokens ADD COLUMN scope text NOT NULL DEFAULT 'full' CHECK (scope IN ('full', 'calls'));
