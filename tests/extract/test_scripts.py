"""Extraction in every script family: one generated page per family, every field checked,
including the characters the cleaning must leave alone (ZWNJ in Persian, ZWSP in Khmer,
tsheg and shad, Ethiopic wordspace, Armenian punctuation, tatweel, spaces between Cyrillic
words) and the noise it must take away (stray joiners, bidi marks at line edges, ZWSP in
Chinese). The sentences are written for these tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from html import escape

import pytest

from newscrawl.extract.pangea import PangeaArticle
from newscrawl.languages import script_family
from newscrawl.loaders import load_article
from newscrawl.sites import Site

FETCHED_AT = datetime(2025, 3, 1, tzinfo=timezone.utc)
IMAGE = "https://gdb.voanews.com/01000000-0aff-0242-d5d7-08dc658aabd0_w650_r1_s.jpg"
ORIGINAL_IMAGE = "https://gdb.voanews.com/01000000-0aff-0242-d5d7-08dc658aabd0.jpg"
ZWNJ, ZWJ, ZWSP, LRM, RLM, PDF = "\u200c", "\u200d", "\u200b", "\u200e", "\u200f", "\u202c"


@dataclass(frozen=True)
class Sample:
    """A page of one script family: what the page holds (``raw``) and what the item says."""

    language: str
    family: str
    title: tuple[str, str]  # (as the page writes it, as the item says it)
    paragraphs: tuple[tuple[str, str], ...]
    section: str
    author: str
    keywords: tuple[str, tuple[str, ...]]
    caption: str
    dateline: tuple[str, str] | None
    printed_date: tuple[str, str]  # (printed, ISO UTC)
    sources: tuple[str, tuple[str, ...]] | None = None  # (attribution line, agencies)
    direction: str = "ltr"
    host: str = field(default="www.example-pangea.test")


SAMPLES = [
    Sample(
        language="fa", family="arabic", direction="rtl",
        title=(f"{RLM}دولت می{ZWNJ}خواهد گفت{ZWNJ}وگو را ادامه دهد{RLM}",
               f"دولت می{ZWNJ}خواهد گفت{ZWNJ}وگو را ادامه دهد"),
        paragraphs=(
            ("نشست امروز در تهـــران برگزار شد.", "نشست امروز در تهـــران برگزار شد."),  # tatweel kept
            (f"به گزارش {LRM}VOA{LRM}، این نشست دو ساعت طول کشید.",
             f"به گزارش {LRM}VOA{LRM}، این نشست دو ساعت طول کشید."),  # marks inside a line kept
            (f"{RLM}این یک متن آزمایشی است{PDF}.", "این یک متن آزمایشی است."),  # edge mark, lone PDF
        ),
        section="ایران", author="مریم احمدی",
        keywords=(f"ایران، آمریکا، گفت{ZWNJ}وگو", ("ایران", "آمریکا", f"گفت{ZWNJ}وگو")),
        caption=f"نمایی از نشست{ZWNJ}های امروز",
        dateline=("واشنگتن ـ", "واشنگتن"),
        printed_date=("جمعه ۱۰ خرداد ۱۴۰۳ ساعت ۱۴:۰۵", "2024-05-30T14:05:00Z"),
        sources=("منبع: رویترز و آسوشیتدپرس", ("رویترز", "آسوشیتدپرس")),
    ),
    Sample(
        language="zh-Hans", family="han",
        title=("美国国务院\n发表声明", "美国国务院发表声明"),  # a wrapped source line is no space
        paragraphs=(
            (f"\u3000\u3000他说：“AI 技术\u200b很重要。”", "他说：“AI 技术很重要。”"),
            ("会谈将在\n下周继续。", "会谈将在下周继续。"),
        ),
        section="美国", author="李明",
        keywords=("美国，中国、外交", ("美国", "中国", "外交")),
        caption="国务院大楼",
        dateline=("华盛顿 —", "华盛顿"),
        printed_date=("2024年5月30日 14:05", "2024-05-30T14:05:00Z"),
        sources=("(本文依据了美联社、路透社的报道)", ("美联社", "路透社")),
    ),
    Sample(
        language="ru", family="cyrillic",
        title=("Госдеп США\nзаявил о новых ме\u200dрах", "Госдеп США заявил о новых мерах"),
        paragraphs=(("Переговоры  продолжатся на следующей неделе.", "Переговоры продолжатся на следующей неделе."),),
        section="Мир", author="Анна Петрова",
        keywords=("США, санкции", ("США", "санкции")),
        caption="Здание Госдепартамента",
        dateline=("ВАШИНГТОН —", "ВАШИНГТОН"),
        printed_date=("30 мая 2024, 14:05", "2024-05-30T14:05:00Z"),
        sources=("По материалам AP и Reuters", ("AP", "Reuters")),
    ),
    Sample(
        language="bo", family="tibetan",
        title=("བོད་ཀྱི་གནས་ཚུལ་གསར་པ།", "བོད་ཀྱི་གནས་ཚུལ་གསར་པ།"),
        paragraphs=(("ཚོགས་འདུ་དེ་རིང་འཚོགས་ཡོད། ལས་དོན་མང་པོ་བགྲོ་གླེང་བྱས༌།", "ཚོགས་འདུ་དེ་རིང་འཚོགས་ཡོད། ལས་དོན་མང་པོ་བགྲོ་གླེང་བྱས༌།"),),
        section="བོད།", author="བཀྲ་ཤིས།",
        keywords=("བོད, གནས་ཚུལ", ("བོད", "གནས་ཚུལ")),
        caption="ཚོགས་འདུའི་པར།",
        dateline=None,
        printed_date=("༢༠༢༤ ཟླ་༥ ཚེས་༣༠", "2024-05-30T00:00:00Z"),
    ),
    Sample(
        language="my", family="myanmar",
        title=(f"အစိုးရက ကြေညာချက်{ZWSP}ထုတ်ပြန်", f"အစိုးရက ကြေညာချက်{ZWSP}ထုတ်ပြန်"),  # ZWSP marks a word
        paragraphs=((f"ရန်ကုန်{ZWSP}မြို့တွင် အစည်းအဝေး ကျင်းပသည်၊ ယနေ့ ပြီးဆုံးသည်။",
                     f"ရန်ကုန်{ZWSP}မြို့တွင် အစည်းအဝေး ကျင်းပသည်၊ ယနေ့ ပြီးဆုံးသည်။"),),
        section="မြန်မာ", author="မောင်မောင်",
        keywords=("မြန်မာ၊ နိုင်ငံရေး", ("မြန်မာ", "နိုင်ငံရေး")),
        caption="အစည်းအဝေး မြင်ကွင်း",
        dateline=None,
        printed_date=("မေ ၃၀၊ ၂၀၂၄", "2024-05-30T00:00:00Z"),
    ),
    Sample(
        language="km", family="khmer",
        title=(f"រដ្ឋាភិបាល{ZWSP}បាន{ZWSP}ប្រកាស", f"រដ្ឋាភិបាល{ZWSP}បាន{ZWSP}ប្រកាស"),
        paragraphs=((f"កិច្ចប្រជុំ{ZWSP}បាន{ZWSP}បញ្ចប់{ZWSP}ថ្ងៃនេះ។", f"កិច្ចប្រជុំ{ZWSP}បាន{ZWSP}បញ្ចប់{ZWSP}ថ្ងៃនេះ។"),),
        section="កម្ពុជា", author="សុខ ចាន់",
        keywords=("កម្ពុជា, នយោបាយ", ("កម្ពុជា", "នយោបាយ")),
        caption="កិច្ចប្រជុំ",
        dateline=None,
        printed_date=("៣០ ឧសភា ២០២៤", "2024-05-30T00:00:00Z"),
    ),
    Sample(
        language="ka", family="georgian",
        title=("მთავრობამ ახალი გეგმა წარადგინა", "მთავრობამ ახალი გეგმა წარადგინა"),
        paragraphs=(("შეხვედრა ხვალ გაგრძელდება.", "შეხვედრა ხვალ გაგრძელდება."),),
        section="საქართველო", author="ნინო ბერიძე",
        keywords=("საქართველო, პოლიტიკა", ("საქართველო", "პოლიტიკა")),
        caption="პარლამენტის შენობა",
        dateline=("თბილისი —", "თბილისი"),
        printed_date=("30 მაისი, 2024", "2024-05-30T00:00:00Z"),
    ),
    Sample(
        language="hy", family="armenian",
        title=("Կառավարությունը հայտարարեց՝ բանակցությունները կշարունակվեն։",
               "Կառավարությունը հայտարարեց՝ բանակցությունները կշարունակվեն։"),
        paragraphs=(("Ինչո՞ւ է հանդիպումը հետաձգվել։", "Ինչո՞ւ է հանդիպումը հետաձգվել։"),),
        section="Հայաստան", author="Արամ Սարգսյան",
        keywords=("Հայաստան, քաղաքականություն", ("Հայաստան", "քաղաքականություն")),
        caption="Կառավարության շենքը",
        dateline=("ԵՐԵՎԱՆ —", "ԵՐԵՎԱՆ"),
        printed_date=("30 մայիսի 2024", "2024-05-30T00:00:00Z"),
    ),
    Sample(
        language="am", family="ethiopic",
        title=("መንግሥት አዲስ ዕቅድ አቀረበ።", "መንግሥት አዲስ ዕቅድ አቀረበ።"),
        paragraphs=(("ኢትዮጵያ፡ዜና ስብሰባው ነገ ይቀጥላል።", "ኢትዮጵያ፡ዜና ስብሰባው ነገ ይቀጥላል።"),),
        section="ኢትዮጵያ", author="አበበ ከበደ",
        keywords=("ኢትዮጵያ፣ ፖለቲካ", ("ኢትዮጵያ", "ፖለቲካ")),
        caption="የስብሰባው አዳራሽ",
        dateline=("አዲስ አበባ —", "አዲስ አበባ"),
        printed_date=("ሜይ 30, 2024", "2024-05-30T00:00:00Z"),
    ),
    Sample(
        language="ko", family="hangul",
        title=("정부는\n새로운 계획을 발표했다", "정부는 새로운 계획을 발표했다"),  # Korean spaces words
        paragraphs=(("회의는 내일 계속된다.", "회의는 내일 계속된다."),),
        section="한반도", author="김민수",
        keywords=("한국, 정치", ("한국", "정치")),
        caption="회의 모습",
        dateline=("서울 —", "서울"),
        printed_date=("2024년 5월 30일", "2024-05-30T00:00:00Z"),
    ),
    Sample(
        language="bn", family="indic",
        title=(f"র{ZWJ}্যাব নতুন পরিকল্পনা ঘোষণা করেছে", f"র{ZWJ}্যাব নতুন পরিকল্পনা ঘোষণা করেছে"),  # ZWJ spells র‍্য
        paragraphs=(("বৈঠক আগামীকাল আবার শুরু হবে।", "বৈঠক আগামীকাল আবার শুরু হবে।"),),
        section="বাংলাদেশ", author="রহিম উদ্দিন",
        keywords=("বাংলাদেশ, রাজনীতি", ("বাংলাদেশ", "রাজনীতি")),
        caption="বৈঠকের ছবি",
        dateline=("ঢাকা —", "ঢাকা"),
        printed_date=("৩০ মে ২০২৪", "2024-05-30T00:00:00Z"),
    ),
    Sample(
        language="vi", family="latin",
        title=("Chính phủ công bố\nkế hoạch mới", "Chính phủ công bố kế hoạch mới"),
        paragraphs=(("Cuộc họp sẽ tiếp tục vào ngày mai.", "Cuộc họp sẽ tiếp tục vào ngày mai."),),
        section="Việt Nam", author="Nguyễn Văn An",
        keywords=("Việt Nam, chính trị", ("Việt Nam", "chính trị")),
        caption="Toàn cảnh cuộc họp",
        dateline=("HÀ NỘI —", "HÀ NỘI"),
        printed_date=("30 tháng 5, 2024", "2024-05-30T00:00:00Z"),
    ),
]


def page(sample: Sample) -> str:
    """A Pangea article page with no machine-readable date (no JSON-LD, no time[datetime])."""
    paragraphs = [raw for raw, _ in sample.paragraphs] + ([sample.sources[0]] if sample.sources else [])
    dateline = f'<span class="dateline">{escape(sample.dateline[0])}&nbsp;</span>' if sample.dateline else ""
    body = dateline + "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return f"""<html lang="{sample.language}" dir="{sample.direction}"><head>
