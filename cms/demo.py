"""Demo CMS pages (S2): the home page, the guide and FAQ pages the header links to,
the about page and the topics (W1, W2).

Idempotent: pages key on their slug under the home page; the home page
replaces Wagtail's welcome page once. An older /faq/ StandardPage is replaced
by the FaqPage.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.sites.models import Site as DjangoSite
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page, Site

from .models import AboutPage, FaqPage, HomePage, StandardPage, TopicIndexPage, TopicPage, TopicProduct

HOME = {
    "title": "ホーム",
    "hero_title": "法人のIT購買を、見積から承認・発注までひとつに。",
    "hero_text": "セキュリティ対策ソフトからクラウドサービス、ネットワーク機器まで。\n"
    "税抜価格で比べて、その場で見積書を作成し、社内承認を経て請求書払いで発注できます。",
}
PAGES = [
    (
        "guide",
        "ご利用ガイド",
        "はじめての方へ：会員登録からご注文までの流れです。",
        "<h2>1. 法人会員登録</h2><p>「新規会員登録」から法人名・ご担当者・発注権限者の情報をお送りください。"
        "当店で内容を確認し、通常3営業日以内に審査結果をメールでお知らせします。登録料・年会費はかかりません。</p>"
        "<h2>2. 商品を探す</h2><p>ページ上部の検索ボックスに、メーカ名・商品名・商品コード・キーワードを入力してEnterキーを押してください。"
        "全角・半角のどちらでも検索できます。</p>"
        "<h2>3. 見積・承認・発注</h2><p>カートから見積書を作成できます（有効期限7日間）。"
        "社内の承認ルートを設定している場合は、承認者の承認後に発注が確定します。</p>"
        "<h2>4. お支払い</h2><p>請求書払い（掛け払い）またはクレジットカードをご利用いただけます。表示価格はすべて税抜です。</p>",
    ),
]


def _ensure_root() -> Page:
    """Wagtail's tree root (made by a migration; recreated after a test flush)."""
    Locale.objects.get_or_create(language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE))
    return Page.get_first_root_node() or Page.add_root(title="Root", slug="root")


def ensure_pages() -> HomePage:
    root = _ensure_root()
    home = HomePage.objects.first()
    if home is None:
        home = HomePage(slug="home-kobai", **HOME)
        root.add_child(instance=home)
        home.save_revision().publish()
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(
            hostname="localhost", port=80, root_page=home, is_default_site=True, site_name=settings.SHOP_NAME
        )
    elif site.root_page_id != home.pk:
        site.root_page = home
        site.site_name = settings.SHOP_NAME
        site.save()
    # Wagtail's welcome page is no longer reachable; remove it.
    for page in root.get_children().exclude(pk=home.pk):
        if page.specific_class is Page:
            page.delete()
    for slug, title, intro, body in PAGES:
        if not StandardPage.objects.child_of(home).filter(slug=slug).exists():
            page = StandardPage(slug=slug, title=title, intro=intro, body=body)
            home.add_child(instance=page)
            page.save_revision().publish()
    _ensure_faq(home)
    _ensure_about(home)
    _ensure_topics(home)
    DjangoSite.objects.update_or_create(
        pk=settings.SITE_ID, defaults={"domain": "127.0.0.1:8000", "name": settings.SHOP_NAME}
    )
    return home


def _qa(question: str, answer: str) -> dict:
    return {"question": question, "answer": answer}


