{#-
  KPI scorecard helpers (DESIGN "Metric definitions": pace and projection, scorecard values; Conventions
  kpi_scorecard). Every KPI name, horizon, applicability rule and the plan-target lookup lives here once.
  Models call them as fanops.kpi_*(); the ones returning a relation render a portable subquery
  (select … union all select …), so no engine-specific VALUES or series generator is needed.
-#}

{#- The scorecard KPIs in report order (DESIGN Conventions `kpi`). -#}
{% macro kpi_names() -%}
    {{ return([
        'fan_growth_net', 'fan_growth_gross', 'interaction_rate_uplift', 'content_quality_share',
        'share_of_voice', 'positive_share', 'conversion_rate_by_exposures', 'roas', 'roi',
    ]) }}
{%- endmacro %}

{#- Platforms whose exports have no views (DESIGN "views": Weibo has none in its API). Rate KPIs whose
    denominator is views are not_applicable on them. -#}
{% macro kpi_platforms_without_views() -%}
    {{ return(['weibo']) }}
{%- endmacro %}

{#- The range a KPI can take (projections are clamped to it): lower, upper bound (none = unbounded).
    Growth and uplift cannot fall below -100 %, shares stay in [0, 1], ROAS >= 0, ROI >= -1 (a campaign
    cannot lose more than it cost while refunds do not exceed GMV). -#}
{% macro kpi_bounds() -%}
    {{ return({
        'fan_growth_net': (-1, none), 'fan_growth_gross': (0, none), 'interaction_rate_uplift': (-1, none),
        'content_quality_share': (0, 1), 'share_of_voice': (0, 1), 'positive_share': (0, 1),
        'conversion_rate_by_exposures': (0, none), 'roas': (0, none), 'roi': (-1, none),
    }) }}
{%- endmacro %}

{#- One row per KPI: kpi, kpi_order (1 … 9), min_value, max_value (kpi_bounds; NULL = unbounded). -#}
{% macro kpi_catalog() -%}
    {%- set bounds = fanops.kpi_bounds() -%}
    (
        {%- for kpi in kpi_names() %}
            select
                cast('{{ kpi }}' as {{ dbt.type_string() }}) as kpi,
                {{ loop.index }} as kpi_order,
                cast({{ 'null' if bounds[kpi][0] is none else bounds[kpi][0] }} as double) as min_value,
                cast({{ 'null' if bounds[kpi][1] is none else bounds[kpi][1] }} as double) as max_value
            {% if not loop.last %}union all{% endif %}
        {%- endfor %}
    )
{%- endmacro %}

{#- The plan horizons (DESIGN: first 3 and first 6 months); '<N>m' = N calendar months. -#}
{% macro kpi_horizon_names() -%}
    {{ return(['3m', '6m']) }}
{%- endmacro %}

{#- One row per horizon: horizon ('3m', '6m'), horizon_months. A horizon ends on the day before
    plan start + horizon_months calendar months (DESIGN Arithmetic). -#}
{% macro kpi_horizons() -%}
    (
        {%- for horizon in kpi_horizon_names() %}
            select
                cast('{{ horizon }}' as {{ dbt.type_string() }}) as horizon,
                {{ horizon[:-1] | int }} as horizon_months
            {% if not loop.last %}union all{% endif %}
        {%- endfor %}
    )
{%- endmacro %}

{#- var('plan_targets') ({horizon: {kpi: fraction}}) as rows horizon, kpi, target. The config key
    `fan_growth` is the target of fan_growth_net (DESIGN "fan growth"); other keys are KPI names. A KPI
    without a target has no row (status no_target). -#}
{% macro kpi_plan_targets() -%}
    {%- set rows = [] -%}
    {%- set targets = var('plan_targets') or {} -%}
    {%- for horizon in targets | sort -%}
        {%- set per_kpi = targets[horizon] or {} -%}
        {%- for key in per_kpi | sort -%}
            {%- if per_kpi[key] is not none -%}
                {%- set kpi = 'fan_growth_net' if key == 'fan_growth' else key -%}
                {%- do rows.append((horizon, kpi, per_kpi[key])) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    (
        {%- for horizon, kpi, target in rows %}
            select
                cast('{{ horizon }}' as {{ dbt.type_string() }}) as horizon,
                cast('{{ kpi }}' as {{ dbt.type_string() }}) as kpi,
                cast({{ target }} as double) as target
            {% if not loop.last %}union all{% endif %}
        {%- else %}
            select
                cast(null as {{ dbt.type_string() }}) as horizon,
                cast(null as {{ dbt.type_string() }}) as kpi,
                cast(null as double) as target
            where 1 = 0
        {%- endfor %}
    )
{%- endmacro %}

{#- True for the scope levels listed in var('plan_scopes') (overall, platform, account). -#}
{% macro kpi_scope_enabled(scope_level) -%}
    {%- set levels = var('plan_scopes') or [] -%}
    {%- if levels | length == 0 -%}
        1 = 0
    {%- else -%}
        {{ scope_level }} in ({% for level in levels %}'{{ level }}'{% if not loop.last %}, {% endif %}{% endfor %})
    {%- endif -%}
{%- endmacro %}

{#- Why a KPI cannot exist at a scope (NULL when it can): rate KPIs over views on platforms without views,
    and brand-awareness KPIs below the platform level (listening mentions and the sentiment series are per
    brand and platform, not per account). -#}
{% macro kpi_not_applicable_reason(kpi, scope_level, platform) -%}
    case
        when {{ kpi }} in ('interaction_rate_uplift', 'content_quality_share', 'conversion_rate_by_exposures')
            and {{ platform }} in (
                {%- for p in fanops.kpi_platforms_without_views() %}'{{ p }}'{% if not loop.last %}, {% endif %}{% endfor -%}
            )
            then 'platform has no views: the rate cannot be computed'
        when {{ kpi }} in ('share_of_voice', 'positive_share') and {{ scope_level }} = 'account'
            then 'brand awareness is measured per brand and platform, not per account'
    end
{%- endmacro %}

{#- One row per calendar day (column date_day) from first_day to last_day inclusive (none when
    last_day < first_day); 0 … 9 999 days without an engine-specific series generator. -#}
{% macro kpi_day_spine(first_day, last_day) -%}
    (
        select
            cast({{ dbt.dateadd('day', 'day_numbers.n', first_day) }} as date) as date_day
        from (
            select d1.d + 10 * d2.d + 100 * d3.d + 1000 * d4.d as n
            from (values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) as d1 (d)
            cross join (values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) as d2 (d)
            cross join (values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) as d3 (d)
            cross join (values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) as d4 (d)
        ) as day_numbers
        where day_numbers.n <= {{ dbt.datediff(first_day, last_day, 'day') }}
    )
{%- endmacro %}

{#- The columns every int_kpi_*_daily model hands to kpi_daily (one shape, unioned there): key, scope, KPI,
    day, value with its numerator / denominator / baseline, window start, data freshness, sample size, note. -#}
{% macro kpi_daily_columns(window_start, note='note', sample_size='sample_size') -%}
    scope || '|' || kpi || '|' || cast(date_day as {{ dbt.type_string() }}) as kpi_daily_key,
    scope,
    scope_level,
    scope_platform as platform,
    scope_account as account,
    kpi,
    date_day,
    value,
    numerator,
    denominator,
    baseline,
    cast({{ window_start }} as date) as window_start,
    data_through_date,
    cast({{ sample_size }} as {{ dbt.type_bigint() }}) as sample_size,
    {{ note }} as note
{%- endmacro %}
