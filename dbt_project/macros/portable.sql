{#-
  Engine overrides of dbt's cross-database macros (dbt_project.yml `dispatch` searches fanops first).
  DuckDB uses dbt's defaults; Spark 4 has the standard forms natively, where dbt-spark's versions fall
  short: listagg ... within group (order by ...) (dbt-spark drops the order), split_part with a column as
  the part number (dbt-spark's compares it as a Python int).
-#}

{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- if limit_num -%}
        {{ exceptions.raise_compiler_error("listagg: limit_num is not supported on Spark") }}
    {%- endif -%}
    listagg({{ measure }}, {{ delimiter_text }})
    {%- if order_by_clause %} within group ({{ order_by_clause }}){% endif %}
{%- endmacro %}

{% macro spark__split_part(string_text, delimiter_text, part_number) -%}
    split_part({{ string_text }}, {{ delimiter_text }}, {{ part_number }})
{%- endmacro %}

{#-
  dbt-spark's dateadd/datediff go through to_unix_timestamp (whole seconds): they drop the sub-second part
  that raw timestamps keep (an end-of-period 23:59:59.999). Spark 3.3+ has timestampadd; datediff counts
  unit boundaries crossed, as DuckDB's date_diff does (10:59 -> 11:01 is 1 hour), not whole units elapsed,
  and is a bigint as there.
-#}
{% macro spark__dateadd(datepart, interval, from_date_or_timestamp) -%}
    timestampadd({{ datepart | upper }}, cast(({{ interval }}) as bigint), {{ from_date_or_timestamp }})
{%- endmacro %}

{% macro spark__datediff(first_date, second_date, datepart) -%}
    {%- set unit_micros = {'hour': 3600000000, 'minute': 60000000, 'second': 1000000, 'millisecond': 1000,
                           'microsecond': 1} -%}
    {%- if datepart == 'day' -%}
        cast(datediff(cast({{ second_date }} as date), cast({{ first_date }} as date)) as bigint)
    {%- elif datepart in ['month', 'quarter', 'year'] -%}
        {%- set per = {'month': 1, 'quarter': 3, 'year': 12}[datepart] -%}
        {%- if datepart == 'month' -%}
        ((year({{ second_date }}) * 12 + month({{ second_date }})) - (year({{ first_date }}) * 12 + month({{ first_date }})))
        {%- elif datepart == 'quarter' -%}
        ((year({{ second_date }}) * 4 + quarter({{ second_date }})) - (year({{ first_date }}) * 4 + quarter({{ first_date }})))
        {%- else -%}
        (year({{ second_date }}) - year({{ first_date }}))
        {%- endif -%}
    {%- elif datepart in unit_micros -%}
        {%- set u = unit_micros[datepart] -%}
        {%- set e = 'unix_micros(cast(' ~ second_date ~ ' as timestamp))' -%}
        {%- set s = 'unix_micros(cast(' ~ first_date ~ ' as timestamp))' -%}
        ((({{ e }}) - pmod({{ e }}, {{ u }})) div {{ u }} - (({{ s }}) - pmod({{ s }}, {{ u }})) div {{ u }})
    {%- else -%}
        {{ exceptions.raise_compiler_error("datediff: datepart " ~ datepart ~ " is not supported on Spark") }}
    {%- endif -%}
{%- endmacro %}

{#-
  A SQL string literal of a Jinja string, the same characters on every engine: DuckDB keeps backslashes
  and doubles quotes; Spark reads backslash escapes in literals, so both are escaped with one.
-#}
{% macro string_literal(text) -%}
    {{ return(adapter.dispatch('string_literal', 'fanops')(text)) }}
{%- endmacro %}

{% macro default__string_literal(text) -%}
    '{{ text | replace("'", "''") }}'
{%- endmacro %}

{% macro spark__string_literal(text) -%}
    '{{ text | replace("\\", "\\\\") | replace("'", "\\'") }}'
{%- endmacro %}

{#-
  Incremental config of the daily facts: each build replaces whole days (the dates it computed).
  DuckDB: delete+insert by the date column. Spark (Parquet): insert_overwrite of the date partitions
  (dynamic partition overwrite), the same rows; the table is partitioned by that date there.
-#}
{% macro replace_by_date(date_column) -%}
    {%- if target.type == 'spark' -%}
        {{ return({'incremental_strategy': 'insert_overwrite', 'partition_by': [date_column]}) }}
    {%- endif -%}
    {{ return({'incremental_strategy': 'delete+insert', 'unique_key': date_column}) }}
{%- endmacro %}
