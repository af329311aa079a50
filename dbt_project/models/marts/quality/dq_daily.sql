-- Data-quality summary per suite and Asia/Shanghai day, for BI: how many expectations the day's latest run
-- evaluated, passed and failed by severity, with failing rows. A VIEW over dq.validation_results, so it also
-- shows the results the mart checks write after this dbt build (dbt runs before them in a run).
{{ config(materialized='view') }}

with results as (
    select * from {{ ref('stg_dq_validation_results') }}
),

runs as (
    -- one row per suite, day and run, with the run's last validation time
    select
        suite,
        validated_date,
        run_id,
        max(validated_at) as run_validated_at
    from results
    group by suite, validated_date, run_id
),

ranked_runs as (
    select
        suite,
        validated_date,
        run_id,
        run_validated_at,
        row_number() over (
            partition by suite, validated_date order by run_validated_at desc, run_id desc
        ) as run_rank,
        count(*) over (partition by suite, validated_date) as runs
    from runs
),

latest as (
    select
        r.suite,
        r.validated_date,
        r.run_id,
        r.run_validated_at,
        r.runs
    from ranked_runs as r
    where r.run_rank = 1
),

latest_results as (
    select
        l.suite,
        l.validated_date,
        l.run_id,
        l.run_validated_at,
        l.runs,
        v.suite_kind,
        v.asset_key,
        v.table_name,
        v.dataset,
        v.severity,
        v.success,
        v.failing_count
    from latest as l
    inner join results as v
        on l.suite = v.suite and l.validated_date = v.validated_date and l.run_id = v.run_id
),

summary as (
    select
        suite,
        validated_date,
        max(suite_kind) as suite_kind,
        max(asset_key) as asset_key,
        max(table_name) as table_name,
        max(dataset) as dataset,
        max(run_id) as latest_run_id,
        max(run_validated_at) as latest_validated_at,
        max(runs) as runs,
        count(*) as checks_evaluated,
        sum(case when success then 1 else 0 end) as checks_passed,
        sum(case when not success and severity = 'error' then 1 else 0 end) as checks_failed_error,
        sum(case when not success and severity = 'warn' then 1 else 0 end) as checks_failed_warn,
        sum(case when not success then coalesce(failing_count, 0) else 0 end) as failing_rows
    from latest_results
    group by suite, validated_date
),

final as (
    select
        -- ids
        suite || '|' || cast(validated_date as {{ dbt.type_string() }}) as dq_daily_key,
        validated_date as dq_date,
        suite,
        suite_kind,
        asset_key,
        table_name,
        dataset,
        -- metrics
        cast(runs as {{ dbt.type_bigint() }}) as runs,
        cast(checks_evaluated as {{ dbt.type_bigint() }}) as checks_evaluated,
        cast(checks_passed as {{ dbt.type_bigint() }}) as checks_passed,
        cast(checks_failed_error as {{ dbt.type_bigint() }}) as checks_failed_error,
        cast(checks_failed_warn as {{ dbt.type_bigint() }}) as checks_failed_warn,
        cast(failing_rows as {{ dbt.type_bigint() }}) as failing_rows,
        {{ fanops.safe_divide('checks_passed', 'checks_evaluated') }} as pass_rate,
        case
            when checks_failed_error > 0 then 'error'
            when checks_failed_warn > 0 then 'warn'
            else 'pass'
        end as status,
        -- run
        latest_run_id,
        latest_validated_at
    from summary
)

select * from final