<meta name="keywords" content="{escape(sample.keywords[0])}" />
<link rel="canonical" href="https://{sample.host}/a/story/7900100.html" />
</head><body class="pg-article">
<div class="category"><a href="/z/1">{escape(sample.section)}</a></div>
<h1 class="title pg-title">{escape(sample.title[0])}</h1>
<div class="published"><span class="date">{escape(sample.printed_date[0])}</span></div>
<a class="links__item-link" href="/author/x">{escape(sample.author)}</a>
<div class="cover-media"><figure class="media-image"><div class="thumb"><img src="{IMAGE}" /></div>
<figcaption><span class="caption">{escape(sample.caption)}</span></figcaption></figure></div>
<div id="article-content"><div class="wsw">{body}</div></div></body></html>"""


def item_of(sample: Sample) -> dict:
    site = Site(key="sample", origin=f"https://{sample.host}", language=sample.language)
    html = page(sample)
    return dict(load_article(PangeaArticle(html, site.url("/a/story/7900100.html"), site.language), site, FETCHED_AT))


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.family)
def test_every_field_in_every_script(sample: Sample):
    assert script_family(sample.language) == sample.family
    item = item_of(sample)
    texts = [clean for _, clean in sample.paragraphs] + ([sample.sources[0]] if sample.sources else [])
    assert {field: item[field] for field in ("language", "direction", "title", "authors", "section", "tags")} == {
        "language": sample.language,
        "direction": sample.direction,
        "title": sample.title[1],
        "authors": [sample.author],
        "section": sample.section,
        "tags": list(sample.keywords[1]),
    }
    assert [block["text"] for block in item["body"]] == texts
    assert item["body_text"] == "\n\n".join(texts)
    assert item["dateline"] == (sample.dateline[1] if sample.dateline else None)
    assert item["published_at"] == sample.printed_date[1]
    assert item["sources"] == list(sample.sources[1] if sample.sources else [])
    assert item["images"] == [{"url": ORIGINAL_IMAGE, "caption": sample.caption, "is_cover": True}]


def test_the_samples_cover_every_script_family_of_the_issue():
    families = {sample.family for sample in SAMPLES}
    assert {"latin", "cyrillic", "arabic", "han", "tibetan", "myanmar", "khmer", "georgian", "armenian",
            "ethiopic"} <= families
