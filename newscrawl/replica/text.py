"""Invented Chinese news text: a small vocabulary and the generators built on it.

Every generator takes a :class:`random.Random`, so a seed fixes the text. Each word comes with
an English slug form, which is how article slugs are made. No sentence here is taken from a real
article.
"""

from __future__ import annotations

from random import Random

Pair = tuple[str, str]  # (Chinese, slug)

PLACES: tuple[Pair, ...] = (
    ("华盛顿", "washington"), ("北京", "beijing"), ("台北", "taipei"), ("香港", "hong-kong"),
    ("东京", "tokyo"), ("首尔", "seoul"), ("布鲁塞尔", "brussels"), ("日内瓦", "geneva"),
    ("纽约", "new-york"), ("新德里", "new-delhi"), ("马尼拉", "manila"), ("柏林", "berlin"),
)
ACTORS: tuple[Pair, ...] = (
    ("国会议员", "lawmakers"), ("外交官员", "diplomats"), ("经济学家", "economists"),
    ("人权组织", "rights-groups"), ("学生团体", "students"), ("白宫官员", "white-house"),
    ("国防部", "defense-ministry"), ("地方政府", "local-officials"), ("科技公司", "tech-firms"),
    ("选民", "voters"), ("分析人士", "analysts"), ("联合国机构", "un-agencies"),
)
ACTIONS: tuple[Pair, ...] = (
    ("呼吁加强", "urge-stronger"), ("宣布扩大", "expand"), ("警告", "warn-on"), ("讨论", "discuss"),
    ("批评", "criticize"), ("支持", "back"), ("审查", "review"), ("推迟", "delay"),
    ("启动", "launch"), ("评估", "assess"),
)
TOPICS: tuple[Pair, ...] = (
    ("贸易协议", "trade-deal"), ("出口管制", "export-controls"), ("气候政策", "climate-policy"),
    ("移民改革", "immigration-reform"), ("网络安全", "cybersecurity"), ("供应链", "supply-chains"),
    ("新闻自由", "press-freedom"), ("能源合作", "energy-cooperation"), ("芯片补贴", "chip-subsidies"),
    ("地区安全", "regional-security"), ("公共卫生", "public-health"), ("选举改革", "election-reform"),
)
PEOPLE: tuple[Pair, ...] = (
    ("马丁·韦伯", "Martin Weber"), ("莉娜·霍夫曼", "Lena Hoffman"), ("丹尼尔·布鲁克斯", "Daniel Brooks"),
    ("苏珊·帕克", "Susan Parker"), ("乔治·埃文斯", "George Evans"), ("艾米丽·沃德", "Emily Ward"),
    ("罗伯特·林奇", "Robert Lynch"), ("汉娜·施密特", "Hannah Schmidt"),
)
FIRMS = ("Baker & Lowe", "Hart & Sons", "Marsh & Cole")  # names with "&", for the entities variant
DAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
CLAUSES = (
    "此举引发各方关注", "相关谈判预计将持续数周", "官员们表示细节仍在商讨之中",
    "批评者认为这一做法缺乏透明度", "支持者则称这是必要的一步", "多家机构将在下月公布评估报告",
    "当地民众对此反应不一", "这一议题在国会内部存在分歧", "双方同意保持沟通渠道畅通",
    "观察人士预计短期内难有突破",
)
QUOTES = (
    "我们必须正视这些挑战", "这不是一夜之间能够解决的问题", "我们愿意继续对话",
    "透明度是建立信任的前提", "每一个细节都需要经过仔细核实",
)
AUTHORS: tuple[Pair, ...] = (
    ("林嘉文", "lin-jiawen"), ("周海宁", "zhou-haining"), ("陈思远", "chen-siyuan"),
    ("许文澜", "xu-wenlan"), ("高哲", "gao-zhe"), ("宋雨桐", "song-yutong"),
)
ORGANIZATION: Pair = ("美国之音中文网", "voa-chinese")
TAGS = ("美中关系", "人权", "经济", "贸易", "台湾", "香港", "科技", "选举", "外交", "军事", "气候变化", "移民")
AGENCIES = ("美联社", "法新社", "路透社", "彭博社")
SENTENCE_END = "。！？”」）)…"


def person(rng: Random) -> str:
    """A person as Chinese papers name foreigners: transliteration, then the name in brackets."""
    chinese, latin = rng.choice(PEOPLE)
    return f"{chinese}({latin})"


def sentence(rng: Random) -> str:
    place, actor, action, topic = (rng.choice(words)[0] for words in (PLACES, ACTORS, ACTIONS, TOPICS))
    templates = (
        lambda: f"{place}{rng.choice(DAYS)}，{actor}{action}{topic}，{rng.choice(CLAUSES)}。",
        lambda: f"{person(rng)}表示，{actor}正在{action}{topic}的相关安排。",
        lambda: f"“{rng.choice(QUOTES)}，”{rng.choice(PEOPLE)[0]}说。",
        lambda: f"据{rng.choice(AGENCIES)}报道，{place}的{actor}已就{topic}展开磋商，{rng.choice(CLAUSES)}。",
    )
    return rng.choice(templates)()


def paragraph(rng: Random, sentences: tuple[int, int] = (2, 4)) -> str:
    return "".join(sentence(rng) for _ in range(rng.randint(*sentences)))


def headline(rng: Random) -> tuple[str, str]:
    """A title and the slug words made from the same vocabulary."""
    place, actor, action, topic = (rng.choice(words) for words in (PLACES, ACTORS, ACTIONS, TOPICS))
    title = f"{place[0]}{actor[0]}{action[0]}{topic[0]}"
    if rng.random() < 0.5:
        title += " " + rng.choice(CLAUSES)
    return title, "-".join((place[1], actor[1], action[1], topic[1]))


def caption(rng: Random, day: str) -> str:
    place, actor = rng.choice(PLACES)[0], rng.choice(ACTORS)[0]
    return f"{place}的{actor}在会场外接受采访。({day})"


def is_subheading(text: str) -> bool:
    """Whether a short block reads as a sub-heading: no sentence-final punctuation.

    >>> is_subheading("北约：已准备好加大投资"), is_subheading("他说，会谈将继续。")
    (True, False)
    """
    return 0 < len(text) <= 40 and not text.endswith(tuple(SENTENCE_END))
