{#-
  Shared helpers. Models stay portable (DESIGN "Fixed choices"): no `::`, QUALIFY, GROUP BY ALL or EXCLUDE;
  every divisor goes through safe_divide; dates and times through these macros.
-#}

{#- Division with an explicit cast and nullif on the divisor: NULL when the divisor is 0 or NULL. -#}
{% macro safe_divide(numerator, denominator) -%}
    (cast({{ numerator }} as double) / nullif(cast({{ denominator }} as double), 0))
{%- endmacro %}

{#- UTC timestamp -> Asia/Shanghai wall-clock timestamp / calendar date (fixed offset: China has no DST). -#}
{% macro to_local_ts(ts) -%}
    {{ dbt.dateadd('hour', var('timezone_offset_hours'), ts) }}
{%- endmacro %}

{% macro to_local_date(ts) -%}
    cast({{ fanops.to_local_ts(ts) }} as date)
{%- endmacro %}

{#- Asia/Shanghai wall-clock timestamp -> UTC. -#}
{% macro local_to_utc(ts) -%}
    {{ dbt.dateadd('hour', -1 * var('timezone_offset_hours'), ts) }}
{%- endmacro %}

{#- Start of an Asia/Shanghai calendar day, in UTC. -#}
{% macro local_day_start_utc(day) -%}
    {{ fanops.local_to_utc('cast(' ~ day ~ ' as timestamp)') }}
{%- endmacro %}

{#- Continuous percentile (DESIGN: median/p90 response minutes, quality tiers) as an aggregate. -#}
{% macro percentile_cont(expr, fraction) -%}
    {{ return(adapter.dispatch('percentile_cont', 'fanops')(expr, fraction)) }}
{%- endmacro %}

{% macro default__percentile_cont(expr, fraction) -%}
    percentile_cont({{ fraction }}) within group (order by {{ expr }})
{%- endmacro %}

{#- Minutes between two timestamps, fractional (seconds / 60). -#}
{% macro minutes_between(start_ts, end_ts) -%}
    (cast({{ dbt.datediff(start_ts, end_ts, 'second') }} as double) / 60.0)
{%- endmacro %}

{#- Plan settings as SQL literals. -#}
{% macro plan_start_date() -%}
    cast('{{ var("plan_start_date") }}' as date)
{%- endmacro %}

{#- The as-of date: the --vars value from orchestration, else the latest date for which every own
    active account with a follower series has data (int_as_of). -#}
{% macro as_of_date() -%}
    {%- if var('as_of') -%}
        cast('{{ var("as_of") }}' as date)
    {%- else -%}
        (select as_of_date from {{ ref('int_as_of') }})
    {%- endif -%}
{%- endmacro %}

{#- End of the as-of day (24:00 Asia/Shanghai) in UTC. -#}
{% macro as_of_end_utc() -%}
    {{ fanops.local_to_utc(dbt.dateadd('day', 1, 'cast(' ~ fanops.as_of_date() ~ ' as timestamp)')) }}
{%- endmacro %}

{#- True when a Dagster backfill window is set (vars window_start / window_end). -#}
{% macro has_window() -%}
    {{ return(var('window_start') is not none and var('window_end') is not none) }}
{%- endmacro %}

{% macro in_window(date_expr) -%}
    {{ date_expr }} between cast('{{ var("window_start") }}' as date) and cast('{{ var("window_end") }}' as date)
{%- endmacro %}

{#- The contract's delivery order (§1 rules 5–6), newest first: the row's export time, then the file's
    delivered_at, then its landing path, then the row number. Needs _delivered_at / _file_path from
    file_deliveries(). The one definition behind every "latest snapshot" and "newer delivery wins". -#}
{% macro delivery_order_desc(relation_alias=none) -%}
    {%- set p = relation_alias ~ '.' if relation_alias else '' -%}
    {{ p }}_export_at desc, {{ p }}_delivered_at desc, {{ p }}_file_path desc, {{ p }}_row_number desc
{%- endmacro %}

{#- One row per delivered file that loaded rows (duplicates excluded): sha256, delivered_at, path. -#}
{% macro file_deliveries() -%}
    select
        sha256,
        delivered_at,
        path
    from (
        select
            sha256,
            delivered_at,
            path,
            row_number() over (partition by sha256 order by delivered_at, path) as rn
        from {{ source('ops', 'file_manifest') }}
        where status in ('loaded', 'superseded')
    ) as deliveries
    where rn = 1
{%- endmacro %}
