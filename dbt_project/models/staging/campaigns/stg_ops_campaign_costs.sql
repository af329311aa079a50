{#-
  Campaign cost ledger (ops/campaign_costs, mode `registry`, key cost_id). A void line (作废) cancels a cost;
  a negative amount is a credit note (红冲) and stays negative. `is_valid` = counts towards cost and fees.
-#}
select
    cost_id,
    campaign_id,
    cost_date,
    cost_type,
    cost_type_raw,
    amount,
    platform,
    nullif(trim(kol_id), '') as kol_id,
    nullif(trim(collab_id), '') as collab_id,
    status,
    status_raw,
    status = 'valid' as is_valid,
    amount < 0 as is_credit_note,
    note_masked,
    _file_sha256,
    _row_number,
    _loaded_at,
    _export_at
from {{ source('raw', 'ops_campaign_costs') }}
