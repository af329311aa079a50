"""The landing contract's own examples (formats/README.md §3), written as real files into a landing tree.

Expected values in the tests are computed by hand from these examples."""

from __future__ import annotations

import json
from pathlib import Path

import xlsxwriter

ACCOUNTS = """平台,账号标识,账号名称,平台账号ID,品牌,负责人ID,启用日期,停用日期,粉丝基数,基数日期,状态
微信公众号,qinghe_wx,青禾茶饮,gh_3f8a2c91d7e0,青禾,T002,2023-03-01,,,,启用
抖音,qinghe_dy,青禾茶饮官方旗舰店,ba253642-0590-40bc-9bdf-9a1334b94059,青禾,T003,2023-05-12,,,,启用
微博,qinghe_wb,青禾茶饮,7712345678,青禾,T004,2023-03-01,,,,启用
小红书,qinghe_xhs,青禾茶饮,5812047731,青禾,T005,2023-06-18,,2.38万,2024-10-31,启用
天猫,qinghe_tmall,青禾旗舰店,,青禾,T001,2022-09-01,,,,启用
快手,qinghe_ks,青禾茶饮,,青禾,T003,2023-05-12,,,,启用
"""

USER_GROWTH = """时间,新关注人数,取消关注人数,净增关注人数,累积关注人数
2024-11-01,128,37,91,52310
2024-11-02,96,41,55,52365
2024-11-03,74,88,-14,52351
"""

DATACUBE = {"fanops_api_dump": 1, "account": "qinghe_wx", "fetched_at": "2024-11-02T09:10:00+08:00",
            "calls": [
                {"api": "datacube/getusersummary", "request": {"begin_date": "2024-11-01", "end_date": "2024-11-01"},
                 "response": {"list": [
                     {"ref_date": "2024-11-01", "user_source": 0, "new_user": 41, "cancel_user": 37},
                     {"ref_date": "2024-11-01", "user_source": 1, "new_user": 52, "cancel_user": 0},
                     {"ref_date": "2024-11-01", "user_source": 30, "new_user": 35, "cancel_user": 0}]}},
                {"api": "datacube/getusercumulate", "request": {"begin_date": "2024-11-01", "end_date": "2024-11-01"},
                 "response": {"list": [{"ref_date": "2024-11-01", "user_source": 0, "cumulate_user": 52310}]}}]}

ARTICLES_TSV = (
    "内容标题\t发表时间\t总阅读人数\t总阅读次数\t总分享人数\t总分享次数\t阅读后关注人数\t送达人数\t公众号消息阅读次数\t送达阅读率\t"
    "首次分享次数\t分享产生阅读次数\t首次分享率\t每次分享带来阅读次数\t阅读完成率\t内容url\n"
    "秋冬第一杯｜桂花乌龙上新\t20241101\t3593\t4120\t86\t112\t23\t52310\t2874\t0.0549\t61\t745\t0.0212\t6.65\t0.7125\t"
    "https://mp.weixin.qq.com/s?__biz=MzI0NjE3NzY1Mg==&mid=2247489321&idx=1&sn=5b0e3f1c9a7d2e4b8c6f0a1d3e5b7c9f&chksm=ea1b2c3d#rd\n"
    "双11囤茶攻略：3款口粮茶怎么选\t20241101\t1287\t1405\t31\t38\t5\t52310\t902\t0.0172\t22\t214\t0.0244\t5.63\t0.5832\t"
    "https://mp.weixin.qq.com/s?__biz=MzI0NjE3NzY1Mg==&mid=2247489321&idx=2&sn=0c7d9e2a4b6f8a1c3e5d7b9f1a3c5e7d&chksm=ea1b2c3e#rd\n"
)

ARTICLE_TOTAL = {"list": [{"ref_date": "2024-11-01", "msgid": "2247489321_1", "title": "秋冬第一杯｜桂花乌龙上新",
                           "details": [
                               {"stat_date": "2024-11-01", "target_user": 52310, "int_page_read_user": 2410,
                                "int_page_read_count": 2702, "ori_page_read_user": 35, "ori_page_read_count": 41,
                                "share_user": 52, "share_count": 66, "add_to_fav_user": 18, "add_to_fav_count": 19},
                               {"stat_date": "2024-11-02", "target_user": 52310, "int_page_read_user": 3188,
                                "int_page_read_count": 3611, "ori_page_read_user": 49, "ori_page_read_count": 57,
                                "share_user": 74, "share_count": 97, "add_to_fav_user": 27, "add_to_fav_count": 28}]}]}

