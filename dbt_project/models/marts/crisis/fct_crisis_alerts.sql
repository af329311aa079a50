{#-
  docs — fct_crisis_alerts: one row per incident of the own brand (int_crisis_incident_hours; events in
  fct_crisis_alert_events). The incident's texts are the brand's negative texts (int_sentiment_texts) in its
  triggered span, hours opened_at … last_triggered_at.
    level / level_name     the most severe level reached (peak); current_level = the latest event's level
                           (the level it closed at once closed);
    updated_at             the latest event's time;
    status                 closed once closed_at is set (the cool-down passed within the data), else open;
    platforms              the platforms with at least crisis_platform_floor negative texts in one triggered
                           hour, or, when none reaches the floor, every platform with a negative text in a
                           triggered hour (comma-separated, sorted);
    trigger                the rule text of the first hour at the peak level;
    top_terms              up to 5 crisis terms by count over the incident's texts ('过敏(52)、假货(41)');
    sample_interaction_keys  up to 5 text keys (interaction_key / mention_key) of the incident's texts with
                           the highest crisis_weight, then reach (author followers), then time;
    playbook / playbook_codes  the peak level's steps (Chinese, numbered) / their codes;
    calendar_action        pause (level 1), review (levels 2–3), NULL (level 4);
    calendar_plan_ids      fct_content_calendar items planned in [opened_date, opened_date +
                           crisis_calendar_days] on the affected platforms, not cancelled and not published
                           before the alert opened (what the alert had to pause or review when it fired).
-#}
{%- set floor = var('crisis_platform_floor') -%}
with incident_hours as (
    select
        alert_id,
        brand_id,
        opened_at,
        last_triggered_at,
        closed_at,
        peak_level,
        hour_at,
        level
    from {{ ref('int_crisis_incident_hours') }}
),

incidents as (
    select distinct
        alert_id,
        brand_id,
        opened_at,
        last_triggered_at,
        closed_at,
        peak_level
    from incident_hours
),

events as (
    select
        alert_id,
        event_at,
        level,
        row_number() over (partition by alert_id order by event_seq desc) as recency
    from {{ ref('fct_crisis_alert_events') }}
),

latest_events as (
    select
        alert_id,
        event_at as updated_at,
        level as current_level
    from events
    where recency = 1
),

peak_hours as (
    select
        ranked.alert_id,
        ranked.trigger
    from (
        select
            incident_hours.alert_id,
            hourly.trigger,
            row_number() over (partition by incident_hours.alert_id order by incident_hours.hour_at) as hour_rank
        from incident_hours
        inner join {{ ref('int_crisis_hourly') }} as hourly
            on
            hourly.brand_id = incident_hours.brand_id
            and hourly.hour_at = incident_hours.hour_at
        where incident_hours.level = incident_hours.peak_level
    ) as ranked
    where ranked.hour_rank = 1
),

peak_figures as (
    select
        incident_hours.alert_id,
        max(hourly.negative) as peak_negative
    from incident_hours
    inner join {{ ref('int_crisis_hourly') }} as hourly
        on
        hourly.brand_id = incident_hours.brand_id
        and hourly.hour_at = incident_hours.hour_at
    where incident_hours.level is not null
    group by incident_hours.alert_id
),

texts as (
    select
        incidents.alert_id,
        texts.text_key,
        texts.platform,
        texts.hour_at,
        texts.created_at,
        texts.author_followers,
        texts.crisis_terms,
        texts.crisis_weight
    from incidents
    inner join {{ ref('int_sentiment_texts') }} as texts
        on
        texts.brand_id = incidents.brand_id
        and texts.hour_at >= incidents.opened_at
        and texts.hour_at <= incidents.last_triggered_at
    where texts.sentiment_label = 'negative'
),

text_figures as (
    select
        alert_id,
        count(*) as negative_texts,
        max(author_followers) as max_reach
    from texts
    group by alert_id
),

platform_hours as (
    select
        texts.alert_id,
        texts.platform,
        texts.hour_at,
        count(*) as negative
    from texts
    inner join incident_hours
        on
        incident_hours.alert_id = texts.alert_id
        and incident_hours.hour_at = texts.hour_at
        and incident_hours.level is not null
    group by
        texts.alert_id,
        texts.platform,
        texts.hour_at
),

platform_peaks as (
    select
        alert_id,
        platform,
        max(negative) as peak_negative,
        max(max(negative)) over (partition by alert_id) as alert_peak_negative
    from platform_hours
    group by
        alert_id,
        platform
),

affected_platforms as (
    select
        alert_id,
        platform
    from platform_peaks
    where peak_negative >= {{ floor }} or alert_peak_negative < {{ floor }}
),

platform_lists as (
    select
        alert_id,
        {{ dbt.listagg('platform', "','", 'order by platform') }} as platforms
    from affected_platforms
    group by alert_id
),

term_numbers as (
    select d1.d + 10 * d2.d + 1 as n
    from (values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) as d1 (d)
    cross join (values (0), (1), (2), (3), (4)) as d2 (d)
),

term_texts as (
    select
        alert_id,
        crisis_terms,
        {{ dbt.length('crisis_terms') }} - {{ dbt.length(dbt.replace('crisis_terms', "'|'", "''")) }} + 1 as term_count
    from texts
    where crisis_terms is not null
),

terms as (
    select
        term_texts.alert_id,
        {{ dbt.split_part('term_texts.crisis_terms', "'|'", 'term_numbers.n') }} as term
    from term_texts
    inner join term_numbers
        on term_numbers.n <= term_texts.term_count
),

term_counts as (
    select
        alert_id,
        term,
        count(*) as texts,
        row_number() over (partition by alert_id order by count(*) desc, term) as term_rank
    from terms
    where nullif(term, '') is not null
    group by
        alert_id,
        term
),

top_terms as (
    select
        alert_id,
        {{ dbt.listagg(
            "term || '(' || cast(texts as " ~ dbt.type_string() ~ ") || ')'", "'、'", 'order by term_rank'
        ) }} as top_terms
    from term_counts
    where term_rank <= 5
    group by alert_id
),

samples as (
    select
        alert_id,
        {{ dbt.listagg('text_key', "','", 'order by sample_rank') }} as sample_interaction_keys
    from (
        select
            alert_id,
            text_key,
            row_number() over (
                partition by alert_id
                order by
                    coalesce(crisis_weight, 0) desc,
                    coalesce(author_followers, -1) desc,
                    created_at,
                    text_key
            ) as sample_rank
        from texts
    ) as ranked
    where sample_rank <= 5
    group by alert_id
),

calendar_items as (
    select
        incidents.alert_id,
        calendar.plan_id
    from incidents
    inner join affected_platforms
        on affected_platforms.alert_id = incidents.alert_id
    inner join {{ ref('fct_content_calendar') }} as calendar
        on
        calendar.platform = affected_platforms.platform
        and calendar.planned_date >= {{ fanops.to_local_date('incidents.opened_at') }}
        and calendar.planned_date <= {{ dbt.dateadd(
                'day', var('crisis_calendar_days'), fanops.to_local_date('incidents.opened_at')
            ) }}
    where
        not calendar.is_cancelled
        and (
            not calendar.is_published
            or calendar.published_at >= incidents.opened_at
            or (calendar.published_at is null and calendar.published_date >= {{ fanops.to_local_date('incidents.opened_at') }})
        )
),

calendar_lists as (
    select
        alert_id,
        {{ dbt.listagg('plan_id', "','", 'order by plan_id') }} as calendar_plan_ids
    from calendar_items
    group by alert_id
)

select
    incidents.alert_id,
    incidents.brand_id,
    incidents.opened_at,
    {{ fanops.to_local_date('incidents.opened_at') }} as opened_date,
    latest_events.updated_at,
    incidents.closed_at,
    case when incidents.closed_at is null then 'open' else 'closed' end as status,
    cast(incidents.peak_level as {{ dbt.type_int() }}) as level,
    {{ fanops.crisis_level_name('incidents.peak_level') }} as level_name,
    cast(latest_events.current_level as {{ dbt.type_int() }}) as current_level,
    {{ fanops.crisis_level_name('latest_events.current_level') }} as current_level_name,
    incidents.last_triggered_at,
    platform_lists.platforms,
    peak_hours.trigger,
    cast(peak_figures.peak_negative as {{ dbt.type_bigint() }}) as peak_negative,
    cast(coalesce(text_figures.negative_texts, 0) as {{ dbt.type_bigint() }}) as negative_texts,
    cast(text_figures.max_reach as {{ dbt.type_bigint() }}) as max_reach,
    top_terms.top_terms,
    samples.sample_interaction_keys,
    {{ fanops.crisis_playbook('incidents.peak_level') }} as playbook,
    {{ fanops.crisis_playbook_codes('incidents.peak_level') }} as playbook_codes,
    {{ fanops.crisis_calendar_action('incidents.peak_level') }} as calendar_action,
    calendar_lists.calendar_plan_ids
from incidents
left join latest_events
    on latest_events.alert_id = incidents.alert_id
left join peak_hours
    on peak_hours.alert_id = incidents.alert_id
left join peak_figures
    on peak_figures.alert_id = incidents.alert_id
left join text_figures
    on text_figures.alert_id = incidents.alert_id
left join platform_lists
    on platform_lists.alert_id = incidents.alert_id
left join top_terms
    on top_terms.alert_id = incidents.alert_id
left join samples
    on samples.alert_id = incidents.alert_id
left join calendar_lists
    on calendar_lists.alert_id = incidents.alert_id
