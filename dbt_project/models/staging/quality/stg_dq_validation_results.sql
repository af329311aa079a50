-- Data-quality results history (dq.validation_results), one row per expectation per run. The suite kind is
-- the first part of the suite name (raw, marts, volume, freshness, ops).
with source as (
    select * from {{ source('dq', 'validation_results') }}
),

renamed as (
    select
        -- ids
        run_id || '|' || check_name as validation_key,
        run_id,
        check_name,
        suite,
        {{ dbt.split_part('suite', "'.'", 1) }} as suite_kind,
        asset_key,
        table_name,
        dataset,
        -- check
        expectation_type,
        column_name,
        severity,
        success,
        observed_value,
        element_count,
        failing_count,
        failing_percent,
        sample,
        engine,
        duration_s,
        label_zh,
        exception,
        -- timestamps
        validated_at,
        {{ fanops.to_local_date('validated_at') }} as validated_date
    from source
)

select * from renamed
