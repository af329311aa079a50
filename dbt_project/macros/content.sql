{#-
  Content-area helpers (owner: content helper). Names start with `content_` so they never collide with
  another area's macros. Models stay portable: dialect differences go through adapter.dispatch.
-#}

{#- regexp_replace of every match (DuckDB needs the 'g' flag; Spark/Trino replace all by default). -#}
{% macro content_regexp_replace_all(expr, pattern, replacement) -%}
    {{ return(adapter.dispatch('content_regexp_replace_all', 'fanops')(expr, pattern, replacement)) }}
{%- endmacro %}

{#- pattern and replacement are Jinja strings (made literals per engine by fanops.string_literal). -#}
{% macro default__content_regexp_replace_all(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, {{ fanops.string_literal(pattern) }}, {{ fanops.string_literal(replacement) }})
{%- endmacro %}

{% macro duckdb__content_regexp_replace_all(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, {{ fanops.string_literal(pattern) }}, {{ fanops.string_literal(replacement) }}, 'g')
{%- endmacro %}

{#- The first line of a text: everything before the first line break (CR, LF or CRLF), not trimmed. -#}
{% macro content_first_line(expr) -%}
    split_part(replace({{ expr }}, chr(13), chr(10)), chr(10), 1)
{%- endmacro %}

{#- Caption title (fct_content.title): the first line, surrounding whitespace trimmed, NULL when empty. -#}
{% macro content_title(expr) -%}
    nullif(trim({{ fanops.content_first_line(expr) }}), '')
{%- endmacro %}

{#-
  Contract §2.15 `norm_text` as far as SQL allows: DuckDB has no NFKC, so the NFKC step is approximated by
  mapping the full-width ASCII block (U+FF01..U+FF5E: ！，？｜（） and full-width letters/digits) to ASCII;
  then every whitespace character (ASCII, U+0085, Unicode separators incl. U+3000) and the zero-width
  characters U+200B..U+200D, U+2060, U+FEFF are removed. Both sides of every comparison use this same macro.
-#}
{% macro content_norm_text(expr) -%}
    {{ fanops.content_regexp_replace_all(
        "translate(" ~ expr ~ ", " ~ fanops.string_literal('！＂＃＄％＆＇（）＊＋，－．／０１２３４５６７８９：；＜＝＞？＠ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ［＼］＾＿｀ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ｛｜｝～') ~ ", " ~ fanops.string_literal('!"#$%&' ~ "'" ~ '()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~') ~ ")",
        '[\\s\\x{000B}\\x{001C}-\\x{001F}\\x{0085}\\p{Z}\\x{200B}-\\x{200D}\\x{2060}\\x{FEFF}]',
        ''
    ) }}
{%- endmacro %}

{#- Edited-caption matching text (§2.15): the first line, normalised like norm_text. -#}
{% macro content_first_line_norm(expr) -%}
    {{ fanops.content_norm_text(fanops.content_first_line(expr)) }}
{%- endmacro %}

{#-
  content_type keyword rule for posts without a linked calendar item. THE one place the keyword lists live
  (docs/decisions/content.md). The categories are tried in this order over the post's title + caption; the
  first category with a keyword in the text wins; no keyword -> entertainment.
-#}
{% macro content_type_keywords() -%}
    {{ return([
        ('product_promo', ['新品', '上新', '优惠', '券', '下单', '抢购', '链接', '秒杀', '买一送一', '限时']),
        ('industry_news', ['行业', '趋势', '报告', '资讯', '白皮书', '数据显示']),
        ('user_interaction', ['评论区', '投票', '互动', '抽奖', '转发', '留言', '你们', '晒单', '有奖']),
        ('brand_story', ['品牌', '故事', '匠心', '创始', '溯源', '茶园', '工厂', '幕后']),
    ]) }}
{%- endmacro %}

{% macro content_type_rule(text_expr) -%}
    case
    {%- for content_type, words in fanops.content_type_keywords() %}
        when {% for w in words %}{{ text_expr }} like '%{{ w }}%'{% if not loop.last %} or {% endif %}{% endfor %}
            then '{{ content_type }}'
    {%- endfor %}
        else 'entertainment'
    end
{%- endmacro %}

{#- Sum of parts where NULL means "the platform does not provide it": NULL only when every part is NULL. -#}
{% macro content_sum_parts(parts) -%}
    case
        when {% for p in parts %}{{ p }} is null{% if not loop.last %} and {% endif %}{% endfor %} then null
        else {% for p in parts %}coalesce({{ p }}, 0){% if not loop.last %} + {% endif %}{% endfor %}
    end
{%- endmacro %}

{#- One row per delivered file that loaded rows (duplicates excluded): sha256, delivered_at, path. Used for
    the contract's "newer delivery" order (export time, then delivered_at, then path). -#}
{% macro content_file_deliveries() -%}
    {{ fanops.file_deliveries() }}
{%- endmacro %}

{#- Published-time precision of export rows: a file in which no row has non-zero seconds was exported
    without seconds (contract §3.4: the same Douyin export appears with and without seconds). -#}
{% macro content_file_precision(ts_col, file_col='_file_sha256') -%}
    case
        when max(case when extract(second from {{ ts_col }}) <> 0 then 1 else 0 end)
            over (partition by {{ file_col }}) = 1 then 'second'
        else 'minute'
    end
{%- endmacro %}

{#- Accounts with WeChat comment data: the latest export time of any loaded wechat/comments delivery of the
    account (0-comment files included). Without one, an article's comment count is unknown (NULL), not 0. -#}
{% macro content_wechat_comment_fetches() -%}
    select
        platform,
        account,
        max(export_at) as comments_fetched_at
    from {{ source('ops', 'file_manifest') }}
    where dataset = 'wechat/comments'
        and status in ('loaded', 'superseded')
    group by
        platform,
        account
{%- endmacro %}

{#- Every row of a snapshot-mode raw table, ranked by the contract's delivery order (§1 rules 5–6): the row's
    export time, then the file's delivered_at, then its path, then the row number. Adds _delivered_at,
    _file_path, rn_export (1 = the row that counts for its key and export time: the newer delivery) and
    rn_latest (1 = the key's current row), and with `precision_column` the published_at_precision of the
    row's file. The one implementation behind the content staging models. -#}
{% macro content_snapshot_rows(relation, key_columns, precision_column=none) -%}
    {%- set keys = key_columns | join(', ') -%}
    select
        joined.*,
        row_number() over (
            partition by {{ keys }}, _export_at
            order by _delivered_at desc, _file_path desc, _row_number desc
        ) as rn_export,
        row_number() over (
            partition by {{ keys }}
            order by {{ fanops.delivery_order_desc() }}
        ) as rn_latest
        {%- if precision_column %},
        {{ fanops.content_file_precision(precision_column) }} as published_at_precision
        {%- endif %}
    from (
        select
            source_rows.*,
            deliveries.delivered_at as _delivered_at,
            deliveries.path as _file_path
        from {{ relation }} as source_rows
        left join ({{ fanops.content_file_deliveries() }}) as deliveries
            on deliveries.sha256 = source_rows._file_sha256
    ) as joined
{%- endmacro %}
