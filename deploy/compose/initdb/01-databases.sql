-- One PostgreSQL server for the compose stack, one database per service.
-- Runs once, when the data volume is empty (docker-entrypoint-initdb.d).
CREATE DATABASE plans;
CREATE DATABASE visits;
CREATE DATABASE citizen_feedback;
CREATE DATABASE reporting;
