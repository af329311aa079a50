{#-
  Campaigns-area helpers. Raw ops sheets keep list cells (platforms, accounts, coupon codes, hashtags,
  brand keywords) as native list columns; list handling differs per engine, so it lives here behind
  adapter.dispatch (default = DuckDB). Everything downstream of these macros is plain portable SQL.
-#}

{#- A list column as comma-separated text in delivered order (NULL for a NULL or empty list). -#}
{% macro campaigns_list_to_text(list_expr) -%}
    {{ return(adapter.dispatch('campaigns_list_to_text', 'fanops')(list_expr)) }}
{%- endmacro %}

{% macro default__campaigns_list_to_text(list_expr) -%}
    nullif(array_to_string({{ list_expr }}, ','), '')
{%- endmacro %}

{% macro spark__campaigns_list_to_text(list_expr) -%}
    nullif(array_join({{ list_expr }}, ','), '')
{%- endmacro %}

{% macro trino__campaigns_list_to_text(list_expr) -%}
    nullif(array_join({{ list_expr }}, ','), '')
{%- endmacro %}

{#-
  One row per list element: `select <key columns>, <element> as <value_alias> from <relation>`.
  Elements are trimmed; empty elements and NULL lists give no row.
-#}
{% macro campaigns_unnest_list(relation, key_columns, list_column, value_alias) -%}
    {{ return(adapter.dispatch('campaigns_unnest_list', 'fanops')(relation, key_columns, list_column, value_alias)) }}
{%- endmacro %}

{% macro default__campaigns_unnest_list(relation, key_columns, list_column, value_alias) -%}
    select
        {%- for col in key_columns %}
        {{ col }},
        {%- endfor %}
        trim(element) as {{ value_alias }}
    from (
        select
            {%- for col in key_columns %}
            {{ col }},
            {%- endfor %}
            unnest({{ list_column }}) as element
        from {{ relation }}
    ) as unnested
    where nullif(trim(element), '') is not null
{%- endmacro %}

{% macro spark__campaigns_unnest_list(relation, key_columns, list_column, value_alias) -%}
    select
        {%- for col in key_columns %}
        src.{{ col }},
        {%- endfor %}
        trim(element) as {{ value_alias }}
    from {{ relation }} as src
    lateral view explode({{ list_column }}) exploded as element
    where nullif(trim(element), '') is not null
{%- endmacro %}

{% macro trino__campaigns_unnest_list(relation, key_columns, list_column, value_alias) -%}
    select
        {%- for col in key_columns %}
        src.{{ col }},
        {%- endfor %}
        trim(element) as {{ value_alias }}
    from {{ relation }} as src
    cross join unnest(src.{{ list_column }}) as exploded (element)
    where nullif(trim(element), '') is not null
{%- endmacro %}

{#- True when `text_expr` contains `keyword_expr`, case-insensitively (brand keyword matching). -#}
{% macro campaigns_text_contains(text_expr, keyword_expr) -%}
    ({{ dbt.position('lower(' ~ keyword_expr ~ ')', 'lower(' ~ text_expr ~ ')') }} > 0)
{%- endmacro %}