WECHAT_COMMENTS = {"fanops_api_dump": 1, "account": "qinghe_wx", "fetched_at": "2024-11-02T09:00:00+08:00",
                   "calls": [{"api": "cgi-bin/comment/list",
                              "request": {"msg_data_id": 2247489321, "index": 0, "begin": 0, "count": 49, "type": 0},
                              "response": {"errcode": 0, "errmsg": "ok", "total": 2, "comment": [
                                  {"user_comment_id": 1, "openid": "oQ7kS5xYz2B8mN1pL4rT6vW9aC3e",
                                   "create_time": 1730436069,
                                   "content": "桂花乌龙冷泡好喝吗？想买两盒，电话13812345678", "comment_type": 1,
                                   "reply": {"content": "冷泡风味更清甜～双11有券哦", "create_time": 1730444550}},
                                  {"user_comment_id": 2, "create_time": 1730470123, "content": "包装好看！",
                                   "comment_type": 0}]}}]}

DOUYIN_VIDEOS = '''作品名称,发布时间,体裁,发布状态,播放量,完播率,5s完播率,作品时长,2s跳出率,平均播放时长,点赞量,评论量,分享量,收藏量,主页访问量,粉丝增量
"桂花乌龙冷泡教程 3步搞定
秋天的第一杯冷泡茶，你学会了吗？#冷泡茶 #桂花乌龙",2026-07-26 03:33:18,1-3min视频,公开,18342,0.08,0.41,01:12,0.37,19.6,742,58,91,233,412,37
"一周办公室茶单 图文合集
周一到周五不重样 #办公室好物",2026-07-27 14:47,图文,公开,5120,0.18,-,-,-,-,204,17,12,96,88,9
'''

DOUYIN_FANS = {"data": {"error_code": 0, "description": "", "result_list": [
    {"date": "2024-11-01", "new_fans": 143, "total_fans": 86215},
    {"date": "2024-11-02", "new_fans": 97, "total_fans": 86290}]},
    "extra": {"logid": "202411030930000102030405AB", "now": 1730597400000, "error_code": 0,
              "description": "", "sub_error_code": 0, "sub_description": ""}}

DOUYIN_COMMENTS = {"fanops_api_dump": 1, "account": "qinghe_dy", "fetched_at": "2026-07-28T09:30:00+08:00",
                   "calls": [{"api": "item/comment/list",
                              "request": {"item_id": "@9VwL2uGxRsYhM8d1Q7ZrLc7VoDfS+0qE4x2J3W1tFTk=", "cursor": 0,
                                          "count": 50, "item_create_time": 1785008000,
                                          "item_title": "桂花乌龙冷泡教程 3步搞定\n秋天的第一杯冷泡茶，你学会了吗？#冷泡茶 #桂花乌龙"},
                              "response": {"data": {"error_code": 0, "description": "", "cursor": 2,
                                                    "has_more": False, "list": [
                                  {"comment_id": "@kj5k4hQ7vR2nGnM4ltGM780mDqPP+KPpR0qQOmLVAXb/T0==",
                                   "comment_user_id": "3e8f1a52-7b6c-4d09-a1f2-5c9e0d7b8a34",
                                   "content": "冷泡要泡几个小时呀", "create_time": 1785071700, "digg_count": 12,
                                   "reply_comment_total": 1, "top": False},
                                  {"comment_id": "@pL3s8aR1bX0nGnM4ltGM780mDqPP+KPpR0qQOmLVAXb/T1==",
                                   "comment_user_id": "ba253642-0590-40bc-9bdf-9a1334b94059",
                                   "content": "买了，明天到", "create_time": 1785114191, "digg_count": 3,
                                   "reply_comment_total": 0, "top": False}]},
                                  "extra": {"logid": "202607280930000A0B0C0D0E0F", "now": 1785202200000,
                                            "error_code": 0}}}]}

