"""Report wording in Chinese (default) and English: section titles, column headers, notes and the labels of
the marts' codes (platforms, content types, statuses...). `t(lang, key, **values)` formats a message;
`label(lang, kind, code)` names a code and falls back to the code itself for values it does not know."""

from __future__ import annotations

from typing import Literal

from ingestion.config import CRISIS_LEVELS, PLAYBOOK_STEPS

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")

SECTION_IDS = (
    "scorecard",
    "growth",
    "audience",
    "content",
    "campaigns",
    "service",
    "sentiment",
    "competitors",
    "quality",
    "execution",
    "suggestions",
)

TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "report_title": "粉丝运营{period_name}报告",
        "period_week": "周",
        "period_month": "月",
        "period_line": "报告期：{period} · 对比期：{previous}",
        "as_of_line": "数据截至：{as_of}（{source}）",
        "generated_by": "由 fanops 根据数仓 {warehouse} 生成；所有图表内嵌，离线可读。",
        "toc": "目录",
        "vs_previous": "较对比期",
        "kpis_overall": "整体 KPI（当前考核期）",
        "suggestions_tile": "优化建议",
        "summary": "本期概览",
        # sections
        "sec_scorecard": "一、KPI 计分卡与进度",
        "sec_growth": "二、粉丝增长（按平台与账号）",
        "sec_audience": "三、受众画像（粉丝构成、变化与触达）",
        "sec_content": "四、内容表现（类型、形式与发布时间）",
        "sec_campaigns": "五、营销活动漏斗、ROI 与达人",
        "sec_service": "六、客服响应与 SLA",
        "sec_sentiment": "七、舆情与预警",
        "sec_competitors": "八、竞品对标（声量份额）",
        "sec_quality": "九、数据质量",
        "sec_execution": "十、计划执行（内容日历与团队）",
        "sec_suggestions": "十一、优化建议",
        # notes
        "no_mart": "暂无数据：{tables} 尚未构建。",
        "no_rows": "暂无数据：{tables} 在本报告期内没有记录。",
        "no_data_yet": "暂无数据：舆情评分与危机预警尚未上线（{tables} 未构建），上线后此处将展示负面声量与预警。",
        "no_chart_data": "暂无可绘制的数据",
        "window_lookback": "统计窗口：{start} 至 {end}（近 {days} 天，样本更充足）",
        "funnel_step": "（上一步的 {share}）",
        "bracketed": "（{text}）",
        "window_period": "统计窗口：本报告期，与对比期比较",
        "scorecard_as_of": "计分卡日期 {date}；当前考核期 {horizon}（截止 {deadline}）。颜色：绿=达标进度，黄=有风险，红=落后。",
        "scorecard_scopes": "分平台 / 分账号（当前考核期，仅列设有目标的指标）",
        "scorecard_trend": "近期 KPI 走势（整体）",
        "scorecard_missing_day": "所选日期 {date} 无计分卡，使用最近的 {used}。",
        "followers_chart": "各账号粉丝总数",
        "net_new_chart": "各平台净增粉丝：本期 vs 对比期",
        "er_type_chart": "各内容类型互动率（互动 / 阅读播放）",
        "er_format_chart": "各平台各形式互动率",
        "er_hour_chart": "按发布时段（北京时间）的互动率",
        "funnel_chart": "本期活动漏斗：曝光 → 互动 → 订单",
        "funnel_note": "本期进行中的活动：{names}。",
        "funnel_none": "本报告期内没有进行中的活动；漏斗取统计窗口内的全部活动。",
        "kol_tier_chart": "各达人层级 CPE（费用 / 互动）",
        "sla_chart": "SLA 达成率：本期 vs 对比期",
        "sla_weekly_chart": "每周 SLA 达成率（按渠道）",
        "sov_chart": "每周声量份额（全平台）",
        "dq_note": "各检查套件的最新状态（{suites} 个套件：{passed} 通过，{warned} 警告，{failed} 阻断）。",
        "dq_all_pass": "所有检查均通过。",
        "calendar_note": "计划日期在本报告期内的内容条目。",
        "team_note": "团队周报（周一开始的周，{weeks}）；多周时中位响应时长按回复数加权平均。",
        "suggestions_none": "本期数据未触发任何优化规则（规则与阈值见下）。",
        "suggestions_rules": "规则与阈值",
        "evidence": "依据",
        "threshold": "阈值",
        "sentiment_alerts": "舆情预警（本期开启、期末仍未关闭或本期关闭的预警）",
        "sentiment_daily": "本品牌每日负面占比与基线",
        "sentiment_baseline": "基线（前 {days} 天负面占比）",
        "alerts_note": "时间为北京时间；状态、关闭时间与时间线按数仓中的最新数据（可能晚于报告期末）。级别取预警达到的最高级别（1 级特别严重 … 4 级一般）。",
        "alerts_none": "本报告期内没有舆情预警，期末也没有未关闭的预警。",
        "alert_open": "进行中",
        "alert_closed": "已关闭",
        "level": "{level} 级 · {name}",
        "level_short": "{level} 级",
        "level_paren": "{level} 级（{name}）",
        "playbook_caption": "处置预案（按预警最高级别）与排期处置",
        "calendar_caption": "预警要求暂停 / 复核的排期内容",
        "calendar_items": "{action} {count} 条",
        "timeline_caption": "预警时间线",
        "sentiment_own": "本品牌（{brand}）本期负面占比 {neg}（对比期 {neg_prev}，{neg_change}），正面占比 {pos}（对比期 {pos_prev}，{pos_change}）；共 {texts} 条文本（评论、私信与舆情提及中精确到分钟的文本）。",
        "sentiment_platforms_caption": "本品牌各平台情感：本期 vs 对比期",
        "sentiment_brands_caption": "各品牌情感对比（本期 vs 对比期）",
        "sentiment_brands_note": "本品牌计入评论、私信与舆情提及，竞品只计入舆情提及，对比时请留意口径差异。",
        "negative_terms_caption": "本品牌负面文本中的危机词（文本条数）",
        "tile_alerts": "舆情预警",
        "tile_alerts_open": "进行中 {count}",
        "tile_negative_share": "负面占比",
        "prev_short": "对比期",
        "current_short": "本期",
        "total": "合计",
        "overall": "整体",
        "audience_scope": "口径：平台提供的是账号粉丝整体的画像（抖音粉丝数据接口、微信公众号粉丝画像表），不是单条内容的受众。取统计窗口 {start} 至 {end} 内各账号各维度的最新一期快照；变化为与该账号上一期快照相比的占比差（个百分点）。",
        "audience_no_data": "无画像数据：{accounts}。统计窗口内没有画像快照，无数据不等于 0（目前抖音与微信公众号提供粉丝画像）。",
        "audience_account": "{account}：快照 {date}（上一期 {previous}）",
        "audience_chart": "{account} · {dimension}占比",
        "audience_overall": "整体（{count} 个账号最新快照合并，按粉丝数加权；仅含各账号口径一致的维度）",
        "audience_movers": "占比变化最大的分组（各账号最新快照与上一期相比，按变化绝对值，每账号前 {n} 个）",
        "audience_movers_none": "暂无可比较的占比变化：各账号在窗口内的画像没有上一期快照，或各分组变化均不足 0.1 个百分点。",
        "audience_reach": "内容与活动触达（账号层面）",
        "audience_reach_note": "触达按账号衡量：平台不提供单条内容的受众画像，因此本期内容与活动的互动与其所在账号的主要粉丝人群并列展示，只说明内容发布在哪类粉丝的账号上，不代表这些人群实际看到或参与了内容。",
        "audience_campaign_item": "{name} {interactions}",
        "as_of_source_scorecard": "计分卡",
        "as_of_source_int_as_of": "数仓默认截止日",
        "as_of_source_given": "指定",
    },
    "en": {
        "report_title": "Fan operations {period_name} report",
        "period_week": "weekly",
        "period_month": "monthly",
        "period_line": "Period: {period} · compared with: {previous}",
        "as_of_line": "Data as of: {as_of} ({source})",
        "generated_by": "Generated by fanops from the warehouse {warehouse}; all charts are embedded and readable offline.",
        "toc": "Contents",
        "vs_previous": "vs prev.",
        "kpis_overall": "overall KPIs, current horizon",
        "suggestions_tile": "Suggestions",
        "summary": "At a glance",
        "sec_scorecard": "1. KPI scorecard and pace",
        "sec_growth": "2. Fan growth by platform and account",
        "sec_audience": "3. Audience: follower mix, its changes and reach",
        "sec_content": "4. Content performance: type, format and posting time",
        "sec_campaigns": "5. Campaign funnel, ROI and KOLs",
        "sec_service": "6. Service response and SLA",
        "sec_sentiment": "7. Sentiment and alerts",
        "sec_competitors": "8. Competitor benchmark (share of voice)",
        "sec_quality": "9. Data quality",
        "sec_execution": "10. Plan execution (content calendar and team)",
        "sec_suggestions": "11. Optimisation suggestions",
        "no_mart": "No data: {tables} has not been built yet.",
        "no_rows": "No data: {tables} has no rows in this period.",
        "no_data_yet": "No data yet: sentiment scoring and crisis alerts are not live ({tables} not built); this section will show negative share and alerts once they are.",
        "no_chart_data": "Nothing to plot",
        "window_lookback": "Window: {start} to {end} (last {days} days, for a larger sample)",
        "funnel_step": " ({share} of the step before)",
        "bracketed": " ({text})",
        "window_period": "Window: the report period, compared with the previous period",
        "scorecard_as_of": "Scorecard date {date}; current horizon {horizon} (deadline {deadline}). Colours: green = on pace, amber = at risk, red = off track.",
        "scorecard_scopes": "By platform / account (current horizon, KPIs with a target only)",
        "scorecard_trend": "Recent KPI trend (overall)",
        "scorecard_missing_day": "No scorecard for {date}; using the latest one, {used}.",
        "followers_chart": "Followers per account",
        "net_new_chart": "Net new followers per platform: this period vs previous",
        "er_type_chart": "Engagement rate by content type (interactions / views)",
        "er_format_chart": "Engagement rate by platform and format",
        "er_hour_chart": "Engagement rate by publish hour (Beijing time)",
        "funnel_chart": "Campaign funnel this period: exposures → interactions → orders",
        "funnel_note": "Campaigns running this period: {names}.",
        "funnel_none": "No campaign ran in this period; the funnel covers every campaign in the window.",
        "kol_tier_chart": "CPE per KOL tier (fee / interactions)",
        "sla_chart": "SLA attainment: this period vs previous",
        "sla_weekly_chart": "Weekly SLA attainment by channel",
        "sov_chart": "Weekly share of voice (all platforms)",
        "dq_note": "Latest status of each check suite ({suites} suites: {passed} pass, {warned} warn, {failed} error).",
        "dq_all_pass": "Every check passes.",
        "calendar_note": "Content items planned within the report period.",
        "team_note": "Team weekly figures (weeks starting Monday, {weeks}); across several weeks the median response time is a reply-weighted mean.",
        "suggestions_none": "No optimisation rule fired on this period's data (rules and thresholds below).",
        "suggestions_rules": "Rules and thresholds",
        "evidence": "Evidence",
        "threshold": "Threshold",
        "sentiment_alerts": "Crisis alerts (opened in the period, open at its end or closed during it)",
        "sentiment_daily": "Own brand's daily negative share and baseline",
        "sentiment_baseline": "Baseline (negative share of the previous {days} days)",
        "alerts_note": "Times in Beijing time; status, closing times and the timeline follow the warehouse's latest data (possibly after the period end). The level is the most severe one the alert reached (1 most severe … 4 general).",
        "alerts_none": "No crisis alert in this period, and none open at its end.",
        "alert_open": "open",
        "alert_closed": "closed",
        "level": "Level {level} · {name}",
        "level_short": "Level {level}",
        "level_paren": "Level {level} ({name})",
        "playbook_caption": "Playbook (of the alert's peak level) and calendar action",
        "calendar_caption": "Scheduled content the alerts pause or review",
        "calendar_items": "{action} {count} item(s)",
        "timeline_caption": "Alert timeline",
        "sentiment_own": "Own brand ({brand}): negative share {neg} this period (previous {neg_prev}, {neg_change}), positive share {pos} (previous {pos_prev}, {pos_change}); {texts} texts (comments, messages and listening mentions timed to the minute).",
        "sentiment_platforms_caption": "Own brand's sentiment per platform: this period vs previous",
        "sentiment_brands_caption": "Sentiment per brand (this period vs previous)",
        "sentiment_brands_note": "The own brand counts comments, messages and listening mentions; competitors only listening mentions: mind the difference when comparing.",
        "negative_terms_caption": "Crisis terms in the own brand's negative texts (texts)",
        "tile_alerts": "Crisis alerts",
        "tile_alerts_open": "{count} open",
        "tile_negative_share": "Negative share",
        "prev_short": "Previous",
        "current_short": "This period",
        "total": "Total",
        "overall": "Overall",
        "audience_scope": "Scope: the platforms give a portrait of each account's followers as a whole (Douyin's fans data API, WeChat's follower-portrait workbook), not the audience of a post. Each account and dimension uses its latest snapshot within the window {start} to {end}; changes are share differences against that account's previous snapshot, in percentage points (pp).",
        "audience_no_data": "No portrait data: {accounts}. No portrait snapshot in the window; no data is not zero (Douyin and WeChat provide follower portraits today).",
        "audience_account": "{account}: snapshot {date} (previous {previous})",
        "audience_chart": "{account} · {dimension} share",
        "audience_overall": "Overall ({count} accounts' latest snapshots combined, weighted by followers; only dimensions measured alike on every account)",
        "audience_movers": "Biggest movers (each account's latest snapshot against the previous one, by absolute change, top {n} per account)",
        "audience_movers_none": "No share change to show: no account's portrait in the window has a previous snapshot, or every segment moved by less than 0.1 pp.",
        "audience_reach": "Content and campaign reach (account level)",
        "audience_reach_note": "Reach is measured per account: the platforms give no audience portrait per post, so the period's content and campaign interactions are shown next to the dominant follower segments of the account that published them. This says which followers' account the content ran on, not that these segments saw or engaged with it.",
        "audience_campaign_item": "{name} {interactions}",
        "as_of_source_scorecard": "scorecard",
        "as_of_source_int_as_of": "warehouse default as-of",
        "as_of_source_given": "given",
    },
}

