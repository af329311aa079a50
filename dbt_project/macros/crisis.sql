{#-
  Crisis-area helpers (models/*/crisis; DESIGN "crisis levels"). THE one place of the formulas:
    baseline       = greatest(median of `negative` at the same hour of day over the previous
                     crisis_baseline_days days, median at the same hour of week over the previous
                     crisis_baseline_weeks weeks); NULL without any history;
    anomaly_score  = (negative - baseline) / sqrt(baseline + 1) (a Poisson-like z; NULL without baseline);
    severe text    = its heaviest crisis term weighs at least crisis_severe_weight;
    level rules    = var('crisis_levels'): per level a list of rules (OR), each a mapping signal -> minimum
                     (AND); level = the most severe level (1 most severe … 4) with a rule that holds.
  Names start with `crisis_` so they never collide with another area's macros. Models stay portable: no
  engine-specific series generator (digit cross joins), no list functions.
-#}

{#- The signals a level rule can name (columns of int_crisis_hourly), in the order rules are written, and
    how their figures are written in the trigger text: a whole number (none), or rounded to the decimals. -#}
{% macro crisis_signals() -%}
    {{ return([
        ('negative', none), ('anomaly_score', 1), ('share_jump', 2), ('platforms', none),
        ('severe_texts', none), ('reach', none), ('velocity', 1),
    ]) }}
{%- endmacro %}

{#- The signals of a rule in the canonical order (crisis_signals). -#}
{% macro crisis_rule_signals(rule) -%}
    {%- set out = [] -%}
    {%- for signal, decimals in fanops.crisis_signals() -%}
        {%- if signal in rule -%}{%- do out.append(signal) -%}{%- endif -%}
    {%- endfor -%}
    {{ return(out) }}
{%- endmacro %}

{#- Baseline from the two medians: the higher one; one alone when the other is NULL; NULL when both are. -#}
{% macro crisis_baseline(day_median, week_median) -%}
    case
        when {{ day_median }} is null then {{ week_median }}
        when {{ week_median }} is null then {{ day_median }}
        when {{ week_median }} > {{ day_median }} then {{ week_median }}
        else {{ day_median }}
    end
{%- endmacro %}

{#- (negative - baseline) / sqrt(baseline + 1); NULL when the baseline is NULL. -#}
{% macro crisis_anomaly_score(negative, baseline) -%}
    (cast({{ negative }} as double) - {{ baseline }}) / sqrt(cast({{ baseline }} as double) + 1)
{%- endmacro %}

{#- A text is severe when its heaviest crisis term weighs at least crisis_severe_weight. -#}
{% macro crisis_is_severe(max_weight) -%}
    ({{ max_weight }} >= {{ var('crisis_severe_weight') }})
{%- endmacro %}

{#- The history rows a baseline reads, as (kind, offset_hours): kind 'day' = the same hour on each of the
    previous crisis_baseline_days days, 'week' = the same hour of week on each of the previous
    crisis_baseline_weeks weeks. -#}
{% macro crisis_baseline_offsets() -%}
    {%- set rows = [] -%}
    {%- for k in range(1, (var('crisis_baseline_days') | int) + 1) -%}
        {%- do rows.append(('day', 24 * k)) -%}
    {%- endfor -%}
    {%- for k in range(1, (var('crisis_baseline_weeks') | int) + 1) -%}
        {%- do rows.append(('week', 168 * k)) -%}
    {%- endfor -%}
    (
        {%- for kind, hours in rows %}
            select
                cast('{{ kind }}' as {{ dbt.type_string() }}) as baseline_kind,
                {{ hours }} as offset_hours
            {% if not loop.last %}union all{% endif %}
        {%- endfor %}
    )
{%- endmacro %}

{#- One row per hour (column hour_at) from first_hour to last_hour inclusive (both UTC hour starts); none
    when last_hour < first_hour. Up to 100 000 hours (11 years) without an engine-specific generator. -#}
{% macro crisis_hour_spine(first_hour, last_hour) -%}
    (
        select
            {{ dbt.dateadd('hour', 'hour_numbers.n', first_hour) }} as hour_at
        from (
            select d1.d + 10 * d2.d + 100 * d3.d + 1000 * d4.d + 10000 * d5.d as n
            from (values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) as d1 (d)
            cross join (values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) as d2 (d)
            cross join (values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) as d3 (d)
            cross join (values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) as d4 (d)
            cross join (values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) as d5 (d)
        ) as hour_numbers
        where hour_numbers.n <= {{ dbt.datediff(first_hour, last_hour, 'hour') }}
    )
{%- endmacro %}

{#- var('crisis_levels') as a list sorted most severe first: [{level, name, rules, playbook}]. Accepts the
    list form orchestration passes and a {level: {...}} mapping; checks every signal name. -#}
{% macro crisis_levels() -%}
    {%- set raw = var('crisis_levels') or [] -%}
    {%- set items = [] -%}
    {%- if raw is mapping -%}
        {%- for key in raw -%}
            {%- set body = raw[key] or {} -%}
            {%- do items.append({'level': key | int, 'name': body.get('name'), 'rules': body.get('rules') or [],
                                 'playbook': body.get('playbook') or []}) -%}
        {%- endfor -%}
    {%- else -%}
        {%- for body in raw -%}
            {%- do items.append({'level': body['level'] | int, 'name': body.get('name'),
                                 'rules': body.get('rules') or [], 'playbook': body.get('playbook') or []}) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set signals = [] -%}
    {%- for signal, decimals in fanops.crisis_signals() -%}{%- do signals.append(signal) -%}{%- endfor -%}
    {%- for item in items -%}
        {%- for rule in item['rules'] -%}
            {%- for signal in rule -%}
                {%- if signal not in signals -%}
                    {{ exceptions.raise_compiler_error("crisis_levels: level " ~ item['level'] ~ " names an unknown signal '" ~ signal ~ "' (allowed: " ~ (signals | join(', ')) ~ ")") }}
                {%- endif -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(items | sort(attribute='level')) }}
{%- endmacro %}

{#- A threshold as a SQL / text literal: whole numbers without a decimal point. -#}
{% macro crisis_number_literal(value) -%}
    {%- if value == (value | int) -%}{{ value | int }}{%- else -%}{{ value }}{%- endif -%}
{%- endmacro %}

{#- The condition of one rule over the signal columns (NULL signals never hold). -#}
{% macro crisis_rule_condition(rule) -%}
    {%- if rule | length == 0 -%}
        1 = 0
    {%- else -%}
        ({% for signal in fanops.crisis_rule_signals(rule) %}coalesce({{ signal }} >= {{ fanops.crisis_number_literal(rule[signal]) }}, false){% if not loop.last %} and {% endif %}{% endfor %})
    {%- endif -%}
{%- endmacro %}

{#- level: the most severe level with a rule that holds, NULL when none does. -#}
{% macro crisis_level_case() -%}
    {%- set conditions = [] -%}
    {%- for item in fanops.crisis_levels() -%}
        {%- for rule in item['rules'] -%}
            {%- do conditions.append((item['level'], fanops.crisis_rule_condition(rule))) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if conditions | length == 0 -%}
        cast(null as {{ dbt.type_int() }})
    {%- else -%}
        case
        {%- for level, condition in conditions %}
            when {{ condition }} then {{ level }}
        {%- endfor %}
        end
    {%- endif -%}
{%- endmacro %}

{#- A signal's figure as text for the trigger. -#}
{% macro crisis_signal_text(signal) -%}
    {%- set decimals = dict(fanops.crisis_signals())[signal] -%}
    {%- if decimals is none -%}
        cast(cast({{ signal }} as {{ dbt.type_bigint() }}) as {{ dbt.type_string() }})
    {%- else -%}
        cast(round(cast({{ signal }} as double), {{ decimals }}) as {{ dbt.type_string() }})
    {%- endif -%}
{%- endmacro %}

{#- trigger: the first rule that holds at the hour's level, with its figures, e.g.
    'level 1 rule 1: negative 63 ≥ 40, anomaly_score 12.3 ≥ 8, platforms 3 ≥ 3, reach 1520000 ≥ 1000000'
    (signals in the order of crisis_signals); NULL when no rule holds. -#}
{% macro crisis_trigger_case() -%}
    {%- set branches = [] -%}
    {%- for item in fanops.crisis_levels() -%}
        {%- for rule in item['rules'] -%}
            {%- if rule | length > 0 -%}
                {%- set parts = [] -%}
                {%- for signal in fanops.crisis_rule_signals(rule) -%}
                    {%- do parts.append("'" ~ signal ~ " ' || " ~ fanops.crisis_signal_text(signal) ~ " || ' ≥ " ~ fanops.crisis_number_literal(rule[signal]) ~ "'") -%}
                {%- endfor -%}
                {%- do branches.append((fanops.crisis_rule_condition(rule),
                    "'level " ~ item['level'] ~ " rule " ~ loop.index ~ ": ' || " ~ (parts | join(" || ', ' || ")))) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if branches | length == 0 -%}
        cast(null as {{ dbt.type_string() }})
    {%- else -%}
        case
        {%- for condition, text in branches %}
            when {{ condition }} then {{ text }}
        {%- endfor %}
        end
    {%- endif -%}
{%- endmacro %}

{#- Chinese level name (1 特别严重, 2 严重, 3 较重, 4 一般) of a level expression. -#}
{% macro crisis_level_name(level_expr) -%}
    case {{ level_expr }}
    {%- for item in fanops.crisis_levels() %}
        when {{ item['level'] }} then '{{ item["name"] }}'
    {%- endfor %}
    end
{%- endmacro %}

{#- The level's playbook: Chinese steps numbered and joined ('1. 启动应急预案；2. …'). -#}
{% macro crisis_playbook(level_expr) -%}
    case {{ level_expr }}
    {%- for item in fanops.crisis_levels() %}
        when {{ item['level'] }} then '{% for step in item["playbook"] %}{{ loop.index }}. {{ step["step"] }}{% if not loop.last %}；{% endif %}{% endfor %}'
    {%- endfor %}
    end
{%- endmacro %}

{#- The level's playbook step codes, '|'-joined (labels: ingestion/config.py PLAYBOOK_STEPS). -#}
{% macro crisis_playbook_codes(level_expr) -%}
    case {{ level_expr }}
    {%- for item in fanops.crisis_levels() %}
        when {{ item['level'] }} then '{% for step in item["playbook"] %}{{ step["code"] }}{% if not loop.last %}|{% endif %}{% endfor %}'
    {%- endfor %}
    end
{%- endmacro %}

{#- What the playbook says to do with the scheduled content on the affected platforms: pause (level 1),
    review (levels 2–3), nothing (level 4). -#}
{% macro crisis_calendar_action(level_expr) -%}
    case
        when {{ level_expr }} = 1 then 'pause'
        when {{ level_expr }} in (2, 3) then 'review'
    end
{%- endmacro %}

{#-
  fct_interactions, incremental runs: the created_dates whose stored sentiment is out of date — every date
  when the scorer's model version changed (it rescored every text), and the dates of rows stored without a
  label whose text has a score now. Called from that model only ({{ this }} is fct_interactions).
-#}
{% macro crisis_rescored_dates() -%}
select stored.created_date
from {{ this }} as stored
where stored.sentiment_model_version <> (
    select max(scores.model_version) from {{ ref('stg_sentiment_text_scores') }} as scores
)
union
select stored.created_date
from {{ this }} as stored
inner join {{ ref('stg_sentiment_text_scores') }} as scores
    on scores.text_hash = {{ dbt.hash('stored.text_masked') }}
where stored.sentiment_label is null
{%- endmacro %}

{#-
  Data test: every text of the sentiment series has a label once the scorer has run (sentiment.text_scores
  holds rows). The scorer runs before dbt (asset sentiment/text_scores), so a text without a score is a
  pipeline fault, never silently neutral.
-#}
{% test crisis_every_text_scored(model, column_name) %}
select *
from {{ model }}
where {{ column_name }} is null
    and exists (select 1 from {{ ref('stg_sentiment_text_scores') }})
{% endtest %}
