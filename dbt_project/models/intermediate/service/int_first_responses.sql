{{ config(materialized='view') }}
-- The first brand response of every inbound row that has one (rules in macros/service.sql).
select responses.*
from (
    {{ fanops.service_first_responses(ref('int_inbound'), ref('int_service_events')) }}
) as responses