COLUMNS: dict[str, dict[str, str]] = {
    "zh": {
        "kpi": "指标",
        "horizon": "考核期",
        "scope": "范围",
        "baseline": "基线",
        "actual": "实际",
        "target": "目标",
        "expected_by_now": "当前应达",
        "projected": "预计到期",
        "attainment": "达成率",
        "status": "状态",
        "data_through": "数据截至",
        "platform": "平台",
        "account": "账号",
        "followers_end": "期末粉丝",
        "net_new": "本期净增",
        "net_new_prev": "对比期净增",
        "change": "变化",
        "new": "新增",
        "lost": "流失",
        "content_type": "内容类型",
        "format": "形式",
        "posts": "发布数",
        "views": "阅读/播放",
        "interactions": "互动",
        "er": "互动率",
        "er_prev": "对比期互动率",
        "hour": "时段",
        "best_hour": "最佳时段",
        "platform_er": "平台互动率",
        "campaign": "活动",
        "campaign_type": "类型",
        "window": "起止",
        "cost": "花费",
        "exposures": "曝光",
        "orders": "订单",
        "gmv": "GMV",
        "roas": "ROAS",
        "roi": "ROI",
        "cpe": "CPE",
        "conversion": "曝光转化率",
        "budget_used": "预算使用",
        "kol": "达人",
        "tier": "层级",
        "fee": "费用",
        "channel": "渠道",
        "inbound": "进线",
        "responded": "已回复",
        "response_rate": "回复率",
        "median_response": "中位响应",
        "p90_response": "P90 响应",
        "sla": "SLA 达成率",
        "sla_prev": "对比期 SLA",
        "brand": "品牌",
        "sov": "声量份额",
        "sov_change": "较上周",
        "mentions": "提及",
        "followers": "粉丝",
        "follower_growth": "粉丝增长",
        "suite": "检查套件",
        "check": "检查项",
        "severity": "级别",
        "table": "表",
        "failing": "不通过",
        "pass_rate": "通过率",
        "latest": "最近运行",
        "planned": "计划",
        "published": "已发布",
        "on_time_rate": "准时率",
        "overdue": "逾期未发",
        "cancelled": "取消",
        "avg_days_late": "平均延迟天数",
        "member": "成员",
        "role": "角色",
        "replies": "回复数",
        "level": "级别",
        "opened_at": "开启时间",
        "trigger": "触发",
        "alert_no": "#",
        "alert_status": "状态",
        "closed_at": "关闭时间",
        "platforms": "涉及平台",
        "top_terms": "高频危机词",
        "peak_negative": "峰值负面/小时",
        "negative_texts": "负面文本",
        "max_reach": "最大作者粉丝",
        "playbook": "处置预案",
        "calendar_action": "排期处置",
        "action": "处置",
        "planned_date": "计划日期",
        "title": "标题",
        "plan_id": "排期ID",
        "event_at": "时间",
        "event": "事件",
        "level_change": "级别变化",
        "negative": "负面",
        "texts": "文本",
        "anomaly_score": "异常分",
        "spread": "扩散平台数",
        "reach": "影响力（作者粉丝）",
        "negative_share": "负面占比",
        "positive_share": "正面占比",
        "prev": "对比期",
        "term": "危机词",
        "week": "周",
        "rule": "规则",
        "dimension": "维度",
        "bucket": "分组",
        "fans": "粉丝数",
        "share": "占比",
        "share_prev": "上一期占比",
        "share_change": "较上一期",
        "snapshot": "快照日期",
        "dominant_segments": "主要人群（占比）",
        "top_content": "互动最高的内容",
        "campaign_content": "活动内容互动",
    },
    "en": {
        "kpi": "KPI",
        "horizon": "Horizon",
        "scope": "Scope",
        "baseline": "Baseline",
        "actual": "Actual",
        "target": "Target",
        "expected_by_now": "Expected by now",
        "projected": "Projected",
        "attainment": "Attainment",
        "status": "Status",
        "data_through": "Data through",
        "platform": "Platform",
        "account": "Account",
        "followers_end": "Followers (end)",
        "net_new": "Net new",
        "net_new_prev": "Net new (prev.)",
        "change": "Change",
        "new": "New",
        "lost": "Lost",
        "content_type": "Content type",
        "format": "Format",
        "posts": "Posts",
        "views": "Views",
        "interactions": "Interactions",
        "er": "Engagement rate",
        "er_prev": "ER (prev.)",
        "hour": "Hour",
        "best_hour": "Best hour",
        "platform_er": "Platform ER",
        "campaign": "Campaign",
        "campaign_type": "Type",
        "window": "Window",
        "cost": "Cost",
        "exposures": "Exposures",
        "orders": "Orders",
        "gmv": "GMV",
        "roas": "ROAS",
        "roi": "ROI",
        "cpe": "CPE",
        "conversion": "Conversion (exposures)",
        "budget_used": "Budget used",
        "kol": "KOL",
        "tier": "Tier",
        "fee": "Fee",
        "channel": "Channel",
        "inbound": "Inbound",
        "responded": "Responded",
        "response_rate": "Response rate",
        "median_response": "Median response",
        "p90_response": "P90 response",
        "sla": "SLA attainment",
        "sla_prev": "SLA (prev.)",
        "brand": "Brand",
        "sov": "Share of voice",
        "sov_change": "vs prev. week",
        "mentions": "Mentions",
        "followers": "Followers",
        "follower_growth": "Follower growth",
        "suite": "Suite",
        "check": "Check",
        "severity": "Severity",
        "table": "Table",
        "failing": "Failing",
        "pass_rate": "Pass rate",
        "latest": "Latest run",
        "planned": "Planned",
        "published": "Published",
        "on_time_rate": "On-time rate",
        "overdue": "Overdue",
        "cancelled": "Cancelled",
        "avg_days_late": "Avg. days late",
        "member": "Member",
        "role": "Role",
        "replies": "Replies",
        "level": "Level",
        "opened_at": "Opened",
        "trigger": "Trigger",
        "alert_no": "#",
        "alert_status": "Status",
        "closed_at": "Closed",
        "platforms": "Platforms",
        "top_terms": "Top terms",
        "peak_negative": "Peak negative / hour",
        "negative_texts": "Negative texts",
        "max_reach": "Largest author (followers)",
        "playbook": "Playbook",
        "calendar_action": "Calendar action",
        "action": "Action",
        "planned_date": "Planned",
        "title": "Title",
        "plan_id": "Plan ID",
        "event_at": "Time",
        "event": "Event",
        "level_change": "Level change",
        "negative": "Negative",
        "texts": "Texts",
        "anomaly_score": "Anomaly score",
        "spread": "Platforms spread",
        "reach": "Reach (author followers)",
        "negative_share": "Negative share",
        "positive_share": "Positive share",
        "prev": "Previous",
        "term": "Term",
        "week": "Week",
        "rule": "Rule",
        "dimension": "Dimension",
        "bucket": "Segment",
        "fans": "Followers",
        "share": "Share",
        "share_prev": "Previous share",
        "share_change": "vs previous",
        "snapshot": "Snapshot",
        "dominant_segments": "Dominant segments (share)",
        "top_content": "Top post by interactions",
        "campaign_content": "Campaign content interactions",
    },
}

