-- Private messages 私信 (contract §3.16, mode events: raw keeps the winning row per
-- (platform, account, message_id)). direction 'in' = fan → brand, 'out' = brand → fan.
with source as (
    select * from {{ source('raw', 'ops_messages') }}
),

renamed as (
    select
        platform || ':' || account || ':' || message_id as message_key,
        platform,
        account,
        conversation_id,
        message_id,
        fan_key,
        direction,
        direction_raw,
        agent_id,
        coalesce(is_auto_reply, false) as is_auto_reply,
        direction = 'in' as is_inbound,
        direction = 'out' and not coalesce(is_auto_reply, false) as is_human_reply,
        sent_at,
        sent_date,
        coalesce(msg_type, 'text') as msg_type,
        msg_type_raw,
        text_masked,
        _file_sha256,
        _row_number,
        _loaded_at,
        _export_at
    from source
)

select * from renamed
