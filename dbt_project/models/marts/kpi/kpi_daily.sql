{#-
  docs — kpi_daily: one row per scope × KPI × Asia/Shanghai day from plan start to as-of (none before the
  plan starts). `value` is the KPI computed as if as-of were that day (DESIGN "pace and projection" fits its
  least-squares slope; BI draws it as the trend). Built from the KPI intermediates, one per family:
    int_kpi_followers_daily   fan_growth_net, fan_growth_gross
    int_kpi_content_daily     interaction_rate_uplift, content_quality_share
    int_kpi_awareness_daily   share_of_voice, positive_share
    int_kpi_campaigns_daily   conversion_rate_by_exposures, roas, roi
  Choices where DESIGN is silent (details in each intermediate):
  - Windows start at plan start (cumulative); the uplift's current rate uses the trailing baseline_days
    days (28) clipped to plan start. Posts count once they reach metric_age_days (their at-age metrics
    exist from then on), so a day never uses metrics a manager could not have had on it.
  - A (scope, KPI) pair that cannot exist has no rows (Weibo rate KPIs, account-level brand awareness);
    the scorecard lists it as not_applicable. Pairs that exist but lack data have rows with value NULL
    and a note saying why (e.g. positive_share while no own-brand text is labelled).
  - baseline repeats the scorecard baseline on every row (fan growth: followers at plan start; other KPIs:
    the KPI over the baseline_days days before plan start) so a chart can draw it as a reference line.
-#}
{%- set columns = [
    'kpi_daily_key', 'scope', 'scope_level', 'platform', 'account', 'kpi', 'date_day', 'value', 'numerator',
    'denominator', 'baseline', 'window_start', 'data_through_date', 'sample_size', 'note',
] -%}
with unioned as (
    {%- for model in ['int_kpi_followers_daily', 'int_kpi_content_daily', 'int_kpi_awareness_daily',
                      'int_kpi_campaigns_daily'] %}
        select
            {{ columns | join(',\n            ') }}
        from {{ ref(model) }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select
    cast(kpi_daily_key as {{ dbt.type_string() }}) as kpi_daily_key,
    cast(scope as {{ dbt.type_string() }}) as scope,
    cast(scope_level as {{ dbt.type_string() }}) as scope_level,
    cast(platform as {{ dbt.type_string() }}) as platform,
    cast(account as {{ dbt.type_string() }}) as account,
    cast(kpi as {{ dbt.type_string() }}) as kpi,
    cast(date_day as date) as date_day,
    cast(value as double) as value,
    cast(numerator as double) as numerator,
    cast(denominator as double) as denominator,
    cast(baseline as double) as baseline,
    cast(window_start as date) as window_start,
    cast(data_through_date as date) as data_through_date,
    cast(sample_size as {{ dbt.type_bigint() }}) as sample_size,
    cast(note as {{ dbt.type_string() }}) as note
from unioned