LABELS: dict[str, dict[str, dict[str, str]]] = {
    "zh": {
        "platform": {
            "wechat": "微信公众号",
            "douyin": "抖音",
            "kuaishou": "快手",
            "xiaohongshu": "小红书",
            "weibo": "微博",
            "tmall": "天猫",
            "all": "全平台",
            "bilibili": "B站",
            "zhihu": "知乎",
            "news": "新闻",
        },
        "content_type": {
            "product_promo": "产品推广",
            "industry_news": "行业资讯",
            "user_interaction": "用户互动",
            "brand_story": "品牌故事",
            "entertainment": "娱乐内容",
        },
        "format": {"video": "视频", "image_text": "图文", "article": "文章", "other": "其他"},
        "campaign_type": {
            "flash_sale": "限时抢购",
            "qa_prize": "有奖问答",
            "topic": "话题",
            "lottery": "抽奖",
            "live": "直播",
            "ugc": "UGC",
            "collab": "联名/达人",
            "o2o": "线上线下",
        },
        "tier": {"head": "头部", "mid": "腰部", "tail": "尾部", "amateur": "素人"},
        "channel": {"comment": "评论", "message": "私信"},
        "status": {
            "on_track": "达标",
            "at_risk": "有风险",
            "off_track": "落后",
            "no_target": "无目标",
            "not_applicable": "不适用",
        },
        "kpi": {
            "fan_growth_net": "粉丝净增长率",
            "fan_growth_gross": "粉丝总增长率",
            "interaction_rate_uplift": "互动率提升",
            "content_quality_share": "优质内容占比",
            "share_of_voice": "声量份额",
            "positive_share": "正面情感占比",
            "conversion_rate_by_exposures": "曝光转化率",
            "roas": "ROAS",
            "roi": "ROI",
        },
        "horizon": {"3m": "前 3 个月", "6m": "前 6 个月"},
        "dq_status": {"pass": "通过", "warn": "警告", "error": "阻断", "fail": "阻断"},
        "severity": {"warn": "警告", "error": "阻断"},
        "campaign_status": {
            "ended": "已结束",
            "running": "进行中",
            "planned": "计划中",
            "cancelled": "已取消",
        },
        "role": {
            "marketing": "市场",
            "customer_service": "客服",
            "ops_manager": "运营经理",
            "content_planner": "内容策划",
            "data_analyst": "数据分析",
            "designer": "设计",
        },
        "funnel": {"exposures": "曝光", "interactions": "互动", "orders": "订单"},
        "alert_event": {"opened": "开启", "escalated": "升级", "deescalated": "降级", "closed": "关闭"},
        "calendar_action": {"pause": "暂停", "review": "复核"},
        "dimension": {
            "gender": "性别",
            "age": "年龄",
            "region": "地域",
            "interest": "兴趣",
            "device": "设备",
            "active_days": "活跃天数",
        },
        "bucket": {"male": "男", "female": "女", "unknown": "未知", "other": "其他"},
    },
    "en": {
        "platform": {
            "wechat": "WeChat",
            "douyin": "Douyin",
            "kuaishou": "Kuaishou",
            "xiaohongshu": "Xiaohongshu",
            "weibo": "Weibo",
            "tmall": "Tmall",
            "all": "All platforms",
            "bilibili": "Bilibili",
            "zhihu": "Zhihu",
            "news": "News",
        },
        "content_type": {
            "product_promo": "Product promo",
            "industry_news": "Industry news",
            "user_interaction": "User interaction",
            "brand_story": "Brand story",
            "entertainment": "Entertainment",
        },
        "format": {"video": "Video", "image_text": "Image & text", "article": "Article", "other": "Other"},
        "campaign_type": {
            "flash_sale": "Flash sale",
            "qa_prize": "Q&A with prizes",
            "topic": "Topic",
            "lottery": "Lottery",
            "live": "Live stream",
            "ugc": "UGC",
            "collab": "Collaboration",
            "o2o": "Online-offline",
        },
        "tier": {"head": "Head", "mid": "Mid", "tail": "Tail", "amateur": "Amateur"},
        "channel": {"comment": "Comments", "message": "Messages"},
        "status": {
            "on_track": "On track",
            "at_risk": "At risk",
            "off_track": "Off track",
            "no_target": "No target",
            "not_applicable": "N/A",
        },
        "kpi": {
            "fan_growth_net": "Fan growth (net)",
            "fan_growth_gross": "Fan growth (gross)",
            "interaction_rate_uplift": "Interaction-rate uplift",
            "content_quality_share": "Good-quality content share",
            "share_of_voice": "Share of voice",
            "positive_share": "Positive sentiment share",
            "conversion_rate_by_exposures": "Conversion rate (exposures)",
            "roas": "ROAS",
            "roi": "ROI",
        },
        "horizon": {"3m": "first 3 months", "6m": "first 6 months"},
        "dq_status": {"pass": "pass", "warn": "warn", "error": "error", "fail": "error"},
        "severity": {"warn": "warn", "error": "error"},
        "campaign_status": {
            "ended": "ended",
            "running": "running",
            "planned": "planned",
            "cancelled": "cancelled",
        },
        "role": {
            "marketing": "Marketing",
            "customer_service": "Customer service",
            "ops_manager": "Ops manager",
            "content_planner": "Content planner",
            "data_analyst": "Data analyst",
            "designer": "Designer",
        },
        "funnel": {"exposures": "Exposures", "interactions": "Interactions", "orders": "Orders"},
        "alert_event": {
            "opened": "opened",
            "escalated": "escalated",
            "deescalated": "de-escalated",
            "closed": "closed",
        },
        "calendar_action": {"pause": "Pause", "review": "Review"},
        "dimension": {
            "gender": "Gender",
            "age": "Age",
            "region": "Region",
            "interest": "Interest",
            "device": "Device",
            "active_days": "Active days",
        },
        "bucket": {"male": "Male", "female": "Female", "unknown": "Unknown", "other": "Other"},
    },
}