FAQ_INTRO = "お問い合わせの多いご質問をまとめました。キーワードで検索することもできます。"
FAQ_SECTIONS = [
    (
        "会員登録",
        "membership",
        [
            _qa(
                "個人でも会員登録できますか？",
                "<p>当店は法人・団体様専用のサイトです。お申し込みの際に法人名と所在地を確認する審査があり、"
                "審査を通過した法人様のみご利用いただけます。個人事業主の方は屋号でお申し込みください。</p>",
            ),
            _qa(
                "審査にはどのくらい時間がかかりますか？",
                "<p>お申し込み内容と法人情報を確認し、通常3営業日以内に結果をメールでお知らせします。"
                "確認のため、ご担当者様へお電話する場合があります。</p>",
            ),
            _qa(
                "ログインにはメールアドレスを使いますか？",
                "<p>いいえ。審査通過後にお送りする「お客様ID」（Kから始まる8桁）とパスワードでログインします。"
                "お客様IDはご担当者様ごとに発行され、同じ法人の中で権限を分けて使えます。</p>",
            ),
        ],
    ),
    (
        "商品・見積",
        "products",
        [
            _qa(
                "見積書の有効期限はいつまでですか？",
                "<p>発行日から7日間です。期限を過ぎた見積からは注文できませんが、見積の画面で「再見積」を押すと、"
                "同じ内容を最新の価格で見積り直せます。</p>",
            ),
            _qa(
                "数量が多い場合や特別な条件がある場合は？",
                "<p>大口のご注文や複数年の一括契約など、画面の価格と異なる条件をご希望の場合は「個別見積」をご依頼ください。"
                "担当者が条件を確認し、専用の見積書をお出しします。</p>",
            ),
            _qa(
                "「事前申請が必要」と表示された商品は何ですか？",
                "<p>メーカーへの事前申請（エンドユーザー登録など）が必要な商品です。"
                "ご注文の際に申請に必要な情報をご入力いただき、メーカーの承認後に手配を進めます。</p>",
            ),
        ],
    ),
    (
        "ご注文",
        "orders",
        [
            _qa(
                "社内の承認を経てから注文したいのですが。",
                "<p>管理者の方が会員ごとに「承認ルート」（一次承認者・二次承認者）を設定できます。"
                "ルートが設定された方の注文は、承認者全員が承認した時点で確定し、それまでは「承認待ち」となります。</p>",
            ),
            _qa(
                "注文の確定後にキャンセルできますか？",
                "<p>ソフトウェアライセンスは確定と同時にメーカーへ手配するため、確定後のお客様都合によるキャンセルはお受けしておりません。"
                "承認待ちの間であれば、依頼者が取り下げることができます。</p>",
            ),
            _qa(
                "年間契約の更新はどうすればよいですか？",
                "<p>契約期間はマイページの注文詳細に表示され、満了が近づくとメールでお知らせします。"
                "更新は自動では行われません。更新用の商品を新しい注文としてご注文ください。</p>",
            ),
        ],
    ),
    (
        "お支払い",
        "payment",
        [
            _qa(
                "支払方法は何がありますか？",
                "<p>請求書払い（掛け払い）とクレジットカードがご利用いただけます。"
                "請求書払いは決済代行会社の審査で決まった与信枠の範囲内でご利用いただけます。"
                "クレジットカードは発注権限をお持ちの会員様のみお選びいただけます。</p>",
            ),
            _qa(
                "請求書はいつ届きますか？支払期日は？",
                "<p>当月分のご注文をまとめ、翌月の第3営業日に請求書を発行します。お支払い期日は発行月の末日です。</p>",
            ),
            _qa(
                "インボイス制度（適格請求書）に対応していますか？",
                "<p>はい。出荷時にお送りする「納品書兼注文請書」は、当店の登録番号、税率ごとの合計と消費税額を記載した適格請求書です。"
                "消費税は書類ごと・税率ごとに1回だけ計算し、1円未満を切り捨てています。</p>",
            ),
            _qa(
                "与信枠を超える注文はできますか？",
                "<p>請求書払いでは、未払いの金額とご注文金額の合計が与信枠を超える場合はご注文いただけません。"
                "クレジットカードをご利用いただくか、与信枠の見直しについてお問い合わせください。</p>",
            ),
        ],
    ),
]


def faq_body() -> list[tuple[str, dict]]:
    return [("section", {"title": title, "anchor": anchor, "items": items}) for title, anchor, items in FAQ_SECTIONS]