LIVE = '''直播场次ID,直播标题,开播时间,下播时间,直播时长,累计观看人数,观看次数,最高在线人数,平均在线人数,人均观看时长,新增粉丝数,评论次数,点赞次数,分享次数,商品曝光人数,商品点击人数,成交订单数,成交人数,成交金额(元),关联活动ID
LS20241111A,双11桂花乌龙专场,2024-11-11 19:30:00,2024-11-11 23:05:12,03:35:12,48210,63377,2315,906,02:41,1288,9412,186000,742,31020,6204,1873,1702,"215,388.60",CMP-2024-11-FS01
LS20241118B,冬日围炉煮茶,2024-11-18 20:00:00,2024-11-18 22:00:40,02:00:40,12033,15870,611,240,01:58,301,2210,40520,133,8120,1402,318,296,"31,902.00",
'''

KS_VIDEOS = '''作品,发布时间,播放量,完播率,点赞量,评论量,收藏量,分享量,涨粉量
办公室冷泡茶3步搞定 #冷泡茶,2024-11-03 18:20:05,12873,20.6%,386,41,57,23,12
桂花乌龙开箱 双11到货啦,2024-11-12 12:02:47,"5,402",14.9%,97,15,8,4,2
'''

KS_PHOTOS = {"result": 1, "video_list": [
    {"photo_id": "3xcezrvdb75jv52", "caption": "办公室冷泡茶3步搞定 #冷泡茶",
     "cover": "https://p2.a.yximgs.com/upic/2024/11/03/cover.jpg",
     "play_url": "https://v2.kwaicdn.com/upic/2024/11/03/play.mp4", "create_time": 1730629205000,
     "like_count": 386, "comment_count": 41, "view_count": 12873, "pending": False},
    {"photo_id": "3xk9mfq2ua8wz7e", "caption": "桂花乌龙开箱 双11到货啦", "create_time": 1731384167000,
     "like_count": 97, "comment_count": 15, "view_count": 5402, "pending": False}]}

WEIBO_POSTS = {"statuses": [
    {"created_at": "Fri Nov 01 12:00:03 +0800 2024", "id": 5096358245224017, "idstr": "5096358245224017",
     "mid": "5096358245224017",
     "text": "秋冬第一杯，桂花乌龙上新！转发抽3位送新品礼盒 <a href=\"https://s.weibo.com/weibo?q=%23青禾桂花乌龙%23\">#青禾桂花乌龙#</a>",
     "source": "<a href=\"https://app.weibo.com/t/feed/6vtZb0\" rel=\"nofollow\">微博网页版</a>",
     "reposts_count": 312, "comments_count": 187, "attitudes_count": 1046, "isLongText": False,
     "user": {"id": 7712345678, "idstr": "7712345678", "screen_name": "青禾茶饮", "followers_count": 284113}},
    {"created_at": "Sun Nov 03 10:30:00 +0800 2024", "id": 5097080123456789, "idstr": "5097080123456789",
     "mid": "5097080123456789",
     "text": "关于近期消费者反馈的说明：我们已第一时间联系当事用户，并将同批次产品送第三方检测…全文",
     "reposts_count": 1289, "comments_count": 2316, "attitudes_count": 874, "isLongText": True,
     "region_name": "发布于 上海",
     "user": {"id": 7712345678, "idstr": "7712345678", "screen_name": "青禾茶饮", "followers_count": 284470}}],
    "total_number": 2}

WEIBO_FANS = """日期,粉丝总数,新增粉丝数,取消关注数,净增粉丝数
2024-11-01,284113,530,112,418
2024-11-02,284470,461,104,357
"""

WEIBO_COMMENTS = {"comments": [
    {"created_at": "Fri Nov 01 12:07:45 +0800 2024", "id": 5096360184302231, "idstr": "5096360184302231",
     "text": "已转，求中奖！", "source": "来自上海",
     "user": {"idstr": "6543210987", "screen_name": "喝茶的小鹿", "followers_count": 312},
     "status": {"idstr": "5096358245224017"}},
    {"created_at": "Fri Nov 01 14:20:10 +0800 2024", "id": 5096393512118870, "idstr": "5096393512118870",
     "text": "回复@喝茶的小鹿:祝好运～开奖见！",
     "user": {"idstr": "7712345678", "screen_name": "青禾茶饮"},
     "status": {"idstr": "5096358245224017"},
     "reply_comment": {"idstr": "5096360184302231", "text": "已转，求中奖！", "user": {"idstr": "6543210987"}}}],
    "previous_cursor": 0, "next_cursor": 0, "total_number": 187}