def t(lang: Lang, key: str, **values: object) -> str:
    text = TEXT[lang].get(key) or TEXT["zh"][key]
    return text.format(**values) if values else text


def col(lang: Lang, key: str) -> str:
    return COLUMNS[lang].get(key, key)


def label(lang: Lang, kind: str, code: object) -> str:
    if code is None or (isinstance(code, float) and code != code):
        return "—"
    return LABELS[lang].get(kind, {}).get(str(code), str(code))


def bucket_label(lang: Lang, dimension: object, bucket: object) -> str:
    """A portrait bucket in words: gender codes and the `other` / `unknown` buckets translated; ages with 岁
    for Chinese readers and without it for English ones (Douyin '24-30' -> '24-30岁', '50-' -> '50岁以上' /
    '50+'; WeChat '18岁以下' -> 'under 18' in English); regions and interests as delivered (the platforms'
    own Chinese names)."""
    if bucket is None or (isinstance(bucket, float) and bucket != bucket):
        return "—"
    code = str(bucket)
    if code in LABELS[lang]["bucket"]:
        return LABELS[lang]["bucket"][code]
    if dimension == "age":
        if code.endswith("-") and code[:-1].isdigit():  # Douyin's open-ended '50-'
            return f"{code[:-1]}岁以上" if lang == "zh" else f"{code[:-1]}+"
        if "岁" not in code:
            return f"{code}岁" if lang == "zh" else code
        if lang == "en":  # WeChat's '18岁以下', '18-25岁', '60岁以上'
            if code.endswith("岁以下"):
                return f"under {code[:-3]}"
            if code.endswith("岁以上"):
                return f"{code[:-3]}+"
            return code.replace("岁", "")
    return code


