-- Douyin item comments and reply-list rows (contract §3.6, mode events: raw keeps the winning row per
-- (account, item_id, comment_id)). Reply-list rows (`parent_comment_id` set) come from calls without
-- item_create_time / item_title, so their own post_ref is NULL: `item_post_ref` fills it from the other
-- rows of the same item (the greatest post_ref seen for the item, deterministic).
with source as (
    select * from {{ source('raw', 'douyin_comments') }}
),

item_refs as (
    select
        account,
        item_id,
        max(post_ref) as item_post_ref
    from source
    where post_ref is not null
    group by
        account,
        item_id
),

renamed as (
    select
        s.platform || ':' || s.account || ':' || s.item_id || ':' || s.comment_id as comment_key,
        s.platform,
        s.account,
        s.item_id,
        s.platform_post_id,
        s.comment_id,
        s.parent_comment_id,
        s.parent_comment_id is not null as is_reply,
        s.item_created_at,
        s.item_created_date,
        s.item_title,
        s.post_ref,
        coalesce(s.post_ref, r.item_post_ref) as item_post_ref,
        s.fan_key,
        coalesce(s.is_from_account, false) as is_from_account,
        s.text_masked,
        s.created_at,
        s.created_date,
        s.likes,
        s.likes_is_capped,
        s.reply_count,
        s.reply_count_is_capped,
        coalesce(s.is_pinned, false) as is_pinned,
        s._file_sha256,
        s._row_number,
        s._loaded_at,
        s._export_at
    from source as s
    left join item_refs as r
        on
        s.account = r.account
        and s.item_id = r.item_id
)

select * from renamed
