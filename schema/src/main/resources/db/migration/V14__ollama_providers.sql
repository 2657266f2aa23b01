-- Ollama: OpenAI's wire format at /v1, and its own API to load and unload models (seed 002's lifecycle).
ALTER TABLE providers DROP CONSTRAINT providers_type_check;
ALTER TABLE providers ADD CONSTRAINT providers_type_check CHECK (type IN ('openai', 'anthropic', 'ollama'));