def scope_label(lang: Lang, scope: str, account_names: dict[tuple[str, str], str] | None = None) -> str:
    """overall / platform:<p> / account:<p>/<a> in words."""
    if scope == "overall":
        return t(lang, "overall")
    if scope.startswith("platform:"):
        return label(lang, "platform", scope.split(":", 1)[1])
    if scope.startswith("account:"):
        platform, _, account = scope.split(":", 1)[1].partition("/")
        name = (account_names or {}).get((platform, account), account)
        return f"{label(lang, 'platform', platform)} · {name}"
    return scope


# ----------------------------------------------------------------------------------------------- crisis
# Level names and playbook steps come from ingestion.config (CRISIS_LEVELS, PLAYBOOK_STEPS), the one place of
# their zh / en labels; the marts carry the Chinese ones only.


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value)
    except (TypeError, ValueError):
        return True


def _level(value: object) -> int | None:
    if _is_missing(value):
        return None
    try:
        return int(value)  # type: ignore[call-overload, no-any-return]
    except (TypeError, ValueError):
        return None


def level_label(lang: Lang, level: object, fallback_name: object = None, *, paren: bool = False) -> str:
    """1 -> '1 级 · 特别严重' / 'Level 1 · most severe' (paren: '1 级（特别严重）' / 'Level 1 (most severe)');
    an unknown level keeps the mart's name."""
    lv = _level(level)
    if lv is None:
        return "—"
    info = CRISIS_LEVELS.get(lv)
    if info is not None:
        name = info.name_zh if lang == "zh" else info.name_en
    else:
        name = "" if _is_missing(fallback_name) else str(fallback_name)
    if not name:
        return t(lang, "level_short", level=lv)
    return t(lang, "level_paren" if paren else "level", level=lv, name=name)