def _ensure_faq(home: HomePage) -> None:
    """The /faq/ page is a FaqPage; an older StandardPage at that slug is deleted and recreated."""
    existing = home.get_children().filter(slug="faq").first()
    if existing is not None:
        if existing.specific_class is FaqPage:
            return
        existing.delete()
    page = FaqPage(slug="faq", title="よくあるご質問", intro=FAQ_INTRO, body=faq_body())
    home.add_child(instance=page)
    page.save_revision().publish()


ABOUT_INTRO = "法人のIT調達を、見積から社内承認・発注・請求までひとつの画面で。"
ABOUT_BODY = (
    "<p>ソフトウェアライセンス、クラウドサービスの年間契約、ネットワーク機器と保守まで、"
    "企業・団体の情報システムご担当者様が必要とするIT商材を税抜価格で比較してご購入いただける、法人専用の通販サイトです。</p>"
    "<h2>3つの特長</h2><ul>"
    "<li><b>その場で見積書</b>：カートの内容から見積書をすぐに作成し、PDFで社内稟議に添付できます。</li>"
    "<li><b>社内承認に対応</b>：依頼者・承認者・管理者の役割と承認ルートを設定でき、承認が終わった注文だけが確定します。</li>"
    "<li><b>請求書払い</b>：月末締め・翌月末払いの請求書払いをご利用いただけます。書類はインボイス制度に対応しています。</li>"
    "</ul>"
)


def _ensure_about(home: HomePage) -> None:
    if home.get_children().filter(slug="about").exists():
        return
    page = AboutPage(slug="about", title=f"{settings.SHOP_NAME}とは", intro=ABOUT_INTRO, body=ABOUT_BODY)
    home.add_child(instance=page)
    page.save_revision().publish()


TOPICS = [
    (
        "2026-end-of-sale-ts-av",
        "旧版ウイルスチェックライセンスの販売終了について",
        datetime.date(2026, 11, 2),
        TopicPage.Category.END_OF_SALE,
        "<p>メーカーの製品ライフサイクルに合わせ、一部の旧版ライセンスの販売を順次終了します。"
        "後継製品は下の関連商品からご確認ください。販売終了日以降は見積・注文ができなくなります。</p>",
        ["BF-TS-AV-5Y"],
    ),
    (
        "2026-price-revision-m365",
        "Microsoft 365 の一部プランの価格改定のお知らせ",
        datetime.date(2026, 11, 10),
        TopicPage.Category.PRICE_REVISION,
        "<p>メーカーの価格改定に伴い、一部プランの販売価格を改定します。"
        "改定前に作成した見積書は有効期限（7日間）内であれば旧価格でご注文いただけます。現在の価格は関連商品に表示しています。</p>",
        ["MS-M365BB-1Y", "MS-M365BS-1Y"],
    ),
    (
        "2026-new-web-meeting",
        "Web会議向けの新商品を追加しました",
        datetime.date(2026, 11, 20),
        TopicPage.Category.NEW_PRODUCT,
        "<p>会議室で使えるスピーカーフォンと、大人数のオンライン会議向けアドオンを取り扱い商品に加えました。</p>",
        ["YM-YVC1000-HW", "ZM-LM500-1Y"],
    ),
]


def _ensure_topics(home: HomePage) -> None:
    from oscar.core.loading import get_model

    product_model = get_model("catalogue", "Product")
    index_page = TopicIndexPage.objects.child_of(home).first()
    if index_page is None:
        index_page = TopicIndexPage(
            slug="topics", title="トピックス", intro="販売終了・価格改定・キャンペーン・新商品のお知らせです。"
        )
        home.add_child(instance=index_page)
        index_page.save_revision().publish()
    for slug, title, date, category, body, codes in TOPICS:
        if TopicPage.objects.child_of(index_page).filter(slug=slug).exists():
            continue
        products = {p.upc: p for p in product_model.objects.filter(upc__in=codes)}
        page = TopicPage(
            slug=slug,
            title=title,
            date=date,
            category=category,
            body=body,
            related_products=[TopicProduct(product=products[code]) for code in codes if code in products],
        )
        index_page.add_child(instance=page)
        page.save_revision().publish()
