-- GET /v1/requests/{id}/status finds a finished call by the id its reply carried.
CREATE INDEX rm_usage_event_request_idx ON rm_usage_event (request_id);