ORDERS = '''订单编号,订单状态,买家实付金额,买家应付邮费,退款金额,订单创建时间,订单付款时间 ,发货时间,确认收货时间,订单关闭原因,买家ID,优惠券码,流量来源,达人ID,内容ID
3872615590218446871,"买家已付款,等待卖家发货",128.00,0.00,0.00,2024-11-11 00:03:12,2024-11-11 00:03:40,,,订单未关闭,tb_q8m2k1x7,QH1111-20,抖音,KOL-0042,https://www.douyin.com/video/7433012285546614066
3872702219905512360,交易成功,256.00,0.00,,2024-11-11 20:41:07,2024-11-11 20:41:35,2024-11-12 10:15:00,2024-11-16 09:02:44,订单未关闭,tb_c41nz0p3,,小红书,,67270d3a000000001a03c9f2
3872755018843377125,交易关闭,0.00,0.00,,2024-11-12 08:12:55,null,,,超时未付款,tb_7hw5e2ra,,微信,,
'''

CAMPAIGNS = """活动ID,活动名称,活动类型,平台,账号标识,开始时间,结束时间,预算(元),优惠券码,话题标签,负责人ID,状态
CMP-2024-11-FS01,双11桂花乌龙限时抢购,限时抢购,抖音、天猫,qinghe_dy、qinghe_tmall,2024-11-10 20:00,2024-11-11 23:59,"150,000.00",QH1111-20,#青禾双11#,T001,已结束
CMP-2024-11-LT02,转发抽奖送新品礼盒,抽奖,微博,qinghe_wb,2024-11-01 12:00,2024-11-07 23:59,"8,000.00",,#青禾桂花乌龙#,T004,已结束
"""

COSTS = """费用ID,活动ID,费用日期,费用类型,金额(元),平台,达人ID,合作ID,状态,备注
FY-20241108-001,CMP-2024-11-FS01,2024-11-08,KOL费用,"38,000.00",抖音,KOL-0042,KP-0193,有效,头部达人专场口播
FY-20241111-004,CMP-2024-11-FS01,2024-11-11,广告投放,"52,360.50",抖音,,,有效,巨量千川
"""

KOLS = """达人ID,达人昵称,平台,平台账号ID,主页链接,粉丝数,粉丝数统计日期,层级,领域,报价(元),合作状态
KOL-0042,茶小白的日常,抖音,,https://www.douyin.com/user/MS4wLjABAAAAx1y2z3,326.5万,2024-11-01,头部,美食饮品,"38,000.00",合作中
KOL-0107,喝茶的阿柚,小红书,5f1e2d3c000000000101a2b3,https://www.xiaohongshu.com/user/profile/5f1e2d3c000000000101a2b3,8.6万,2024-11-01,腰部,生活方式,"6,500.00",合作中
"""

KOL_POSTS = """合作ID,达人ID,活动ID,平台,内容链接,发布时间,数据截至时间,播放量,点赞数,评论数,收藏数,分享数
KP-0193,KOL-0042,CMP-2024-11-FS01,抖音,https://www.douyin.com/video/7433012285546614066,2024-11-09 19:00,2024-11-12 10:00,128.6万,4.2万,1873,5210,960
KP-0201,KOL-0107,CMP-2024-11-FS01,小红书,https://www.xiaohongshu.com/explore/67270d3a000000001a03c9f2,2024-11-05 19:30,2024-11-12 10:00,3.1w,1024,86,540,112
"""

CALENDAR = """排期ID,账号标识,计划发布时间,内容标题,内容类型,活动ID,负责人ID,状态,实际发布时间,内容链接
CC-2024-1101-01,qinghe_wx,2024-11-01 12:00,秋冬第一杯｜桂花乌龙上新,产品推广,CMP-2024-11-FS01,T002,已发布,2024-11-01 12:06,https://mp.weixin.qq.com/s?__biz=MzI0NjE3NzY1Mg==&mid=2247489321&idx=1&sn=5b0e3f1c9a7d2e4b8c6f0a1d3e5b7c9f
CC-2024-1105-02,qinghe_xhs,2024-11-05 18:00,冬日围炉煮茶指南,娱乐休闲,,T005,审核,,
"""

