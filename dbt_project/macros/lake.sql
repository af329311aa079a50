{#-
  The Parquet lake (ingestion/lake.py) as dbt sources. With var `lake_root` set, the on-run-start hook
  registers every source table over its lake files: on Spark as external tables in the source's own schema
  (raw.*, ops.*, ...; raw.* partitioned by _load_date, with the contract's column types), on DuckDB as views
  in `lake_<schema>` (the warehouse's own raw.* tables stay untouched), and source() resolves to them there.
  Without `lake_root` nothing changes: sources are the warehouse's tables.
-#}

{% macro source(source_name, table_name) -%}
    {%- set rel = builtins.source(source_name, table_name) -%}
    {%- if var('lake_root', none) and target.type == 'duckdb' -%}
        {{ return(rel.incorporate(path={'schema': 'lake_' ~ rel.schema})) }}
    {%- endif -%}
    {{ return(rel) }}
{%- endmacro %}

{% macro register_lake_sources() -%}
    {%- set root = var('lake_root', none) -%}
    {%- if root and execute -%}
        {%- set root = root.rstrip('/') -%}
        {%- for node in graph.sources.values() | sort(attribute='unique_id') -%}
            {%- do adapter.dispatch('register_lake_source', 'fanops')(root, node) -%}
        {%- endfor -%}
        {{ log('lake: ' ~ (graph.sources | length) ~ ' source table(s) registered over ' ~ root, info=true) }}
    {%- endif -%}
    select 1
{%- endmacro %}

{#- Contract (DuckDB) column type -> Spark SQL type. -#}
{% macro lake_spark_type(duckdb_type) -%}
    {%- set t = (duckdb_type or '') | upper | trim -%}
    {%- if t.endswith('[]') -%}array<{{ fanops.lake_spark_type(t[:-2]) }}>
    {%- elif t == 'VARCHAR' -%}string
    {%- elif t == 'INTEGER' -%}int
    {%- else -%}{{ t | lower }}
    {%- endif -%}
{%- endmacro %}

{% macro spark__register_lake_source(root, node) -%}
    {%- set schema = node.schema -%}
    {%- set name = node.identifier or node.name -%}
    {%- set location = root ~ '/' ~ schema ~ '/' ~ name -%}
    {%- set typed = node.columns.values() | selectattr('data_type') | list -%}
    {%- set partitioned = schema == 'raw' -%}
    {%- do run_query('create database if not exists ' ~ schema) -%}
    {%- do run_query('drop table if exists ' ~ schema ~ '.' ~ name) -%}
    {%- if typed | length == node.columns | length and typed | length > 0 -%}
        {%- set cols = [] -%}
        {%- for c in typed -%}
            {%- do cols.append('`' ~ c.name ~ '` ' ~ fanops.lake_spark_type(c.data_type)) -%}
        {%- endfor -%}
        {%- if partitioned -%}{%- do cols.append('`_load_date` date') -%}{%- endif -%}
        {%- set ddl -%}
            create table {{ schema }}.{{ name }} ({{ cols | join(', ') }}) using parquet
            {% if partitioned %}partitioned by (`_load_date`){% endif %} location '{{ location }}'
        {%- endset -%}
    {%- else -%}
        {%- set ddl -%}
            create table {{ schema }}.{{ name }} using parquet location '{{ location }}'
        {%- endset -%}
    {%- endif -%}
    {%- do run_query(ddl) -%}
    {%- if partitioned -%}
        {%- do run_query('alter table ' ~ schema ~ '.' ~ name ~ ' recover partitions') -%}
    {%- endif -%}
{%- endmacro %}

{% macro default__register_lake_source(root, node) -%}
    {%- set schema = 'lake_' ~ node.schema -%}
    {%- set name = node.identifier or node.name -%}
    {%- set glob = root ~ '/' ~ node.schema ~ '/' ~ name ~ ('/*/*.parquet' if node.schema == 'raw' else '/*.parquet') -%}
    {%- do run_query('create schema if not exists ' ~ schema) -%}
    {%- set found = run_query("select count(*) from glob('" ~ glob ~ "')").columns[0].values()[0] -%}
    {%- if found > 0 -%}
        {%- set body -%}
            select * from read_parquet('{{ glob }}', hive_partitioning = {{ 'true' if node.schema == 'raw' else 'false' }}, union_by_name = true)
        {%- endset -%}
    {%- else -%}
        {%- set cols = [] -%}
        {%- for c in node.columns.values() -%}
            {%- do cols.append('cast(null as ' ~ (c.data_type or 'varchar') ~ ') as "' ~ c.name ~ '"') -%}
        {%- endfor -%}
        {%- set body = 'select ' ~ (cols | join(', ') if cols else '1 as _empty') ~ ' where false' -%}
    {%- endif -%}
    {%- do run_query('create or replace view ' ~ schema ~ '.' ~ name ~ ' as ' ~ body) -%}
{%- endmacro %}
