-- The factor registry as published to verifiers: every factor with its value,
-- validity, source document, publisher, licence, verification status and the
-- factor-set version. fct_emissions.factor_id points here.
select * from {{ ref('int_factor_registry') }}