BRANDS = """品牌ID,品牌名称,是否本品,品牌关键词,平台,账号名称,平台账号ID
B-QH,青禾,是,青禾|青禾茶饮|桂花乌龙,,,
B-SY,山云茶舍,否,山云茶舍|山云冷泡,,,
B-SY,山云茶舍,否,,微博,山云茶舍官方微博,6012345678
"""

OBSERVATIONS = """品牌ID,平台,统计日期,统计周期天数,粉丝数,周期内发布数,周期内互动数
B-SY,微博,2024-11-03,7,41.2万,9,12873
"""

TEAM = """成员ID,显示名,角色,负责账号,入职日期,离职日期,状态
T001,阿青,运营经理,qinghe_tmall|qinghe_dy,2022-08-15,,在职
T007,小满,客户服务,qinghe_dy|qinghe_wx,2024-03-04,,在职
"""

MESSAGES = (
    '{"platform":"douyin","account":"qinghe_dy","conversation_id":"c_7f3a9e01","message_id":"m_000981","fan_id":"_000Hx3kP2aQ9vT7sLw","direction":"in","sent_at":"2024-11-11T20:14:05+08:00","text":"请问今晚直播间还有满减券吗？我电话13812345678"}\n'
    '{"platform":"douyin","account":"qinghe_dy","conversation_id":"c_7f3a9e01","message_id":"m_000982","fan_id":"_000Hx3kP2aQ9vT7sLw","direction":"out","agent_id":"T007","is_auto_reply":false,"sent_at":"2024-11-11T20:16:41+08:00","text":"亲，今晚8点直播间有满99减20券哦～"}\n'
    '{"platform":"wechat","account":"qinghe_wx","conversation_id":"c_oQ7kS5xY","message_id":"m_104455","fan_id":"oQ7kS5xYz2B8mN1pL4rT6vW9aC3e","direction":"out","is_auto_reply":true,"sent_at":"2024-11-11T23:40:00+08:00","msg_type":"text","text":"您好，客服在线时间9:00-22:00，明早回复您"}\n'
)

MENTIONS = (
    '{"platform":"weibo","mention_id":"5097012345678901","author_id":"5523187046","author_followers":1520000,"text":"青禾的桂花乌龙喝出异物？？客服电话打不通","created_at":"2024-11-03T06:12:44.000Z","fetched_at":"2024-11-03T14:20:00+08:00","url":"https://weibo.com/5523187046/OyZ1a2b3C","is_repost":false,"reposts":312,"comments":95,"likes":1204}\n'
    '{"platform":"xiaohongshu","mention_id":"67270d3a000000001a03c9f2","author_id":"5f1e2d3c000000000101a2b3","author_followers":"8.6万","text":"青禾冷泡真的好喝，办公室回购第三次","created_at":"昨天 19:30","fetched_at":"2024-11-06T09:30:00+08:00","url":"https://www.xiaohongshu.com/explore/67270d3a000000001a03c9f2","is_repost":false,"likes":"1千+"}\n'
)

DOUYIN_PORTRAIT = {"fanops_api_dump": 1, "fetched_at": "2024-11-08T09:00:00+08:00", "calls": [
    {"api": "fans_data", "request": {}, "response": {"data": {"error_code": 0, "description": "", "fans_data": {
        "all_fans_num": 182033,
        "gender_distributions": [{"item": "1", "value": 52790}, {"item": "2", "value": 129243}],
        "age_distributions": [{"item": "1-23", "value": 41870}, {"item": "24-30", "value": 70993},
                              {"item": "31-40", "value": 49150}, {"item": "41-50", "value": 14562},
                              {"item": "50-", "value": 5458}],
        "geographical_distributions": [{"item": "广东", "value": 27305}, {"item": "浙江", "value": 20024}]}}}}]}