def level_short(lang: Lang, level: object) -> str:
    lv = _level(level)
    return "—" if lv is None else t(lang, "level_short", level=lv)


def playbook_steps(lang: Lang, codes: object, level: object = None) -> list[str]:
    """The playbook's step labels: the '|'-joined codes of the alert, else the level's playbook."""
    found = [] if _is_missing(codes) else [c.strip() for c in str(codes).split("|") if c.strip()]
    if not found:
        lv = _level(level)
        found = list(CRISIS_LEVELS[lv].playbook) if lv is not None and lv in CRISIS_LEVELS else []
    return [PLAYBOOK_STEPS[c][0 if lang == "zh" else 1] if c in PLAYBOOK_STEPS else c for c in found]


def platform_list(lang: Lang, value: object) -> str:
    """'douyin,weibo' -> '抖音、微博' / 'Douyin, Weibo'."""
    if _is_missing(value):
        return "—"
    names = [label(lang, "platform", p.strip()) for p in str(value).split(",") if p.strip()]
    return ("、" if lang == "zh" else ", ").join(names) or "—"


def terms_text(lang: Lang, value: object) -> str:
    """The marts' '过敏(52)、假货(41)' with an English list separator for English readers."""
    if _is_missing(value) or not str(value).strip():
        return "—"
    return str(value) if lang == "zh" else str(value).replace("、", ", ")