def _xhs_notes(path: Path) -> None:
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("笔记列表明细")
    ws.write_row(0, 0, ["最多导出1000条笔记数据（提示语，内容会变）"])
    ws.write_row(1, 0, ["笔记标题", "首次发布时间", "体裁", "曝光", "观看量", "封面点击率", "点赞", "评论", "收藏", "涨粉",
                        "分享", "人均观看时长", "弹幕"])
    ws.write_row(2, 0, ["秋冬办公室茶单｜5款口粮茶测评", "2024年11月01日12时30分05秒", "图文", 48210, 3954, 0.082, 612,
                        47, 389, 21, 35, "7.03秒", 0])
    ws.write_row(3, 0, ["冷泡桂花乌龙 30秒教程", "2024年11月03日20时05分41秒", "视频", 120533, 9870, 0.0819, 1024, 86,
                        540, 57, 112, "9.2s", 14])
    wb.close()


def _xhs_fans(path: Path) -> None:
    wb = xlsxwriter.Workbook(str(path))
    for sheet, head, vals in (("净涨粉趋势", "净涨粉", (23, -4)), ("新增关注趋势", "新增关注", (31, 12)),
                              ("取消关注趋势", "取消关注", (8, 16))):
        ws = wb.add_worksheet(sheet)
        ws.write_row(0, 0, ["日期", head])
        ws.write_row(1, 0, ["2026年08月14日", vals[0]])
        ws.write_row(2, 0, ["2026年08月15日", vals[1]])
    wb.close()


def write_tree(root: Path) -> Path:
    """Write every contract example under ``root`` (the landing root) and return it."""

    def put(rel: str, content: str | bytes | dict, encoding: str = "utf-8") -> None:
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, dict):
            p.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
        elif isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_bytes(content.encode(encoding))

    put("ops/accounts/accounts.csv", ACCOUNTS)
    put("wechat/qinghe_wx/user_growth/用户分析_用户增长.csv", USER_GROWTH, "utf-8-sig")
    put("wechat/qinghe_wx/user_growth/datacube_20241102.json", DATACUBE)
    put("wechat/qinghe_wx/articles/2024-11/articles.csv", ARTICLES_TSV, "gb18030")
    put("wechat/qinghe_wx/articles/total_20241102.json", ARTICLE_TOTAL)
    put("wechat/qinghe_wx/comments/c_2247489321.json", WECHAT_COMMENTS)
    put("douyin/qinghe_dy/videos/videos.csv", DOUYIN_VIDEOS)
    put("douyin/qinghe_dy/fans/fans.json", DOUYIN_FANS)
    put("douyin/qinghe_dy/comments/comments.json", DOUYIN_COMMENTS)
    put("douyin/qinghe_dy/live_sessions/live.csv", LIVE)
    put("douyin/qinghe_dy/fans_portrait/portrait.json", DOUYIN_PORTRAIT)
    put("kuaishou/qinghe_ks/videos/export.csv", KS_VIDEOS)
    put("kuaishou/qinghe_ks/videos/photos.json", KS_PHOTOS)
    put("weibo/qinghe_wb/posts/statuses.json", WEIBO_POSTS)
    put("weibo/qinghe_wb/fans/fans.csv", WEIBO_FANS)
    put("weibo/qinghe_wb/comments/comments.json", WEIBO_COMMENTS)
    put("shop/qinghe_tmall/orders/orders.csv", ORDERS, "gb18030")
    put("ops/campaigns/campaigns.csv", CAMPAIGNS)
    put("ops/campaign_costs/costs.csv", COSTS)
    put("ops/kols/kols.csv", KOLS)
    put("ops/kol_posts/kol_posts.csv", KOL_POSTS)
    put("ops/content_calendar/calendar.csv", CALENDAR)
    put("ops/competitor_brands/brands.csv", BRANDS)
    put("ops/competitor_observations/obs.csv", OBSERVATIONS)
    put("ops/team/team.csv", TEAM)
    put("ops/messages/messages.jsonl", MESSAGES)
    put("listening/mentions/mentions.jsonl", MENTIONS)
    (root / "xiaohongshu/qinghe_xhs/notes").mkdir(parents=True, exist_ok=True)
    _xhs_notes(root / "xiaohongshu/qinghe_xhs/notes/笔记列表明细.xlsx")
    (root / "xiaohongshu/qinghe_xhs/fans").mkdir(parents=True, exist_ok=True)
    _xhs_fans(root / "xiaohongshu/qinghe_xhs/fans/涨粉数据.xlsx")
    put("xiaohongshu/qinghe_xhs/fans/涨粉数据.xlsx.meta.json", {"exported_at": "2026-08-16T10:00:00+08:00"})
    return root
